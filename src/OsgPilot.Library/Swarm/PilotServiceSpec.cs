using System;
using System.Collections.Generic;
using OsgPilot.Launch;

namespace OsgPilot.Swarm
{
    /// <summary>
    /// One global Swarm service of pilots, in OsgPilot's own terms: the container every task runs
    /// (the same <see cref="ContainerSpec"/> Start-OsgPilot makes) plus what Swarm adds. Never holds token text.
    /// </summary>
    internal sealed class PilotServiceSpec
    {
        public string Name { get; set; }
        /// <summary>The config's name, shared by the NAME-1..NAME-N services of -PerNode N and by their token secret.</summary>
        public string Group { get; set; }
        public int PerNode { get; set; }
        public ContainerSpec Container { get; set; }
        public IReadOnlyList<string> Constraints { get; set; }
        public int UpdateParallelism { get; set; }
        public TimeSpan UpdateDelay { get; set; }
        /// <summary>"any", "on-failure" or "none", from the config's restart policy.</summary>
        public string RestartCondition { get; set; }
        /// <summary>The Swarm secret holding the token; its name ends in a digest of the token, so a new token is a new secret.</summary>
        public string SecretName { get; set; }
        public SortedDictionary<string, string> Labels { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
        /// <summary>Digest of everything Swarm is told, kept as a label: equal digests mean nothing to change.</summary>
        public string ConfigHash { get; set; }
    }
}

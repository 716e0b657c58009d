using System;
using System.Collections.Generic;

namespace OsgPilot.Swarm
{
    /// <summary>What a Swarm service adds to a config: how many pilots per node, where, and how updates roll.</summary>
    internal sealed class ServiceOptions
    {
        public const int DefaultUpdateDelaySeconds = 30;

        /// <summary>Pilots per node: one global service each (NAME, or NAME-1..NAME-N).</summary>
        public int PerNode { get; set; } = 1;
        /// <summary>Placement constraints, as docker service create --constraint takes them.</summary>
        public IReadOnlyList<string> Constraints { get; set; } = new string[0];
        /// <summary>Tasks replaced at once in a rolling update; 1 is one node at a time.</summary>
        public int UpdateParallelism { get; set; } = 1;
        public TimeSpan UpdateDelay { get; set; } = TimeSpan.FromSeconds(DefaultUpdateDelaySeconds);
    }
}

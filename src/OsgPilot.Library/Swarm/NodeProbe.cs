using System.Collections.Generic;
using OsgPilot.Launch;

namespace OsgPilot.Swarm
{
    /// <summary>
    /// A one-shot global service: one short task on every node that placement allows, which mounts what
    /// a pilot would and runs a check as the pilot user. Its outcome per node is the preflight's answer.
    /// </summary>
    internal sealed class NodeProbe
    {
        public string Name { get; set; }
        public string Image { get; set; }
        public string User { get; set; }
        /// <summary>A POSIX sh script; its exit code is the answer (0: fine).</summary>
        public string Script { get; set; }
        public List<BindMount> Binds { get; } = new List<BindMount>();
        /// <summary>Capabilities the pilot's tasks get (the container-jobs probe runs with the pilot's privileges).</summary>
        public List<string> CapAdd { get; } = new List<string>();
        public List<KeyValuePair<string, string>> Environment { get; } = new List<KeyValuePair<string, string>>();
        public IReadOnlyList<string> Constraints { get; set; }
        /// <summary>After this, any run may remove the probe: its own run was interrupted before it could.</summary>
        public System.DateTime Expires { get; set; }
        /// <summary>Exit codes the script uses, and what each means on the node.</summary>
        public Dictionary<long, string> Meanings { get; } = new Dictionary<long, string>();
    }
}

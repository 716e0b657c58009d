using System;
using System.Collections.Generic;
using System.Linq;

namespace OsgPilot.Docker
{
    /// <summary>What the engine's /info says about the confinement it applies and where containers' files live.</summary>
    internal sealed class EngineHostInfo
    {
        public EngineHostInfo(IEnumerable<string> securityOptions, string dataRoot)
        {
            SecurityOptions = (securityOptions ?? Enumerable.Empty<string>()).ToList();
            DataRoot = dataRoot;
        }

        /// <summary>The engine's SecurityOptions, e.g. "name=seccomp,profile=default", "name=apparmor".</summary>
        public IReadOnlyList<string> SecurityOptions { get; }
        /// <summary>The engine's data root (DockerRootDir): containers' writable layers, so the pilot's /tmp, live there.</summary>
        public string DataRoot { get; }
        /// <summary>The engine confines containers with AppArmor (docker-default denies mounts unless the pilot names another profile).</summary>
        public bool AppArmor => SecurityOptions.Any(o => o.Split(',').Any(p => p.Trim() == "name=apparmor"));
    }
}

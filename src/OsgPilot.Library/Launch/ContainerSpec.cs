using System.Collections.Generic;
using OsgPilot.Config;

namespace OsgPilot.Launch
{
    /// <summary>A bind mount: host path to container path, with read-only flag and propagation.</summary>
    internal sealed class BindMount
    {
        public BindMount(string source, string target, bool readOnly = false, string propagation = null)
        {
            Source = source;
            Target = target;
            ReadOnly = readOnly;
            Propagation = propagation;
        }

        public string Source { get; }
        public string Target { get; }
        public bool ReadOnly { get; }
        /// <summary>"shared" for /cvmfs, else null (Docker's default, rprivate).</summary>
        public string Propagation { get; }

        /// <summary>The CLI/API bind form, e.g. <c>/cvmfs:/cvmfs:shared</c>.</summary>
        public string ToBindString()
        {
            var options = new List<string>();
            if (ReadOnly) options.Add("ro");
            if (Propagation != null) options.Add(Propagation);
            return options.Count == 0 ? $"{Source}:{Target}" : $"{Source}:{Target}:{string.Join(",", options)}";
        }
    }

    internal sealed class DeviceMount
    {
        public DeviceMount(string path, string permissions = "rwm")
        {
            Path = path;
            Permissions = permissions;
        }

        public string Path { get; }
        public string Permissions { get; }
    }

    /// <summary>
    /// Everything that shapes one pilot container, in OsgPilot's own terms. The mapper fills it from
    /// a config; the Docker layer translates it to the Engine API; the docker-run printer renders it.
    /// It never holds token text.
    /// </summary>
    internal sealed class ContainerSpec
    {
        public string Name { get; set; }
        public string Image { get; set; }
        public string User { get; set; }
        public List<KeyValuePair<string, string>> Environment { get; } = new List<KeyValuePair<string, string>>();
        public SortedDictionary<string, string> Labels { get; } = new SortedDictionary<string, string>(System.StringComparer.Ordinal);
        public List<string> CapAdd { get; } = new List<string>();
        public List<string> SecurityOpt { get; } = new List<string>();
        /// <summary>Where a seccomp=JSON entry of <see cref="SecurityOpt"/> came from (a file name), for the docker-run line; null when none.</summary>
        public string SeccompProfileSource { get; set; }
        /// <summary>The site's seccomp profile file on the engine's host (-SeccompProfilePath), which Podman reads itself; null for OsgPilot's own.</summary>
        public string SeccompProfilePath { get; set; }
        /// <summary>systempaths=unconfined: the Engine API expresses it as empty masked/read-only path lists.</summary>
        public bool UnconfinedSystemPaths { get; set; }
        public List<BindMount> Binds { get; } = new List<BindMount>();
        public List<DeviceMount> Devices { get; } = new List<DeviceMount>();
        public bool AllGpus { get; set; }
        public long? NanoCpus { get; set; }
        public long? MemoryBytes { get; set; }
        public int NoFileLimit { get; set; }
        public long PidsLimit { get; set; }
        public PilotRestartPolicy RestartPolicy { get; set; }
        public int StopTimeoutSeconds { get; set; }
        /// <summary>Host directory mounted at /pilot, or null for the container's own /pilot.</summary>
        public string HostPilotDirectory { get; set; }
        /// <summary>Replaces the image's entrypoint (helper containers only; a pilot runs the image's own).</summary>
        public List<string> Entrypoint { get; set; }
        /// <summary>The config's -Network, or "none" for helper containers that need no network; null: the engine's default, as docker run.</summary>
        public string NetworkMode { get; set; }
        /// <summary>Where the token copied in before each start comes from: "file:PATH" or "inline". Never the token.</summary>
        public string TokenOrigin { get; set; }
        /// <summary>Hash of everything above except labels; stored as a label to detect config drift.</summary>
        public string ConfigHash { get; set; }
    }
}

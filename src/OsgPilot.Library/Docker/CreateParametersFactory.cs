using System.Collections.Generic;
using System.Linq;
using Docker.DotNet.Models;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Launch;
using ContainerSpec = OsgPilot.Launch.ContainerSpec;

namespace OsgPilot.Docker
{
    /// <summary>Translates our <see cref="ContainerSpec"/> into the Engine API's create request, the way the docker CLI would.</summary>
    internal static class CreateParametersFactory
    {
        /// <param name="podman">The engine is Podman, whose Docker API reads some settings its own way.</param>
        public static CreateContainerParameters Create(ContainerSpec s, bool podman = false)
        {
            var host = new HostConfig
            {
                Binds = s.Binds.Select(b => b.ToBindString()).ToList(),
                CapAdd = s.CapAdd.ToList(),
                SecurityOpt = s.SecurityOpt.Select(o => podman ? ForPodman(o, s) : o).ToList(),
                Devices = s.Devices.Select(d => new DeviceMapping { PathOnHost = d.Path, PathInContainer = d.Path, CgroupPermissions = d.Permissions }).ToList(),
                Ulimits = new List<Ulimit> { new Ulimit { Name = "nofile", Soft = s.NoFileLimit, Hard = s.NoFileLimit } },
                PidsLimit = s.PidsLimit,
                RestartPolicy = new RestartPolicy { Name = RestartKind(s.RestartPolicy) },
            };
            if (s.UnconfinedSystemPaths)
            {
                // What `--security-opt systempaths=unconfined` sends: explicitly empty lists.
                host.MaskedPaths = new List<string>();
                host.ReadonlyPaths = new List<string>();
                // Podman's Docker API ignores empty lists and masks /proc as usual; it reads its own
                // option (podman run --security-opt unmask=ALL). dockerd would refuse that option.
                if (podman) host.SecurityOpt.Add("unmask=ALL");
            }
            if (s.AllGpus)
            {
                host.DeviceRequests = new List<DeviceRequest>
                {
                    new DeviceRequest { Driver = "", Count = -1, Capabilities = new List<IList<string>> { new List<string> { "gpu" } } },
                };
            }
            if (s.NanoCpus.HasValue) host.NanoCPUs = s.NanoCpus.Value;
            if (s.NetworkMode != null) host.NetworkMode = s.NetworkMode;
            if (s.MemoryBytes.HasValue) host.Memory = s.MemoryBytes.Value;

            return new CreateContainerParameters
            {
                Name = s.Name,
                Image = s.Image,
                User = s.User,
                Env = s.Environment.Select(kv => kv.Key + "=" + kv.Value).ToList(),
                Entrypoint = s.Entrypoint?.ToList(),
                Labels = new Dictionary<string, string>(s.Labels),
                StopTimeout = System.TimeSpan.FromSeconds(s.StopTimeoutSeconds),
                HostConfig = host,
            };
        }

        /// <summary>
        /// Podman's Docker API reads seccomp=VALUE as a file on its own host, where dockerd takes the
        /// profile's text (as the docker CLI sends it): Podman gets the site's file, and without one the
        /// start stops here, before anything is made.
        /// </summary>
        private static string ForPodman(string option, ContainerSpec s)
        {
            if (!option.StartsWith("seccomp={", System.StringComparison.Ordinal)) return option;
            if (s.SeccompProfilePath != null) return "seccomp=" + s.SeccompProfilePath;
            throw PodmanNeedsProfileFile();
        }

        internal static OsgPilotException PodmanNeedsProfileFile() => new OsgPilotException(ErrorIds.SecurityProfileConflict, System.Management.Automation.ErrorCategory.InvalidArgument,
            "Podman reads a seccomp profile from a file on its own host, not from the request: for -SecurityProfile Minimal on Podman give -SeccompProfilePath, " +
            "a file on the Podman host (for OsgPilot's own profile, copy the module's seccomp/" + Security.SeccompProfile.ShippedFileName + " to /etc/osgpilot/ and name that copy).");

        internal static PilotRestartPolicy PolicyOf(RestartPolicyKind kind)
        {
            switch (kind)
            {
                case RestartPolicyKind.OnFailure: return PilotRestartPolicy.OnFailure;
                case RestartPolicyKind.UnlessStopped: return PilotRestartPolicy.UnlessStopped;
                case RestartPolicyKind.Always: return PilotRestartPolicy.Always;
                default: return PilotRestartPolicy.No;
            }
        }

        internal static RestartPolicyKind RestartKind(PilotRestartPolicy policy)
        {
            switch (policy)
            {
                case PilotRestartPolicy.OnFailure: return RestartPolicyKind.OnFailure;
                case PilotRestartPolicy.UnlessStopped: return RestartPolicyKind.UnlessStopped;
                case PilotRestartPolicy.Always: return RestartPolicyKind.Always;
                default: return RestartPolicyKind.No;
            }
        }
    }
}

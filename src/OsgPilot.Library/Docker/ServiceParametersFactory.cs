using System.Collections.Generic;
using System.Linq;
using Docker.DotNet.Models;
using OsgPilot.Launch;
using OsgPilot.Swarm;
using PilotContainerSpec = OsgPilot.Launch.ContainerSpec;

namespace OsgPilot.Docker
{
    /// <summary>Translates our <see cref="PilotServiceSpec"/> into the Engine API's service spec, the way the docker CLI would.</summary>
    internal static class ServiceParametersFactory
    {
        private const uint TokenFileMode = 0x100; // 0400

        /// <summary>A new pilot that exits within this time of its start counts as a failed update: the start-up's checks take seconds.</summary>
        public static readonly System.TimeSpan MonitorWindow = System.TimeSpan.FromSeconds(30);

        /// <summary>
        /// A global service that runs <paramref name="p"/>'s script once on every eligible node, never
        /// restarted. Not a global job: the swarm never removes a job's finished containers, even
        /// when the job is removed (moby/moby#44312), so every run would leave one per node.
        /// </summary>
        public static ServiceSpec CreateProbe(NodeProbe p) => new ServiceSpec
        {
            Name = p.Name,
            Labels = new Dictionary<string, string>
            {
                [PilotLabels.Probe] = "true",
                [PilotLabels.ProbeExpires] = p.Expires.ToUniversalTime().ToString("o", System.Globalization.CultureInfo.InvariantCulture),
            },
            Mode = new ServiceMode { Global = new GlobalService() },
            TaskTemplate = new TaskSpec
            {
                ContainerSpec = new global::Docker.DotNet.Models.ContainerSpec
                {
                    Image = p.Image,
                    User = p.User,
                    // Command replaces the image's entrypoint: the probe must not start a pilot.
                    Command = new List<string> { "/bin/sh", "-c", p.Script },
                    Mounts = p.Binds.Select(ToMount).ToList(),
                    CapabilityAdd = p.CapAdd.Select(ServiceSpecMapper.CapabilityName).ToList(),
                    Env = p.Environment.Select(kv => kv.Key + "=" + kv.Value).ToList(),
                    Labels = new Dictionary<string, string> { [PilotLabels.Probe] = "true" },
                },
                RestartPolicy = new SwarmRestartPolicy { Condition = "none" },
                Placement = new Placement { Constraints = p.Constraints.ToList() },
            },
        };

        private static Mount ToMount(BindMount b) => new Mount
        {
            Type = "bind",
            Source = b.Source,
            Target = b.Target,
            ReadOnly = b.ReadOnly,
            BindOptions = b.Propagation == null ? null : new BindOptions { Propagation = b.Propagation },
        };

        public static ServiceSpec Create(PilotServiceSpec s, string secretId)
        {
            PilotContainerSpec c = s.Container;
            var container = new global::Docker.DotNet.Models.ContainerSpec
            {
                Image = c.Image,
                User = c.User,
                Env = c.Environment.Select(kv => kv.Key + "=" + kv.Value).ToList(),
                Labels = new Dictionary<string, string>(c.Labels),
                CapabilityAdd = c.CapAdd.Select(ServiceSpecMapper.CapabilityName).ToList(),
                Mounts = c.Binds.Select(ToMount).ToList(),
                Secrets = new List<SecretReference>
                {
                    new SecretReference
                    {
                        SecretID = secretId,
                        SecretName = s.SecretName,
                        File = new SecretReferenceFileTarget
                        {
                            Name = PilotContainerMapper.TokenPathInContainer,
                            UID = PilotContainerMapper.PilotUid.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            GID = PilotContainerMapper.PilotUid.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            Mode = TokenFileMode,
                        },
                    },
                },
                Ulimits = new List<Ulimit> { new Ulimit { Name = "nofile", Soft = c.NoFileLimit, Hard = c.NoFileLimit } },
                StopGracePeriod = System.TimeSpan.FromSeconds(c.StopTimeoutSeconds),
            };
            var limits = new SwarmLimit { Pids = c.PidsLimit };
            if (c.NanoCpus.HasValue) limits.NanoCPUs = c.NanoCpus.Value;
            if (c.MemoryBytes.HasValue) limits.MemoryBytes = c.MemoryBytes.Value;

            var update = new SwarmUpdateConfig
            {
                Parallelism = (ulong)s.UpdateParallelism,
                Delay = s.UpdateDelay,
                // stop-first: two pilots of one service on one node would share its /pilot directory.
                Order = "stop-first",
                // Unattended: a new pilot that fails within the monitor window sends every node back
                // to the spec that worked, rather than leaving a node without its pilot.
                FailureAction = "rollback",
                Monitor = MonitorWindow,
            };
            return new ServiceSpec
            {
                Name = s.Name,
                Labels = new Dictionary<string, string>(s.Labels),
                Mode = new ServiceMode { Global = new GlobalService() },
                TaskTemplate = new TaskSpec
                {
                    ContainerSpec = container,
                    Resources = new ResourceRequirements { Limits = limits },
                    RestartPolicy = new SwarmRestartPolicy { Condition = s.RestartCondition },
                    Placement = new Placement { Constraints = s.Constraints.ToList() },
                },
                UpdateConfig = update,
                RollbackConfig = new SwarmUpdateConfig { Parallelism = update.Parallelism, Delay = update.Delay, Order = update.Order, FailureAction = "pause", Monitor = MonitorWindow },
            };
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Launch;

namespace OsgPilot.Swarm
{
    /// <summary>
    /// Decides what a pilot service looks like: the container Start-OsgPilot makes, as far as Swarm
    /// can express it, and a refusal naming every setting it cannot. Pure, so it is tested exhaustively.
    /// </summary>
    internal static class ServiceSpecMapper
    {
        // Swarm's own limits: service names as DNS labels, secret names up to 64 characters.
        private const int MaxServiceName = 63;
        private const int MaxSecretName = 64;
        private static readonly Regex ServiceName = new Regex("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", RegexOptions.CultureInvariant);
        private static readonly Regex ConstraintShape = new Regex(@"^\s*[A-Za-z0-9_.\-]+\s*(==|!=)\s*\S.*$", RegexOptions.CultureInvariant);

        public static IReadOnlyList<PilotServiceSpec> Map(OsgPilotConfig config, ServiceOptions options, string tokenDigest, string moduleVersion)
        {
            ThrowIfUnsupported(config);
            IReadOnlyList<string> constraints = CheckConstraints(options.Constraints);
            string secret = SecretName(config.Name, tokenDigest);
            IReadOnlyList<string> names = PilotContainerMapper.InstanceNames(config, options.PerNode);
            var specs = new List<PilotServiceSpec>();
            for (int i = 0; i < names.Count; i++)
            {
                CheckServiceName(names[i]);
                ContainerSpec container = PilotContainerMapper.Map(config, i, options.PerNode, moduleVersion);
                container.TokenOrigin = "secret:" + secret;
                // The task containers carry no Managed label (the container cmdlets leave them to
                // Swarm), only their service and their container's hash, which tells a task on the
                // current spec from one on the previous.
                container.Labels.Clear();
                container.ConfigHash = PilotContainerMapper.Hash(container);
                container.Labels[PilotLabels.Service] = names[i];
                container.Labels[PilotLabels.ConfigHash] = container.ConfigHash;

                var spec = new PilotServiceSpec
                {
                    Name = names[i],
                    Group = config.Name,
                    PerNode = options.PerNode,
                    Container = container,
                    Constraints = constraints,
                    UpdateParallelism = options.UpdateParallelism,
                    UpdateDelay = options.UpdateDelay,
                    RestartCondition = RestartCondition(config.Restart),
                    SecretName = secret,
                };
                spec.ConfigHash = Hash(spec);
                spec.Labels[PilotLabels.Managed] = "true";
                spec.Labels[PilotLabels.Service] = config.Name;
                spec.Labels[PilotLabels.PerNode] = options.PerNode.ToString(CultureInfo.InvariantCulture);
                spec.Labels[PilotLabels.Site] = config.Site;
                spec.Labels[PilotLabels.Resource] = config.ResourceName;
                spec.Labels[PilotLabels.ConfigHash] = spec.ConfigHash;
                spec.Labels[PilotLabels.ModuleVersion] = moduleVersion;
                if (container.HostPilotDirectory != null) spec.Labels[PilotLabels.PilotDirectory] = container.HostPilotDirectory;
                specs.Add(spec);
            }
            return specs;
        }

        /// <summary>A capability as services name it: the docker CLI sends them with their CAP_ prefix.</summary>
        public static string CapabilityName(string capability) => "CAP_" + capability;

        /// <summary>Every setting of <paramref name="config"/> a Swarm service cannot carry, in one error.</summary>
        public static void ThrowIfUnsupported(OsgPilotConfig config)
        {
            var refused = new List<string>();
            if (config.Security == SecurityProfile.Unconfined || config.Security == SecurityProfile.Minimal)
            {
                refused.Add($"-SecurityProfile {config.Security} needs the device /dev/fuse, " +
                            (config.Security == SecurityProfile.Unconfined ? "seccomp=unconfined and systempaths=unconfined" : "its own seccomp profile and no-new-privileges") +
                            "; a Swarm service (Engine API 1.41) can be given no device, no seccomp profile and no unmasked system paths. " +
                            "Use -SecurityProfile Capabilities (the seed page's line) with -Environment @{ SINGULARITY_DISABLE_PID_NAMESPACES = 'True' } for container jobs");
            }
            if (config.Network != null)
            {
                refused.Add("-Network joins an engine network; a Swarm service's tasks join the swarm's own networks");
            }
            if (config.AppArmorProfile != null)
            {
                refused.Add("-AppArmorProfile cannot be given to a Swarm service (Engine API 1.41 has no such setting for services)");
            }
            if (config.Cvmfs == CvmfsMode.CvmfsExec)
            {
                refused.Add("-CvmfsMode CvmfsExec mounts CVMFS through the device /dev/fuse, which a Swarm service cannot be given; mount CVMFS on every node and use HostMount");
            }
            if (config.Gpu)
            {
                refused.Add("-Gpu asks for every GPU (--gpus all); a Swarm service gets GPUs only as generic resources each node's daemon advertises");
            }
            if (refused.Count > 0)
            {
                throw new OsgPilotException(ErrorIds.ServiceSettingUnsupported, ErrorCategory.InvalidArgument,
                    $"The config '{config.Name}' cannot run as a Swarm service, nothing was created: {string.Join("; ", refused)}. " +
                    "Run such pilots host by host with Start-OsgPilot.", config.Name);
            }
        }

        /// <summary>The token's secret: the config's name and a digest of the token, so rotating the token makes a new secret.</summary>
        public static string SecretName(string group, string tokenDigest)
        {
            string name = group + "-token-" + tokenDigest;
            if (name.Length > MaxSecretName)
            {
                throw new OsgPilotException(ErrorIds.InvalidServiceName, ErrorCategory.InvalidArgument,
                    $"The config name '{group}' is too long for a Swarm service: its token secret's name would be {name.Length} characters, Swarm allows {MaxSecretName}. Use a name of at most {MaxSecretName - 20} characters.", group);
            }
            return name;
        }

        /// <summary>12 hex digits of SHA-256 of the token: tells tokens apart, says nothing of the token.</summary>
        public static string TokenDigest(string token)
        {
            using (SHA256 sha = SHA256.Create())
            {
                byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(token));
                return string.Concat(digest.Take(6).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
            }
        }

        internal static string RestartCondition(PilotRestartPolicy policy)
        {
            switch (policy)
            {
                case PilotRestartPolicy.No: return "none";
                case PilotRestartPolicy.OnFailure: return "on-failure";
                default: return "any";
            }
        }

        private static void CheckServiceName(string name)
        {
            if (name.Length > MaxServiceName || !ServiceName.IsMatch(name))
            {
                throw new OsgPilotException(ErrorIds.InvalidServiceName, ErrorCategory.InvalidArgument,
                    $"'{name}' cannot name a Swarm service: at most {MaxServiceName} characters of letters, digits, '_', '.' and '-', starting with a letter or digit.", name);
            }
        }

        private static IReadOnlyList<string> CheckConstraints(IReadOnlyList<string> constraints)
        {
            var result = new List<string>();
            foreach (string c in constraints ?? new string[0])
            {
                if (c == null || c.IndexOfAny(new[] { '\n', '\r' }) >= 0 || !ConstraintShape.IsMatch(c))
                {
                    throw new OsgPilotException(ErrorIds.InvalidConstraint, ErrorCategory.InvalidArgument,
                        $"'{c}' is not a placement constraint: write ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE, e.g. node.labels.osg-backfill==true or node.role!=manager.", c);
                }
                string trimmed = c.Trim();
                if (!result.Contains(trimmed, StringComparer.Ordinal)) result.Add(trimmed);
            }
            return result;
        }

        /// <summary>A stable digest of everything that shapes the service (its own labels excluded).</summary>
        internal static string Hash(PilotServiceSpec s)
        {
            var b = new StringBuilder();
            void Line(string key, object value) => b.Append(key).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append('\n');
            Line("container", s.Container.ConfigHash);
            Line("mode", "global");
            foreach (string c in s.Constraints) Line("constraint", c);
            Line("parallelism", s.UpdateParallelism);
            Line("delay", (long)s.UpdateDelay.TotalMilliseconds);
            Line("restart", s.RestartCondition);
            Line("secret", s.SecretName);
            using (SHA256 sha = SHA256.Create())
            {
                byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(b.ToString()));
                return string.Concat(digest.Take(8).Select(x => x.ToString("x2", CultureInfo.InvariantCulture)));
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using OsgPilot.Config;

namespace OsgPilot.Launch
{
    /// <summary>
    /// The one place that decides what a pilot container looks like, from the OSG documentation
    /// (see pilot-container-facts). Pure: no I/O, no Docker, so it is tested exhaustively.
    /// </summary>
    internal static class PilotContainerMapper
    {
        /// <summary>Where the image looks for the token; the image itself has no such directory.</summary>
        public const string TokenDirectoryInContainer = "/etc/condor/tokens-orig.d";
        public const string TokenPathInContainer = TokenDirectoryInContainer + "/flock.opensciencegrid.org";
        public const string PilotUser = "osg";
        public const string PilotDirectoryInContainer = "/pilot";
        public const int PilotUid = 1000;

        /// <summary>The seed page's capabilities, needed for Apptainer inside the pilot.</summary>
        public static readonly string[] SeedCapabilities =
            { "DAC_OVERRIDE", "SETUID", "SETGID", "SYS_ADMIN", "SYS_CHROOT", "SYS_PTRACE", "DAC_READ_SEARCH" };

        // The ospool-ep launcher's limits and stop grace (docker stop -t 120 lets jobs be told).
        public const int NoFileLimit = 2048;
        public const long PidsLimit = 16384;
        public const int StopTimeoutSeconds = 120;
        public const int MemoryOverheadMB = 100;

        /// <summary>Container names for -Count instances: the config's name alone, or name-1..name-N.</summary>
        public static IReadOnlyList<string> InstanceNames(OsgPilotConfig config, int count)
        {
            if (count < 1) throw new ArgumentOutOfRangeException(nameof(count));
            return count == 1
                ? new[] { config.Name }
                : Enumerable.Range(1, count).Select(i => $"{config.Name}-{i.ToString(CultureInfo.InvariantCulture)}").ToArray();
        }

        /// <summary>Maps instance <paramref name="index"/> (0-based) of <paramref name="count"/>.</summary>
        public static ContainerSpec Map(OsgPilotConfig config, int index, int count, string moduleVersion)
        {
            string name = InstanceNames(config, count)[index];
            var spec = new ContainerSpec
            {
                Name = name,
                Image = config.Image,
                User = PilotUser,
                RestartPolicy = config.Restart,
                StopTimeoutSeconds = StopTimeoutSeconds,
                NoFileLimit = NoFileLimit,
                PidsLimit = PidsLimit,
                NetworkMode = config.Network,
            };

            AddEnvironment(spec, config, count);
            AddPrivileges(spec, config);

            if (config.Cvmfs == CvmfsMode.HostMount)
            {
                spec.Binds.Add(new BindMount(config.CvmfsPath, "/cvmfs", propagation: "shared"));
            }
            if (config.PilotDirectory != null)
            {
                // Each start wipes /pilot/log, so several pilots get one subdirectory each.
                spec.HostPilotDirectory = count == 1 ? config.PilotDirectory : JoinHostPath(config.PilotDirectory, name);
                spec.Binds.Add(new BindMount(spec.HostPilotDirectory, PilotDirectoryInContainer));
            }
            // Never a bind: the start-up reads the token as uid 1000, and a site's root-only file would
            // make it exit. OsgPilot reads it as the caller and copies it in before every start it makes.
            spec.TokenOrigin = config.TokenPath != null ? "file:" + config.TokenPath
                : config.TokenEnvironmentVariable != null ? "env:" + config.TokenEnvironmentVariable : "inline";
            if (config.Gpu)
            {
                spec.AllGpus = true;
                spec.Binds.Add(new BindMount("/etc/OpenCL/vendors", "/etc/OpenCL/vendors", readOnly: true));
            }
            if (config.CvmfsCachePath != null) spec.Binds.Add(new BindMount(config.CvmfsCachePath, ImageOptions.CvmfsCacheInContainer));
            if (config.CvmfsLogPath != null) spec.Binds.Add(new BindMount(config.CvmfsLogPath, ImageOptions.CvmfsLogsInContainer));
            if (config.CvmfsConfigPath != null) spec.Binds.Add(new BindMount(config.CvmfsConfigPath, ImageOptions.CvmfsConfigInContainer, readOnly: true));
            if (config.ExtraAttributesPath != null) spec.Binds.Add(new BindMount(config.ExtraAttributesPath, ImageOptions.ExtraAttributesInContainer, readOnly: true));
            if (config.Cpus.HasValue)
            {
                spec.NanoCpus = config.Cpus.Value * 1_000_000_000L;
            }
            if (config.MemoryMB.HasValue)
            {
                spec.MemoryBytes = (config.MemoryMB.Value + (long)MemoryOverheadMB) * 1024L * 1024L;
            }

            spec.ConfigHash = Hash(spec);
            spec.Labels[PilotLabels.Managed] = "true";
            spec.Labels[PilotLabels.Site] = config.Site;
            spec.Labels[PilotLabels.Resource] = config.ResourceName;
            spec.Labels[PilotLabels.ConfigHash] = spec.ConfigHash;
            spec.Labels[PilotLabels.ModuleVersion] = moduleVersion;
            if (spec.HostPilotDirectory != null)
            {
                spec.Labels[PilotLabels.PilotDirectory] = spec.HostPilotDirectory;
            }
            return spec;
        }

        private static void AddEnvironment(ContainerSpec spec, OsgPilotConfig c, int count)
        {
            void Set(string key, string value)
            {
                if (value != null) spec.Environment.Add(new KeyValuePair<string, string>(key, value));
            }
            string Int(int? v) => v?.ToString(CultureInfo.InvariantCulture);

            Set("GLIDEIN_Site", c.Site);
            Set("GLIDEIN_ResourceName", c.ResourceName);
            Set("GLIDEIN_Start_Extra", c.StartExtra);
            Set("OSG_SQUID_LOCATION", c.SquidLocation);
            Set("OSG_PROJECT_NAME", c.ProjectName);
            Set("NUM_CPUS", Int(c.Cpus));
            Set("MEMORY", Int(c.MemoryMB));
            Set("ACCEPT_JOBS_FOR_HOURS", Int(c.AcceptJobsForHours));
            Set("RETIREMENT_HOURS", Int(c.RetirementHours));
            Set("ACCEPT_IDLE_MINUTES", Int(c.AcceptIdleMinutes));
            if (c.Cvmfs == CvmfsMode.CvmfsExec)
            {
                Set("CVMFSEXEC_REPOS", string.Join(" ", c.CvmfsRepository));
                // cvmfsexec reads CVMFS_HTTP_PROXY, not OSG_SQUID_LOCATION: hand it the same squid.
                if (!c.Environment.ContainsKey("CVMFS_HTTP_PROXY")) Set("CVMFS_HTTP_PROXY", c.CvmfsHttpProxy ?? c.SquidLocation);
                Set("CVMFS_QUOTA_LIMIT", Int(c.CvmfsQuotaMB));
            }
            // The image's own options, each only when given: a pilot made before they existed keeps its hash.
            Set("POOL", c.Pool);
            Set("ENABLE_REMOTE_SYSLOG", c.RemoteSyslog.HasValue ? (c.RemoteSyslog.Value ? "true" : "false") : null);
            Set("SINGULARITY_BIND_EXTRA", c.SingularityBindExtra);
            Set("OSG_DEFAULT_CONTAINER_DISTRIBUTION", c.ContainerDistribution);
            Set("OSG_DEFAULT_CONTAINER_DISTRIBUTION_GPU", c.GpuContainerDistribution);
            // NVIDIA's runtime conflicts with Apptainer's PID namespaces, and Minimal cannot make one.
            if ((c.Gpu || c.Security == SecurityProfile.Minimal) && !c.Environment.ContainsKey("SINGULARITY_DISABLE_PID_NAMESPACES"))
            {
                Set("SINGULARITY_DISABLE_PID_NAMESPACES", "True");
            }
            if ((count > 1 || c.RandomizeName) && !c.Environment.ContainsKey("GLIDEIN_RANDOMIZE_NAME"))
            {
                // Several pilots on one host need distinct host names in the pool.
                Set("GLIDEIN_RANDOMIZE_NAME", "true");
            }
            foreach (KeyValuePair<string, string> kv in c.Environment)
            {
                Set(kv.Key, kv.Value);
            }
        }

        /// <summary>The four levels of OSG's docs, as the docker CLI sends them (see pilot-container-facts).</summary>
        private static void AddPrivileges(ContainerSpec spec, OsgPilotConfig c)
        {
            switch (c.Security)
            {
                case SecurityProfile.Capabilities:
                    spec.CapAdd.AddRange(SeedCapabilities);
                    break;
                case SecurityProfile.Unconfined:
                    spec.SecurityOpt.Add("seccomp=unconfined");
                    spec.SecurityOpt.Add("no-new-privileges");
                    spec.UnconfinedSystemPaths = true;
                    spec.Devices.Add(new DeviceMount("/dev/fuse"));
                    break;
                case SecurityProfile.Minimal:
                    // The CLI sends a profile file's text, not its path; /proc stays masked.
                    spec.SecurityOpt.Add("seccomp=" + c.SeccompProfileJson);
                    spec.SecurityOpt.Add("no-new-privileges");
                    spec.Devices.Add(new DeviceMount("/dev/fuse"));
                    spec.SeccompProfileSource = c.SeccompProfilePath ?? Security.SeccompProfile.ShippedFileName;
                    spec.SeccompProfilePath = c.SeccompProfilePath;
                    break;
                case SecurityProfile.Default:
                    break;
            }
            if (c.AppArmorProfile != null) spec.SecurityOpt.Add("apparmor=" + c.AppArmorProfile);
        }

        private static string JoinHostPath(string dir, string name) => dir == "/" ? "/" + name : dir + "/" + name;

        /// <summary>A stable digest of everything that shapes the container (labels excluded).</summary>
        internal static string Hash(ContainerSpec s)
        {
            var b = new StringBuilder();
            void Line(string key, object value) => b.Append(key).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append('\n');
            Line("image", s.Image);
            Line("user", s.User);
            foreach (var kv in s.Environment) Line("env." + kv.Key, kv.Value);
            foreach (var cap in s.CapAdd) Line("cap", cap);
            foreach (var opt in s.SecurityOpt) Line("secopt", opt);
            Line("systempaths", s.UnconfinedSystemPaths);
            foreach (var bind in s.Binds) Line("bind", bind.ToBindString());
            foreach (var dev in s.Devices) Line("device", dev.Path + ":" + dev.Permissions);
            Line("gpus", s.AllGpus);
            Line("nanocpus", s.NanoCpus);
            Line("memory", s.MemoryBytes);
            Line("nofile", s.NoFileLimit);
            Line("pids", s.PidsLimit);
            Line("restart", s.RestartPolicy);
            Line("stoptimeout", s.StopTimeoutSeconds);
            Line("token", s.TokenOrigin);
            // Only when set: the hash of every pilot made before -Network existed stays as it was.
            if (s.NetworkMode != null) Line("network", s.NetworkMode);
            using (SHA256 sha = SHA256.Create())
            {
                byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(b.ToString()));
                return string.Concat(digest.Take(8).Select(x => x.ToString("x2", CultureInfo.InvariantCulture)));
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Security;

namespace OsgPilot.Config
{
    /// <summary>
    /// An immutable, validated description of one pilot deployment. Built only by
    /// <see cref="PilotConfigBuilder"/>, so every instance is valid. It holds no token text in any
    /// public member: an inline token lives in a SecureString that serialisers never see.
    /// </summary>
    public sealed class OsgPilotConfig
    {
        internal OsgPilotConfig(PilotConfigRequest r, SecureString token, string seccompProfileJson)
        {
            Site = r.Site;
            ResourceName = r.ResourceName;
            Name = r.Name;
            Image = r.Image;
            TokenPath = r.TokenPath;
            TokenEnvironmentVariable = r.TokenEnvironmentVariable;
            Token = token;
            SquidLocation = r.SquidLocation;
            PilotDirectory = r.PilotDirectory;
            StartExtra = r.StartExtra;
            Cpus = r.Cpus;
            MemoryMB = r.MemoryMB;
            ProjectName = r.ProjectName;
            AcceptJobsForHours = r.AcceptJobsForHours;
            RetirementHours = r.RetirementHours;
            AcceptIdleMinutes = r.AcceptIdleMinutes;
            Environment = new SortedDictionary<string, string>(r.Environment ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            Restart = r.RestartPolicy ?? PilotRestartPolicy.UnlessStopped;
            Cvmfs = r.CvmfsMode ?? Config.CvmfsMode.HostMount;
            CvmfsPath = r.CvmfsPath;
            CvmfsRepository = Array.AsReadOnly(r.CvmfsRepository ?? new string[0]);
            Security = r.SecurityProfile ?? PilotConfigBuilder.DefaultSecurityProfile;
            SeccompProfilePath = r.SeccompProfilePath;
            SeccompProfileJson = seccompProfileJson;
            AppArmorProfile = r.AppArmorProfile;
            Network = r.Network;
            Pool = r.Pool;
            RemoteSyslog = r.RemoteSyslog;
            CvmfsCachePath = r.CvmfsCachePath;
            CvmfsLogPath = r.CvmfsLogPath;
            CvmfsConfigPath = r.CvmfsConfigPath;
            CvmfsQuotaMB = r.CvmfsQuotaMB;
            CvmfsHttpProxy = r.CvmfsHttpProxy;
            ExtraAttributesPath = r.ExtraAttributesPath;
            SingularityBindExtra = r.SingularityBindExtra;
            RandomizeName = r.RandomizeName;
            ContainerDistribution = r.ContainerDistribution;
            GpuContainerDistribution = r.GpuContainerDistribution;
            Gpu = r.Gpu;
        }

        public string Site { get; }
        public string ResourceName { get; }
        /// <summary>Container name (for -Count N, the stem of the N names).</summary>
        public string Name { get; }
        public string Image { get; }
        /// <summary>Host path of the token file, or null when the token was given inline.</summary>
        public string TokenPath { get; }
        /// <summary>The environment variable that holds the token, read at every start; null otherwise.</summary>
        public string TokenEnvironmentVariable { get; }
        /// <summary>File, Inline or Environment: where the token comes from; never the token itself.</summary>
        public string TokenSource => Token != null ? "Inline" : TokenEnvironmentVariable != null ? "Environment" : "File";
        public string SquidLocation { get; }
        public string PilotDirectory { get; }
        public string StartExtra { get; }
        public int? Cpus { get; }
        public int? MemoryMB { get; }
        public string ProjectName { get; }
        public int? AcceptJobsForHours { get; }
        public int? RetirementHours { get; }
        public int? AcceptIdleMinutes { get; }
        public IReadOnlyDictionary<string, string> Environment { get; }
        // Names, not enums, in the public surface: ConvertTo-Json writes enums as numbers.
        /// <summary>No, OnFailure, UnlessStopped or Always.</summary>
        public string RestartPolicy => Restart.ToString();
        /// <summary>HostMount or CvmfsExec.</summary>
        public string CvmfsMode => Cvmfs.ToString();
        /// <summary>Host CVMFS path (HostMount mode only).</summary>
        public string CvmfsPath { get; }
        /// <summary>Repositories cvmfsexec mounts (CvmfsExec mode only).</summary>
        public IReadOnlyList<string> CvmfsRepository { get; }
        /// <summary>Unconfined (OSG's recommended, the default), Minimal, Capabilities (the seed page) or Default.</summary>
        public string SecurityProfile => Security.ToString();
        /// <summary>A site's seccomp profile file for Minimal; null: OsgPilot's own (the module's seccomp folder).</summary>
        public string SeccompProfilePath { get; }
        /// <summary>The AppArmor profile the pilot runs under ("unconfined" or a profile loaded on the host); null: the engine's default.</summary>
        public string AppArmorProfile { get; }
        /// <summary>The engine network the pilot joins (host, bridge or a network's name); null: the engine's default.</summary>
        public string Network { get; }
        /// <summary>The pool the pilot joins (POOL); null: the image's default, the production OSPool.</summary>
        public string Pool { get; }
        /// <summary>ENABLE_REMOTE_SYSLOG: the pilot posts its token to OSG's registry for a certificate and sends its logs to OSG's syslog host; null: the image's default, on.</summary>
        public bool? RemoteSyslog { get; }
        /// <summary>cvmfsexec's cache, a host directory bound at /cvmfs-cache.</summary>
        public string CvmfsCachePath { get; }
        /// <summary>cvmfsexec's logs, a host directory bound at /cvmfs-logs.</summary>
        public string CvmfsLogPath { get; }
        /// <summary>cvmfsexec's configuration, a host file bound read-only at /cvmfsexec/default.local.</summary>
        public string CvmfsConfigPath { get; }
        /// <summary>CVMFS_QUOTA_LIMIT: cvmfsexec's cache size, MB.</summary>
        public int? CvmfsQuotaMB { get; }
        /// <summary>CVMFS_HTTP_PROXY: cvmfsexec's proxy (by default the squid of -SquidLocation).</summary>
        public string CvmfsHttpProxy { get; }
        /// <summary>Extra slot-ad attributes, a host file bound read-only at /etc/osg/extra-attributes.cfg.</summary>
        public string ExtraAttributesPath { get; }
        /// <summary>SINGULARITY_BIND_EXTRA: more binds for the jobs' Apptainer containers.</summary>
        public string SingularityBindExtra { get; }
        /// <summary>GLIDEIN_RANDOMIZE_NAME: a random suffix on the pilot's host name.</summary>
        public bool RandomizeName { get; }
        /// <summary>OSG_DEFAULT_CONTAINER_DISTRIBUTION: the jobs' default images, e.g. "10%__htc/rocky:8 90%__htc/rocky:9".</summary>
        public string ContainerDistribution { get; }
        /// <summary>OSG_DEFAULT_CONTAINER_DISTRIBUTION_GPU: the same for GPU jobs.</summary>
        public string GpuContainerDistribution { get; }
        public bool Gpu { get; }

        internal SecureString Token { get; }
        internal PilotRestartPolicy Restart { get; }
        internal CvmfsMode Cvmfs { get; }
        internal SecurityProfile Security { get; }
        /// <summary>The Minimal profile's seccomp JSON (compacted), read when the config was built; null for other profiles.</summary>
        internal string SeccompProfileJson { get; }

        public override string ToString() => $"{Name} ({Site}/{ResourceName})";
    }
}

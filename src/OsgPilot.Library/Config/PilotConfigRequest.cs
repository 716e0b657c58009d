using System.Collections.Generic;
using System.Security;

namespace OsgPilot.Config
{
    /// <summary>
    /// What a user asked for, unvalidated: filled from cmdlet parameters or a config file and
    /// turned into an <see cref="OsgPilotConfig"/> by <see cref="PilotConfigBuilder"/>. Null means
    /// "not given", so the builder can tell defaults from contradictions.
    /// </summary>
    public sealed class PilotConfigRequest
    {
        public string Site { get; set; }
        public string ResourceName { get; set; }
        public string Name { get; set; }
        public string Image { get; set; }
        public string TokenPath { get; set; }
        public SecureString Token { get; set; }
        /// <summary>The name of an environment variable that holds the token (a scheduler's secret store provides it).</summary>
        public string TokenEnvironmentVariable { get; set; }
        public string SquidLocation { get; set; }
        public string PilotDirectory { get; set; }
        public string StartExtra { get; set; }
        public int? Cpus { get; set; }
        public int? MemoryMB { get; set; }
        public string ProjectName { get; set; }
        public int? AcceptJobsForHours { get; set; }
        public int? RetirementHours { get; set; }
        public int? AcceptIdleMinutes { get; set; }
        public IDictionary<string, string> Environment { get; set; }
        public PilotRestartPolicy? RestartPolicy { get; set; }
        public CvmfsMode? CvmfsMode { get; set; }
        public string CvmfsPath { get; set; }
        public string[] CvmfsRepository { get; set; }
        public SecurityProfile? SecurityProfile { get; set; }
        /// <summary>A site's seccomp profile for Minimal; null: OsgPilot's own.</summary>
        public string SeccompProfilePath { get; set; }
        /// <summary>The AppArmor profile the engine applies ("unconfined" or a profile name); null: the engine's default.</summary>
        public string AppArmorProfile { get; set; }
        /// <summary>The engine network the pilot joins (docker run --network); null: the engine's default.</summary>
        public string Network { get; set; }
        /// <summary>POOL: prod-ospool, itb-ospool, prod-path-facility, dev-path-facility or a collector host; null: the image's default.</summary>
        public string Pool { get; set; }
        /// <summary>ENABLE_REMOTE_SYSLOG; null: the image's default (on).</summary>
        public bool? RemoteSyslog { get; set; }
        public string CvmfsCachePath { get; set; }
        public string CvmfsLogPath { get; set; }
        public string CvmfsConfigPath { get; set; }
        public int? CvmfsQuotaMB { get; set; }
        public string CvmfsHttpProxy { get; set; }
        public string ExtraAttributesPath { get; set; }
        public string SingularityBindExtra { get; set; }
        public bool RandomizeName { get; set; }
        public string ContainerDistribution { get; set; }
        public string GpuContainerDistribution { get; set; }
        public bool Gpu { get; set; }

        internal PilotConfigRequest Clone() => (PilotConfigRequest)MemberwiseClone();
    }
}

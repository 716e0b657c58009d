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
        internal OsgPilotConfig(PilotConfigRequest r, SecureString token)
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
            Security = r.SecurityProfile ?? Config.SecurityProfile.Capabilities;
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
        /// <summary>Capabilities or Unconfined.</summary>
        public string SecurityProfile => Security.ToString();
        public bool Gpu { get; }

        internal SecureString Token { get; }
        internal PilotRestartPolicy Restart { get; }
        internal CvmfsMode Cvmfs { get; }
        internal SecurityProfile Security { get; }

        public override string ToString() => $"{Name} ({Site}/{ResourceName})";
    }
}

using System;
using OsgPilot.Squid;
using OsgPilot.Topology;

namespace OsgPilot.Preflight
{
    internal sealed class PreflightOptions
    {
        public static readonly PreflightOptions Default = new PreflightOptions();

        /// <summary>Topology's miscresource/json; ignored when <see cref="TopologyPath"/> is set.</summary>
        public Uri TopologyUri { get; set; } = new Uri(TopologyRegistration.DefaultUri);
        /// <summary>A saved copy of miscresource/json, for hosts that cannot reach Topology.</summary>
        public string TopologyPath { get; set; }
        public Uri SquidProbeUri { get; set; } = new Uri(SquidProber.DefaultProbeUri);
        public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(10);
        public TimeSpan MaxImageAge { get; set; } = TimeSpan.FromHours(72);
        /// <summary>Where the system's enabled units are (podman-restart.service on a Podman host).</summary>
        public string SystemdUnitDirectory { get; set; } = "/etc/systemd/system";
        /// <summary>Pull a missing image first, so the container-jobs probe can run (Start-OsgPilot -Preflight, which pulls it anyway).</summary>
        public bool PullMissingImage { get; set; }
        /// <summary>Run the checks that start probe containers (ContainerJobs, Job disk, PoolConnectivity).</summary>
        public bool Probe { get; set; } = true;

        /// <summary>Options from cmdlet parameters; null means the default.</summary>
        public static PreflightOptions Create(Uri topologyUri, string topologyPath, Uri squidProbeUri, TimeSpan? networkTimeout) => new PreflightOptions
        {
            TopologyUri = topologyUri ?? Default.TopologyUri,
            TopologyPath = topologyPath,
            SquidProbeUri = squidProbeUri ?? Default.SquidProbeUri,
            NetworkTimeout = networkTimeout ?? Default.NetworkTimeout,
        };
    }
}

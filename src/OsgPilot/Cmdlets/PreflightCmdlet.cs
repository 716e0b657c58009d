using System;
using System.Management.Automation;
using OsgPilot.Preflight;

namespace OsgPilot.Cmdlets
{
    /// <summary>Base of the cmdlets that run preflight checks: where Topology and the squid probe URL come from.</summary>
    public abstract class PreflightCmdlet : DockerCmdlet
    {
        /// <summary>Topology's miscresource/json endpoint.</summary>
        [Parameter]
        public Uri TopologyUri { get; set; }

        /// <summary>A saved copy of miscresource/json (for hosts that cannot reach Topology).</summary>
        [Parameter]
        public string TopologyPath { get; set; }

        /// <summary>The URL fetched through the squid (see Test-OsgSquid).</summary>
        [Parameter]
        public Uri SquidProbeUri { get; set; }

        internal PreflightOptions CreatePreflightOptions(TimeSpan? networkTimeout) => PreflightOptions.Create(
            TopologyUri, TopologyPath == null ? null : GetUnresolvedProviderPathFromPSPath(TopologyPath), SquidProbeUri, networkTimeout);
    }
}

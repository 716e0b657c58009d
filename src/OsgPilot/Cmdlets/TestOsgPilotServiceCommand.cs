using System;
using System.Management.Automation;
using OsgPilot.Config;
using OsgPilot.Preflight;
using OsgPilot.Swarm;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Preflight for a pilot service: the swarm manager, its nodes, and on each node the pilots would
    /// run on, a shared /cvmfs and writable pilot directories (asked of the nodes by short probe jobs).
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "OsgPilotService")]
    [OutputType(typeof(OsgPilotPreflightResult), typeof(bool))]
    public sealed class TestOsgPilotServiceCommand : ServiceConfigCmdlet
    {
        /// <summary>How long the nodes get to run the probes (a node that must pull the image first needs longer).</summary>
        [Parameter]
        [ValidateRange(5, 3600)]
        public int ProbeTimeoutSec { get; set; } = 60;

        /// <summary>Return only $true or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            OsgPilotConfig config = Config;
            ServiceOptions options = Placement();
            RunOnEngines(Targets(), async (target, docker) =>
            {
                OsgPilotPreflightResult result = await new SwarmPreflight(docker, PipelineHostFor((target, action) => true).Verbose).RunAsync(config, options, TimeSpan.FromSeconds(ProbeTimeoutSec), CancelToken);
                foreach (OsgPilotPreflightCheck check in result.Checks) WriteVerbose(check.ToString());
                WriteObject(Quiet.IsPresent ? (object)result.Passed : result);
            });
        }
    }
}

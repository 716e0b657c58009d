using System;
using System.Management.Automation;
using OsgPilot.Config;
using OsgPilot.Preflight;

namespace OsgPilot.Cmdlets
{
    /// <summary>Preflight: checks a config against the Docker host, the squid and OSG Topology before a start.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "OsgPilotConfig")]
    [OutputType(typeof(OsgPilotPreflightResult), typeof(bool))]
    public sealed class TestOsgPilotConfigCommand : PreflightCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public OsgPilotConfig Config { get; set; }

        /// <summary>A preflight should answer quickly: each check (engine, squid, Topology) gets 10 s unless -TimeoutSec says otherwise.</summary>
        protected override int DefaultTimeoutSec => 10;

        /// <summary>Return only $true or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <summary>Skip the checks that run containers of the pilot's image (ContainerJobs, Job disk, PoolConnectivity): seconds saved while other settings are being fixed.</summary>
        [Parameter]
        public SwitchParameter NoProbe { get; set; }

        protected override void ProcessRecord()
        {
            PreflightOptions options = CreatePreflightOptions(TimeSpan.FromSeconds(TimeoutSec));
            options.Probe = !NoProbe.IsPresent;
            OsgPilotConfig config = Config;
            RunOnEngines(Targets(), async (target, docker) =>
            {
                OsgPilotPreflightResult result = await new PreflightRunner(docker, options).RunAsync(config, CancelToken);
                foreach (OsgPilotPreflightCheck check in result.Checks) WriteVerbose(check.ToString());
                WriteObject(Quiet.IsPresent ? (object)result.Passed : result);
            });
        }
    }
}

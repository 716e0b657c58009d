using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Swarm;
using OsgPilot.Threading;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Runs a config's pilots on every node of a swarm as a global service, with the token as a Swarm
    /// secret. Creates, or updates what differs (the swarm then rolls it node by node); idempotent.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "OsgPilotService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OsgPilotServiceResult))]
    public sealed class SetOsgPilotServiceCommand : ServiceConfigCmdlet
    {
        /// <summary>Tasks a rolling update replaces at once (default 1: one node at a time).</summary>
        [Parameter]
        [ValidateRange(1, 1000)]
        public int UpdateParallelism { get; set; } = 1;

        /// <summary>Seconds between one batch of replaced tasks and the next.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int UpdateDelaySec { get; set; } = ServiceOptions.DefaultUpdateDelaySeconds;

        /// <summary>How long to wait for another Set-OsgPilotService of the same config on the same manager (from this machine) to finish.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int LockTimeoutSec { get; set; } = 300;

        /// <summary>Return only when every created or updated service runs a pilot on every eligible node (or the swarm gave up).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>How long -Wait waits, in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int WaitTimeoutSec { get; set; } = 600;

        protected override void ProcessRecord()
        {
            OsgPilotConfig config = Config;
            ServiceOptions options = Placement();
            options.UpdateParallelism = UpdateParallelism;
            options.UpdateDelay = TimeSpan.FromSeconds(UpdateDelaySec);
            RunOnEngines(Targets(), async (target, docker) =>
            {
                IReadOnlyList<OsgPilotServiceResult> results;
                IPipelineHost host = PipelineHostFor(ShouldProcess);
                var reconciler = new ServiceReconciler(docker, host);
                using (WhatIfRequested() ? null : await ConfigRunLock.AcquireAsync(docker.Endpoint.Display, "service " + config.Name, TimeSpan.FromSeconds(LockTimeoutSec), host, CancelToken))
                {
                    results = await reconciler.RunAsync(config, options, CancelToken);
                }
                if (WhatIfRequested()) return;
                foreach (OsgPilotServiceResult r in results) WriteObject(r);
                if (Wait.IsPresent && reconciler.Changed.Count > 0)
                {
                    WriteVerbose($"Waiting up to {WaitTimeoutSec} s until {reconciler.Changed.Count} service(s) run their current spec on every eligible node.");
                    IReadOnlyList<OsgPilotException> failures = await ServiceRollout.WaitAsync(docker, reconciler.Changed, reconciler.Applied, TimeSpan.FromSeconds(WaitTimeoutSec), CancelToken);
                    // A roll-back leaves the new token's secret to nothing: it goes now, not at the next run.
                    await reconciler.RemoveUnusedSecretsAsync(config.Name, CancelToken, ask: true);
                    foreach (OsgPilotException e in failures) WriteFailure(e);
                }
            });
        }
    }
}

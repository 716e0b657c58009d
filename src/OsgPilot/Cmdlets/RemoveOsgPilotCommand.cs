using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using OsgPilot.Threading;
using OsgPilot.Activity;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;

namespace OsgPilot.Cmdlets
{
    /// <summary>Removes pilot containers. A running pilot needs -Force and is stopped gracefully first.</summary>
    [Cmdlet(VerbsCommon.Remove, "OsgPilot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveOsgPilotCommand : PilotTargetCmdlet
    {
        /// <summary>Also remove running pilots (stopped first, with the pilot's stop grace period), and do not ask.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Where the activity ledgers are kept (see Get-OsgPilotActivity).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string StateDirectory { get; set; }

        internal override async Task ActAsync(DockerGateway docker, IReadOnlyList<PilotContainer> pilots)
        {
            var approved = new List<PilotContainer>();
            foreach (PilotContainer p in pilots)
            {
                if (p.IsRunning && !Force.IsPresent)
                {
                    WriteFailure(new OsgPilotException(ErrorIds.PilotRunning, ErrorCategory.InvalidOperation,
                        $"The pilot '{p.Name}' is running. Stop it first (Stop-OsgPilot) or use -Force.", p.Name));
                    continue;
                }
                if (ShouldProcessUnlessForced(Force.IsPresent, p.Name, p.IsRunning ? "Stop and remove pilot" : "Remove pilot")) approved.Add(p);
            }
            var activity = approved.Count > 0 ? new ActivityCollector(docker, StatePath(StateDirectory)) : null;
            // What a harvest left out of a pilot's logs (a link, a FIFO) is said from whatever thread it ends on.
            IPipelineHost host = PipelineHostFor(ShouldProcess);
            var notKept = new System.Collections.Concurrent.ConcurrentQueue<OsgPilotException>();
            // All at once: N running pilots take one stop grace period, not N.
            OsgPilotException[] failures = await Task.WhenAll(approved.Select(async p =>
            {
                try
                {
                    if (p.IsRunning) await docker.StopAsync(p.Id, PilotContainerMapper.StopTimeoutSeconds, CancelToken);
                    // Its logs go with it: its activity is kept first (the ledger outlives the pilot).
                    OsgPilotException lost = await activity.HarvestAsync(p.IsRunning ? p.Stopped() : p, CancelToken, host.Warning);
                    if (lost != null) notKept.Enqueue(lost);
                    await docker.RemoveAsync(p.Id, false, CancelToken);
                    return null;
                }
                catch (OsgPilotException e) when (!e.EndsTheRun)
                {
                    return e;
                }
            }));
            foreach (OsgPilotException e in notKept) WriteWarning($"The activity of a removed pilot was not kept: {e.Message}");
            for (int i = 0; i < approved.Count; i++)
            {
                if (failures[i] != null) WriteFailure(failures[i]);
                else WriteVerbose($"Removed pilot '{approved[i].Name}'.");
            }
        }
    }
}

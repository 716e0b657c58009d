using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
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

        internal override async Task ActAsync(DockerGateway docker, IReadOnlyList<PilotContainer> pilots)
        {
            foreach (PilotContainer p in pilots)
            {
                if (p.IsRunning && !Force.IsPresent)
                {
                    WriteFailure(new OsgPilotException(ErrorIds.PilotRunning, ErrorCategory.InvalidOperation,
                        $"The pilot '{p.Name}' is running. Stop it first (Stop-OsgPilot) or use -Force.", p.Name));
                    continue;
                }
                if (!ShouldProcessUnlessForced(Force.IsPresent, p.Name, p.IsRunning ? "Stop and remove pilot" : "Remove pilot")) continue;
                try
                {
                    if (p.IsRunning) await docker.StopAsync(p.Id, PilotContainerMapper.StopTimeoutSeconds, CancelToken);
                    await docker.RemoveAsync(p.Id, false, CancelToken);
                    WriteVerbose($"Removed pilot '{p.Name}'.");
                }
                catch (OsgPilotException e) when (!IsFatal(e))
                {
                    WriteFailure(e);
                }
            }
        }
    }
}

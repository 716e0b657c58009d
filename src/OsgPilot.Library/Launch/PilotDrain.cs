using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Reconcile;

namespace OsgPilot.Launch
{
    /// <summary>
    /// Draining, the pilot's own way: with stop-glidein.stamp in /pilot (the parent of its working
    /// directory) the pilot's advertise script, every few minutes, marks it as taking no new jobs; it
    /// exits once it has been idle ACCEPT_IDLE_MINUTES. A restart policy would start it again, still
    /// drained, so a drain also sets the policy to "no"; the next Start-OsgPilot restores both.
    /// </summary>
    internal static class PilotDrain
    {
        public const string StampPath = "/pilot/stop-glidein.stamp";

        /// <summary>Stamps the pilot; false when its restart policy stays as it was (an engine that cannot change it).</summary>
        public static async Task<bool> RequestAsync(IPilotEngine docker, PilotContainer pilot, CancellationToken ct)
        {
            bool policySet = await docker.SetRestartPolicyAsync(pilot.Id, PilotRestartPolicy.No, ct);
            await RunAsync(docker, pilot, new[] { "touch", StampPath }, "create", ct);
            return policySet;
        }

        /// <summary>Takes a drain back on a running pilot: the stamp goes, the policy returns.</summary>
        public static async Task CancelAsync(IPilotEngine docker, PilotContainer pilot, PilotRestartPolicy policy, CancellationToken ct)
        {
            await RunAsync(docker, pilot, new[] { "rm", "-rf", StampPath }, "remove", ct);
            await docker.SetRestartPolicyAsync(pilot.Id, policy, ct);
        }

        private static async Task RunAsync(IPilotEngine docker, PilotContainer pilot, string[] command, string verb, CancellationToken ct)
        {
            (long exitCode, string _) = await docker.ExecAsync(pilot.Id, command, PilotContainerMapper.PilotUser, ct);
            if (exitCode != 0)
            {
                throw new OsgPilotException(ErrorIds.PilotDrainFailed, ErrorCategory.InvalidResult,
                    $"Could not {verb} {StampPath} in the pilot '{pilot.Name}' (exit code {exitCode}); is /pilot writable by the pilot user?", pilot.Name);
            }
        }
    }
}

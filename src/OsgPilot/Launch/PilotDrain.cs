using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;

namespace OsgPilot.Launch
{
    /// <summary>
    /// Draining, the pilot's own way: a stop-glidein.stamp file in /pilot makes it accept no new jobs
    /// and exit once the running ones finish, instead of killing them as docker stop does.
    /// </summary>
    internal static class PilotDrain
    {
        public const string StampPath = "/pilot/stop-glidein.stamp";

        public static async Task RequestAsync(DockerGateway docker, PilotContainer pilot, CancellationToken ct)
        {
            (long exitCode, string _) = await docker.ExecAsync(pilot.Id, new[] { "touch", StampPath }, PilotContainerMapper.PilotUser, ct);
            if (exitCode != 0)
            {
                throw new OsgPilotException(ErrorIds.PilotDrainFailed, ErrorCategory.InvalidResult,
                    $"Could not create {StampPath} in the pilot '{pilot.Name}' (exit code {exitCode}); is /pilot writable by the pilot user?", pilot.Name);
            }
        }
    }
}

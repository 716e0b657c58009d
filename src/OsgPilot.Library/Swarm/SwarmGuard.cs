using System;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;

namespace OsgPilot.Swarm
{
    /// <summary>What an engine must be for services: an active swarm's manager, API 1.41 or later.</summary>
    internal static class SwarmGuard
    {
        /// <summary>Capabilities, ulimits and a pids limit in a service came with API 1.41 (Docker 20.10).</summary>
        public static readonly Version MinimumApi = new Version(1, 41);

        public static async Task<SwarmInfo> RequireManagerAsync(ISwarmEngine docker, CancellationToken ct)
        {
            SwarmInfo info = await docker.GetSwarmInfoAsync(ct);
            if (!string.Equals(info.LocalState, "active", StringComparison.OrdinalIgnoreCase)) throw NotActive(docker.Display, info.LocalState);
            if (!info.IsManager) throw NotManager(docker.Display);
            if (!Version.TryParse(info.ApiVersion, out Version api) || api < MinimumApi)
            {
                throw new OsgPilotException(ErrorIds.SwarmApiTooOld, ErrorCategory.NotImplemented,
                    $"The engine at '{docker.Display}' speaks Engine API {info.ApiVersion}; a pilot service needs {MinimumApi.ToString(2)} (Docker 20.10) " +
                    "or later, the first to give a service capabilities, ulimits and a pids limit.", docker.Display);
            }
            return info;
        }

        public static OsgPilotException NotActive(string engine, string state = null) =>
            new OsgPilotException(ErrorIds.SwarmNotActive, ErrorCategory.InvalidOperation,
                $"The engine at '{engine}' is not part of a swarm" + (state == null || state == "inactive" ? "" : string.Format(CultureInfo.InvariantCulture, " (its swarm state is '{0}')", state)) +
                ". Pilot services run on a swarm manager: make one with 'docker swarm init', or point -DockerHost or -Context at a manager. Start-OsgPilot runs pilots on a single engine.", engine);

        public static OsgPilotException NoSwarm(string engine, string product) =>
            new OsgPilotException(ErrorIds.SwarmNotSupportedByEngine, ErrorCategory.NotImplemented,
                $"The engine at '{engine}' is {product}, which has no swarm: pilot services need a Docker swarm manager. " +
                "On this host run pilots with Start-OsgPilot or Sync-OsgPilot, and keep their count with Register-OsgPilotSchedule.", engine);

        public static OsgPilotException NotManager(string engine) =>
            new OsgPilotException(ErrorIds.SwarmNotManager, ErrorCategory.InvalidOperation,
                $"The engine at '{engine}' is a swarm worker; services are managed only through a manager. Point -DockerHost or -Context at a manager ('docker node ls' there lists them).", engine);
    }
}

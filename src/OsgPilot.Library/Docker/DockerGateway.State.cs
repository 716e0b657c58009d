using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;
using OsgPilot.Config;

namespace OsgPilot.Docker
{
    /// <summary>What a list call cannot say about a container: inspect, and the engine's event stream.</summary>
    internal sealed partial class DockerGateway
    {
        public Task<ContainerRunState> InspectStateAsync(string id, CancellationToken ct) =>
            Call("inspect the container", async t =>
            {
                ContainerInspectResponse r = await _client.Containers.InspectContainerAsync(id, t).ConfigureAwait(false);
                return new ContainerRunState
                {
                    Status = EngineStates.Normalize(r.State?.Status),
                    ExitCode = r.State?.ExitCode ?? 0,
                    OomKilled = r.State?.OOMKilled ?? false,
                    Error = string.IsNullOrEmpty(r.State?.Error) ? null : r.State.Error,
                    StartedAt = ParseEngineTime(r.State?.StartedAt),
                    FinishedAt = ParseEngineTime(r.State?.FinishedAt),
                    RestartCount = r.RestartCount,
                    RestartPolicy = r.HostConfig?.RestartPolicy == null ? (PilotRestartPolicy?)null : CreateParametersFactory.PolicyOf(r.HostConfig.RestartPolicy.Name),
                };
            }, ct);

        /// <summary>
        /// The exits ("die" events) of the given containers from <paramref name="since"/> until
        /// <paramref name="window"/> has passed: one streaming call, however many containers.
        /// </summary>
        public async Task<IReadOnlyList<ContainerExit>> WatchExitsAsync(IEnumerable<string> ids, DateTime since, TimeSpan window, CancellationToken ct)
        {
            bool podman = (await GetEngineAsync(ct).ConfigureAwait(false)).IsPodman;
            return await Call("watch the containers' start-up", async t =>
            {
                var exits = new List<ContainerExit>();
                var filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["type"] = new Dictionary<string, bool> { ["container"] = true },
                    ["event"] = new Dictionary<string, bool> { [EngineStates.DieEvent(podman)] = true },
                    ["container"] = ids.Distinct().ToDictionary(id => id, _ => true),
                };
                var parameters = new ContainerEventsParameters
                {
                    // Fractional seconds: a pilot stopped the moment before must not count as dying now.
                    Since = UnixSeconds(since),
                    Filters = filters,
                };
                using (var until = CancellationTokenSource.CreateLinkedTokenSource(t))
                {
                    until.CancelAfter(window);
                    var relay = new Relay<Message>(m =>
                    {
                        if (m.Actor?.ID == null) return;
                        string code = null;
                        m.Actor.Attributes?.TryGetValue("exitCode", out code);
                        lock (exits) exits.Add(new ContainerExit { Id = m.Actor.ID, ExitCode = long.TryParse(code, NumberStyles.Integer, CultureInfo.InvariantCulture, out long c) ? c : -1 });
                    });
                    try
                    {
                        await _client.System.MonitorEventsAsync(parameters, relay, until.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (until.IsCancellationRequested && !t.IsCancellationRequested)
                    {
                        // The window is over: that is how this call ends.
                    }
                }
                lock (exits) return (IReadOnlyList<ContainerExit>)exits.ToList();
            }, ct, window + RequestTimeout).ConfigureAwait(false);
        }

        private static string UnixSeconds(DateTime t)
        {
            long ticks = t.ToUniversalTime().Ticks - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
            return (ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture) + "." +
                   (ticks % TimeSpan.TicksPerSecond * 100).ToString("D9", CultureInfo.InvariantCulture);
        }

        private static DateTime? ParseEngineTime(string text)
        {
            // The engine writes "0001-01-01T00:00:00Z" for "never".
            if (string.IsNullOrEmpty(text) || !DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime t)) return null;
            return t.Year <= 1 ? (DateTime?)null : t;
        }
    }

    /// <summary>A container's run state as inspect reports it, in our own terms.</summary>
    internal sealed class ContainerRunState
    {
        public string Status { get; set; }
        public long ExitCode { get; set; }
        public bool OomKilled { get; set; }
        public string Error { get; set; }
        public DateTime? StartedAt { get; set; }
        public DateTime? FinishedAt { get; set; }
        public long RestartCount { get; set; }
        public PilotRestartPolicy? RestartPolicy { get; set; }
    }

    internal sealed class ContainerExit
    {
        public string Id { get; set; }
        public long ExitCode { get; set; }
    }
}

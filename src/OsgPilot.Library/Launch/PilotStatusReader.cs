using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Reconcile;
using OsgPilot.Threading;

namespace OsgPilot.Launch
{
    /// <summary>
    /// What a list call cannot tell about pilots: readiness, drain, start and exit times, restarts,
    /// and why one is not running. Asked only on request, for all pilots at once, a few at a time.
    /// </summary>
    internal sealed class PilotStatusReader
    {
        /// <summary>How long a running pilot's startd_addr.sh may take to answer before it counts as not ready.</summary>
        public static readonly TimeSpan ReadyBudget = TimeSpan.FromSeconds(5);
        private const int Parallelism = 8;

        private readonly DockerGateway _docker;
        private readonly Action<string> _warn;

        /// <param name="warn">Where a pilot whose drain state cannot be read is said (the others are still read).</param>
        public PilotStatusReader(DockerGateway docker, Action<string> warn)
        {
            _docker = docker;
            _warn = warn;
        }

        /// <param name="notReady">Pilots known not to be ready (a -Wait that timed out): not asked again, which would cost the budget once more.</param>
        public async Task FillAsync(IReadOnlyList<(PilotContainer Container, Pilot Pilot)> pilots, CancellationToken ct, ISet<string> notReady = null)
        {
            // Image ages: one inspect per distinct image, not per pilot.
            string[] images = pilots.Select(p => p.Container.ImageId).Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToArray();
            ImageInfo[] infos = await Task.WhenAll(images.Select(id => _docker.InspectImageAsync(id, ct))).ConfigureAwait(false);
            var built = new Dictionary<string, DateTime?>(StringComparer.Ordinal);
            for (int i = 0; i < images.Length; i++) built[images[i]] = infos[i]?.Created;
            foreach ((PilotContainer c, Pilot pilot) in pilots)
            {
                if (c.ImageId != null && built.TryGetValue(c.ImageId, out DateTime? created) && created.HasValue)
                {
                    pilot.ImageAgeHours = Math.Round((DateTime.UtcNow - created.Value.ToUniversalTime()).TotalHours, 1);
                }
            }
            await Bounded.SelectAsync(pilots, Parallelism, async p =>
            {
                await FillOneAsync(p.Container, p.Pilot, notReady?.Contains(p.Container.Name) != true, ct).ConfigureAwait(false);
                return true;
            }, ct).ConfigureAwait(false);
        }

        private async Task FillOneAsync(PilotContainer c, Pilot pilot, bool askReady, CancellationToken ct)
        {
            Task<ContainerRunState> inspect = _docker.InspectStateAsync(c.Id, ct);
            Task<bool?> stamp = DrainStamp.IsStampedAsync(_docker, c, ct, _warn);
            Task<(string Address, SlotAd Ad)> ready = c.IsRunning && askReady ? SlotAd.ReadWithAddressAsync(_docker, c.Id, ReadyBudget, ct) : Task.FromResult<(string, SlotAd)>((null, null));
            ContainerRunState state = await inspect.ConfigureAwait(false);
            pilot.Draining = await stamp.ConfigureAwait(false);
            (string address, SlotAd ad) = await ready.ConfigureAwait(false);
            pilot.StartdAddress = address;
            pilot.Ready = address != null;
            pilot.ContainerJobs = ad?.ContainerJobs;
            pilot.Validated = ad?.Validated;
            pilot.NodeWarnings = ad?.NodeWarnings;
            pilot.StartedAt = state.StartedAt?.ToLocalTime();
            pilot.FinishedAt = c.IsRunning ? null : state.FinishedAt?.ToLocalTime();
            pilot.ExitCode = c.IsRunning ? (long?)null : state.ExitCode;
            pilot.RestartCount = state.RestartCount;
            pilot.RestartPolicy = state.RestartPolicy?.ToString();
            if (!c.IsRunning) pilot.Reason = await ReasonAsync(c, state, pilot.Draining == true, ct).ConfigureAwait(false);
        }

        private async Task<string> ReasonAsync(PilotContainer c, ContainerRunState state, bool drained, CancellationToken ct)
        {
            if (state.StartedAt == null) return "Created, never started.";
            if (state.OomKilled) return $"Killed for running out of memory (exit code {state.ExitCode}); raise -MemoryMB.";
            if (state.Error != null) return $"The engine could not run it: {state.Error}";
            if (state.ExitCode == 0) return drained ? "Drained: it took no new jobs and exited when idle." : "Exited normally (idle, retired, or stopped).";
            // No token to redact by value here: the shape rule removes anything that looks like one.
            IReadOnlyList<string> lines = StartupDiagnosis.Merge(await PilotLogs.DockerLogTailAsync(_docker, c.Id, 3, ct).ConfigureAwait(false),
                await PilotLogs.StartupLogAsync(_docker, c.Id, ct).ConfigureAwait(false), null);
            string last = lines.LastOrDefault();
            string fix = StartupDiagnosis.Fix(lines);
            return $"Exited with code {state.ExitCode}" + (last != null ? $": {last}" : ".") + (fix != null ? $" Fix: {fix}" : string.Empty);
        }
    }
}

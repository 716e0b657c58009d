using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Activity;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Threading;

namespace OsgPilot.Metrics
{
    /// <summary>
    /// Gathers what the metrics say about an engine's pilots: their activity, their restart counts
    /// (inspect, a few at a time: the list call does not carry them), their slot ads (container jobs,
    /// validated: one exec in each running pilot) and their images' build times (one inspect per
    /// distinct image).
    /// </summary>
    internal static class MetricsCollector
    {
        private const int Parallelism = 8;
        /// <summary>
        /// How long a pilot's slot ad may take: a timer, not a person, waits for metrics, and on a busy
        /// engine (Podman's execs, beside the activity reads of the same pilots) a ready startd can take
        /// longer to answer than the 5 s Get-OsgPilot -Detailed gives it.
        /// </summary>
        private static readonly TimeSpan SlotAdBudget = TimeSpan.FromSeconds(20);

        /// <param name="warn">Called from any thread (an <see cref="Threading.IPipelineHost"/>'s Warning).</param>
        public static async Task<List<PilotSample>> CollectAsync(DockerGateway docker, ActivityCollector activity, IReadOnlyList<PilotContainer> containers,
            bool harvest, Func<string, bool> keepGone, Action<string> warn, CancellationToken ct)
        {
            IReadOnlyList<PilotContainer> pilots = ActivityCollector.OnePerPilot(containers);
            Task<IReadOnlyList<PilotActivityState>> states = activity.CollectAsync(pilots, harvest, ct);
            Task<long?[]> restarts = RestartsAsync(docker, pilots, ct);
            Task<SlotAd[]> ads = SlotAdsAsync(docker, pilots, ct);
            string[] images = pilots.Select(p => p.ImageId).Where(i => !string.IsNullOrEmpty(i)).Distinct(StringComparer.Ordinal).ToArray();
            Task<ImageInfo[]> built = Task.WhenAll(images.Select(i => docker.InspectImageAsync(i, ct)));
            IReadOnlyList<PilotActivityState> s = await states.ConfigureAwait(false);
            long?[] r = await restarts.ConfigureAwait(false);
            SlotAd[] a = await ads.ConfigureAwait(false);
            ImageInfo[] infos = await built.ConfigureAwait(false);
            var created = new Dictionary<string, DateTime?>(StringComparer.Ordinal);
            for (int i = 0; i < images.Length; i++) created[images[i]] = infos[i]?.Created;

            var samples = new List<PilotSample>();
            for (int i = 0; i < pilots.Count; i++)
            {
                PilotContainer c = pilots[i];
                foreach (string w in s[i].Warnings) warn(w);
                if (s[i].Error != null) warn($"{s[i].Error.Message} Its metrics keep what its ledger had.");
                samples.Add(new PilotSample
                {
                    Name = s[i].Name,
                    Engine = docker.Endpoint.Display,
                    Site = c.Label(PilotLabels.Site),
                    Resource = c.Label(PilotLabels.Resource),
                    State = c.State,
                    Accepting = s[i].Accepting,
                    Draining = s[i].Draining,
                    Restarts = r[i],
                    ContainerJobs = a[i]?.ContainerJobs,
                    Validated = a[i]?.Validated,
                    ImageCreated = c.ImageId != null && created.TryGetValue(c.ImageId, out DateTime? t) ? t : null,
                    Ledger = s[i].Ledger,
                });
            }
            if (keepGone != null)
            {
                foreach (PilotActivityState gone in activity.Gone(s.Select(x => x.Name), keepGone))
                {
                    // Removed: its counters stay (they only grow), its gauges go with it.
                    samples.Add(new PilotSample { Name = gone.Name, Engine = docker.Endpoint.Display, Ledger = gone.Ledger });
                }
            }
            return samples;
        }

        /// <summary>Each running pilot's slot ad (null while its startd is not ready, or for a pilot that is not running).</summary>
        private static Task<SlotAd[]> SlotAdsAsync(DockerGateway docker, IReadOnlyList<PilotContainer> pilots, CancellationToken ct) =>
            Bounded.SelectAsync(pilots, Parallelism, async c =>
            {
                if (!c.IsRunning) return null;
                return (await SlotAd.ReadWithAddressAsync(docker, c.Id, SlotAdBudget, ct).ConfigureAwait(false)).Ad;
            }, ct);

        private static Task<long?[]> RestartsAsync(DockerGateway docker, IReadOnlyList<PilotContainer> pilots, CancellationToken ct) =>
            Bounded.SelectAsync(pilots, Parallelism, async c =>
            {
                try
                {
                    return (await docker.InspectStateAsync(c.Id, ct).ConfigureAwait(false)).RestartCount;
                }
                catch (OsgPilotException e) when (e.Category == ErrorCategory.ObjectNotFound)
                {
                    return (long?)null; // removed meanwhile
                }
            }, ct);
    }
}

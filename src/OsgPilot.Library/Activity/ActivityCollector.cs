using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Reconcile;
using OsgPilot.Threading;

namespace OsgPilot.Activity
{
    /// <summary>One pilot's jobs (its ledger with its live logs merged in) and whether it takes jobs now.</summary>
    internal sealed class PilotActivityState
    {
        public PilotContainer Container { get; set; }
        /// <summary>The name of a pilot only the ledger knows (Container is null then).</summary>
        public string Name { get; set; }
        public ActivityLedger Ledger { get; set; }
        public bool? Draining { get; set; }
        public bool? Accepting { get; set; }
        public OsgPilotException Error { get; set; }
        /// <summary>What of its logs was left out as it could not be trusted (a link, a FIFO, numbers out of range): a warning each.</summary>
        public IReadOnlyList<string> Warnings { get; set; } = new string[0];
    }

    /// <summary>
    /// Reads pilots' activity: their logs (<see cref="PilotLogReader"/>) merged into their ledgers
    /// (<see cref="LedgerStore"/>). A harvest writes the merge back, so the jobs outlive the logs; a
    /// look (Get-OsgPilotActivity, Export-OsgPilotMetrics) only reads. A few pilots at a time.
    /// </summary>
    internal sealed class ActivityCollector
    {
        private const int Parallelism = 8;
        private readonly DockerGateway _docker;
        private readonly PilotLogReader _reader;

        public ActivityCollector(DockerGateway docker, string stateDirectory)
        {
            _docker = docker;
            _reader = new PilotLogReader(docker);
            Store = new LedgerStore(stateDirectory, docker.Endpoint.Display);
        }

        public LedgerStore Store { get; }

        /// <summary>Whether the pilot's logs are files of this machine (a local engine, a host pilot directory): reading them asks the engine nothing.</summary>
        public bool ReadsFromHost(PilotContainer c) => _docker.Endpoint.IsLocal && c.Label(PilotLabels.PilotDirectory) != null;

        /// <summary>
        /// Each pilot's activity; with <paramref name="harvest"/> the merge is saved. A pilot whose
        /// logs cannot be read keeps what its ledger has, with the error beside it.
        /// </summary>
        public async Task<IReadOnlyList<PilotActivityState>> CollectAsync(IReadOnlyList<PilotContainer> pilots, bool harvest, CancellationToken ct) =>
            await Bounded.SelectAsync(pilots, Parallelism, c => OneAsync(c, harvest, ct), ct).ConfigureAwait(false);

        /// <summary>Reads one pilot's logs into its ledger before they are lost (a stop, a replacement, a removal). Never throws for the pilot's sake: the caller's work goes on; what was left out goes to <paramref name="warn"/>.</summary>
        public async Task<OsgPilotException> HarvestAsync(PilotContainer c, CancellationToken ct, Action<string> warn = null)
        {
            try
            {
                PilotActivityState state = await OneAsync(c, true, ct).ConfigureAwait(false);
                foreach (string w in state.Warnings) warn?.Invoke(w);
                return state.Error;
            }
            catch (OsgPilotException e) when (e.ErrorId == ErrorIds.ActivityLedgerUnavailable || e.ErrorId == ErrorIds.ActivityLedgerBusy)
            {
                return e;
            }
        }

        /// <summary>The harvest a reconcile runs before a pilot's logs are lost; failures become warnings.</summary>
        public Func<PilotContainer, CancellationToken, Task> Before(Action<string> warn) => async (c, ct) =>
        {
            OsgPilotException e = await HarvestAsync(c, ct, warn).ConfigureAwait(false);
            if (e != null) warn($"The activity of '{c.Name}' was not kept before its logs go: {e.Message}");
        };

        private async Task<PilotActivityState> OneAsync(PilotContainer c, bool harvest, CancellationToken ct)
        {
            // A container under a replacement's temporary name is still that pilot.
            string pilot = PilotNames.BaseName(c.Name);
            var state = new PilotActivityState { Container = c, Name = pilot };
            string container = ShortId(c.Id);
            try
            {
                Task<PilotRun> read = _reader.ReadAsync(c, ct);
                Task<bool?> stamp = c.IsRunning ? DrainStamp.IsStampedAsync(_docker, c, ct) : Task.FromResult<bool?>(null);
                await Task.WhenAll(read, stamp).ConfigureAwait(false);
                PilotRun run = read.Result;
                state.Warnings = run.Warnings;
                state.Draining = stamp.Result;
                // A restarting pilot crashed: its open jobs died with it, and it takes none.
                state.Accepting = !c.IsUp ? false : state.Draining == true ? false : run.SlotsOpen;
                if (harvest)
                {
                    ActivityLedger merged = null;
                    await Store.UpdateAsync(pilot, l => { l.Merge(run, container, c.IsUp); merged = l; }, DateTime.UtcNow, ct).ConfigureAwait(false);
                    state.Ledger = merged;
                }
                else
                {
                    state.Ledger = Store.Read(pilot);
                    state.Ledger.Merge(run, container, c.IsUp);
                }
            }
            catch (OsgPilotException e) when (e.ErrorId == ErrorIds.ActivityReadFailed || e.ErrorId == ErrorIds.DockerApiError || e.ErrorId == ErrorIds.PilotNotFound)
            {
                state.Error = e;
                state.Ledger = Store.Read(pilot);
            }
            return state;
        }

        /// <summary>Pilots the ledger remembers that the engine no longer has (removed): their jobs still count.</summary>
        public IReadOnlyList<PilotActivityState> Gone(IEnumerable<string> present, Func<string, bool> selected)
        {
            var names = new HashSet<string>(present, StringComparer.Ordinal);
            return Store.Pilots().Where(p => !names.Contains(p) && selected(p))
                .Select(p => new PilotActivityState { Name = p, Ledger = Store.Read(p), Accepting = false }).ToList();
        }

        internal static string ShortId(string id) => id.Length > 12 ? id.Substring(0, 12) : id;

        /// <summary>
        /// One container per pilot for reports: a replacement's temporary name (the pilot moved
        /// aside, its successor not yet renamed) is the pilot itself, so it is shown under the
        /// pilot's name, and only when no container has that name.
        /// </summary>
        public static IReadOnlyList<PilotContainer> OnePerPilot(IEnumerable<PilotContainer> containers)
        {
            List<PilotContainer> all = containers.ToList();
            var named = new HashSet<string>(all.Select(c => c.Name), StringComparer.Ordinal);
            return all.Where(c => c.Name == PilotNames.BaseName(c.Name) || !named.Contains(PilotNames.BaseName(c.Name)))
                .GroupBy(c => PilotNames.BaseName(c.Name)).Select(g => g.First()).ToList();
        }
    }
}

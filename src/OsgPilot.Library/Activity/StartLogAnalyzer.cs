using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace OsgPilot.Activity
{
    /// <summary>What one start of a pilot's startd logged: its jobs and whether it takes new ones.</summary>
    internal sealed class PilotRun
    {
        public List<PilotJob> Jobs { get; } = new List<PilotJob>();
        public DateTime? First { get; set; }
        public DateTime? Last { get; set; }
        /// <summary>
        /// Whether a top-level slot (slot1, the partitionable one) is Unclaimed or Claimed: its START
        /// expression, which requires OSG_NODE_VALIDATED, lets jobs in. Owner or Drained: it does
        /// not. Null when the log has not said yet.
        /// </summary>
        public bool? SlotsOpen { get; set; }
        /// <summary>What was left out as it could not be trusted: files refused, lines or ads out of range. Each a sentence for a warning.</summary>
        public List<string> Warnings { get; } = new List<string>();
    }

    /// <summary>
    /// Reads the startd's StartLog messages (src/condor_startd.V6: ResState.cpp, command.cpp,
    /// claim.cpp, startd_main.cpp) into jobs. A job starts at "Got activate_claim request from
    /// shadow", is named by "Remote job ID is C.P", is busy while its slot's activity is Busy or
    /// Retiring, and ends at "Starter pid N exited with status S" / "died on signal S", which the
    /// startd follows with "slotN_M: State change: starter exited" (the pid line names no slot).
    /// </summary>
    internal sealed class StartLogAnalyzer
    {
        private static readonly Regex StateAndActivity = new Regex(@"^Changing state and activity: (\w+)/(\w+) -> (\w+)/(\w+)", RegexOptions.CultureInvariant);
        private static readonly Regex State = new Regex(@"^Changing state: (\w+) -> (\w+)", RegexOptions.CultureInvariant);
        private static readonly Regex Activity = new Regex(@"^Changing activity: (\w+) -> (\w+)", RegexOptions.CultureInvariant);
        private static readonly Regex JobId = new Regex(@"^Remote job ID is (\d+\.\d+)", RegexOptions.CultureInvariant);
        private static readonly Regex StarterExited = new Regex(@"^Starter pid (\d+) exited with status (-?\d+)", RegexOptions.CultureInvariant);
        private static readonly Regex StarterDied = new Regex(@"^Starter pid (\d+) died on signal (\d+)", RegexOptions.CultureInvariant);

        private readonly PilotRun _run = new PilotRun();
        private readonly string _container;
        private readonly Dictionary<string, PilotJob> _open = new Dictionary<string, PilotJob>(StringComparer.Ordinal);
        private readonly Dictionary<string, bool> _busy = new Dictionary<string, bool>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _topState = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Queue<(DateTime Time, JobOutcome Outcome, int Code)> _exits = new Queue<(DateTime, JobOutcome, int)>();
        private int _outOfRange;

        /// <summary>A starter's exit status (a wait status' exit code, or -1) and a signal number: anything else is not the startd's line.</summary>
        internal const int MinStatus = -1, MaxStatus = 255, MinSignal = 1, MaxSignal = 64;

        public StartLogAnalyzer(string container) => _container = container;

        /// <summary>Reads every line of a log (the rotated .old file first, then the current one).</summary>
        public void Read(IEnumerable<string> lines)
        {
            foreach (string raw in lines)
            {
                DaemonLogLine line = DaemonLogLine.Parse(raw);
                if (line != null) Add(line);
            }
        }

        public void Add(DaemonLogLine line)
        {
            if (_run.First == null) _run.First = line.Time;
            if (line.Message.IndexOf("(CONDOR_STARTD) STARTING UP", StringComparison.Ordinal) >= 0)
            {
                // The master restarted the startd: jobs it had are gone (last heard of at the line
                // before), the slots start over.
                foreach (PilotJob j in _open.Values) LoseAt(j, _run.Last ?? line.Time);
                _open.Clear();
                _busy.Clear();
                _topState.Clear();
                _exits.Clear();
            }
            _run.Last = line.Time;
            Match m;
            if ((m = StarterExited.Match(line.Message)).Success)
            {
                if (!Bounded(m.Groups[2].Value, MinStatus, MaxStatus, out int status)) { _outOfRange++; return; }
                _exits.Enqueue((line.Time, status == 0 ? JobOutcome.Succeeded : JobOutcome.Failed, status));
                return;
            }
            if ((m = StarterDied.Match(line.Message)).Success)
            {
                if (!Bounded(m.Groups[2].Value, MinSignal, MaxSignal, out int signal)) { _outOfRange++; return; }
                _exits.Enqueue((line.Time, JobOutcome.Killed, signal));
                return;
            }
            if (line.Slot == null) return;
            string slot = line.Slot;
            if (line.Message.StartsWith("Got activate_claim request from shadow", StringComparison.Ordinal))
            {
                if (_open.TryGetValue(slot, out PilotJob stale)) LoseAt(stale, line.Time);
                var job = new PilotJob { Slot = slot, Started = line.Time, LastSeen = line.Time, Container = _container };
                _open[slot] = job;
                _run.Jobs.Add(job);
                if (IsBusy(slot)) job.Busy.Add(new BusySpan(line.Time, null));
            }
            else if ((m = JobId.Match(line.Message)).Success)
            {
                if (_open.TryGetValue(slot, out PilotJob job)) job.JobId = m.Groups[1].Value;
            }
            else if (line.Message.StartsWith("State change: starter exited", StringComparison.Ordinal))
            {
                Finish(slot, line.Time);
            }
            else if ((m = StateAndActivity.Match(line.Message)).Success)
            {
                SetState(slot, m.Groups[3].Value);
                SetActivity(slot, m.Groups[4].Value, line.Time);
            }
            else if ((m = State.Match(line.Message)).Success)
            {
                SetState(slot, m.Groups[2].Value);
            }
            else if ((m = Activity.Match(line.Message)).Success)
            {
                SetActivity(slot, m.Groups[2].Value, line.Time);
            }
        }

        /// <summary>The number, when it is a whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
        internal static bool Bounded(string text, int min, int max, out int value) =>
            int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

        /// <summary>The run as read so far; every job seen last at the log's last line.</summary>
        public PilotRun Result()
        {
            if (_outOfRange > 0)
            {
                _run.Warnings.Add($"{_outOfRange} StartLog line(s) of container {_container} with an exit status or signal no starter gives were skipped.");
                _outOfRange = 0;
            }
            foreach (PilotJob j in _run.Jobs.Where(j => j.IsOpen)) j.LastSeen = _run.Last ?? j.Started;
            if (_topState.Count > 0) _run.SlotsOpen = _topState.Values.Any(s => s == "Unclaimed" || s == "Matched" || s == "Claimed");
            return _run;
        }

        private static void LoseAt(PilotJob job, DateTime at)
        {
            job.LastSeen = at;
            job.MarkLost();
        }

        private bool IsBusy(string slot) => _busy.TryGetValue(slot, out bool b) && b;

        private static bool BusyActivity(string activity) => activity == "Busy" || activity == "Retiring";

        private void SetState(string slot, string state)
        {
            if (slot.IndexOf('_') < 0) _topState[slot] = state;
        }

        private void SetActivity(string slot, string activity, DateTime at)
        {
            bool busy = BusyActivity(activity);
            bool was = IsBusy(slot);
            _busy[slot] = busy;
            if (!_open.TryGetValue(slot, out PilotJob job) || busy == was) return;
            if (busy) job.Busy.Add(new BusySpan(at, null));
            else job.CloseSpans(at);
        }

        private void Finish(string slot, DateTime at)
        {
            if (!_open.TryGetValue(slot, out PilotJob job)) return;
            _open.Remove(slot);
            if (_exits.Count > 0)
            {
                var exit = _exits.Dequeue();
                job.Outcome = exit.Outcome;
                job.Code = exit.Code;
                at = exit.Time;
            }
            else
            {
                job.Outcome = JobOutcome.Lost; // an exit line the log lost: how it ended is unknown
            }
            job.Finished = at;
            job.CloseSpans(at);
        }
    }
}

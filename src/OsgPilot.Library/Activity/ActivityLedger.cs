using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace OsgPilot.Activity
{
    /// <summary>Counts of jobs the ledger no longer lists one by one, so its counters never go down.</summary>
    internal sealed class CarriedTotals
    {
        public long Started;
        public long Succeeded;
        public long Failed;
        public long Killed;
        public long Lost;
        public double CoreSeconds;
    }

    /// <summary>
    /// One pilot's jobs across its restarts. Each start of the image wipes /pilot/log, so what the
    /// logs said is merged in here before they go. Merging the same logs twice changes nothing; jobs
    /// older than <see cref="Retention"/> (or beyond <see cref="MaxJobs"/>) are folded into
    /// <see cref="Carried"/>, so the file stays small and the totals only grow.
    /// </summary>
    internal sealed class ActivityLedger
    {
        public static readonly TimeSpan Retention = TimeSpan.FromDays(35);
        public const int MaxJobs = 20000;
        private const string Header = "# OsgPilot activity ledger v1";

        public List<PilotJob> Jobs { get; } = new List<PilotJob>();
        public CarriedTotals Carried { get; } = new CarriedTotals();

        /// <summary>
        /// Merges what a pilot's logs say now. A job read again replaces what was known of it; a job
        /// still open here that the logs no longer have (the pilot restarted under it) is lost, and
        /// so is every job left open by a pilot that is not running.
        /// </summary>
        public void Merge(PilotRun run, string container, bool running)
        {
            var seen = new HashSet<PilotJob>();
            foreach (PilotJob job in run.Jobs)
            {
                if (!running && job.IsOpen) job.MarkLost();
                int at = Jobs.FindIndex(j => j.SameAs(job));
                if (at >= 0) Jobs[at] = job;
                else Jobs.Add(job);
                seen.Add(job);
            }
            foreach (PilotJob old in Jobs.Where(j => j.IsOpen && !seen.Contains(j)))
            {
                if (old.Container != container || run.First == null || old.Started < run.First || !running) old.MarkLost();
            }
        }

        /// <summary>Folds jobs that ended before <paramref name="now"/> minus <see cref="Retention"/>, and the oldest beyond <see cref="MaxJobs"/>, into the carried totals.</summary>
        public void Prune(DateTime now)
        {
            DateTime cutoff = now - Retention;
            List<PilotJob> ended = Jobs.Where(j => !j.IsOpen).OrderBy(j => j.Finished).ToList();
            int excess = Math.Max(0, Jobs.Count - MaxJobs);
            foreach (PilotJob j in ended.Where((j, i) => i < excess || j.Finished < cutoff).ToList())
            {
                Carry(j);
                Jobs.Remove(j);
            }
        }

        private void Carry(PilotJob j)
        {
            Carried.Started++;
            switch (j.Outcome)
            {
                case JobOutcome.Succeeded: Carried.Succeeded++; break;
                case JobOutcome.Failed: Carried.Failed++; break;
                case JobOutcome.Killed: Carried.Killed++; break;
                default: Carried.Lost++; break;
            }
            Carried.CoreSeconds += j.Cpus * j.BusySeconds(DateTime.MinValue, DateTime.MaxValue, j.LastSeen);
        }

        public string Serialize()
        {
            var sb = new StringBuilder();
            sb.Append(Header).Append('\n');
            sb.Append(string.Join("\t", "T", Carried.Started, Carried.Succeeded, Carried.Failed, Carried.Killed, Carried.Lost,
                Carried.CoreSeconds.ToString("R", CultureInfo.InvariantCulture))).Append('\n');
            foreach (PilotJob j in Jobs.OrderBy(j => j.Started))
            {
                string spans = string.Join(",", j.Busy.Select(s => Ms(s.Start) + "-" + (s.End.HasValue ? Ms(s.End.Value) : "")));
                sb.Append(string.Join("\t", "J", j.Slot ?? "-", j.JobId ?? "-", Ms(j.Started), j.Finished.HasValue ? Ms(j.Finished.Value) : "-",
                    j.Outcome.ToString(), j.Code?.ToString(CultureInfo.InvariantCulture) ?? "-", j.Cpus.ToString(CultureInfo.InvariantCulture),
                    Ms(j.LastSeen), j.Container ?? "-", spans.Length == 0 ? "-" : spans)).Append('\n');
            }
            return sb.ToString();
        }

        /// <summary>The ledger in <paramref name="text"/>; lines it cannot read (a newer format, damage) are skipped, never fatal.</summary>
        public static ActivityLedger Parse(string text)
        {
            var ledger = new ActivityLedger();
            if (string.IsNullOrEmpty(text)) return ledger;
            foreach (string line in text.Split('\n'))
            {
                string[] f = line.Split('\t');
                try
                {
                    if (f[0] == "T" && f.Length >= 7)
                    {
                        ledger.Carried.Started = L(f[1]);
                        ledger.Carried.Succeeded = L(f[2]);
                        ledger.Carried.Failed = L(f[3]);
                        ledger.Carried.Killed = L(f[4]);
                        ledger.Carried.Lost = L(f[5]);
                        ledger.Carried.CoreSeconds = double.Parse(f[6], CultureInfo.InvariantCulture);
                    }
                    else if (f[0] == "J" && f.Length >= 11)
                    {
                        var j = new PilotJob
                        {
                            Slot = Opt(f[1]),
                            JobId = Opt(f[2]),
                            Started = FromMs(f[3]),
                            Finished = f[4] == "-" ? (DateTime?)null : FromMs(f[4]),
                            Outcome = (JobOutcome)Enum.Parse(typeof(JobOutcome), f[5]),
                            Code = f[6] == "-" ? (int?)null : int.Parse(f[6], CultureInfo.InvariantCulture),
                            Cpus = int.Parse(f[7], CultureInfo.InvariantCulture),
                            LastSeen = FromMs(f[8]),
                            Container = Opt(f[9]),
                        };
                        if (f[10] != "-")
                        {
                            foreach (string span in f[10].Split(','))
                            {
                                int dash = span.IndexOf('-');
                                string end = span.Substring(dash + 1);
                                j.Busy.Add(new BusySpan(FromMs(span.Substring(0, dash)), end.Length == 0 ? (DateTime?)null : FromMs(end)));
                            }
                        }
                        ledger.Jobs.Add(j);
                    }
                }
                catch (Exception e) when (e is FormatException || e is OverflowException || e is ArgumentException)
                {
                    // A damaged line costs one job, not the ledger.
                }
            }
            return ledger;
        }

        private static string Opt(string s) => s == "-" ? null : s;
        private static long L(string s) => long.Parse(s, CultureInfo.InvariantCulture);
        private static string Ms(DateTime t) => new DateTimeOffset(t.ToUniversalTime()).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        private static DateTime FromMs(string s) => DateTimeOffset.FromUnixTimeMilliseconds(L(s)).UtcDateTime;
    }
}

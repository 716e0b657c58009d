using System;
using System.Collections.Generic;
using System.Linq;

namespace OsgPilot.Activity
{
    /// <summary>Turns a pilot's jobs into the numbers for a window, and adds pilots up.</summary>
    internal static class ActivitySummary
    {
        /// <summary>Fills <paramref name="into"/> with what <paramref name="jobs"/> did between <paramref name="since"/> and <paramref name="asOf"/>.</summary>
        public static void Fill(OsgPilotActivity into, IEnumerable<PilotJob> jobs, DateTime since, DateTime asOf)
        {
            since = since.ToUniversalTime();
            asOf = asOf.ToUniversalTime();
            List<PilotJob> all = jobs.ToList();
            into.Since = since.ToLocalTime();
            into.AsOf = asOf.ToLocalTime();
            into.Pilots = 1;
            List<PilotJob> started = all.Where(j => j.Started >= since && j.Started <= asOf).ToList();
            List<PilotJob> ended = all.Where(j => !j.IsOpen && j.Finished >= since && j.Finished <= asOf).ToList();
            into.JobsStarted = started.Count;
            into.JobsSucceeded = ended.Count(j => j.Outcome == JobOutcome.Succeeded);
            into.JobsFailed = ended.Count(j => j.Outcome == JobOutcome.Failed);
            into.JobsKilled = ended.Count(j => j.Outcome == JobOutcome.Killed);
            into.JobsLost = ended.Count(j => j.Outcome == JobOutcome.Lost);
            into.JobsFinished = into.JobsSucceeded + into.JobsFailed + into.JobsKilled;
            into.SlotsBusy = all.Count(j => j.IsOpen);
            into.BusySeconds = Round(all.Sum(j => j.BusySeconds(since, asOf, OpenEnd(j, asOf))));
            into.CoreHours = Math.Round(all.Sum(j => j.Cpus * j.BusySeconds(since, asOf, OpenEnd(j, asOf))) / 3600.0, 6);
            into.LastJobStart = all.Count == 0 ? (DateTime?)null : all.Max(j => j.Started).ToLocalTime();
            into.Ends = ended.GroupBy(How).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new OsgPilotJobEnd { How = g.Key, Count = g.Count() }).ToArray();
            into.Slots = all.Where(j => j.Slot != null).GroupBy(j => j.Slot).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new OsgPilotSlotActivity
                {
                    Slot = g.Key,
                    JobsStarted = g.Count(j => j.Started >= since && j.Started <= asOf),
                    BusySeconds = Round(g.Sum(j => j.BusySeconds(since, asOf, OpenEnd(j, asOf)))),
                })
                .Where(s => s.JobsStarted > 0 || s.BusySeconds > 0).ToArray();
        }

        /// <summary>A running job is busy up to now; any other open span ends where its log last spoke.</summary>
        private static DateTime OpenEnd(PilotJob j, DateTime asOf) => j.IsOpen ? asOf : j.LastSeen;

        public static string How(PilotJob j)
        {
            switch (j.Outcome)
            {
                case JobOutcome.Succeeded:
                case JobOutcome.Failed:
                    return "exit " + j.Code;
                case JobOutcome.Killed:
                    return "signal " + j.Code;
                default:
                    return "lost";
            }
        }

        /// <summary>The sum of several pilots' activity over the same window.</summary>
        public static OsgPilotActivity Total(IReadOnlyList<OsgPilotActivity> pilots, DateTime since, DateTime asOf)
        {
            return new OsgPilotActivity
            {
                Name = "(total)",
                Pilots = pilots.Count,
                Since = since.ToLocalTime(),
                AsOf = asOf.ToLocalTime(),
                Site = Single(pilots.Select(p => p.Site)),
                ResourceName = Single(pilots.Select(p => p.ResourceName)),
                DockerHost = Single(pilots.Select(p => p.DockerHost)),
                Accepting = pilots.Count == 0 ? (bool?)null : pilots.Any(p => p.Accepting == true),
                Draining = pilots.Count == 0 ? (bool?)null : pilots.All(p => p.Draining == true),
                JobsStarted = pilots.Sum(p => p.JobsStarted),
                JobsFinished = pilots.Sum(p => p.JobsFinished),
                JobsSucceeded = pilots.Sum(p => p.JobsSucceeded),
                JobsFailed = pilots.Sum(p => p.JobsFailed),
                JobsKilled = pilots.Sum(p => p.JobsKilled),
                JobsLost = pilots.Sum(p => p.JobsLost),
                SlotsBusy = pilots.Sum(p => p.SlotsBusy),
                BusySeconds = Round(pilots.Sum(p => p.BusySeconds)),
                CoreHours = Math.Round(pilots.Sum(p => p.CoreHours), 6),
                LastJobStart = pilots.Max(p => p.LastJobStart),
                Ends = pilots.SelectMany(p => p.Ends ?? new OsgPilotJobEnd[0]).GroupBy(e => e.How).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => new OsgPilotJobEnd { How = g.Key, Count = g.Sum(e => e.Count) }).ToArray(),
                Slots = new OsgPilotSlotActivity[0],
            };
        }

        private static string Single(IEnumerable<string> values)
        {
            string[] distinct = values.Where(v => v != null).Distinct(StringComparer.Ordinal).ToArray();
            return distinct.Length == 1 ? distinct[0] : null;
        }

        private static double Round(double seconds) => Math.Round(seconds, 3);
    }
}

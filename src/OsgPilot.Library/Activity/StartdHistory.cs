using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace OsgPilot.Activity
{
    /// <summary>
    /// The startd's job history ($(LOG)/startd_history, src/condor_utils/classadHistory.cpp): one ad
    /// per finished job, "Attr = value" lines, each ad ended by a banner line "*** Offset = ...
    /// ClusterId = ... ProcId = ... ...". Only what activity needs is kept.
    /// </summary>
    internal static class StartdHistory
    {
        /// <summary>The attributes read (a remote engine's exec filters to these lines).</summary>
        internal static readonly string[] Attributes =
        {
            "ClusterId", "ProcId", "CpusProvisioned", "RequestCpus", "ExitCode", "ExitBySignal", "ExitSignal",
            "JobCurrentStartDate", "CompletionDate",
        };

        public static List<PilotJob> Parse(IEnumerable<string> lines, string container)
        {
            var jobs = new List<PilotJob>();
            var ad = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string raw in lines)
            {
                string line = raw.TrimEnd('\r');
                if (line.StartsWith("***", StringComparison.Ordinal))
                {
                    PilotJob job = FromAd(ad, container);
                    if (job != null) jobs.Add(job);
                    ad.Clear();
                    continue;
                }
                int eq = line.IndexOf(" = ", StringComparison.Ordinal);
                if (eq > 0) ad[line.Substring(0, eq).Trim()] = line.Substring(eq + 3).Trim();
            }
            // A last ad without its banner is still being written: not a finished job yet.
            return jobs;
        }

        private static PilotJob FromAd(Dictionary<string, string> ad, string container)
        {
            long? cluster = Long(ad, "ClusterId"), proc = Long(ad, "ProcId"), done = Long(ad, "CompletionDate"), start = Long(ad, "JobCurrentStartDate");
            if (cluster == null || proc == null || done == null || done <= 0) return null;
            DateTime finished = FromEpoch(done.Value);
            DateTime started = start > 0 && start <= done ? FromEpoch(start.Value) : finished;
            var job = new PilotJob
            {
                JobId = $"{cluster}.{proc}",
                Started = started,
                Finished = finished,
                Cpus = (int)Math.Max(1, Long(ad, "CpusProvisioned") ?? Long(ad, "RequestCpus") ?? 1),
                LastSeen = finished,
                Container = container,
            };
            job.Busy.Add(new BusySpan(started, finished));
            if (string.Equals(Text(ad, "ExitBySignal"), "true", StringComparison.OrdinalIgnoreCase))
            {
                job.Outcome = JobOutcome.Killed;
                job.Code = (int?)Long(ad, "ExitSignal");
            }
            else if (Long(ad, "ExitCode") is long code)
            {
                job.Outcome = code == 0 ? JobOutcome.Succeeded : JobOutcome.Failed;
                job.Code = (int)code;
            }
            else
            {
                job.Outcome = JobOutcome.Lost; // evicted or removed: no exit to tell
            }
            return job;
        }

        /// <summary>
        /// Joins the history to the StartLog's jobs: a matching job gets its CPUs (the StartLog does
        /// not say them) and its own exit; a history job the StartLog no longer has (rotated or cut
        /// away) is added.
        /// </summary>
        public static void Join(PilotRun run, IEnumerable<PilotJob> history)
        {
            foreach (PilotJob h in history)
            {
                PilotJob match = run.Jobs.FirstOrDefault(j => j.JobId == h.JobId && j.Started >= h.Started.AddSeconds(-PilotJob.SameStartSeconds) &&
                                                              j.Started <= h.Finished.Value);
                if (match != null)
                {
                    match.Cpus = h.Cpus;
                    // The starter's exit status is the starter's (0 for a job that exited 1); the
                    // ad has the job's own exit code or signal, so it says how the job ended.
                    if (h.Outcome != JobOutcome.Lost || match.IsOpen)
                    {
                        match.Outcome = h.Outcome;
                        match.Code = h.Code;
                    }
                    if (match.Finished == null)
                    {
                        match.Finished = h.Finished;
                        match.CloseSpans(h.Finished.Value);
                    }
                    continue;
                }
                h.LastSeen = run.Last ?? h.LastSeen;
                run.Jobs.Add(h);
            }
        }

        private static string Text(Dictionary<string, string> ad, string name) => ad.TryGetValue(name, out string v) ? v.Trim('"') : null;

        private static long? Long(Dictionary<string, string> ad, string name)
        {
            string v = Text(ad, name);
            if (v == null) return null;
            if (long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l)) return l;
            return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? (long?)Math.Round(d) : null;
        }

        internal static DateTime FromEpoch(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
    }
}

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

        // Bounds of what a finished job's ad can say; an ad outside them is skipped, not believed.
        /// <summary>Epochs from 2000 to a day from now: a pilot's jobs ran within its lifetime, never before the pool or after the read.</summary>
        internal static readonly long MinEpoch = 946684800;
        internal const int MaxCpus = 4096;
        internal const int MaxExitCode = 255;
        /// <summary>An ad has a few dozen attributes; more is not a startd's.</summary>
        private const int MaxAttributes = 1024;

        public static List<PilotJob> Parse(IEnumerable<string> lines, string container, List<string> warnings = null)
        {
            var jobs = new List<PilotJob>();
            var ad = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            long maxEpoch = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 86400;
            int skipped = 0;
            foreach (string raw in lines)
            {
                string line = raw.TrimEnd('\r');
                if (line.StartsWith("***", StringComparison.Ordinal))
                {
                    PilotJob job = FromAd(ad, container, maxEpoch, out bool outOfRange);
                    if (job != null) jobs.Add(job);
                    if (outOfRange) skipped++;
                    ad.Clear();
                    continue;
                }
                if (ad.Count >= MaxAttributes) continue;
                int eq = line.IndexOf(" = ", StringComparison.Ordinal);
                if (eq > 0) ad[line.Substring(0, eq).Trim()] = line.Substring(eq + 3).Trim();
            }
            // A last ad without its banner is still being written: not a finished job yet.
            if (skipped > 0) warnings?.Add($"{skipped} job ad(s) in the startd_history of container {container} with numbers no finished job has (ids, times, CPUs, exit codes or signals out of range) were skipped.");
            return jobs;
        }

        private static PilotJob FromAd(Dictionary<string, string> ad, string container, long maxEpoch, out bool outOfRange)
        {
            outOfRange = false;
            long? cluster = Long(ad, "ClusterId"), proc = Long(ad, "ProcId"), done = Long(ad, "CompletionDate"), start = Long(ad, "JobCurrentStartDate");
            // Present but no number a long holds, or before 1970: no startd wrote it.
            if ((done == null && ad.ContainsKey("CompletionDate")) || done < 0) { outOfRange = true; return null; }
            if (cluster == null || proc == null || done == null || done == 0) return null; // 0: the job did not complete (evicted, removed)
            long? cpus = Long(ad, "CpusProvisioned") ?? Long(ad, "RequestCpus");
            bool signalled = string.Equals(Text(ad, "ExitBySignal"), "true", StringComparison.OrdinalIgnoreCase);
            long? signal = Long(ad, "ExitSignal"), exit = Long(ad, "ExitCode");
            if (cluster < 0 || proc < 0 || done < MinEpoch || done > maxEpoch || (start.HasValue && (start < 0 || start > maxEpoch)) ||
                (cpus.HasValue && (cpus < 1 || cpus > MaxCpus)) ||
                (signalled && signal.HasValue && (signal < StartLogAnalyzer.MinSignal || signal > StartLogAnalyzer.MaxSignal)) ||
                (!signalled && exit.HasValue && (exit < 0 || exit > MaxExitCode)))
            {
                outOfRange = true;
                return null;
            }
            DateTime finished = FromEpoch(done.Value);
            DateTime started = start >= MinEpoch && start <= done ? FromEpoch(start.Value) : finished;
            var job = new PilotJob
            {
                JobId = $"{cluster}.{proc}",
                Started = started,
                Finished = finished,
                Cpus = (int)(cpus ?? 1),
                LastSeen = finished,
                Container = container,
            };
            job.Busy.Add(new BusySpan(started, finished));
            if (signalled)
            {
                job.Outcome = JobOutcome.Killed;
                job.Code = (int?)signal;
            }
            else if (exit is long code)
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
            // A real (CpusProvisioned = 4.0): only within a range a long holds, else it is no number of a job.
            return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && !double.IsNaN(d) && Math.Abs(d) < 9e18 ? (long?)Math.Round(d) : null;
        }

        internal static DateTime FromEpoch(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
    }
}

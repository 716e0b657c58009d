using System;
using System.Collections.Generic;
using System.Linq;
using OsgPilot.Activity;

namespace OsgPilot.Metrics
{
    /// <summary>What the metrics say about one pilot.</summary>
    internal sealed class PilotSample
    {
        public string Name { get; set; }
        public string Engine { get; set; }
        public string Site { get; set; }
        public string Resource { get; set; }
        /// <summary>Engine state (running, exited, ...).</summary>
        public string State { get; set; }
        public bool? Accepting { get; set; }
        public bool? Draining { get; set; }
        public long? Restarts { get; set; }
        /// <summary>The slot ad's HAS_SINGULARITY; null while unknown (not running, startd not ready).</summary>
        public bool? ContainerJobs { get; set; }
        /// <summary>The slot ad's OSG_NODE_VALIDATED; null while unknown.</summary>
        public bool? Validated { get; set; }
        public DateTime? ImageCreated { get; set; }
        public ActivityLedger Ledger { get; set; }
    }

    /// <summary>A config's token, for its expiry.</summary>
    internal sealed class TokenSample
    {
        public string Config { get; set; }
        public DateTime? Expires { get; set; }
    }

    /// <summary>
    /// The metrics file: one osgpilot_ prefix, base units (seconds), _total counters, an _info
    /// metric for the version, labels of low cardinality (pilot, engine, site, resource, state,
    /// outcome, config). Ages are exported as timestamps, so a rule computes them at query time and a
    /// file written an hour ago is still right.
    /// </summary>
    internal static class PilotMetrics
    {
        /// <summary>The engine states always exported, zero or not, so a rule sees a 0 instead of nothing.</summary>
        private static readonly string[] States = { "running", "restarting", "paused", "exited", "created", "dead" };

        public static string Render(IReadOnlyList<PilotSample> pilots, IEnumerable<string> engines, IEnumerable<SyncStatus> syncs,
            IEnumerable<TokenSample> tokens, string moduleVersion, DateTime now)
        {
            var t = new PrometheusText();
            t.Declare("osgpilot_info", "gauge", "OsgPilot that wrote this file (always 1).");
            t.Add("osgpilot_info", 1, ("version", moduleVersion));

            t.Declare("osgpilot_pilots", "gauge", "OsgPilot pilot containers by engine state.");
            foreach (string engine in engines.Distinct(StringComparer.Ordinal).OrderBy(e => e, StringComparer.Ordinal))
            {
                List<PilotSample> mine = pilots.Where(p => p.Engine == engine && p.State != null).ToList();
                foreach (string state in States.Concat(mine.Select(p => p.State)).Distinct(StringComparer.Ordinal))
                {
                    t.Add("osgpilot_pilots", mine.Count(p => p.State == state), ("engine", engine), ("state", state));
                }
            }

            Declare(t);
            foreach (PilotSample p in pilots.OrderBy(p => p.Engine, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal))
            {
                (string, string)[] l = { ("pilot", p.Name), ("engine", p.Engine), ("site", p.Site), ("resource", p.Resource) };
                if (p.State != null)
                {
                    t.Add("osgpilot_pilot_up", p.State == "running" ? 1 : 0, l);
                    t.Add("osgpilot_pilot_accepting", p.Accepting == true ? 1 : 0, l);
                    t.Add("osgpilot_pilot_draining", p.Draining == true ? 1 : 0, l);
                    if (p.Restarts.HasValue) t.Add("osgpilot_pilot_restarts_total", p.Restarts.Value, l);
                    if (p.ContainerJobs.HasValue) t.Add("osgpilot_pilot_container_jobs", p.ContainerJobs.Value ? 1 : 0, l);
                    if (p.Validated.HasValue) t.Add("osgpilot_pilot_validated", p.Validated.Value ? 1 : 0, l);
                    if (p.ImageCreated.HasValue) t.Add("osgpilot_image_created_timestamp_seconds", PrometheusText.Seconds(p.ImageCreated.Value), l);
                }
                AddActivity(t, p.Ledger, l, now);
            }

            t.Declare("osgpilot_token_expiry_timestamp_seconds", "gauge", "When the config's OSG token expires (Unix time); absent for a token without exp.");
            foreach (TokenSample tok in tokens.Where(k => k.Expires.HasValue).OrderBy(k => k.Config, StringComparer.Ordinal))
            {
                t.Add("osgpilot_token_expiry_timestamp_seconds", PrometheusText.Seconds(tok.Expires.Value), ("config", tok.Config));
            }

            t.Declare("osgpilot_sync_last_run_timestamp_seconds", "gauge", "When Sync-OsgPilot last ran for the config on the engine (Unix time).");
            t.Declare("osgpilot_sync_success", "gauge", "1 when the last Sync-OsgPilot of the config on the engine succeeded, else 0.");
            t.Declare("osgpilot_sync_last_success_timestamp_seconds", "gauge", "When Sync-OsgPilot last succeeded for the config on the engine (Unix time).");
            foreach (SyncStatus s in syncs.OrderBy(s => s.Engine, StringComparer.Ordinal).ThenBy(s => s.Config, StringComparer.Ordinal))
            {
                (string, string)[] l = { ("config", s.Config), ("engine", s.Engine) };
                t.Add("osgpilot_sync_last_run_timestamp_seconds", PrometheusText.Seconds(s.LastRun), l);
                t.Add("osgpilot_sync_success", s.Succeeded ? 1 : 0, l);
                if (s.LastSuccess.HasValue) t.Add("osgpilot_sync_last_success_timestamp_seconds", PrometheusText.Seconds(s.LastSuccess.Value), l);
            }
            return t.ToString();
        }

        private static void Declare(PrometheusText t)
        {
            t.Declare("osgpilot_pilot_up", "gauge", "1 when the pilot container is running.");
            t.Declare("osgpilot_pilot_accepting", "gauge", "1 when the pilot runs, is not draining and its startd lets jobs in (validated).");
            t.Declare("osgpilot_pilot_container_jobs", "gauge", "1 when the pilot's startd advertises HAS_SINGULARITY (Apptainer works: the pool sends it container jobs), 0 when not; absent while unknown.");
            t.Declare("osgpilot_pilot_validated", "gauge", "1 when the pilot's startd advertises OSG_NODE_VALIDATED (its checks passed), 0 when not; absent while unknown.");
            t.Declare("osgpilot_pilot_draining", "gauge", "1 when the pilot has stop-glidein.stamp: it takes no new jobs and exits once idle.");
            t.Declare("osgpilot_pilot_restarts_total", "counter", "Restarts of the pilot container by the engine's restart policy since it was created.");
            t.Declare("osgpilot_image_created_timestamp_seconds", "gauge", "When the pilot's image was built (Unix time); OSG asks for images under 72 hours old.");
            t.Declare("osgpilot_jobs_started_total", "counter", "Jobs the pilot's startd activated (Got activate_claim request).");
            t.Declare("osgpilot_jobs_finished_total", "counter", "Jobs that ended, by outcome: succeeded (exit 0), failed (other exit), killed (signal), lost (the pilot restarted under it).");
            t.Declare("osgpilot_busy_core_seconds_total", "counter", "Seconds slots were busy with jobs, times the jobs' CPUs.");
            t.Declare("osgpilot_slots_busy", "gauge", "Slots running a job now.");
            t.Declare("osgpilot_last_job_start_timestamp_seconds", "gauge", "When the pilot's last job started (Unix time).");
        }

        private static void AddActivity(PrometheusText t, ActivityLedger ledger, (string, string)[] l, DateTime now)
        {
            if (ledger == null) return;
            List<PilotJob> jobs = ledger.Jobs;
            CarriedTotals c = ledger.Carried;
            t.Add("osgpilot_jobs_started_total", c.Started + jobs.Count, l);
            foreach ((string outcome, JobOutcome kind, long carried) in new[]
            {
                ("succeeded", JobOutcome.Succeeded, c.Succeeded), ("failed", JobOutcome.Failed, c.Failed),
                ("killed", JobOutcome.Killed, c.Killed), ("lost", JobOutcome.Lost, c.Lost),
            })
            {
                t.Add("osgpilot_jobs_finished_total", carried + jobs.Count(j => j.Outcome == kind), l.Concat(new[] { ("outcome", outcome) }).ToArray());
            }
            double core = c.CoreSeconds + jobs.Sum(j => j.Cpus * j.BusySeconds(DateTime.MinValue, DateTime.MaxValue, j.IsOpen ? now : j.LastSeen));
            t.Add("osgpilot_busy_core_seconds_total", Math.Round(core, 3), l);
            t.Add("osgpilot_slots_busy", jobs.Count(j => j.IsOpen), l);
            if (jobs.Count > 0) t.Add("osgpilot_last_job_start_timestamp_seconds", PrometheusText.Seconds(jobs.Max(j => j.Started)), l);
        }
    }
}

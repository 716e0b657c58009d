using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Activity;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Metrics;
using OsgPilot.Output;
using OsgPilot.Reconcile;
using OsgPilot.Threading;

namespace OsgPilot.Operations
{
    /// <summary>What one Sync-OsgPilot run asks of one engine.</summary>
    internal sealed class SyncRequest
    {
        public OsgPilotConfig Config { get; set; }
        public int Count { get; set; } = 1;
        public int MaxDraining { get; set; }
        public bool Force { get; set; }
        public TimeSpan MaxImageAge { get; set; }
        public TimeSpan Watch { get; set; }
        public TimeSpan LockTimeout { get; set; }
        /// <summary>-WhatIf: the steps described, nothing changed, no lock taken, no outcome kept.</summary>
        public bool WhatIf { get; set; }
        /// <summary>Where activity ledgers and sync outcomes are kept (resolved).</summary>
        public string StateDirectory { get; set; }
        /// <summary>The schedule this run belongs to (null: a run by hand), kept with its outcome.</summary>
        public string ScheduleName { get; set; }
    }

    /// <summary>
    /// A Sync run on one engine, as a library operation: the lock, the reconciler, the activity kept
    /// before logs are lost, the outcome recorded for the metrics (a failed run too), and the result
    /// rows. Item failures go to the host; a failure that stops the run is thrown, after its outcome is kept.
    /// </summary>
    internal sealed class SyncOperation
    {
        private readonly DockerGateway _docker;
        private readonly IPipelineHost _host;
        private readonly SyncMetrics _metrics;

        /// <param name="metrics">Where the run's outcome and samples go for -MetricsPath; null: no metrics file, so only host-readable activity is kept.</param>
        public SyncOperation(DockerGateway docker, IPipelineHost host, SyncMetrics metrics)
        {
            _docker = docker;
            _host = host;
            _metrics = metrics;
        }

        public async Task<IReadOnlyList<OsgPilotSyncResult>> RunAsync(SyncRequest r, CancellationToken ct)
        {
            OsgPilotConfig config = r.Config;
            var request = new ReconcileRequest
            {
                Config = config,
                Count = r.Count,
                Policy = ReconcilePolicy.ForSync(r.MaxDraining, r.Force, r.MaxImageAge),
                Watch = r.Watch,
                WhatIf = r.WhatIf,
                Describe = s => (s.Name, $"{ActionName(s.Action)}: {s.Reason}"),
            };
            var activity = new ActivityCollector(_docker, r.StateDirectory);
            request.Harvest = r.WhatIf ? null : activity.Before(_host.Warning);
            ReconcileResult result;
            bool succeeded;
            try
            {
                // -WhatIf changes nothing, so it needs no lock and never waits for one; its "What if"
                // lines are its whole output.
                using (r.WhatIf ? null : await ConfigRunLock.AcquireAsync(_docker.Endpoint.Display, config.Name, r.LockTimeout, _host, ct))
                {
                    result = await new PilotReconciler(_docker, _host).RunAsync(request, ct);
                }
                succeeded = result.ImageError == null && result.Steps.All(o => o.Error == null);
            }
            catch (OsgPilotException e) when (e.ErrorId != ErrorIds.ConfigRunInProgress && !r.WhatIf)
            {
                // A run that could not even start is a failed sync: the metrics must say so, and
                // still show the pilots (up, accepting) when the engine answers.
                List<PilotSample> samples = null;
                try
                {
                    samples = await KeepActivityAsync(activity, await _docker.ListInstancesAsync(config.Name, ct), ct);
                }
                catch (OsgPilotException) when (!ct.IsCancellationRequested)
                {
                    // The engine is what failed: the file says only that the sync did.
                }
                AddMetrics(RecordOutcome(r, config, false), config, samples == null ? null : _docker.Endpoint.Display, samples);
                throw;
            }
            if (!r.WhatIf)
            {
                // Ledgers of this config's pilots that are gone for good (a lower -Count) do not pile up.
                activity.Store.ForgetGone(result.Now.Select(c => c.Name), n => PilotNames.IsInstanceOf(n, config.Name), DateTime.UtcNow);
                List<PilotSample> samples = await KeepActivityAsync(activity, result.Now, ct);
                AddMetrics(RecordOutcome(r, config, succeeded), config, _docker.Endpoint.Display, samples);
            }
            foreach (string w in result.Warnings) _host.Warning(w);
            if (result.ImageError != null) _host.Failure(result.ImageError);
            List<OsgPilotSyncResult> rows = Rows(config, result);
            return r.WhatIf ? new OsgPilotSyncResult[0] : (IReadOnlyList<OsgPilotSyncResult>)rows;
        }

        private void AddMetrics(SyncStatus status, OsgPilotConfig config, string engine, List<PilotSample> samples)
        {
            if (_metrics == null) return;
            lock (_metrics) _metrics.Add(status, config, engine, samples);
        }

        /// <summary>
        /// Every run keeps the activity of the config's pilots whose logs are files of this machine (a
        /// crash or an engine restart wipes a pilot's logs with no OsgPilot step to harvest them
        /// first); with metrics it reads every pilot, as the metrics need. A pilot that only an exec
        /// can read is not asked on every run: that would make a run with nothing to do cost an exec
        /// per pilot; its replacements, stops and removals still harvest it.
        /// </summary>
        private async Task<List<PilotSample>> KeepActivityAsync(ActivityCollector activity, IReadOnlyList<PilotContainer> containers, CancellationToken ct)
        {
            List<PilotContainer> mine = containers.Where(PilotPlanner.IsOurs).ToList();
            if (_metrics != null) return await MetricsCollector.CollectAsync(_docker, activity, mine, true, null, _host.Warning, ct);
            foreach (PilotActivityState s in await activity.CollectAsync(mine.Where(activity.ReadsFromHost).ToList(), true, ct))
            {
                foreach (string w in s.Warnings) _host.Warning(w);
                if (s.Error != null) _host.Warning($"The activity of '{s.Name}' was not kept: {s.Error.Message}");
            }
            return null;
        }

        /// <summary>Keeps the run's outcome for later exports; a state directory that cannot be written costs a warning, not the run.</summary>
        private SyncStatus RecordOutcome(SyncRequest r, OsgPilotConfig config, bool succeeded)
        {
            try
            {
                return SyncStatusStore.Record(r.StateDirectory, _docker.Endpoint.Display, config.Name, succeeded, DateTime.UtcNow, r.ScheduleName);
            }
            catch (OsgPilotException e)
            {
                _host.Warning(e.Message);
                return new SyncStatus { Config = config.Name, Engine = _docker.Endpoint.Display, LastRun = DateTime.UtcNow, Succeeded = succeeded, Schedule = r.ScheduleName };
            }
        }

        private List<OsgPilotSyncResult> Rows(OsgPilotConfig config, ReconcileResult result)
        {
            var rows = new List<OsgPilotSyncResult>
            {
                new OsgPilotSyncResult { Kind = "Image", Name = config.Image, Action = result.ImageAction, Reason = result.ImageReason, Changed = result.ImageChanged, ImageId = result.Image?.Id },
            };
            var now = result.Now.ToDictionary(c => c.Name, StringComparer.Ordinal);
            var runWide = new HashSet<OsgPilotException>();
            void Report(string name, OsgPilotException e)
            {
                // What stopped every start of the run (the ospool-ep RPM's container runs) is said once, as itself.
                if (e.ErrorId == ErrorIds.OspoolEpRunning) { if (runWide.Add(e)) _host.Failure(e); }
                else _host.Failure(Failure(name, e));
            }
            foreach (StepOutcome o in result.Steps)
            {
                PilotStep s = o.Step;
                if (o.Error != null) Report(s.Name, o.Error);
                // Repairs of an interrupted run: said (verbose), not reported as pilots.
                if (s.Action == PilotAction.RemoveLeftover || s.Action == PilotAction.RestoreName) continue;
                rows.Add(new OsgPilotSyncResult
                {
                    Kind = "Pilot",
                    Name = s.Name,
                    Action = o.Error != null ? "Failed" : ActionName(s.Action),
                    Reason = o.Error != null ? o.Error.Message : s.Reason,
                    Changed = o.Changed,
                    ImageId = now.TryGetValue(s.Name, out PilotContainer c) ? c.ImageId : null,
                });
            }
            foreach (OsgPilotSyncResult row in rows)
            {
                row.DockerHost = _docker.Endpoint.Display;
                row.Context = _docker.Endpoint.Context;
                row.Warnings = result.Warnings.ToArray();
            }
            return rows;
        }

        private static OsgPilotException Failure(string name, OsgPilotException e) =>
            new OsgPilotException(ErrorIds.SyncFailed, e.Category, $"Sync of pilot '{name}' failed: {e.Message}", name, e);

        /// <summary>The action as Sync-OsgPilot reports it (stable words scripts match on).</summary>
        internal static string ActionName(PilotAction action)
        {
            switch (action)
            {
                case PilotAction.Create: return "Created";
                case PilotAction.Replace:
                case PilotAction.ReplaceRunning: return "Replaced";
                case PilotAction.Drain:
                case PilotAction.AwaitExit: return "Draining";
                case PilotAction.Remove:
                case PilotAction.RemoveLeftover: return "Removed";
                case PilotAction.Unpause: return "Unpaused";
                case PilotAction.Undrain: return "Undrained";
                case PilotAction.RestoreName: return "Restored";
                case PilotAction.Refuse: return "Failed";
                default: return "None";
            }
        }
    }
}

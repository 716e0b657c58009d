using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
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

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Keeps a host right: the image fresh, Count pilots on it, older pilots drained and replaced a
    /// few at a time. Safe to run every few minutes, and from several schedulers at once.
    /// </summary>
    [Cmdlet(VerbsData.Sync, "OsgPilot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ConfigSet)]
    [OutputType(typeof(OsgPilotSyncResult))]
    [OutputType(typeof(string))]
    public sealed class SyncOsgPilotCommand : DockerCmdlet
    {
        private const string ConfigSet = "Config";
        private const string PathSet = "ConfigPath";

        private RunReport _report;
        private bool _stopped;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ConfigSet)]
        public OsgPilotConfig Config { get; set; }

        /// <summary>A config file (Export-OsgPilotConfig) to read, instead of a config object: its warnings go where the run's go.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string ConfigPath { get; set; }

        /// <summary>
        /// For schedulers: one JSON document on the output (warnings and errors in it, nothing else on
        /// standard output), $LASTEXITCODE set, and the exit code of a non-interactive PowerShell
        /// process: 0 success, 1 a pilot or the image failed, 2 the run was stopped by its input or its engine.
        /// </summary>
        [Parameter]
        public SwitchParameter AsJson { get; set; }

        /// <summary>How many pilots the host runs from this config.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int Count { get; set; } = 1;

        /// <summary>Pull the image when it is missing or was built longer ago than this (OSG asks for 72 hours at most).</summary>
        [Parameter]
        [ValidateRange(0, 10000)]
        public int MaxImageAgeHours { get; set; } = 72;

        /// <summary>At most this many pilots are draining or down at once during a roll-out (default: a quarter of -Count, at least 1).</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int MaxDraining { get; set; }

        /// <summary>Replace pilots on an older image or config at once, without draining (their jobs are stopped).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Seconds to watch each pilot this run started (as Start-OsgPilot -WatchSeconds).</summary>
        [Parameter]
        [ValidateRange(0, 600)]
        public int WatchSeconds { get; set; } = 5;

        /// <summary>How long to wait for another run of the same config on the same engine to finish.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int LockTimeoutSec { get; set; } = 300;

        /// <summary>Also write the config's pilots' metrics to this .prom file for a textfile collector (see Export-OsgPilotMetrics), after every run, failed or not.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string MetricsPath { get; set; }

        /// <summary>Where the activity ledgers and sync outcomes are kept (see Get-OsgPilotActivity).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string StateDirectory { get; set; }

        private string _metricsPath;
        private readonly SyncMetrics _metrics = new SyncMetrics();

        protected override void BeginProcessing()
        {
            if (AsJson.IsPresent) _report = new RunReport("Sync-OsgPilot");
            base.BeginProcessing();
            if (MetricsPath == null) return;
            try
            {
                _metricsPath = MetricsFile.Check(GetUnresolvedProviderPathFromPSPath(MetricsPath));
            }
            catch (OsgPilotException e)
            {
                if (_report == null) ThrowTerminatingError(e.ToErrorRecord());
                _report.Stopped(e);
                _stopped = true;
            }
        }

        protected override void ProcessRecord()
        {
            if (_stopped) return;
            OsgPilotConfig config = Config ?? LoadConfig();
            if (config == null) return;
            RunOnEngines(Targets(), async (target, docker) =>
            {
                int maxDraining = MyInvocation.BoundParameters.ContainsKey(nameof(MaxDraining)) ? MaxDraining : ReconcilePolicy.DefaultMaxDraining(Count);
                bool whatIf = WhatIfRequested();
                var request = new ReconcileRequest
                {
                    Config = config,
                    Count = Count,
                    Policy = ReconcilePolicy.ForSync(maxDraining, Force.IsPresent, TimeSpan.FromHours(MaxImageAgeHours)),
                    Watch = TimeSpan.FromSeconds(WatchSeconds),
                    WhatIf = whatIf,
                    Describe = s => (s.Name, $"{ActionName(s.Action)}: {s.Reason}"),
                };
                ReconcileResult result;
                IPipelineHost host = PipelineHostFor(ShouldProcess);
                string state = StatePath(StateDirectory);
                var activity = new ActivityCollector(docker, state);
                request.Harvest = whatIf ? null : activity.Before(host.Warning);
                bool succeeded = false, ranToEnd = false;
                try
                {
                    // -WhatIf changes nothing, so it needs no lock and never waits for one; its "What if"
                    // lines are its whole output.
                    using (whatIf ? null : await ConfigRunLock.AcquireAsync(docker.Endpoint.Display, config.Name, TimeSpan.FromSeconds(LockTimeoutSec), host, CancelToken))
                    {
                        result = await new PilotReconciler(docker, host).RunAsync(request, CancelToken);
                    }
                    succeeded = result.ImageError == null && result.Steps.All(o => o.Error == null);
                    ranToEnd = true;
                }
                catch (OsgPilotException e) when (e.ErrorId != ErrorIds.ConfigRunInProgress && !whatIf)
                {
                    // A run that could not even start is a failed sync: the metrics must say so, and
                    // still show the pilots (up, accepting) when the engine answers.
                    List<PilotSample> samples = null;
                    try
                    {
                        samples = await KeepActivityAsync(docker, activity, await docker.ListInstancesAsync(config.Name, CancelToken));
                    }
                    catch (OsgPilotException) when (!CancelToken.IsCancellationRequested)
                    {
                        // The engine is what failed: the file says only that the sync did.
                    }
                    _metrics.Add(RecordOutcome(state, docker, config, false), config, samples == null ? null : docker.Endpoint.Display, samples);
                    throw;
                }
                if (!whatIf)
                {
                    // Ledgers of this config's pilots that are gone for good (a lower -Count) do not pile up.
                    activity.Store.ForgetGone(result.Now.Select(c => c.Name), n => PilotPlanner.IsInstanceOf(n, config.Name), DateTime.UtcNow);
                    List<PilotSample> samples = await KeepActivityAsync(docker, activity, result.Now);
                    _metrics.Add(RecordOutcome(state, docker, config, succeeded && ranToEnd), config, docker.Endpoint.Display, samples);
                }
                foreach (string w in result.Warnings) ReportWarning(w);
                if (result.ImageError != null) WriteFailure(result.ImageError);
                List<OsgPilotSyncResult> rows = Rows(config, result, docker.Endpoint);
                if (whatIf) return;
                foreach (OsgPilotSyncResult r in rows)
                {
                    if (_report != null) _report.Add(r);
                    else WriteObject(r);
                }
            });
        }

        protected override void EndProcessing()
        {
            WriteMetrics();
            if (_report == null) return;
            WriteObject(_report.ToJson());
            MachineMode.Finish(this, _report.ExitCode, _report.Errors);
        }

        /// <summary>
        /// Every run keeps the activity of the config's pilots whose logs are files of this machine (a
        /// crash or an engine restart wipes a pilot's logs with no OsgPilot step to harvest them
        /// first); with -MetricsPath it reads every pilot, as the metrics need. A pilot that only an
        /// exec can read is not asked on every run: that would make a run with nothing to do cost an
        /// exec per pilot; its replacements, stops and removals still harvest it.
        /// </summary>
        private async Task<List<PilotSample>> KeepActivityAsync(DockerGateway docker, ActivityCollector activity, IReadOnlyList<PilotContainer> containers)
        {
            List<PilotContainer> mine = containers.Where(PilotPlanner.IsOurs).ToList();
            // The collector warns from whatever thread its reads end on: the host takes it to the pipeline thread.
            if (_metricsPath != null) return await MetricsCollector.CollectAsync(docker, activity, mine, true, null, PipelineHostFor(ShouldProcess).Warning, CancelToken);
            foreach (PilotActivityState s in await activity.CollectAsync(mine.Where(activity.ReadsFromHost).ToList(), true, CancelToken))
            {
                foreach (string w in s.Warnings) ReportWarning(w);
                if (s.Error != null) ReportWarning($"The activity of '{s.Name}' was not kept: {s.Error.Message}");
            }
            return null;
        }

        /// <summary>Keeps the run's outcome for later exports; a state directory that cannot be written costs a warning, not the run.</summary>
        private SyncStatus RecordOutcome(string state, DockerGateway docker, OsgPilotConfig config, bool succeeded)
        {
            try
            {
                return SyncStatusStore.Record(state, docker.Endpoint.Display, config.Name, succeeded, DateTime.UtcNow);
            }
            catch (OsgPilotException e)
            {
                ReportWarning(e.Message);
                return new SyncStatus { Config = config.Name, Engine = docker.Endpoint.Display, LastRun = DateTime.UtcNow, Succeeded = succeeded };
            }
        }

        /// <summary>The metrics file, also after a failed run: sync_success 0 is what the alert looks for.</summary>
        private void WriteMetrics()
        {
            if (_metricsPath == null || _metrics.IsEmpty) return;
            try
            {
                MetricsFile.Write(_metricsPath, _metrics.Render(ModuleVersion.Value, DateTime.UtcNow));
                ReportVerbose($"Wrote metrics of {_metrics.PilotCount} pilot(s) to {_metricsPath}.");
            }
            catch (OsgPilotException e)
            {
                WriteFailure(e);
            }
        }

        private OsgPilotConfig LoadConfig()
        {
            try
            {
                PilotConfigResult loaded = PilotConfigBuilder.Build(ConfigFile.Load(GetUnresolvedProviderPathFromPSPath(ConfigPath)));
                foreach (string w in loaded.Warnings) ReportWarning(w);
                return loaded.Config;
            }
            catch (OsgPilotException e)
            {
                OnRunFailure(e, mayTerminate: false);
                return null;
            }
        }

        protected override void OnRunFailure(OsgPilotException e, bool mayTerminate)
        {
            if (_report == null)
            {
                base.OnRunFailure(e, mayTerminate);
                return;
            }
            _report.Stopped(e);
            if (mayTerminate && IsFatal(e)) _stopped = true;
        }

        protected override void OnEngineUnusable(OsgPilotException e)
        {
            if (_report == null)
            {
                base.OnEngineUnusable(e);
                return;
            }
            _report.Stopped(e);
            _stopped = true;
        }

        protected override void WriteFailure(OsgPilotException e)
        {
            if (_report == null)
            {
                base.WriteFailure(e);
                return;
            }
            _report.Failed(e);
        }

        protected override void ReportWarning(string message)
        {
            if (_report != null) _report.Warn(message);
            else WriteWarning(message);
        }

        protected override void ReportVerbose(string message)
        {
            if (_report != null) MachineMode.TellVerbose(this, message);
            else WriteVerbose(message);
        }

        protected override bool ShowsProgress => _report == null;

        private List<OsgPilotSyncResult> Rows(OsgPilotConfig config, ReconcileResult result, DockerEndpoint endpoint)
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
                if (e.ErrorId == ErrorIds.OspoolEpRunning) { if (runWide.Add(e)) WriteFailure(e); }
                else WriteFailure(Failure(name, e));
            }
            foreach (StepOutcome o in result.Steps)
            {
                PilotStep s = o.Step;
                if (s.Action == PilotAction.RemoveLeftover || s.Action == PilotAction.RestoreName)
                {
                    // Repairs of an interrupted run: said (verbose), not reported as pilots.
                    if (o.Error != null) Report(s.Name, o.Error);
                    continue;
                }
                if (o.Error != null) Report(s.Name, o.Error);
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
            foreach (OsgPilotSyncResult r in rows)
            {
                r.DockerHost = endpoint.Display;
                r.Context = endpoint.Context;
                r.Warnings = result.Warnings.ToArray();
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

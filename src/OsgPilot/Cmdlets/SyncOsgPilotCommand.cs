using System;
using System.Management.Automation;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Metrics;
using OsgPilot.Operations;
using OsgPilot.Output;
using OsgPilot.Reconcile;
using OsgPilot.Schedule;

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

        /// <summary>The schedule this run belongs to (Register-OsgPilotSchedule writes it): its outcome stays in the metrics while the schedule exists, even with no pilot left.</summary>
        [Parameter]
        [ValidatePattern(ScheduleNames.Pattern)]
        public string ScheduleName { get; set; }

        private string _metricsPath;
        private SyncMetrics _metrics;

        protected override void BeginProcessing()
        {
            if (AsJson.IsPresent) ReportAsJson("Sync-OsgPilot");
            base.BeginProcessing();
            if (MetricsPath == null) return;
            try
            {
                _metricsPath = MetricsFile.Check(GetUnresolvedProviderPathFromPSPath(MetricsPath));
                _metrics = new SyncMetrics();
            }
            catch (OsgPilotException e)
            {
                StopRun(e);
            }
        }

        protected override void ProcessRecord()
        {
            if (RunStopped) return;
            OsgPilotConfig config = Config ?? LoadConfig();
            if (config == null) return;
            var request = new SyncRequest
            {
                Config = config,
                Count = Count,
                MaxDraining = MyInvocation.BoundParameters.ContainsKey(nameof(MaxDraining)) ? MaxDraining : ReconcilePolicy.DefaultMaxDraining(Count),
                Force = Force.IsPresent,
                MaxImageAge = TimeSpan.FromHours(MaxImageAgeHours),
                Watch = TimeSpan.FromSeconds(WatchSeconds),
                LockTimeout = TimeSpan.FromSeconds(LockTimeoutSec),
                WhatIf = WhatIfRequested(),
                StateDirectory = StatePath(StateDirectory),
                ScheduleName = ScheduleName,
            };
            RunOnEngines(Targets(), async (target, docker) =>
            {
                var operation = new SyncOperation(docker, PipelineHostFor(ShouldProcess), _metrics);
                foreach (OsgPilotSyncResult r in await operation.RunAsync(request, CancelToken)) Emit(r);
            });
        }

        protected override void EndProcessing()
        {
            WriteMetrics();
            FinishReport();
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
                PilotConfigResult loaded = ConfigFile.Build(GetUnresolvedProviderPathFromPSPath(ConfigPath));
                foreach (string w in loaded.Warnings) ReportWarning(w);
                return loaded.Config;
            }
            catch (OsgPilotException e)
            {
                OnRunFailure(e, mayTerminate: false);
                return null;
            }
        }
    }
}

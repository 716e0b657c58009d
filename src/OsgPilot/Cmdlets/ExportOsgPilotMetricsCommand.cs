using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Activity;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Metrics;
using OsgPilot.Threading;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Writes the pilots' metrics in the Prometheus text format for a textfile collector
    /// (node_exporter, windows_exporter): state, accepting, draining, restarts, image and token
    /// times, job counters and busy core-seconds, and the last sync's outcome. The file is replaced
    /// whole (a temporary file, then a rename). Harvests the pilots' logs into their ledgers on the way.
    /// </summary>
    [Cmdlet(VerbsData.Export, "OsgPilotMetrics", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(string))]
    public sealed class ExportOsgPilotMetricsCommand : DockerCmdlet
    {
        private readonly List<string> _names = new List<string>();
        private readonly Dictionary<string, EngineTarget> _targets = new Dictionary<string, EngineTarget>(StringComparer.Ordinal);
        private readonly List<TokenSample> _tokens = new List<TokenSample>();

        /// <summary>The .prom file to write, in the collector's directory. Without it the text is written to the output.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>Only these pilots (wildcards allowed); default all OsgPilot pilots of the engine.</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PilotNameCompleter))]
        public string[] Name { get; set; }

        /// <summary>Configs whose token expiry to export (osgpilot_token_expiry_timestamp_seconds).</summary>
        [Parameter(ValueFromPipeline = true)]
        public OsgPilotConfig[] Config { get; set; }

        /// <summary>Where the activity ledgers and sync outcomes are (see Get-OsgPilotActivity).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string StateDirectory { get; set; }

        private string _path;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (Path == null) return;
            try
            {
                _path = MetricsFile.Check(GetUnresolvedProviderPathFromPSPath(Path));
            }
            catch (OsgPilotException e)
            {
                ThrowTerminatingError(e.ToErrorRecord());
            }
        }

        protected override void ProcessRecord()
        {
            if (Name != null) _names.AddRange(Name);
            foreach (OsgPilotConfig c in Config ?? new OsgPilotConfig[0]) _tokens.Add(TokenExpiry.Of(c));
            foreach (EngineTarget t in Targets()) _targets[t.Key] = t;
        }

        protected override void EndProcessing()
        {
            var selection = new PilotSelection(_names);
            string state = StatePath(StateDirectory);
            var samples = new List<PilotSample>();
            var syncs = new List<SyncStatus>();
            var engines = new List<string>();
            RunOnEngines(_targets.Count > 0 ? _targets.Values.ToList() : Targets(), async (target, docker) =>
            {
                IReadOnlyList<PilotContainer> all = await docker.ListPilotsAsync(true, CancelToken);
                List<PilotContainer> pilots = all.Where(p => selection.Matches(p.Name)).ToList();
                var activity = new ActivityCollector(docker, state);
                activity.Store.ForgetGone(all.Select(p => p.Name), selection.Matches, DateTime.UtcNow);
                // The collector warns from whatever thread its reads end on: the host takes it to the pipeline thread.
                IPipelineHost host = PipelineHostFor(ShouldProcess);
                List<PilotSample> mine = await MetricsCollector.CollectAsync(docker, activity, pilots, true, selection.Matches, host.Warning, CancelToken);
                // A config synced by hand whose pilots are all gone is no series: nothing runs it, so nothing should alert on it.
                IReadOnlyList<SyncStatus> synced = SyncStatusStore.Live(SyncStatusStore.ReadAll(state, docker.Endpoint.Display), all.Select(p => p.Name));
                lock (samples)
                {
                    samples.AddRange(mine);
                    syncs.AddRange(synced);
                    engines.Add(docker.Endpoint.Display);
                }
            });
            if (engines.Count == 0) return; // every engine failed, and said so: keep the last good file
            string text = PilotMetrics.Render(samples, engines, syncs, _tokens, ModuleVersion.Value, DateTime.UtcNow);
            if (_path == null)
            {
                WriteObject(text);
                return;
            }
            if (!ShouldProcess(_path, $"Write metrics of {samples.Count} pilot(s)")) return;
            try
            {
                MetricsFile.Write(_path, text);
                WriteVerbose($"Wrote metrics of {samples.Count} pilot(s) to {_path}.");
            }
            catch (OsgPilotException e)
            {
                WriteFailure(e);
            }
        }
    }
}

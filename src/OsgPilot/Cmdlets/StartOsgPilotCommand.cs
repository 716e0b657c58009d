using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Activity;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Preflight;
using OsgPilot.Reconcile;
using OsgPilot.Threading;
using OsgPilot.Token;

namespace OsgPilot.Cmdlets
{
    /// <summary>Starts pilots from a config, idempotently: what already runs as asked is left alone.</summary>
    [Cmdlet(VerbsLifecycle.Start, "OsgPilot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Pilot))]
    public sealed class StartOsgPilotCommand : PreflightCmdlet
    {
        /// <summary>How long a start waits for another run of the same config (which may be pulling the image).</summary>
        private static readonly TimeSpan RunLockTimeout = TimeSpan.FromMinutes(10);

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public OsgPilotConfig Config { get; set; }

        /// <summary>How many pilots to run from this config (name-1 .. name-N, one pilot subdirectory each).</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int Count { get; set; } = 1;

        /// <summary>Replace a same-named pilot whose configuration differs.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Run Test-OsgPilotConfig's checks first and refuse to start on an error.</summary>
        [Parameter]
        public SwitchParameter Preflight { get; set; }

        /// <summary>Seconds to watch each started pilot; one that exits in that time is an error (0: do not watch).</summary>
        [Parameter]
        [ValidateRange(0, 600)]
        public int WatchSeconds { get; set; } = 5;

        /// <summary>Return only when every pilot of the config is ready (startd_addr.sh answers), or fail after -WaitTimeoutSec.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>How long -Wait waits for readiness, in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int WaitTimeoutSec { get; set; } = 600;

        /// <summary>Where the activity ledgers are kept (see Get-OsgPilotActivity).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string StateDirectory { get; set; }

        protected override void ProcessRecord()
        {
            OsgPilotConfig config = Config;
            RunOnEngines(Targets(), async (target, docker) =>
            {
                if (Preflight.IsPresent && !await PreflightPassesAsync(docker, config)) return;

                IPipelineHost host = PipelineHostFor((name, description) => ShouldProcess(description, $"Start OsgPilot pilot '{name}'?", "Start-OsgPilot"));
                // Runs of one config take turns (another process may be starting the same pilots); -WhatIf changes nothing and needs no turn.
                using (WhatIfRequested() ? null : await ConfigRunLock.AcquireAsync(docker.Endpoint.Display, config.Name, RunLockTimeout, host, CancelToken))
                {
                    await StartAsync(docker, host, config);
                }
            });
        }

        private async Task StartAsync(DockerGateway docker, IPipelineHost host, OsgPilotConfig config)
        {
            bool whatIf = WhatIfRequested();
            var request = new ReconcileRequest
            {
                Config = config,
                Count = Count,
                Policy = ReconcilePolicy.ForStart(Force.IsPresent),
                Watch = TimeSpan.FromSeconds(WatchSeconds),
                WhatIf = whatIf,
                Describe = s => (s.Name, Describe(s)),
                // A replaced pilot's logs go with it: its activity is kept first.
                Harvest = whatIf ? null : new ActivityCollector(docker, StatePath(StateDirectory)).Before(host.Warning),
            };
            ReconcileResult result = await new PilotReconciler(docker, host).RunAsync(request, CancelToken);
            foreach (string w in result.Warnings) WriteWarning(w);
            var written = new HashSet<OsgPilotException>();
            foreach (StepOutcome o in result.Steps.Where(o => o.Error != null))
            {
                if (written.Add(o.Error)) WriteFailure(o.Error);
            }
            foreach (StepOutcome o in result.Steps.Where(o => o.Step.Action == PilotAction.Keep))
            {
                WriteVerbose($"Pilot '{o.Step.Name}' already runs with this configuration; leaving it alone.");
            }

            // Pilots that run as asked after this run: left alone, or changed by it without error.
            var running = result.Steps.Where(o => o.Step.Spec != null && o.Error == null && !o.Skipped &&
                (o.Step.Action == PilotAction.Keep || o.Step.Action == PilotAction.Undrain || o.Step.Action == PilotAction.Unpause || o.Started != null)).ToList();
            var changed = new HashSet<string>(running.Where(o => o.Changed).Select(o => o.Step.Name), StringComparer.Ordinal);
            Dictionary<string, string> addresses = null;
            if (Wait.IsPresent && !whatIf)
            {
                addresses = await WaitForReadinessAsync(docker, host, config, running, changed);
            }
            var reportable = new HashSet<string>(running.Select(o => o.Step.Name), StringComparer.Ordinal);
            List<PilotContainer> now = result.Now.Where(c => reportable.Contains(c.Name)).ToList();
            EngineVersion engine = now.Count > 0 && !whatIf ? await docker.GetEngineAsync(CancelToken) : null;
            var pilots = now.OrderBy(c => c.Name, StringComparer.Ordinal)
                .Select(c => (Container: c, Pilot: PilotFactory.From(c, docker.Endpoint, engine, changed.Contains(c.Name)))).ToList();
            if (addresses == null)
            {
                foreach (var p in pilots) WriteObject(p.Pilot);
                return;
            }
            // Ready pilots: the detailed view, its slot ad (container jobs, validated) included.
            var notReady = new HashSet<string>(pilots.Select(p => p.Container.Name).Where(n => !addresses.ContainsKey(n)), StringComparer.Ordinal);
            await new PilotStatusReader(docker, host.Warning).FillAsync(pilots, CancelToken, notReady);
            foreach (var p in pilots)
            {
                p.Pilot.Ready = addresses.TryGetValue(p.Container.Name, out string address) || p.Pilot.Ready == true;
                p.Pilot.StartdAddress = address ?? p.Pilot.StartdAddress;
                WriteDetailed(p.Pilot);
            }
        }

        /// <summary>Waits for every pilot to answer startd_addr.sh; one this run started that exits first is taken back.</summary>
        private async Task<Dictionary<string, string>> WaitForReadinessAsync(DockerGateway docker, IPipelineHost host, OsgPilotConfig config, List<StepOutcome> running, HashSet<string> changed)
        {
            var addresses = new Dictionary<string, string>(StringComparer.Ordinal);
            TimeSpan timeout = TimeSpan.FromSeconds(WaitTimeoutSec);
            var pilots = running.Select(o => o.Started ?? new StartedPilot { Spec = o.Step.Spec, Id = o.Step.Existing.Id }).ToList();
            WriteVerbose($"Waiting up to {WaitTimeoutSec} s for {pilots.Count} pilot(s) to be ready.");
            string[] found = await Task.WhenAll(pilots.Select(p => PilotReadiness.StartdAddressAsync(docker, p.Id, timeout, CancelToken)));
            using (TokenPayload token = TokenPayload.Read(config))
            {
                for (int i = 0; i < pilots.Count; i++)
                {
                    StartedPilot p = pilots[i];
                    if (found[i] != null)
                    {
                        addresses[p.Spec.Name] = found[i];
                        continue;
                    }
                    ContainerRunState state = await docker.InspectStateAsync(p.Id, CancelToken);
                    bool stillRunning = state.Status == "running";
                    StartupFailure f = await StartupWatch.ExplainAsync(docker, p, state.ExitCode, token.Text, CancelToken);
                    bool remove = !stillRunning && running[i].Started != null;
                    if (remove)
                    {
                        await new PilotExecutor(docker, host, config).UndoAsync(p);
                        changed.Remove(p.Spec.Name);
                    }
                    WriteFailure(StartupWatch.NotReady(f, timeout, stillRunning, remove));
                }
            }
            return addresses;
        }

        private async Task<bool> PreflightPassesAsync(DockerGateway docker, OsgPilotConfig config)
        {
            PreflightOptions options = CreatePreflightOptions(TimeSpan.FromSeconds(TimeoutSec));
            options.PullMissingImage = !WhatIfRequested();
            OsgPilotPreflightResult result = await new PreflightRunner(docker, options).RunAsync(config, CancelToken);
            foreach (OsgPilotPreflightCheck check in result.Checks)
            {
                if (!check.Passed && check.Level == CheckSeverity.Warning) WriteWarning($"Preflight {check.Name}: {check.Message}");
                else WriteVerbose($"Preflight {check.Name}: {(check.Passed ? "ok" : "FAILED")} - {check.Message}");
            }
            if (result.Passed) return true;
            string failed = string.Join("; ", result.Checks.Where(c => !c.Passed && c.Level == CheckSeverity.Error).Select(c => $"{c.Name}: {c.Message}"));
            WriteFailure(new OsgPilotException(ErrorIds.PreflightFailed, ErrorCategory.InvalidOperation,
                $"Preflight checks failed for '{config.Name}', so no pilot was started: {failed}", config.Name));
            return false;
        }

        protected override string InterruptedMessage =>
            "Start-OsgPilot was interrupted (Ctrl+C). It takes back what it had begun before it returns: a container it was creating is removed again, " +
            "a pilot it was replacing is restored; pilots that had already started keep running. Get-OsgPilot shows what runs.";

        private static string Describe(PilotStep s)
        {
            switch (s.Action)
            {
                case PilotAction.Undrain: return $"Take back the drain of pilot '{s.Name}': remove {PilotDrain.StampPath} and restore its restart policy";
                case PilotAction.Unpause: return $"Unpause pilot '{s.Name}' (docker unpause {s.Name})" + (s.TakeBackDrain ? $", and take back its drain: remove {PilotDrain.StampPath}" : "");
                case PilotAction.ReplaceRunning: return $"Replace pilot '{s.Name}', whose configuration differs (the replacement is built before the pilot is stopped, and the pilot is restored if it does not start): {DockerRunLine.Render(s.Spec)}";
                case PilotAction.Replace: return $"Replace the container '{s.Name}', {s.Reason}, with a fresh one (docker cp {DockerRunLine.TokenPlaceholder} for the token): docker rm -f {s.Name} && {DockerRunLine.Render(s.Spec)}";
                case PilotAction.RemoveLeftover: return $"Remove '{s.Name}', {s.Reason}: docker rm -f {s.Name}";
                case PilotAction.RestoreName: return $"Give '{s.Name}', {s.Reason}, its name back: docker rename {s.Name} {PilotNames.BaseName(s.Name)}";
                default: return DockerRunLine.Render(s.Spec);
            }
        }
    }
}

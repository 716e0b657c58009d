using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Preflight;
using OsgPilot.Threading;
using OsgPilot.Token;

namespace OsgPilot.Cmdlets
{
    /// <summary>Starts pilots from a config, idempotently: what already runs as asked is left alone.</summary>
    [Cmdlet(VerbsLifecycle.Start, "OsgPilot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Pilot))]
    public sealed class StartOsgPilotCommand : PreflightCmdlet
    {
        private const int StartProgressId = 100;
        /// <summary>Pilots started at once: the engine overlaps much of their work (measured, 20 pilots: 16 at once 0.80-0.85 of the docker CLI loop, all 20 at once 0.69), and the bound keeps a large -Count from flooding it.</summary>
        private const int ParallelStarts = 32;
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

        protected override void ProcessRecord()
        {
            OsgPilotConfig config = Config;
            RunOnEngines(Targets(), async (target, docker) =>
            {
                if (Preflight.IsPresent && !await PreflightPassesAsync(docker, config)) return;

                // Runs of one config take turns (another process may be starting the same pilots); -WhatIf changes nothing and needs no turn.
                using (WhatIfRequested() ? null : await ConfigRunLock.AcquireAsync(docker.Endpoint.Display, config.Name, RunLockTimeout, WriteVerbose, CancelToken))
                {
                    await StartAsync(docker, config);
                }
            });
        }

        private async Task StartAsync(DockerGateway docker, OsgPilotConfig config)
        {
            var launcher = new PilotLauncher(docker);
            IReadOnlyList<LaunchStep> plan;
            try
            {
                plan = await launcher.PlanAsync(config, Count, Force.IsPresent, CancelToken);
            }
            catch (OsgPilotException e) when (e.ErrorId == ErrorIds.DockerEngineUnreachable && WhatIfRequested())
            {
                // -WhatIf still describes: what a start would do where none of these pilots exist yet.
                WriteWarning($"{e.Message} -WhatIf shows what a start would do on an engine that has none of these pilots.");
                plan = PilotLauncher.PlanForEmptyEngine(config, Count);
            }
            foreach (LaunchStep refused in plan.Where(s => s.Action == LaunchAction.Refuse)) WriteFailure(refused.Error);

            List<LaunchStep> approved = plan
                .Where(s => s.Action != LaunchAction.None && s.Action != LaunchAction.Refuse)
                .Where(s => ShouldProcess(Describe(s), $"Start OsgPilot pilot '{s.Spec.Name}'?", "Start-OsgPilot"))
                .ToList();
            foreach (LaunchStep s in plan.Where(s => s.Action == LaunchAction.None))
            {
                WriteVerbose($"Pilot '{s.Spec.Name}' already runs with this configuration; leaving it alone.");
            }

            var changed = new HashSet<string>(StringComparer.Ordinal);
            var started = new List<StartedPilot>();
            // -WhatIf describes; it does not wait for anything either.
            bool wait = Wait.IsPresent && !WhatIfRequested();
            using (TokenPayload token = approved.Count > 0 || wait ? TokenPayload.Read(config) : null)
            {
                if (approved.Count > 0)
                {
                    if (docker.Endpoint.IsLocal) HostPaths.RequireBindSources(config);
                    if (approved.Any(s => s.Action == LaunchAction.Create || s.Action == LaunchAction.Recreate)) await PullIfMissingAsync(launcher, config.Image);
                    // Exit events count from the first start on (the engine's clock; the same as ours on a local engine).
                    DateTime since = DateTime.UtcNow;
                    started.AddRange(await ExecuteAllAsync(launcher, approved, config, token, docker.Endpoint.IsLocal, changed));
                    await WatchStartupAsync(docker, launcher, started, since, token, changed);
                    await launcher.FinishAsync(started, CancelToken);
                }
                var addresses = new Dictionary<string, string>(StringComparer.Ordinal);
                if (wait)
                {
                    IEnumerable<StartedPilot> running = plan.Where(s => s.Action == LaunchAction.None || s.Action == LaunchAction.Undrain)
                        .Select(s => new StartedPilot { Spec = s.Spec, Id = s.Existing.Id })
                        .Concat(started.Where(p => changed.Contains(p.Spec.Name)));
                    await WaitForReadinessAsync(docker, launcher, running.ToList(), token, changed, addresses);
                }
                await ReportAsync(docker, plan, changed, wait ? addresses : null);
            }
        }

        /// <summary>
        /// Runs the steps a few at a time: the engine serialises part of each start, but creating,
        /// copying and starting different pilots overlap. Only this thread writes (progress, errors),
        /// and results and errors come out in step order, as a one-by-one run would give them.
        /// </summary>
        private async Task<List<StartedPilot>> ExecuteAllAsync(PilotLauncher launcher, List<LaunchStep> steps, OsgPilotConfig config, TokenPayload token, bool local, HashSet<string> changed)
        {
            var tasks = new Task<StartedPilot>[steps.Count];
            using (var gate = new SemaphoreSlim(ParallelStarts))
            {
                for (int i = 0; i < steps.Count; i++)
                {
                    LaunchStep step = steps[i];
                    WriteVerbose($"{step.Action} pilot '{step.Spec.Name}'.");
                    tasks[i] = ExecuteGatedAsync(launcher, step, config, token, local, gate);
                }
                // Progress as pilots finish; a failure of one does not stop the others.
                var pending = new HashSet<Task>(tasks);
                try
                {
                    while (pending.Count > 0)
                    {
                        if (steps.Count > 1)
                        {
                            int done = steps.Count - pending.Count;
                            WriteProgress(new ProgressRecord(StartProgressId, "Starting OsgPilot pilots", $"{done} of {steps.Count} started")
                            { PercentComplete = done * 100 / steps.Count });
                        }
                        pending.Remove(await Task.WhenAny(pending));
                    }
                    if (steps.Count > 1)
                    {
                        WriteProgress(new ProgressRecord(StartProgressId, "Starting OsgPilot pilots", "Done") { RecordType = ProgressRecordType.Completed });
                    }
                }
                finally
                {
                    // Ctrl+C makes every write throw; each step still finishes taking back its own work before this returns.
                    await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
                }
            }
            var started = new List<StartedPilot>();
            Exception fatal = null;
            for (int i = 0; i < steps.Count; i++)
            {
                try
                {
                    StartedPilot pilot = await tasks[i];
                    if (pilot != null) started.Add(pilot);
                    changed.Add(steps[i].Spec.Name);
                }
                catch (OsgPilotException e) when (!IsFatal(e))
                {
                    WriteFailure(e);
                }
                catch (Exception e) when (e is OsgPilotException || e is OperationCanceledException)
                {
                    // Every step has undone its own work by now; the first fatal failure ends the run.
                    fatal = fatal ?? e;
                }
            }
            if (fatal != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(fatal).Throw();
            return started;
        }

        private async Task<StartedPilot> ExecuteGatedAsync(PilotLauncher launcher, LaunchStep step, OsgPilotConfig config, TokenPayload token, bool local, SemaphoreSlim gate)
        {
            await gate.WaitAsync(CancelToken);
            try
            {
                return await launcher.ExecuteAsync(step, config, token, local, CancelToken);
            }
            finally
            {
                gate.Release();
            }
        }

        private async Task WatchStartupAsync(DockerGateway docker, PilotLauncher launcher, List<StartedPilot> started, DateTime since, TokenPayload token, HashSet<string> changed)
        {
            if (started.Count == 0 || WatchSeconds == 0) return;
            TimeSpan window = TimeSpan.FromSeconds(WatchSeconds);
            WriteVerbose($"Watching {started.Count} started pilot(s) for {WatchSeconds} s.");
            foreach (StartupFailure f in await StartupWatch.WatchAsync(docker, started, since, window, token.Text, CancelToken))
            {
                await launcher.UndoAsync(f.Pilot);
                changed.Remove(f.Pilot.Spec.Name);
                WriteFailure(StartupWatch.ToError(f, window));
            }
        }

        private async Task WaitForReadinessAsync(DockerGateway docker, PilotLauncher launcher, List<StartedPilot> pilots, TokenPayload token,
            HashSet<string> changed, Dictionary<string, string> addresses)
        {
            TimeSpan timeout = TimeSpan.FromSeconds(WaitTimeoutSec);
            WriteVerbose($"Waiting up to {WaitTimeoutSec} s for {pilots.Count} pilot(s) to be ready.");
            string[] found = await Task.WhenAll(pilots.Select(p => PilotReadiness.StartdAddressAsync(docker, p.Id, timeout, CancelToken)));
            for (int i = 0; i < pilots.Count; i++)
            {
                StartedPilot p = pilots[i];
                if (found[i] != null)
                {
                    addresses[p.Spec.Name] = found[i];
                    continue;
                }
                ContainerRunState state = await docker.InspectStateAsync(p.Id, CancelToken);
                bool running = state.Status == "running";
                StartupFailure f = await StartupWatch.ExplainAsync(docker, p, state.ExitCode, token.Text, CancelToken);
                if (!running)
                {
                    await launcher.UndoAsync(p);
                    changed.Remove(p.Spec.Name);
                }
                WriteFailure(StartupWatch.NotReady(f, timeout, running));
            }
        }

        /// <summary>The pilots of the config, one list call; with the startd addresses when -Wait asked for them (else null).</summary>
        private async Task ReportAsync(DockerGateway docker, IReadOnlyList<LaunchStep> plan, HashSet<string> changed, Dictionary<string, string> addresses)
        {
            // One list call reports every pilot of this config that runs as asked, changed or not.
            var reportable = new HashSet<string>(plan.Where(s => s.Action == LaunchAction.None).Select(s => s.Spec.Name).Concat(changed), StringComparer.Ordinal);
            if (reportable.Count == 0) return;
            IReadOnlyList<PilotContainer> now = await docker.ListByNamesAsync(reportable, CancelToken);
            foreach (PilotContainer c in now.OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                Pilot pilot = PilotFactory.From(c, docker.Endpoint, changed.Contains(c.Name));
                if (addresses != null)
                {
                    pilot.Ready = addresses.TryGetValue(c.Name, out string address);
                    pilot.StartdAddress = address;
                }
                WriteObject(pilot);
            }
        }

        private async Task PullIfMissingAsync(PilotLauncher launcher, string image)
        {
            var view = new PullProgressView(this, image);
            try
            {
                await launcher.EnsureImageAsync(image, new PipelineProgress<PullProgress>(view.Report), CancelToken);
            }
            finally
            {
                view.Complete();
            }
        }

        private async Task<bool> PreflightPassesAsync(DockerGateway docker, OsgPilotConfig config)
        {
            OsgPilotPreflightResult result = await new PreflightRunner(docker, CreatePreflightOptions(TimeSpan.FromSeconds(TimeoutSec))).RunAsync(config, CancelToken);
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

        private static string Describe(LaunchStep s)
        {
            switch (s.Action)
            {
                case LaunchAction.StartExisting: return $"Start the stopped pilot '{s.Spec.Name}' with a fresh copy of the token (docker cp {DockerRunLine.TokenPlaceholder} {s.Spec.Name}:{PilotContainerMapper.TokenDirectoryInContainer} && docker start {s.Spec.Name})" + (s.Drained ? ", and take back its drain" : "");
                case LaunchAction.Undrain: return $"Take back the drain of pilot '{s.Spec.Name}': remove {PilotDrain.StampPath} and restore its restart policy";
                case LaunchAction.Recreate: return $"Replace pilot '{s.Spec.Name}', whose configuration differs (the replacement is built before the pilot is stopped, and the pilot is restored if it does not start): {DockerRunLine.Render(s.Spec)}";
                case LaunchAction.Replace: return $"Replace the container '{s.Spec.Name}', which was never started (a start that did not finish left it): docker rm -f {s.Spec.Name} && {DockerRunLine.Render(s.Spec)}";
                default: return DockerRunLine.Render(s.Spec);
            }
        }
    }
}

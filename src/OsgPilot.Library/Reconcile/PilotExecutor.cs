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
using OsgPilot.Threading;
using OsgPilot.Token;

namespace OsgPilot.Reconcile
{
    /// <summary>How one pilot step ended: the shared outcome, and the container it started.</summary>
    internal sealed class StepOutcome : StepOutcome<PilotStep>
    {
        /// <summary>The container the step started (create and replace steps that got that far).</summary>
        public StartedPilot Started { get; set; }
    }

    /// <summary>
    /// Carries out planned steps, the same way for every caller: up to <see cref="ParallelSteps"/>
    /// at once, every container started with the current token and no drain stamp, and every step
    /// that fails taking back what it did, so a failure leaves nothing half-made.
    /// </summary>
    internal sealed class PilotExecutor
    {
        /// <summary>Steps run at once: the engine overlaps much of their work (20 pilots: 0.69 of the docker CLI loop), and the bound keeps a large -Count from flooding it.</summary>
        public const int ParallelSteps = 32;
        private const int ProgressId = 100;

        private readonly IPilotEngine _engine;
        private readonly IPipelineHost _host;
        private readonly OsgPilotConfig _config;

        /// <summary>Keeps a pilot's activity before its logs are lost: its next start wipes /pilot/log, its removal takes them.</summary>
        public Func<PilotContainer, CancellationToken, Task> Harvest { get; set; }

        private Task HarvestAsync(PilotContainer c, CancellationToken ct) => Harvest == null ? Task.CompletedTask : Harvest(c, ct);

        public PilotExecutor(IPilotEngine engine, IPipelineHost host, OsgPilotConfig config)
        {
            _engine = engine;
            _host = host;
            _config = config;
        }

        /// <summary>
        /// Runs the steps (all of which change something) and returns their outcomes in step order.
        /// A failure of one does not stop the others; the first failure that means the engine is gone
        /// (or Ctrl+C) is thrown once every step has taken back its own work.
        /// </summary>
        public async Task<IReadOnlyList<StepOutcome>> RunAsync(IReadOnlyList<PilotStep> steps, TokenPayload token, CancellationToken ct)
        {
            var tasks = new Task<StartedPilot>[steps.Count];
            using (var gate = new SemaphoreSlim(ParallelSteps))
            {
                for (int i = 0; i < steps.Count; i++)
                {
                    _host.Verbose($"{steps[i].Action} '{steps[i].Name}': {steps[i].Reason}.");
                    tasks[i] = GatedAsync(steps[i], token, gate, ct);
                }
                var pending = new HashSet<Task>(tasks);
                try
                {
                    while (pending.Count > 0)
                    {
                        if (steps.Count > 1) Progress(steps.Count - pending.Count, steps.Count);
                        pending.Remove(await Task.WhenAny(pending));
                    }
                    if (steps.Count > 1) _host.Progress(new ProgressRecord(ProgressId, "OsgPilot pilots", "Done") { RecordType = ProgressRecordType.Completed });
                }
                finally
                {
                    // Ctrl+C makes every write throw; each step still finishes taking back its own work before this returns.
                    await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
                }
            }
            var outcomes = new List<StepOutcome>();
            Exception fatal = null;
            for (int i = 0; i < steps.Count; i++)
            {
                var outcome = new StepOutcome { Step = steps[i] };
                outcomes.Add(outcome);
                try
                {
                    outcome.Started = await tasks[i];
                }
                catch (OsgPilotException e) when (!e.EndsTheRun)
                {
                    outcome.Error = e;
                }
                catch (Exception e) when (e is OsgPilotException || e is OperationCanceledException)
                {
                    fatal = fatal ?? e;
                }
            }
            if (fatal != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(fatal).Throw();
            return outcomes;
        }

        private void Progress(int done, int total) =>
            _host.Progress(new ProgressRecord(ProgressId, "OsgPilot pilots", $"{done} of {total} done") { PercentComplete = done * 100 / total });

        private async Task<StartedPilot> GatedAsync(PilotStep step, TokenPayload token, SemaphoreSlim gate, CancellationToken ct)
        {
            await gate.WaitAsync(ct);
            try
            {
                return await ExecuteAsync(step, token, ct);
            }
            finally
            {
                gate.Release();
            }
        }

        /// <summary>Carries out one step. Returns the pilot it started (null when it started none); on failure takes back what it did and throws.</summary>
        public async Task<StartedPilot> ExecuteAsync(PilotStep step, TokenPayload token, CancellationToken ct)
        {
            PilotContainer existing = step.Existing;
            switch (step.Action)
            {
                case PilotAction.Create:
                    return await CreateAsync(step.Spec, token, ct);
                case PilotAction.Replace:
                    // Not running (or paused on an old spec): nothing of it is worth keeping but its activity.
                    await HarvestAsync(existing, ct);
                    await _engine.RemoveAsync(existing.Id, true, ct);
                    return await CreateAsync(step.Spec, token, ct);
                case PilotAction.ReplaceRunning:
                    return await ReplaceRunningAsync(step, token, ct);
                case PilotAction.Unpause:
                    await _engine.UnpauseAsync(existing.Id, ct);
                    if (step.TakeBackDrain) await PilotDrain.CancelAsync(_engine, existing, step.Spec.RestartPolicy, ct);
                    return null;
                case PilotAction.Undrain:
                    await PilotDrain.CancelAsync(_engine, existing, step.Spec.RestartPolicy, ct);
                    return null;
                case PilotAction.Drain:
                    if (step.Drained) await _engine.SetRestartPolicyAsync(existing.Id, PilotRestartPolicy.No, ct);
                    else await PilotDrain.RequestAsync(_engine, existing, ct);
                    return null;
                case PilotAction.Remove:
                case PilotAction.RemoveLeftover:
                    await HarvestAsync(existing, ct);
                    await _engine.RemoveAsync(existing.Id, true, ct);
                    return null;
                case PilotAction.RestoreName:
                    await _engine.RenameAsync(existing.Id, PilotNames.BaseName(existing.Name), ct);
                    return null;
                default:
                    return null;
            }
        }

        private bool OwnsDirectory(ContainerSpec spec) =>
            _engine.IsLocal && spec.HostPilotDirectory != null && spec.HostPilotDirectory != _config.PilotDirectory;

        private async Task<StartedPilot> CreateAsync(ContainerSpec spec, TokenPayload token, CancellationToken ct)
        {
            var started = new StartedPilot { Spec = spec };
            try
            {
                if (OwnsDirectory(spec)) started.CreatedDirectory = HostPaths.EnsureForPilot(spec.HostPilotDirectory);
                // A pilot removed by other hands left its last logs in the directory this start wipes.
                if (_engine.IsLocal && spec.HostPilotDirectory != null && !started.CreatedDirectory) await HarvestAsync(PilotContainer.Removed(spec.Name, spec.HostPilotDirectory), ct);
                started.CreateRequestedAs = spec.Name;
                started.Id = await _engine.CreateAsync(spec, ct);
                await _engine.PutFilesAsync(started.Id, token.Entries(), ct);
                await DrainStamp.ClearBeforeStartAsync(_engine, spec, started.Id, ct);
                await _engine.StartAsync(started.Id, ct);
                return started;
            }
            catch (Exception e) when (e is OsgPilotException || e is OperationCanceledException)
            {
                bool clean = await UndoAsync(started);
                throw Failed(e, spec.Name, clean ? "nothing was left behind" : LeftBehind);
            }
        }

        private const string LeftBehind = "a container may be left behind, which the next run replaces";

        /// <summary>
        /// -Force on a running pilot: builds the replacement under a temporary name (token included)
        /// while the pilot runs on; only then stops the pilot, moves it aside, gives its name to the
        /// replacement, clears the drain stamp and starts it. Until <see cref="FinishAsync"/> the
        /// replaced pilot is kept, so a replacement that does not start (or hold) is undone and the
        /// pilot restored.
        /// </summary>
        private async Task<StartedPilot> ReplaceRunningAsync(PilotStep step, TokenPayload token, CancellationToken ct)
        {
            ContainerSpec spec = step.Spec;
            var started = new StartedPilot { Spec = spec };
            try
            {
                if (OwnsDirectory(spec)) started.CreatedDirectory = HostPaths.EnsureForPilot(spec.HostPilotDirectory);
                started.CreateRequestedAs = spec.Name + PilotNames.ReplacementSuffix;
                started.Id = await _engine.CreateAsync(spec, ct, started.CreateRequestedAs);
                await _engine.PutFilesAsync(started.Id, token.Entries(), ct);
            }
            catch (Exception e) when (e is OsgPilotException || e is OperationCanceledException)
            {
                bool clean = await UndoAsync(started);
                throw Failed(e, spec.Name, "its replacement could not be built, so the pilot was left as it was" + (clean ? "" : "; " + LeftBehind));
            }
            try
            {
                started.Previous = step.Existing;
                await _engine.StopAsync(step.Existing.Id, PilotContainerMapper.StopTimeoutSeconds, ct);
                // Stopped, its logs say how its jobs ended; the replacement's start wipes them.
                await HarvestAsync(step.Existing.Stopped(), ct);
                await _engine.RenameAsync(step.Existing.Id, spec.Name + PilotNames.PreviousSuffix, ct);
                started.PreviousRenamed = true;
                await _engine.RenameAsync(started.Id, spec.Name, ct);
                // Only now: while the previous pilot ran, its drain (if any) was still its own.
                await DrainStamp.ClearBeforeStartAsync(_engine, spec, started.Id, ct);
                await _engine.StartAsync(started.Id, ct);
                return started;
            }
            catch (Exception e) when (e is OsgPilotException || e is OperationCanceledException)
            {
                bool clean = await UndoAsync(started);
                throw Failed(e, spec.Name, clean ? "the previous pilot was restored" : "the previous pilot could not be restored (the next run does)");
            }
        }

        private static Exception Failed(Exception e, string name, string outcome)
        {
            if (e is OsgPilotException failure && !failure.EndsTheRun)
            {
                return new OsgPilotException(ErrorIds.PilotStartFailed, failure.Category,
                    $"The pilot '{name}' could not be started, and {outcome}: {failure.Message}", name, failure);
            }
            return e;
        }

        /// <summary>
        /// Watches the started pilots for <paramref name="window"/>; one the start-up refused is taken
        /// back (and its replaced pilot restored). Returns the errors, one per refused pilot.
        /// </summary>
        public async Task<IReadOnlyList<(StartedPilot Pilot, OsgPilotException Error)>> WatchAsync(IReadOnlyList<StartedPilot> started, DateTime since, TimeSpan window, string token, CancellationToken ct)
        {
            var refused = new List<(StartedPilot, OsgPilotException)>();
            if (started.Count == 0 || window <= TimeSpan.Zero) return refused;
            _host.Verbose($"Watching {started.Count} started pilot(s) for {window.TotalSeconds:0} s.");
            foreach (StartupFailure f in await StartupWatch.WatchAsync(_engine, started, since, window, token, ct))
            {
                await UndoAsync(f.Pilot);
                refused.Add((f.Pilot, StartupWatch.ToError(f, window)));
            }
            return refused;
        }

        /// <summary>Removes the pilots that -Force replacements took the place of, once the replacements hold.</summary>
        public async Task FinishAsync(IEnumerable<StartedPilot> started, CancellationToken ct)
        {
            await Task.WhenAll(started.Where(p => p.Previous != null).Select(async p =>
            {
                try
                {
                    await _engine.RemoveAsync(p.Previous.Id, true, ct);
                    p.Previous = null;
                }
                catch (OsgPilotException)
                {
                    // Left under its temporary name: the next run of this config removes it.
                }
            }));
        }

        /// <summary>
        /// Takes back a start that did not hold: the container this run created is removed (found by
        /// name when the engine's answer to the create was lost), with the directory made for it; a
        /// pilot a -Force replacement took the place of gets its name back and runs again. Returns
        /// false when something may be left.
        /// </summary>
        public async Task<bool> UndoAsync(StartedPilot started)
        {
            // Not the caller's token: the undo must run even after Ctrl+C; each request is bounded by -TimeoutSec.
            CancellationToken none = CancellationToken.None;
            try
            {
                if (started.Id == null && started.CreateRequestedAs != null)
                {
                    PilotContainer made = (await _engine.ListByNamesAsync(new[] { started.CreateRequestedAs }, none)).FirstOrDefault();
                    if (made != null && PilotPlanner.IsOurs(made) && made.Label(PilotLabels.ConfigHash) == started.Spec.ConfigHash) started.Id = made.Id;
                }
                if (started.Id != null)
                {
                    await _engine.RemoveAsync(started.Id, true, none);
                    started.Id = null;
                    started.CreateRequestedAs = null;
                }
                if (started.Previous != null)
                {
                    if (started.PreviousRenamed) await _engine.RenameAsync(started.Previous.Id, started.Spec.Name, none);
                    started.PreviousRenamed = false;
                    if (started.Previous.IsRunning) await _engine.StartAsync(started.Previous.Id, none);
                    started.Previous = null;
                }
            }
            catch (OsgPilotException)
            {
                return false; // the container may still be there: keep its directory
            }
            if (started.CreatedDirectory) HostPaths.RemoveCreated(started.Spec.HostPilotDirectory);
            return true;
        }
    }
}

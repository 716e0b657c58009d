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
    internal sealed class ReconcileRequest
    {
        public OsgPilotConfig Config { get; set; }
        public int Count { get; set; } = 1;
        public ReconcilePolicy Policy { get; set; }
        /// <summary>How long each started pilot is watched; one that exits in that time is taken back.</summary>
        public TimeSpan Watch { get; set; }
        /// <summary>-WhatIf: describe only. An engine that cannot be asked is then taken as one without these pilots.</summary>
        public bool WhatIf { get; set; }
        /// <summary>What ShouldProcess says about a step: (target, action).</summary>
        public Func<PilotStep, (string Target, string Action)> Describe { get; set; }
    }

    /// <summary>What one reconcile did, for the caller to report in its own objects.</summary>
    internal sealed class ReconcileResult
    {
        public List<string> Warnings { get; } = new List<string>();
        /// <summary>The image the pilots run (null when the engine does not have it).</summary>
        public ImageInfo Image { get; set; }
        public string ImageAction { get; set; } = "None";
        public string ImageReason { get; set; }
        public bool ImageChanged { get; set; }
        public OsgPilotException ImageError { get; set; }
        /// <summary>Every planned step (leftovers first), with its outcome.</summary>
        public List<StepOutcome> Steps { get; } = new List<StepOutcome>();
        /// <summary>The config's containers after the run (one list call, when anything changed).</summary>
        public IReadOnlyList<PilotContainer> Now { get; set; } = new PilotContainer[0];
        /// <summary>The engine could not be asked (-WhatIf only): the plan assumed no pilots.</summary>
        public bool EngineUnknown { get; set; }
    }

    /// <summary>
    /// Brings one engine to what a caller asks, the same way for Start-OsgPilot and Sync-OsgPilot:
    /// one list call, leftovers repaired, the drain question asked where the plan depends on it, one
    /// pure plan, one executor, the start-up watched. The caller holds the config's run lock.
    /// </summary>
    internal sealed class PilotReconciler
    {
        private readonly IPilotEngine _engine;
        private readonly IPipelineHost _host;

        public PilotReconciler(IPilotEngine engine, IPipelineHost host)
        {
            _engine = engine;
            _host = host;
        }

        public async Task<ReconcileResult> RunAsync(ReconcileRequest r, CancellationToken ct)
        {
            var result = new ReconcileResult();
            OsgPilotConfig config = r.Config;
            ReconcilePolicy policy = r.Policy;
            var executor = new PilotExecutor(_engine, _host, config);
            ContainerSpec[] desired = Enumerable.Range(0, r.Count).Select(i => PilotContainerMapper.Map(config, i, r.Count, ModuleVersion.Value)).ToArray();

            using (TokenPayload token = TokenPayload.Read(config))
            {
                OsgPilotTokenInfo info = IdTokenParser.Parse(token.Text, config.TokenPath);
                TokenCheck.ThrowIfExpired(info, DateTime.UtcNow);
                result.Warnings.AddRange(TokenCheck.Warnings(info, DateTime.UtcNow));

                IReadOnlyList<PilotContainer> containers;
                try
                {
                    if (policy.MaxImageAge.HasValue) await RefreshImageAsync(config.Image, policy.MaxImageAge.Value, r.WhatIf, result, ct);
                    containers = await _engine.ListInstancesAsync(config.Name, ct);
                }
                catch (OsgPilotException e) when (e.ErrorId == ErrorIds.DockerEngineUnreachable && r.WhatIf)
                {
                    _host.Warning($"{e.Message} -WhatIf shows what a run would do on an engine that has none of these pilots.");
                    result.EngineUnknown = true;
                    containers = new PilotContainer[0];
                }

                // Leftovers of an interrupted replacement first: the plan is made on what they leave.
                IReadOnlyList<PilotStep> leftovers = PilotPlanner.PlanLeftovers(containers, out IReadOnlyList<PilotContainer> repaired);
                foreach (PilotStep step in leftovers)
                {
                    result.Steps.Add(await RunOneAsync(executor, step, token, r, ct));
                }
                if (leftovers.Count > 0 && !r.WhatIf) repaired = await _engine.ListInstancesAsync(config.Name, ct);

                var observation = new PilotObservation { Desired = desired, Stem = config.Name, Containers = repaired, CurrentImageId = result.Image?.Id };
                await AskDrainStateAsync(observation, policy, ct);
                IReadOnlyList<PilotStep> steps = PilotPlanner.Plan(observation, policy);

                var outcomes = steps.Select(s => new StepOutcome { Step = s, Error = s.Error }).ToList();
                var approved = new List<PilotStep>();
                foreach (StepOutcome o in outcomes.Where(o => o.Step.Changes))
                {
                    (string target, string action) = r.Describe(o.Step);
                    if (await _host.ShouldProcessAsync(target, action)) approved.Add(o.Step);
                    else o.Skipped = true;
                }
                OsgPilotException blocked = approved.Any(s => s.StartsContainer) ? await StartBlockerAsync(config, policy, result, ct) : null;
                foreach (StepOutcome o in outcomes.Where(o => o.Step.StartsContainer && blocked != null && approved.Contains(o.Step)))
                {
                    o.Error = blocked;
                }
                List<PilotStep> runnable = approved.Where(s => !(s.StartsContainer && blocked != null)).ToList();

                DateTime since = DateTime.UtcNow;
                IReadOnlyList<StepOutcome> done = await executor.RunAsync(runnable, token, ct);
                foreach (StepOutcome d in done)
                {
                    StepOutcome o = outcomes.First(x => x.Step == d.Step);
                    o.Started = d.Started;
                    o.Error = d.Error;
                }
                List<StartedPilot> started = done.Where(d => d.Started != null).Select(d => d.Started).ToList();
                foreach ((StartedPilot pilot, OsgPilotException error) in await executor.WatchAsync(started, since, r.Watch, token.Text, ct))
                {
                    StepOutcome o = outcomes.First(x => x.Started == pilot);
                    o.Error = error;
                    o.Started = null;
                }
                await executor.FinishAsync(started, ct);
                result.Steps.AddRange(outcomes);

                bool changed = result.Steps.Any(o => o.Step.Changes && !o.Skipped);
                result.Now = changed && !r.WhatIf ? await _engine.ListInstancesAsync(config.Name, ct) : repaired;
            }
            return result;
        }

        private async Task<StepOutcome> RunOneAsync(PilotExecutor executor, PilotStep step, TokenPayload token, ReconcileRequest r, CancellationToken ct)
        {
            var outcome = new StepOutcome { Step = step };
            (string target, string action) = r.Describe(step);
            if (!await _host.ShouldProcessAsync(target, action))
            {
                outcome.Skipped = true;
                return outcome;
            }
            _host.Verbose($"{step.Action} '{step.Name}': {step.Reason}.");
            try
            {
                await executor.ExecuteAsync(step, token, ct);
            }
            catch (OsgPilotException e) when (!PilotExecutor.EndsTheRun(e))
            {
                outcome.Error = e;
            }
            return outcome;
        }

        /// <summary>
        /// Asks the running (or paused) pilots the plan depends on whether they carry the drain stamp,
        /// all at once; of the drained ones, where the caller does not undrain, whether their restart
        /// policy would start them again (still drained) after they exit.
        /// </summary>
        private async Task AskDrainStateAsync(PilotObservation o, ReconcilePolicy policy, CancellationToken ct)
        {
            PilotContainer[] asked = PilotPlanner.NeedingDrainState(o, policy).ToArray();
            bool[] stamped = await Task.WhenAll(asked.Select(c => _engine.PathExistsAsync(c.Id, PilotDrain.StampPath, ct)));
            PilotContainer[] drained = asked.Where((c, i) => stamped[i]).ToArray();
            foreach (PilotContainer c in drained) o.Drained.Add(c.Id);
            if (policy.Undrain) return;
            ContainerRunState[] states = await Task.WhenAll(drained.Select(c => _engine.InspectStateAsync(c.Id, ct)));
            for (int i = 0; i < drained.Length; i++)
            {
                if (states[i].RestartPolicy.HasValue && states[i].RestartPolicy.Value != PilotRestartPolicy.No) o.DrainRestarts.Add(drained[i].Id);
            }
        }

        /// <summary>What stands in the way of starting any pilot now (null: nothing); pulls a missing image first.</summary>
        private async Task<OsgPilotException> StartBlockerAsync(OsgPilotConfig config, ReconcilePolicy policy, ReconcileResult result, CancellationToken ct)
        {
            if (_engine.IsLocal)
            {
                try
                {
                    // Docker would create a missing bind source as an empty root-owned directory.
                    HostPaths.RequireBindSources(config);
                }
                catch (OsgPilotException e)
                {
                    return e;
                }
            }
            if (!policy.MaxImageAge.HasValue && result.Image == null)
            {
                // Start pulls only what is missing, and only when it starts something.
                result.Image = await _engine.InspectImageAsync(config.Image, ct);
                if (result.Image == null)
                {
                    try
                    {
                        result.Image = await _engine.PullAndInspectAsync(config.Image, _host.PullStarted(config.Image), ct);
                    }
                    finally
                    {
                        _host.PullDone();
                    }
                }
            }
            return result.Image != null ? null : new OsgPilotException(ErrorIds.ImagePullFailed, ErrorCategory.ResourceUnavailable,
                $"The image {config.Image} is not on the engine and could not be pulled, so no pilot was started" +
                (result.ImageError != null ? ": " + result.ImageError.Message : "."), config.Image, result.ImageError);
        }

        /// <summary>Pulls the image when it is missing or older than <paramref name="maxAge"/> (OSG asks for 72 hours at most).</summary>
        private async Task RefreshImageAsync(string image, TimeSpan maxAge, bool whatIf, ReconcileResult result, CancellationToken ct)
        {
            ImageInfo have = await _engine.InspectImageAsync(image, ct);
            TimeSpan? age = have?.Created == null ? (TimeSpan?)null : DateTime.UtcNow - have.Created.Value.ToUniversalTime();
            string why = have == null ? "not on the engine" : age.HasValue && age.Value > maxAge ? $"built {age.Value.TotalHours:0} hours ago" : null;
            result.Image = have;
            result.ImageReason = why == null ? $"fresh (built {age?.TotalHours:0} hours ago)" : why;
            if (why == null || !await _host.ShouldProcessAsync(image, $"Pull image ({why})")) return;
            try
            {
                ImageInfo pulled = await _engine.PullAndInspectAsync(image, _host.PullStarted(image), ct);
                result.ImageAction = "Pulled";
                result.ImageChanged = pulled.Id != have?.Id;
                result.ImageReason = $"{why}; pulled" + (result.ImageChanged ? ", a new image" : ", unchanged");
                result.Image = pulled;
            }
            catch (OsgPilotException e) when (e.ErrorId == ErrorIds.ImagePullFailed || e.ErrorId == ErrorIds.DockerApiError)
            {
                result.ImageAction = "Failed";
                result.ImageReason = $"{why}; the pull failed, the pilots keep the image they have: {e.Message}";
                if (have != null) result.Warnings.Add($"The image {image} could not be refreshed: {result.ImageReason}");
                result.ImageError = new OsgPilotException(ErrorIds.ImagePullFailed, e.Category, result.ImageReason, image, e);
            }
            finally
            {
                _host.PullDone();
            }
        }
    }
}

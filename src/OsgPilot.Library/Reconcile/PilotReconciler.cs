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
        /// <summary>Keeps a pilot's activity before a step loses its logs (a replacement, a removal); null: none kept.</summary>
        public Func<PilotContainer, CancellationToken, Task> Harvest { get; set; }
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
            var executor = new PilotExecutor(_engine, _host, r.Config) { Harvest = r.Harvest };
            using (TokenPayload token = TokenPayload.Read(r.Config))
            {
                OsgPilotTokenInfo info = IdTokenParser.Parse(token.Text, r.Config.TokenPath);
                TokenCheck.ThrowIfExpired(info, DateTime.UtcNow);
                result.Warnings.AddRange(TokenCheck.Warnings(info, DateTime.UtcNow));

                IReadOnlyList<PilotContainer> containers = await ObserveAsync(r, result, ct);
                // Leftovers of an interrupted replacement first: the plan is made on what they leave.
                IReadOnlyList<PilotStep> leftovers = PilotPlanner.PlanLeftovers(containers, out IReadOnlyList<PilotContainer> repaired);
                foreach (PilotStep step in leftovers) result.Steps.Add(await RunOneAsync(executor, step, token, r, ct));
                if (leftovers.Count > 0 && !r.WhatIf) repaired = await _engine.ListInstancesAsync(r.Config.Name, ct);

                var observation = new PilotObservation
                {
                    Desired = Enumerable.Range(0, r.Count).Select(i => PilotContainerMapper.Map(r.Config, i, r.Count, ModuleVersion.Value)).ToArray(),
                    Stem = r.Config.Name, Containers = repaired, CurrentImageId = result.Image?.Id,
                };
                await AskDrainStateAsync(observation, r.Policy, ct);
                List<StepOutcome> outcomes = PilotPlanner.Plan(observation, r.Policy).Select(s => new StepOutcome { Step = s, Error = s.Error }).ToList();
                await ExecuteApprovedAsync(executor, outcomes, r, result, token, ct);
                result.Steps.AddRange(outcomes);

                bool changed = result.Steps.Any(o => o.Step.Changes && !o.Skipped);
                result.Now = changed && !r.WhatIf ? await _engine.ListInstancesAsync(r.Config.Name, ct) : repaired;
            }
            return result;
        }

        /// <summary>The image (refreshed when the caller keeps it fresh) and the config's containers: one list call.</summary>
        private async Task<IReadOnlyList<PilotContainer>> ObserveAsync(ReconcileRequest r, ReconcileResult result, CancellationToken ct)
        {
            try
            {
                if (r.Policy.MaxImageAge.HasValue) await RefreshImageAsync(r.Config.Image, r.Policy.MaxImageAge.Value, result, ct);
                return await _engine.ListInstancesAsync(r.Config.Name, ct);
            }
            catch (OsgPilotException e) when (e.ErrorId == ErrorIds.DockerEngineUnreachable && r.WhatIf)
            {
                _host.Warning($"{e.Message} -WhatIf shows what a run would do on an engine that has none of these pilots.");
                return new PilotContainer[0];
            }
        }

        /// <summary>
        /// Asks ShouldProcess for every step that changes something, then runs the approved ones (none
        /// that starts a container when something blocks every start), watches what started, and
        /// removes what -Force replacements replaced once they hold.
        /// </summary>
        private async Task ExecuteApprovedAsync(PilotExecutor executor, List<StepOutcome> outcomes, ReconcileRequest r, ReconcileResult result, TokenPayload token, CancellationToken ct)
        {
            var approved = new List<StepOutcome>();
            foreach (StepOutcome o in outcomes.Where(o => o.Step.Changes))
            {
                (string target, string action) = r.Describe(o.Step);
                if (await _host.ShouldProcessAsync(target, action)) approved.Add(o);
                else o.Skipped = true;
            }
            OsgPilotException blocked = approved.Any(o => o.Step.StartsContainer) ? await StartBlockerAsync(r.Config, r.Policy, result, ct) : null;
            if (blocked != null)
            {
                foreach (StepOutcome o in approved.Where(o => o.Step.StartsContainer)) o.Error = blocked;
                approved.RemoveAll(o => o.Step.StartsContainer);
            }

            DateTime since = DateTime.UtcNow;
            IReadOnlyList<StepOutcome> done = await executor.RunAsync(approved.Select(o => o.Step).ToList(), token, ct);
            for (int i = 0; i < done.Count; i++)
            {
                approved[i].Started = done[i].Started;
                approved[i].Error = done[i].Error;
            }
            List<StartedPilot> started = approved.Where(o => o.Started != null).Select(o => o.Started).ToList();
            foreach ((StartedPilot pilot, OsgPilotException error) in await executor.WatchAsync(started, since, r.Watch, token.Text, ct))
            {
                StepOutcome o = approved.First(x => x.Started == pilot);
                o.Error = error;
                o.Started = null;
            }
            await executor.FinishAsync(started, ct);
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
            catch (OsgPilotException e) when (!e.EndsTheRun)
            {
                outcome.Error = e;
            }
            return outcome;
        }

        /// <summary>
        /// Asks whether the running (or paused) pilots the plan depends on carry the drain stamp, all at
        /// once (from the host where /pilot is a local directory, else one request each); of the drained ones, where the caller does not undrain, whether their restart
        /// policy would start them again (still drained) after they exit.
        /// </summary>
        private async Task AskDrainStateAsync(PilotObservation o, ReconcilePolicy policy, CancellationToken ct)
        {
            PilotContainer[] asked = PilotPlanner.NeedingDrainState(o, policy).ToArray();
            bool?[] stamped = await Task.WhenAll(asked.Select(c => DrainStamp.IsStampedAsync(_engine, c, ct, _host.Warning)));
            PilotContainer[] drained = asked.Where((c, i) => stamped[i] == true).ToArray();
            foreach (PilotContainer c in drained) o.Drained.Add(c.Id);
            if (policy.Undrain) return;
            ContainerRunState[] states = await Task.WhenAll(drained.Select(c => _engine.InspectStateAsync(c.Id, ct)));
            bool fixedPolicy = drained.Length > 0 && await _engine.RestartPolicyIsFixedAsync(ct);
            for (int i = 0; i < drained.Length; i++)
            {
                if (!states[i].RestartPolicy.HasValue || states[i].RestartPolicy.Value == PilotRestartPolicy.No) continue;
                if (!fixedPolicy)
                {
                    o.DrainRestarts.Add(drained[i].Id);
                    continue;
                }
                // The policy stays: the engine starts the pilot again once it exits, drained from its start.
                DateTime? stampedAt = await DrainStamp.StampedAtAsync(_engine, drained[i], ct, _host.Warning);
                if (stampedAt.HasValue && states[i].StartedAt > stampedAt.Value) o.RestartedDrained.Add(drained[i].Id);
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
            // OSG's RPM launcher runs its pilot beside ours otherwise, on the same scratch directory: each start wipes the other's /pilot/log.
            if ((await _engine.ListByNamesAsync(new[] { OspoolEpFile.ContainerName }, ct)).Any(c => c.IsUp))
            {
                return new OsgPilotException(ErrorIds.OspoolEpRunning, ErrorCategory.ResourceExists,
                    $"The container '{OspoolEpFile.ContainerName}' of OSG's ospool-ep RPM runs on {_engine.Display}, so nothing was started: two pilots on one host would share its scratch directory, and each start wipes the other's /pilot/log. " +
                    $"Let its jobs finish first: `docker exec {OspoolEpFile.ContainerName} touch /pilot/stop-glidein.stamp` (it takes no new jobs and exits once idle); then `systemctl disable --now ospool-ep`. " +
                    "(`systemctl stop ospool-ep` at once kills its running jobs.)", OspoolEpFile.ContainerName);
            }
            if (config.Security == SecurityProfile.Minimal && config.SeccompProfilePath == null && (await _engine.GetEngineAsync(ct)).IsPodman)
            {
                // Podman reads a profile from its own files: refused before anything is made, not per pilot at create.
                return CreateParametersFactory.PodmanNeedsProfileFile();
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
        private async Task RefreshImageAsync(string image, TimeSpan maxAge, ReconcileResult result, CancellationToken ct)
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

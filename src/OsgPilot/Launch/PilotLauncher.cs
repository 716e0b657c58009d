using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Token;

namespace OsgPilot.Launch
{
    /// <summary>
    /// Starts pilots idempotently: plans against one list call, pulls the image at most once, copies
    /// the token in before every start, and undoes its own partial work when a step fails, so a
    /// failure leaves no container behind.
    /// </summary>
    internal sealed class PilotLauncher
    {
        private readonly DockerGateway _docker;

        public PilotLauncher(DockerGateway docker) => _docker = docker;

        /// <summary>The name an -Force replacement is built under, until it takes its pilot's place.</summary>
        internal const string ReplacementSuffix = ".osgpilot-new";
        /// <summary>The name a replaced pilot waits under, until its replacement holds.</summary>
        internal const string PreviousSuffix = ".osgpilot-old";

        public async Task<IReadOnlyList<LaunchStep>> PlanAsync(OsgPilotConfig config, int count, bool force, CancellationToken ct)
        {
            ContainerSpec[] specs = Specs(config, count);
            IReadOnlyList<PilotContainer> existing = await _docker.ListByNamesAsync(
                specs.SelectMany(s => new[] { s.Name, s.Name + ReplacementSuffix, s.Name + PreviousSuffix }), ct);
            existing = await RepairLeftoversAsync(existing, specs.Select(s => s.Name), ct);
            Dictionary<string, PilotContainer> byName = existing.ToDictionary(c => c.Name, StringComparer.Ordinal);
            List<LaunchStep> steps = specs.Select(spec => Plan(spec, byName.TryGetValue(spec.Name, out PilotContainer c) ? c : null, force, false)).ToList();

            // A drained pilot keeps its configuration; only its /pilot says so. Ask the running ones
            // that would otherwise be left alone, all at once. (Not the stopped ones: asking a stopped
            // container makes the engine mount its binds, creating a missing pilot directory
            // root-owned; their start takes any drain back anyway.)
            LaunchStep[] ours = steps.Where(s => s.Action == LaunchAction.None).ToArray();
            bool[] drained = await Task.WhenAll(ours.Select(s => _docker.PathExistsAsync(s.Existing.Id, PilotDrain.StampPath, ct)));
            for (int i = 0; i < ours.Length; i++)
            {
                if (drained[i]) steps[steps.IndexOf(ours[i])] = Plan(ours[i].Spec, ours[i].Existing, force, true);
            }
            return steps;
        }

        /// <summary>The plan for an engine that has none of the pilots (what -WhatIf shows when the engine cannot be asked).</summary>
        public static IReadOnlyList<LaunchStep> PlanForEmptyEngine(OsgPilotConfig config, int count) =>
            Specs(config, count).Select(spec => Plan(spec, null, false, false)).ToList();

        private static ContainerSpec[] Specs(OsgPilotConfig config, int count) =>
            Enumerable.Range(0, count).Select(i => PilotContainerMapper.Map(config, i, count, ModuleVersion.Value)).ToArray();

        /// <summary>
        /// Finishes what an -Force replacement interrupted by a crash left: a half-built replacement is
        /// removed; a replaced pilot whose replacement never took its name gets its name back (it then
        /// is started or replaced like any pilot), one whose replacement did is removed. Returns the
        /// containers as they are afterwards.
        /// </summary>
        public async Task<IReadOnlyList<PilotContainer>> RepairLeftoversAsync(IReadOnlyList<PilotContainer> containers, IEnumerable<string> names, CancellationToken ct)
        {
            Dictionary<string, PilotContainer> byName = containers.ToDictionary(c => c.Name, StringComparer.Ordinal);
            foreach (string name in names)
            {
                if (byName.TryGetValue(name + ReplacementSuffix, out PilotContainer half) && IsOurs(half))
                {
                    await _docker.RemoveAsync(half.Id, true, ct);
                    byName.Remove(half.Name);
                }
                if (byName.TryGetValue(name + PreviousSuffix, out PilotContainer previous) && IsOurs(previous))
                {
                    byName.Remove(previous.Name);
                    if (byName.ContainsKey(name))
                    {
                        await _docker.RemoveAsync(previous.Id, true, ct);
                    }
                    else
                    {
                        await _docker.RenameAsync(previous.Id, name, ct);
                        previous.Name = name;
                        byName[name] = previous;
                    }
                }
            }
            return byName.Values.ToList();
        }

        private static bool IsOurs(PilotContainer c) => c.Label(PilotLabels.Managed) == "true";

        internal static LaunchStep Plan(ContainerSpec spec, PilotContainer existing, bool force, bool drained)
        {
            var step = new LaunchStep { Spec = spec, Existing = existing, Drained = drained };
            if (existing == null)
            {
                step.Action = LaunchAction.Create;
            }
            else if (!IsOurs(existing))
            {
                step.Action = LaunchAction.Refuse;
                step.Error = new OsgPilotException(ErrorIds.PilotNameInUse, ErrorCategory.ResourceExists,
                    $"A container named '{spec.Name}' exists and is not an OsgPilot pilot; OsgPilot will not touch it. Choose another -Name.", spec.Name);
            }
            else if (string.Equals(existing.State, "created", StringComparison.OrdinalIgnoreCase))
            {
                // Never started: a start that did not finish left it (without its token, perhaps).
                step.Action = LaunchAction.Replace;
            }
            else if (existing.Label(PilotLabels.ConfigHash) == spec.ConfigHash)
            {
                step.Action = !existing.IsRunning ? LaunchAction.StartExisting : drained ? LaunchAction.Undrain : LaunchAction.None;
            }
            else if (force)
            {
                step.Action = LaunchAction.Recreate;
            }
            else
            {
                step.Action = LaunchAction.Refuse;
                step.Error = new OsgPilotException(ErrorIds.PilotConfigMismatch, ErrorCategory.ResourceExists,
                    $"The pilot '{spec.Name}' exists with a different configuration. Use -Force to replace it (its running jobs are stopped), or choose another -Name.", spec.Name);
            }
            return step;
        }

        /// <summary>Pulls <paramref name="image"/> when the engine does not have it.</summary>
        public async Task EnsureImageAsync(string image, IProgress<PullProgress> progress, CancellationToken ct)
        {
            if (await _docker.InspectImageAsync(image, ct) != null) return;
            await _docker.PullAndInspectAsync(image, progress, ct);
        }

        /// <summary>
        /// Carries out one step. Returns the pilot it started (null for an undrain); on failure takes
        /// back what it did and throws.
        /// </summary>
        public async Task<StartedPilot> ExecuteAsync(LaunchStep step, OsgPilotConfig config, TokenPayload token, bool localEngine, CancellationToken ct)
        {
            ContainerSpec spec = step.Spec;
            bool ownDirectory = localEngine && spec.HostPilotDirectory != null && spec.HostPilotDirectory != config.PilotDirectory;
            switch (step.Action)
            {
                case LaunchAction.Undrain:
                    await PilotDrain.CancelAsync(_docker, step.Existing, spec.RestartPolicy, ct);
                    return null;
                case LaunchAction.StartExisting:
                    return await StartExistingAsync(step, token, ownDirectory, ct);
                case LaunchAction.Recreate:
                    return await ReplaceRunningAsync(step, token, ownDirectory, ct);
                case LaunchAction.Replace:
                    await _docker.RemoveAsync(step.Existing.Id, true, ct);
                    break;
            }

            var started = new StartedPilot { Spec = spec, CreatedContainer = true };
            try
            {
                if (ownDirectory) started.CreatedDirectory = HostPaths.EnsureForPilot(spec.HostPilotDirectory);
                started.CreateRequestedAs = spec.Name;
                started.Id = await _docker.CreateAsync(spec, ct);
                await _docker.PutFilesAsync(started.Id, token.Entries(), ct);
                await _docker.StartAsync(started.Id, ct);
                return started;
            }
            catch (Exception e) when (e is OsgPilotException || e is OperationCanceledException)
            {
                bool clean = await UndoAsync(started);
                throw Failed(e, spec.Name, clean ? "nothing was left behind" : LeftBehind);
            }
        }

        private const string LeftBehind = "a container may be left behind, which the next Start-OsgPilot replaces";

        private async Task<StartedPilot> StartExistingAsync(LaunchStep step, TokenPayload token, bool ownDirectory, CancellationToken ct)
        {
            // Every start OsgPilot makes copies the current token (a rotated file takes effect),
            // restores the restart policy a drain set aside, and recreates a per-pilot directory
            // that went missing (Docker would recreate it root-owned, and the pilot could not write).
            ContainerSpec spec = step.Spec;
            if (ownDirectory) HostPaths.EnsureForPilot(spec.HostPilotDirectory);
            await _docker.PutFilesAsync(step.Existing.Id, token.Entries(), ct);
            await _docker.SetRestartPolicyAsync(step.Existing.Id, spec.RestartPolicy, ct);
            await _docker.StartAsync(step.Existing.Id, ct);
            // It may have been drained before it stopped: a start means "take jobs again".
            try
            {
                await PilotDrain.CancelAsync(_docker, step.Existing, spec.RestartPolicy, ct);
            }
            catch (OsgPilotException e) when (e.ErrorId == ErrorIds.DockerApiError)
            {
                // It already exited (the engine refuses the exec): the start-up watch says why.
            }
            return new StartedPilot { Spec = spec, Id = step.Existing.Id };
        }

        /// <summary>
        /// -Force: builds the replacement under a temporary name (token included) while the pilot
        /// runs on; only then stops the pilot, moves it aside and gives its name to the replacement.
        /// Until <see cref="FinishAsync"/> the replaced pilot is kept, so a replacement that does not
        /// start (or does not hold) is undone and the pilot restored.
        /// </summary>
        private async Task<StartedPilot> ReplaceRunningAsync(LaunchStep step, TokenPayload token, bool ownDirectory, CancellationToken ct)
        {
            ContainerSpec spec = step.Spec;
            var started = new StartedPilot { Spec = spec, CreatedContainer = true };
            try
            {
                if (ownDirectory) started.CreatedDirectory = HostPaths.EnsureForPilot(spec.HostPilotDirectory);
                started.CreateRequestedAs = spec.Name + ReplacementSuffix;
                started.Id = await _docker.CreateAsync(spec, ct, started.CreateRequestedAs);
                await _docker.PutFilesAsync(started.Id, token.Entries(), ct);
            }
            catch (Exception e) when (e is OsgPilotException || e is OperationCanceledException)
            {
                bool clean = await UndoAsync(started);
                throw Failed(e, spec.Name, "its replacement could not be built, so the pilot was left as it was" + (clean ? "" : "; " + LeftBehind));
            }
            try
            {
                started.Previous = step.Existing;
                await _docker.StopAsync(step.Existing.Id, PilotContainerMapper.StopTimeoutSeconds, ct);
                await _docker.RenameAsync(step.Existing.Id, spec.Name + PreviousSuffix, ct);
                started.PreviousRenamed = true;
                await _docker.RenameAsync(started.Id, spec.Name, ct);
                await _docker.StartAsync(started.Id, ct);
                return started;
            }
            catch (Exception e) when (e is OsgPilotException || e is OperationCanceledException)
            {
                bool clean = await UndoAsync(started);
                throw Failed(e, spec.Name, clean ? "the previous pilot was restored" : "the previous pilot could not be restored (the next Start-OsgPilot does)");
            }
        }

        private static Exception Failed(Exception e, string name, string outcome)
        {
            if (e is OsgPilotException failure && failure.ErrorId != ErrorIds.DockerEngineUnreachable)
            {
                return new OsgPilotException(ErrorIds.PilotStartFailed, failure.Category,
                    $"The pilot '{name}' could not be started, and {outcome}: {failure.Message}", name, failure);
            }
            return e;
        }

        /// <summary>Removes the pilots that -Force replacements took the place of, once the replacements hold.</summary>
        public async Task FinishAsync(IEnumerable<StartedPilot> started, CancellationToken ct)
        {
            await Task.WhenAll(started.Where(p => p.Previous != null).Select(async p =>
            {
                try
                {
                    await _docker.RemoveAsync(p.Previous.Id, true, ct);
                    p.Previous = null;
                }
                catch (OsgPilotException)
                {
                    // Left under its temporary name: the next start of this config removes it.
                }
            }));
        }

        /// <summary>
        /// Takes back a start that did not hold: a container this run created is removed (found by
        /// name when the engine's answer to the create was lost), with the directory made for it; one
        /// that existed before is stopped, so nothing crash-loops; a pilot an -Force replacement took
        /// the place of gets its name back and runs again. Returns false when something may be left.
        /// </summary>
        public async Task<bool> UndoAsync(StartedPilot started)
        {
            // Not the caller's token: the cleanup must run even after Ctrl+C; each request is bounded by -TimeoutSec.
            CancellationToken none = CancellationToken.None;
            try
            {
                if (started.Id == null && started.CreateRequestedAs != null)
                {
                    PilotContainer made = (await _docker.ListByNamesAsync(new[] { started.CreateRequestedAs }, none)).FirstOrDefault();
                    if (made != null && IsOurs(made) && made.Label(PilotLabels.ConfigHash) == started.Spec.ConfigHash) started.Id = made.Id;
                }
                if (started.Id != null)
                {
                    if (started.CreatedContainer) await _docker.RemoveAsync(started.Id, true, none);
                    else await _docker.StopAsync(started.Id, 1, none);
                }
                if (started.Previous != null)
                {
                    if (started.PreviousRenamed) await _docker.RenameAsync(started.Previous.Id, started.Spec.Name, none);
                    started.PreviousRenamed = false;
                    if (started.Previous.IsRunning) await _docker.StartAsync(started.Previous.Id, none);
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

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

        public async Task<IReadOnlyList<LaunchStep>> PlanAsync(OsgPilotConfig config, int count, bool force, CancellationToken ct)
        {
            ContainerSpec[] specs = Enumerable.Range(0, count)
                .Select(i => PilotContainerMapper.Map(config, i, count, ModuleVersion.Value)).ToArray();
            IReadOnlyList<PilotContainer> existing = await _docker.ListByNamesAsync(specs.Select(s => s.Name), ct);
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

        internal static LaunchStep Plan(ContainerSpec spec, PilotContainer existing, bool force, bool drained)
        {
            var step = new LaunchStep { Spec = spec, Existing = existing, Drained = drained };
            if (existing == null)
            {
                step.Action = LaunchAction.Create;
            }
            else if (existing.Label(PilotLabels.Managed) != "true")
            {
                step.Action = LaunchAction.Refuse;
                step.Error = new OsgPilotException(ErrorIds.PilotNameInUse, ErrorCategory.ResourceExists,
                    $"A container named '{spec.Name}' exists and is not an OsgPilot pilot; OsgPilot will not touch it. Choose another -Name.", spec.Name);
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
        /// Carries out one step. Returns the pilot it started (null for an undrain); on failure removes
        /// what it made and throws.
        /// </summary>
        public async Task<StartedPilot> ExecuteAsync(LaunchStep step, OsgPilotConfig config, TokenPayload token, bool localEngine, CancellationToken ct)
        {
            ContainerSpec spec = step.Spec;
            if (step.Action == LaunchAction.Undrain)
            {
                await PilotDrain.CancelAsync(_docker, step.Existing, spec.RestartPolicy, ct);
                return null;
            }
            if (step.Action == LaunchAction.StartExisting)
            {
                // Every start OsgPilot makes copies the current token (a rotated file takes effect),
                // restores the restart policy a drain set aside, and recreates a per-pilot directory
                // that went missing (Docker would recreate it root-owned, and the pilot could not write).
                if (localEngine && spec.HostPilotDirectory != null && spec.HostPilotDirectory != config.PilotDirectory)
                {
                    HostPaths.EnsureForPilot(spec.HostPilotDirectory);
                }
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
            if (step.Action == LaunchAction.Recreate)
            {
                await _docker.StopAsync(step.Existing.Id, PilotContainerMapper.StopTimeoutSeconds, ct);
                await _docker.RemoveAsync(step.Existing.Id, true, ct);
            }

            var started = new StartedPilot { Spec = spec, CreatedContainer = true };
            try
            {
                if (localEngine && spec.HostPilotDirectory != null && spec.HostPilotDirectory != config.PilotDirectory)
                {
                    started.CreatedDirectory = HostPaths.EnsureForPilot(spec.HostPilotDirectory);
                }
                started.Id = await _docker.CreateAsync(spec, ct);
                await _docker.PutFilesAsync(started.Id, token.Entries(), ct);
                await _docker.StartAsync(started.Id, ct);
                return started;
            }
            catch (Exception e) when (e is OsgPilotException || e is OperationCanceledException)
            {
                await UndoAsync(started);
                if (e is OsgPilotException failure && failure.ErrorId != ErrorIds.DockerEngineUnreachable)
                {
                    throw new OsgPilotException(ErrorIds.PilotStartFailed, failure.Category,
                        $"The pilot '{spec.Name}' could not be started, and nothing was left behind: {failure.Message}", spec.Name, failure);
                }
                throw;
            }
        }

        /// <summary>
        /// Takes back a start that did not hold: a container this run created is removed (with the
        /// directory made for it); one that existed before is stopped, so nothing crash-loops.
        /// </summary>
        public async Task UndoAsync(StartedPilot started)
        {
            // Not the caller's token: the cleanup must run even after Ctrl+C.
            if (started.Id != null)
            {
                try
                {
                    if (started.CreatedContainer) await _docker.RemoveAsync(started.Id, true, CancellationToken.None);
                    else await _docker.StopAsync(started.Id, 1, CancellationToken.None);
                }
                catch (OsgPilotException)
                {
                    return; // the container may still be there: keep its directory
                }
            }
            if (started.CreatedDirectory) HostPaths.RemoveCreated(started.Spec.HostPilotDirectory);
        }
    }
}

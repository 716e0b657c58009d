using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Token;

namespace OsgPilot.Launch
{
    /// <summary>
    /// Starts pilots idempotently: plans against one list call, pulls the image at most once, and
    /// undoes its own partial work when a step fails, so a failure leaves no container behind.
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
            return specs.Select(spec => Plan(spec, byName.TryGetValue(spec.Name, out PilotContainer c) ? c : null, force)).ToList();
        }

        internal static LaunchStep Plan(ContainerSpec spec, PilotContainer existing, bool force)
        {
            var step = new LaunchStep { Spec = spec, Existing = existing };
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
                step.Action = existing.IsRunning ? LaunchAction.None : LaunchAction.StartExisting;
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

        /// <summary>Carries out one create/start/recreate step; on failure removes what it made.</summary>
        public async Task ExecuteAsync(LaunchStep step, OsgPilotConfig config, bool localEngine, CancellationToken ct)
        {
            ContainerSpec spec = step.Spec;
            if (step.Action == LaunchAction.StartExisting)
            {
                await _docker.StartAsync(step.Existing.Id, ct);
                return;
            }
            if (step.Action == LaunchAction.Recreate)
            {
                await _docker.StopAsync(step.Existing.Id, PilotContainerMapper.StopTimeoutSeconds, ct);
                await _docker.RemoveAsync(step.Existing.Id, true, ct);
            }

            bool createdDirectory = false;
            string id = null;
            try
            {
                if (localEngine && spec.HostPilotDirectory != null && spec.HostPilotDirectory != config.PilotDirectory)
                {
                    createdDirectory = HostPaths.EnsureForPilot(spec.HostPilotDirectory);
                }
                id = await _docker.CreateAsync(spec, ct);
                if (spec.CopiesInlineToken)
                {
                    byte[] token = Encoding.UTF8.GetBytes(TokenSource.Read(config.Token) + "\n");
                    try
                    {
                        await _docker.CopyFileAsync(id, PilotContainerMapper.TokenPathInContainer, token,
                            PilotContainerMapper.PilotUid, PilotContainerMapper.PilotUid, Convert.ToInt32("600", 8), ct);
                    }
                    finally
                    {
                        Array.Clear(token, 0, token.Length);
                    }
                }
                await _docker.StartAsync(id, ct);
            }
            catch (Exception e) when (e is OsgPilotException || e is OperationCanceledException)
            {
                if (id != null)
                {
                    // Not the caller's token: the cleanup must run even after Ctrl+C.
                    try { await _docker.RemoveAsync(id, true, CancellationToken.None); } catch (OsgPilotException) { }
                }
                if (createdDirectory) HostPaths.RemoveIfEmpty(spec.HostPilotDirectory);
                if (e is OsgPilotException failure && failure.ErrorId != ErrorIds.DockerEngineUnreachable)
                {
                    throw new OsgPilotException(ErrorIds.PilotStartFailed, failure.Category,
                        $"The pilot '{spec.Name}' could not be started, and nothing was left behind: {failure.Message}", spec.Name, failure);
                }
                throw;
            }
        }
    }
}

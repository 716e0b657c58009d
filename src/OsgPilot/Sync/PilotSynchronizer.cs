using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Token;

namespace OsgPilot.Sync
{
    internal sealed class SyncOptions
    {
        public int Count { get; set; }
        public TimeSpan MaxImageAge { get; set; }
        public int MaxDraining { get; set; }
        public bool Force { get; set; }
        public TimeSpan Watch { get; set; }
    }

    /// <summary>What the synchronizer needs from its cmdlet: confirmation, words, and pull progress.</summary>
    internal interface ISyncHost
    {
        bool ShouldProcess(string target, string action);
        void Verbose(string text);
        void Warning(string text);
        void Failure(OsgPilotException e);
        IProgress<PullProgress> PullProgress(string image);
        void PullDone();
    }

    /// <summary>
    /// Converges one engine to a config: the image no older than allowed, Count pilots on it, older
    /// ones drained a few at a time and replaced once they exit, surplus ones drained and removed.
    /// Its cost when nothing is to do: one image inspect and one list call.
    /// </summary>
    internal sealed class PilotSynchronizer
    {
        private readonly DockerGateway _docker;
        private readonly PilotLauncher _launcher;
        private readonly ISyncHost _host;

        public PilotSynchronizer(DockerGateway docker, ISyncHost host)
        {
            _docker = docker;
            _launcher = new PilotLauncher(docker);
            _host = host;
        }

        public async Task<IReadOnlyList<OsgPilotSyncResult>> RunAsync(OsgPilotConfig config, SyncOptions o, CancellationToken ct)
        {
            var warnings = new List<string>();
            var results = new List<OsgPilotSyncResult>();
            using (TokenPayload token = TokenPayload.Read(config))
            {
                OsgPilotTokenInfo info = IdTokenParser.Parse(token.Text, config.TokenPath);
                TokenCheck.ThrowIfExpired(info, DateTime.UtcNow);
                warnings.AddRange(TokenCheck.Warnings(info, DateTime.UtcNow));

                (ImageInfo image, OsgPilotSyncResult imageRow) = await RefreshImageAsync(config, o, warnings, ct);
                results.Add(imageRow);

                ContainerSpec[] desired = Enumerable.Range(0, o.Count).Select(i => PilotContainerMapper.Map(config, i, o.Count, ModuleVersion.Value)).ToArray();
                IReadOnlyList<PilotContainer> all = await _launcher.RepairLeftoversAsync(await _docker.ListPilotsAsync(true, ct), desired.Select(d => d.Name), ct);
                List<PilotContainer> pilots = all.Where(p => SyncPlanner.IsInstanceOf(p.Name, config.Name)).ToList();
                // The drain question costs a request per pilot: ask it only of the outdated ones.
                PilotContainer[] asked = SyncPlanner.NeedingDrainState(desired, pilots, config.Name, image?.Id).ToArray();
                bool[] stamped = await Task.WhenAll(asked.Select(p => _docker.PathExistsAsync(p.Id, PilotDrain.StampPath, ct)));
                var drained = new HashSet<string>(asked.Where((p, i) => stamped[i]).Select(p => p.Id), StringComparer.Ordinal);

                IReadOnlyList<SyncStep> steps = SyncPlanner.Plan(desired, pilots, config.Name, image?.Id, drained, o.MaxDraining, o.Force);
                string blocked = image == null ? $"the image {config.Image} is not on the engine and could not be pulled" : BindSourceProblem(config);
                var started = new List<(SyncStep Step, StartedPilot Pilot)>();
                DateTime since = DateTime.UtcNow;
                foreach (SyncStep step in steps)
                {
                    if (step.Changes && (step.Action == SyncAction.Created || step.Action == SyncAction.Replaced) && blocked != null)
                    {
                        step.Changes = false;
                        Fail(step, new OsgPilotException(ErrorIds.SyncFailed, System.Management.Automation.ErrorCategory.ResourceUnavailable,
                            $"not {(step.Existing == null ? "created" : "replaced")}: {blocked}", step.Name));
                        continue;
                    }
                    if (step.Changes && !_host.ShouldProcess(step.Name, SyncPlanner.Describe(step)))
                    {
                        step.Changes = false;
                        continue;
                    }
                    if (!step.Changes) continue;
                    try
                    {
                        StartedPilot pilot = await ExecuteAsync(config, step, token, ct);
                        if (pilot != null) started.Add((step, pilot));
                    }
                    catch (OsgPilotException e) when (e.ErrorId != ErrorIds.DockerEngineUnreachable)
                    {
                        Fail(step, e);
                    }
                }

                // The same watch as Start-OsgPilot: a replacement the start-up refuses is a failure, not a change.
                IReadOnlyList<StartupFailure> refused = await StartupWatch.WatchAsync(_docker, started.Select(s => s.Pilot).ToList(), since, o.Watch, token.Text, ct);
                foreach (StartupFailure f in refused)
                {
                    await _launcher.UndoAsync(f.Pilot);
                    Fail(started.First(s => s.Pilot == f.Pilot).Step, StartupWatch.ToError(f, o.Watch));
                }
                await _launcher.FinishAsync(started.Select(s => s.Pilot), ct);

                Dictionary<string, PilotContainer> now = started.Count == 0 ? pilots.ToDictionary(p => p.Name, StringComparer.Ordinal)
                    : (await _docker.ListPilotsAsync(true, ct)).Where(p => SyncPlanner.IsInstanceOf(p.Name, config.Name)).ToDictionary(p => p.Name, StringComparer.Ordinal);
                results.AddRange(steps.Select(s => new OsgPilotSyncResult
                {
                    Kind = "Pilot",
                    Name = s.Name,
                    Action = s.Action.ToString(),
                    Reason = s.Reason,
                    Changed = s.Changes && s.Action != SyncAction.Failed,
                    ImageId = now.TryGetValue(s.Name, out PilotContainer c) ? c.ImageId : null,
                }));
            }
            foreach (string w in warnings) _host.Warning(w);
            foreach (OsgPilotSyncResult r in results)
            {
                r.DockerHost = _docker.Endpoint.Display;
                r.Context = _docker.Endpoint.Context;
                r.Warnings = warnings.ToArray();
            }
            return results;
        }

        private void Fail(SyncStep step, OsgPilotException e)
        {
            step.Action = SyncAction.Failed;
            step.Reason = e.Message;
            _host.Failure(new OsgPilotException(ErrorIds.SyncFailed, e.Category, $"Sync of pilot '{step.Name}' failed: {e.Message}", step.Name, e));
        }

        private async Task<StartedPilot> ExecuteAsync(OsgPilotConfig config, SyncStep step, TokenPayload token, CancellationToken ct)
        {
            switch (step.Action)
            {
                case SyncAction.Created:
                case SyncAction.Replaced:
                    _host.Verbose($"{step.Action} pilot '{step.Name}': {step.Reason}.");
                    var launch = new LaunchStep { Spec = step.Spec, Existing = step.Existing, Action = step.Existing == null ? LaunchAction.Create : LaunchAction.Recreate };
                    return await _launcher.ExecuteAsync(launch, config, token, _docker.Endpoint.IsLocal, ct);
                case SyncAction.Draining:
                    _host.Verbose($"Draining pilot '{step.Name}': {step.Reason}.");
                    await PilotDrain.RequestAsync(_docker, step.Existing, ct);
                    return null;
                case SyncAction.Removed:
                    _host.Verbose($"Removing pilot '{step.Name}': {step.Reason}.");
                    await _docker.RemoveAsync(step.Existing.Id, true, ct);
                    return null;
                default:
                    return null;
            }
        }

        private async Task<(ImageInfo, OsgPilotSyncResult)> RefreshImageAsync(OsgPilotConfig config, SyncOptions o, List<string> warnings, CancellationToken ct)
        {
            var row = new OsgPilotSyncResult { Kind = "Image", Name = config.Image, Action = nameof(SyncAction.None) };
            ImageInfo image = await _docker.InspectImageAsync(config.Image, ct);
            TimeSpan? age = image?.Created == null ? (TimeSpan?)null : DateTime.UtcNow - image.Created.Value.ToUniversalTime();
            string why = image == null ? "not on the engine" : age.HasValue && age.Value > o.MaxImageAge ? $"built {age.Value.TotalHours:0} hours ago" : null;
            row.Reason = why == null ? $"fresh (built {age?.TotalHours:0} hours ago)" : why;
            if (why != null && _host.ShouldProcess(config.Image, $"Pull image ({why})"))
            {
                try
                {
                    ImageInfo pulled = await _docker.PullAndInspectAsync(config.Image, _host.PullProgress(config.Image), ct);
                    row.Action = nameof(SyncAction.Pulled);
                    row.Changed = pulled.Id != image?.Id;
                    row.Reason = $"{why}; pulled" + (row.Changed ? ", a new image" : ", unchanged");
                    image = pulled;
                }
                catch (OsgPilotException e) when (e.ErrorId == ErrorIds.ImagePullFailed || e.ErrorId == ErrorIds.DockerApiError)
                {
                    row.Action = nameof(SyncAction.Failed);
                    row.Reason = $"{why}; the pull failed, the pilots keep the image they have: {e.Message}";
                    if (image != null) warnings.Add($"The image {config.Image} could not be refreshed: {row.Reason}");
                    _host.Failure(new OsgPilotException(ErrorIds.ImagePullFailed, e.Category, row.Reason, config.Image, e));
                }
                finally
                {
                    _host.PullDone();
                }
            }
            row.ImageId = image?.Id;
            return (image, row);
        }

        private string BindSourceProblem(OsgPilotConfig config)
        {
            if (!_docker.Endpoint.IsLocal) return null;
            try
            {
                HostPaths.RequireBindSources(config);
                return null;
            }
            catch (OsgPilotException e)
            {
                return e.Message;
            }
        }
    }
}

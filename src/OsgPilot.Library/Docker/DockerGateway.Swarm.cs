using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Swarm;

namespace OsgPilot.Docker
{
    /// <summary>Swarm: services, their tasks, nodes and secrets, each list in one call.</summary>
    internal sealed partial class DockerGateway
    {
        /// <summary>
        /// A Swarm request; the engine's 503 "not a swarm manager" becomes SwarmNotActive or
        /// SwarmNotManager, which say what to do, instead of a generic API error, and Podman's 404
        /// (it has no swarm routes) SwarmNotSupportedByEngine.
        /// </summary>
        private async Task<T> SwarmCall<T>(string what, Func<CancellationToken, Task<T>> action, CancellationToken ct)
        {
            try
            {
                return await Call(what, action, ct).ConfigureAwait(false);
            }
            catch (OsgPilotException e) when (e.InnerException is DockerApiException api && api.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                throw (api.ResponseBody ?? "").IndexOf("Worker nodes", StringComparison.OrdinalIgnoreCase) >= 0
                    ? SwarmGuard.NotManager(Endpoint.Display)
                    : SwarmGuard.NotActive(Endpoint.Display);
            }
            catch (OsgPilotException e) when (e.InnerException is DockerApiException api && api.StatusCode == HttpStatusCode.NotFound)
            {
                EngineVersion engine = await GetEngineAsync(ct).ConfigureAwait(false);
                if (engine.IsPodman) throw SwarmGuard.NoSwarm(Endpoint.Display, engine.Display);
                throw;
            }
        }

        private Task SwarmCall(string what, Func<CancellationToken, Task> action, CancellationToken ct) =>
            SwarmCall(what, async t => { await action(t).ConfigureAwait(false); return true; }, ct);

        public async Task<SwarmInfo> GetSwarmInfoAsync(CancellationToken ct)
        {
            Task<EngineVersion> version = GetEngineAsync(ct);
            Task<SystemInfoResponse> info = Call("query the engine's swarm state", t => _client.System.GetSystemInfoAsync(t), ct);
            await Task.WhenAll(version, info).ConfigureAwait(false);
            if (version.Result.IsPodman) throw SwarmGuard.NoSwarm(Endpoint.Display, version.Result.Display);
            Info s = info.Result.Swarm;
            return new SwarmInfo
            {
                LocalState = s?.LocalNodeState ?? "inactive",
                IsManager = s?.ControlAvailable ?? false,
                NodeId = s?.NodeID,
                Nodes = (int)(s?.Nodes ?? 0),
                Managers = (int)(s?.Managers ?? 0),
                ApiVersion = version.Result.ApiVersion,
                Error = string.IsNullOrEmpty(s?.Error) ? null : s.Error,
            };
        }

        /// <summary>OsgPilot's services (by label, on the engine side), with their task counts.</summary>
        public Task<IReadOnlyList<ServiceRecord>> ListServicesAsync(CancellationToken ct) => ListLabelledAsync(PilotLabels.ManagedFilter, ct);

        /// <summary>The preflight's probe services, of every run (by label, on the engine side).</summary>
        public Task<IReadOnlyList<ServiceRecord>> ListProbesAsync(CancellationToken ct) => ListLabelledAsync(PilotLabels.Probe + "=true", ct);

        private Task<IReadOnlyList<ServiceRecord>> ListLabelledAsync(string label, CancellationToken ct) =>
            SwarmCall("list the services", async t =>
            {
                IList<SwarmService> services = await _client.Swarm.ListServicesAsync(new ServiceListParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["label"] = new Dictionary<string, bool> { [label] = true },
                    },
                    Status = true,
                }, t).ConfigureAwait(false);
                return (IReadOnlyList<ServiceRecord>)services.Select(ToServiceRecord).ToList();
            }, ct);

        /// <summary>Services of any owner whose name is exactly one of <paramref name="names"/>, in one call.</summary>
        public Task<IReadOnlyList<ServiceRecord>> ListServicesByNameAsync(IEnumerable<string> names, CancellationToken ct) =>
            SwarmCall("list the services", async t =>
            {
                var wanted = new HashSet<string>(names, StringComparer.Ordinal);
                IList<SwarmService> services = await _client.Swarm.ListServicesAsync(new ServiceListParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = wanted.ToDictionary(n => n, n => true) },
                }, t).ConfigureAwait(false);
                // The engine's name filter matches prefixes; keep exact names only.
                return (IReadOnlyList<ServiceRecord>)services.Where(s => wanted.Contains(s.Spec?.Name ?? "")).Select(ToServiceRecord).ToList();
            }, ct);

        /// <summary>The tasks of the given services, every node, in one call.</summary>
        public Task<IReadOnlyList<TaskRecord>> ListTasksAsync(IEnumerable<string> serviceIds, CancellationToken ct)
        {
            var ids = serviceIds.Distinct(StringComparer.Ordinal).ToDictionary(id => id, id => true);
            if (ids.Count == 0) return Task.FromResult((IReadOnlyList<TaskRecord>)new TaskRecord[0]);
            return SwarmCall("list the services' tasks", async t =>
            {
                IList<TaskResponse> tasks = await _client.Tasks.ListAsync(new TasksListParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>> { ["service"] = ids },
                }, t).ConfigureAwait(false);
                return (IReadOnlyList<TaskRecord>)tasks.Select(ToTaskRecord).ToList();
            }, ct);
        }

        public Task<IReadOnlyList<NodeRecord>> ListNodesAsync(CancellationToken ct) =>
            SwarmCall("list the swarm's nodes", async t =>
            {
                IList<NodeListResponse> nodes = await _client.Swarm.ListNodesAsync(t).ConfigureAwait(false);
                return (IReadOnlyList<NodeRecord>)nodes.Select(n => new NodeRecord
                {
                    Id = n.ID,
                    Hostname = n.Description?.Hostname,
                    State = n.Status?.State,
                    Availability = n.Spec?.Availability,
                    Role = n.Spec?.Role,
                    Address = n.Status?.Addr,
                    Labels = n.Spec?.Labels ?? new Dictionary<string, string>(),
                    EngineLabels = n.Description?.Engine?.Labels ?? new Dictionary<string, string>(),
                    Os = n.Description?.Platform?.OS,
                    Architecture = n.Description?.Platform?.Architecture,
                }).ToList();
            }, ct);

        public Task<string> CreateServiceAsync(PilotServiceSpec spec, string secretId, CancellationToken ct) =>
            CreateAsync("create the service " + spec.Name, ServiceParametersFactory.Create(spec, secretId), ct);

        public Task<string> CreateProbeAsync(NodeProbe probe, CancellationToken ct) =>
            CreateAsync("create the probe job " + probe.Name, ServiceParametersFactory.CreateProbe(probe), ct);

        private Task<string> CreateAsync(string what, ServiceSpec spec, CancellationToken ct) =>
            SwarmCall(what, async t => (await _client.Swarm.CreateServiceAsync(new ServiceCreateParameters { Service = spec }, t).ConfigureAwait(false)).ID, ct);

        /// <summary>
        /// Replaces the spec of <paramref name="read"/>, tied to the version it was read at, so that a
        /// concurrent change of the spec fails rather than is lost. The swarm also moves the version for
        /// its own progress reports (a roll-out or roll-back under way): when the spec it refuses to be
        /// "out of sequence" with is still the one read, the update is sent again on the new version.
        /// </summary>
        public async Task UpdateServiceAsync(ServiceRecord read, PilotServiceSpec spec, string secretId, CancellationToken ct)
        {
            ulong version = read.Version;
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await SwarmCall("update the service " + spec.Name, t => _client.Swarm.UpdateServiceAsync(read.Id,
                        new ServiceUpdateParameters { Service = ServiceParametersFactory.Create(spec, secretId), Version = (long)version }, t), ct).ConfigureAwait(false);
                    return;
                }
                catch (OsgPilotException e) when (attempt < MaxUpdateAttempts && IsOutOfSequence(e))
                {
                    SwarmService now = await SwarmCall("read the service " + spec.Name, t => _client.Swarm.InspectServiceAsync(read.Id, t), ct).ConfigureAwait(false);
                    if (!SameSpec(read.Spec, now.Spec)) throw;
                    version = now.Version?.Index ?? version;
                }
            }
        }

        private const int MaxUpdateAttempts = 5;

        private static bool IsOutOfSequence(OsgPilotException e) =>
            e.InnerException is DockerApiException api && (api.ResponseBody ?? "").IndexOf("update out of sequence", StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>Whether nobody changed the spec between two reads: every part OsgPilot owns, and the labels, alike.</summary>
        private static bool SameSpec(ServiceSpec a, ServiceSpec b)
        {
            if (a == null || b == null) return false;
            var ids = new HashSet<string>(new[] { a, b }.SelectMany(s => s.TaskTemplate?.ContainerSpec?.Secrets ?? new List<SecretReference>()).Select(r => r.SecretID ?? ""), StringComparer.Ordinal);
            IDictionary<string, string> la = a.Labels ?? new Dictionary<string, string>(), lb = b.Labels ?? new Dictionary<string, string>();
            return ServiceDrift.Compare(a, b, ids).Count == 0 && la.Count == lb.Count && la.All(kv => lb.TryGetValue(kv.Key, out string v) && v == kv.Value);
        }

        public Task RemoveServiceAsync(string id, CancellationToken ct) =>
            SwarmCall("remove the service", t => _client.Swarm.RemoveServiceAsync(id, t), ct);

        public Task<IReadOnlyList<SecretRecord>> ListSecretsAsync(CancellationToken ct) =>
            SwarmCall("list the swarm's secrets", async t =>
            {
                IList<Secret> secrets = await _client.Secrets.ListAsync(t).ConfigureAwait(false);
                return (IReadOnlyList<SecretRecord>)secrets.Select(s => new SecretRecord
                {
                    Id = s.ID,
                    Name = s.Spec?.Name,
                    Labels = s.Spec?.Labels ?? new Dictionary<string, string>(),
                }).ToList();
            }, ct);

        /// <summary>Creates a secret from <paramref name="data"/>; the caller wipes the bytes.</summary>
        public Task<string> CreateSecretAsync(string name, IDictionary<string, string> labels, byte[] data, CancellationToken ct) =>
            SwarmCall("create the secret " + name, async t =>
            {
                SecretCreateResponse r = await _client.Secrets.CreateAsync(new SwarmSecretSpec { Name = name, Labels = labels, Data = data }, t).ConfigureAwait(false);
                return r.ID;
            }, ct);

        public Task DeleteSecretAsync(string id, CancellationToken ct) =>
            SwarmCall("remove the secret", t => _client.Secrets.DeleteAsync(id, t), ct);

        private static ServiceRecord ToServiceRecord(SwarmService s) => new ServiceRecord
        {
            Id = s.ID,
            Name = s.Spec?.Name,
            Version = s.Version?.Index ?? 0,
            Labels = s.Spec?.Labels ?? new Dictionary<string, string>(),
            Image = s.Spec?.TaskTemplate?.ContainerSpec?.Image,
            Global = s.Spec?.Mode?.Global != null,
            RunningTasks = s.ServiceStatus?.RunningTasks ?? 0,
            DesiredTasks = s.ServiceStatus?.DesiredTasks ?? 0,
            UpdateState = string.IsNullOrEmpty(s.UpdateStatus?.State) ? null : s.UpdateStatus.State,
            UpdateMessage = string.IsNullOrEmpty(s.UpdateStatus?.Message) ? null : s.UpdateStatus.Message,
            UpdateStartedAt = s.UpdateStatus?.StartedAt,
            CreatedAt = s.CreatedAt,
            UpdatedAt = s.UpdatedAt,
            SecretNames = SecretNamesOf(s.Spec?.TaskTemplate?.ContainerSpec),
            Constraints = s.Spec?.TaskTemplate?.Placement?.Constraints?.ToList() ?? new List<string>(),
            ContainerHash = LabelOf(s.Spec?.TaskTemplate?.ContainerSpec?.Labels, PilotLabels.ConfigHash),
            PreviousSecretNames = SecretNamesOf(s.PreviousSpec?.TaskTemplate?.ContainerSpec),
            Spec = s.Spec,
        };

        private static TaskRecord ToTaskRecord(TaskResponse t) => new TaskRecord
        {
            Id = t.ID,
            ServiceId = t.ServiceID,
            NodeId = t.NodeID,
            State = StateName(t.Status?.State),
            DesiredState = StateName(t.DesiredState),
            Image = t.Spec?.ContainerSpec?.Image,
            Since = t.Status?.Timestamp,
            CreatedAt = t.CreatedAt,
            Message = string.IsNullOrEmpty(t.Status?.Message) ? null : t.Status.Message,
            Error = string.IsNullOrEmpty(t.Status?.Err) ? null : t.Status.Err,
            ContainerId = string.IsNullOrEmpty(t.Status?.ContainerStatus?.ContainerID) ? null : t.Status.ContainerStatus.ContainerID,
            ExitCode = t.Status?.ContainerStatus?.ExitCode ?? 0,
            ContainerHash = LabelOf(t.Spec?.ContainerSpec?.Labels, PilotLabels.ConfigHash),
            SecretNames = SecretNamesOf(t.Spec?.ContainerSpec),
        };

        private static IReadOnlyList<string> SecretNamesOf(global::Docker.DotNet.Models.ContainerSpec c) =>
            c?.Secrets?.Select(r => r.SecretName).ToList() ?? new List<string>();

        private static string LabelOf(IDictionary<string, string> labels, string key) =>
            labels != null && labels.TryGetValue(key, out string v) ? v : null;

        private static string StateName(TaskState? state) => state?.ToString().ToLowerInvariant();
    }
}

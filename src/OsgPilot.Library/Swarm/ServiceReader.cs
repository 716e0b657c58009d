using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Launch;

namespace OsgPilot.Swarm
{
    /// <summary>Pilot services with their tasks: three list calls (services, then tasks and nodes together), however many services and nodes.</summary>
    internal static class ServiceReader
    {
        public static async Task<IReadOnlyList<OsgPilotService>> ReadAsync(DockerGateway docker, Func<ServiceRecord, bool> wanted, CancellationToken ct)
        {
            List<ServiceRecord> services = (await docker.ListServicesAsync(ct)).Where(wanted).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
            if (services.Count == 0) return new OsgPilotService[0];
            Task<IReadOnlyList<TaskRecord>> tasks = docker.ListTasksAsync(services.Select(s => s.Id), ct);
            Task<IReadOnlyList<NodeRecord>> nodes = docker.ListNodesAsync(ct);
            await Task.WhenAll(tasks, nodes);
            return Assemble(services, tasks.Result, nodes.Result, docker.Endpoint);
        }

        internal static IReadOnlyList<OsgPilotService> Assemble(IEnumerable<ServiceRecord> services, IReadOnlyList<TaskRecord> tasks, IReadOnlyList<NodeRecord> nodes, DockerEndpoint endpoint)
        {
            Dictionary<string, NodeRecord> nodeById = nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
            ILookup<string, TaskRecord> tasksByService = tasks.ToLookup(t => t.ServiceId, StringComparer.Ordinal);
            return services.Select(s =>
            {
                OsgPilotServiceTask[] current = CurrentTasks(tasksByService[s.Id], nodeById)
                    .Select(t => ToTask(s, t, nodeById, endpoint))
                    .OrderBy(t => t.Node, StringComparer.Ordinal).ThenBy(t => t.NodeId, StringComparer.Ordinal)
                    .ToArray();
                return new OsgPilotService
                {
                    Name = s.Name,
                    ConfigName = s.Group,
                    Id = s.Id,
                    Mode = s.Global ? "Global" : "Replicated",
                    PerNode = int.TryParse(s.Label(PilotLabels.PerNode), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 1,
                    Image = s.Image,
                    Site = s.Label(PilotLabels.Site),
                    ResourceName = s.Label(PilotLabels.Resource),
                    Running = current.Count(t => t.State == "running"),
                    Desired = (int)s.DesiredTasks,
                    UpdateState = s.UpdateState,
                    UpdateMessage = s.UpdateMessage,
                    Constraints = s.Constraints.ToArray(),
                    SecretName = s.SecretNames.FirstOrDefault(),
                    ConfigHash = s.Label(PilotLabels.ConfigHash),
                    CreatedAt = s.CreatedAt,
                    UpdatedAt = s.UpdatedAt,
                    Tasks = current,
                    DockerHost = endpoint.Display,
                    Context = endpoint.Context,
                };
            }).ToList();
        }

        /// <summary>
        /// The newest task on each node the swarm still has: what runs there, or what last tried to.
        /// Older attempts are history (docker service ps shows them too, indented).
        /// </summary>
        internal static IEnumerable<TaskRecord> CurrentTasks(IEnumerable<TaskRecord> tasks, IReadOnlyDictionary<string, NodeRecord> nodes) =>
            tasks.Where(t => t.NodeId != null && (nodes.ContainsKey(t.NodeId) || t.DesiredState == "running"))
                 .GroupBy(t => t.NodeId, StringComparer.Ordinal)
                 .Select(g =>
                 {
                     List<TaskRecord> newestFirst = g.OrderByDescending(t => t.DesiredState == "running")
                                                     .ThenByDescending(t => t.CreatedAt ?? DateTime.MinValue).ToList();
                     TaskRecord current = newestFirst[0];
                     // A retry waiting its turn says nothing; the attempt before it says why.
                     return current.Error == null && current.State != "running"
                         ? current.WithError(newestFirst.Skip(1).Select(t => t.Error).FirstOrDefault(e => e != null))
                         : current;
                 });

        private static OsgPilotServiceTask ToTask(ServiceRecord s, TaskRecord t, IReadOnlyDictionary<string, NodeRecord> nodes, DockerEndpoint endpoint) => new OsgPilotServiceTask
        {
            Service = s.Name,
            Node = nodes.TryGetValue(t.NodeId, out NodeRecord node) ? node.Hostname : null,
            NodeId = t.NodeId,
            State = t.State,
            DesiredState = t.DesiredState,
            Image = t.Image,
            Since = t.Since,
            Error = t.Error,
            TaskId = t.Id,
            ContainerId = t.ContainerId,
            DockerHost = endpoint.Display,
            Context = endpoint.Context,
        };
    }
}

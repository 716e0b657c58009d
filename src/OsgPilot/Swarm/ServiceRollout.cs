using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;

namespace OsgPilot.Swarm
{
    /// <summary>
    /// Waits until the services a run created or updated run their current spec on every eligible
    /// node: three list calls a second (services, then tasks and nodes) for all of them. A roll-out the swarm gave up
    /// on (paused, rolled back) fails at once; one that does not finish in time fails with each node's
    /// last error.
    /// </summary>
    internal static class ServiceRollout
    {
        private static readonly string[] GaveUp = { "paused", "rollback_started", "rollback_paused", "rollback_completed" };

        /// <param name="services">Each service's id, and when its last roll-out before this run began (null for none).</param>
        /// <returns>One error per service that did not settle; none when all did.</returns>
        public static async Task<IReadOnlyList<OsgPilotException>> WaitAsync(DockerGateway docker, IReadOnlyDictionary<string, DateTime?> services, TimeSpan timeout, CancellationToken ct)
        {
            var pending = new HashSet<string>(services.Keys, StringComparer.Ordinal);
            var errors = new List<OsgPilotException>();
            DateTime deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                List<ServiceRecord> current = (await docker.ListServicesAsync(ct)).Where(s => pending.Contains(s.Id)).ToList();
                Task<IReadOnlyList<TaskRecord>> listTasks = docker.ListTasksAsync(current.Select(s => s.Id), ct);
                Task<IReadOnlyList<NodeRecord>> listNodes = docker.ListNodesAsync(ct);
                await Task.WhenAll(listTasks, listNodes);
                IReadOnlyList<TaskRecord> tasks = listTasks.Result;
                Dictionary<string, NodeRecord> nodes = listNodes.Result.ToDictionary(n => n.Id, StringComparer.Ordinal);
                foreach (ServiceRecord s in current)
                {
                    // A state left from a roll-out before this run is not this run's outcome.
                    bool newRollout = s.UpdateStartedAt.HasValue && s.UpdateStartedAt != services[s.Id];
                    if (newRollout && GaveUp.Contains(s.UpdateState))
                    {
                        errors.Add(GaveUpError(s));
                        pending.Remove(s.Id);
                    }
                    else if (RunsCurrentSpec(s, tasks.Where(t => t.ServiceId == s.Id), nodes))
                    {
                        pending.Remove(s.Id);
                    }
                }
                pending.IntersectWith(current.Select(s => s.Id));   // a service removed meanwhile is not waited for
                if (pending.Count == 0) return errors;
                if (DateTime.UtcNow >= deadline)
                {
                    errors.AddRange(NotReady(docker, current.Where(s => pending.Contains(s.Id)).ToList(), tasks, listNodes.Result, timeout));
                    return errors;
                }
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }

        /// <summary>
        /// Every node that should run a pilot runs one on the service's current container. A node
        /// should when the swarm wants a task there, or when its last pilot failed (with restart
        /// condition none the swarm wants none after that, but the node has no pilot); a task the
        /// swarm shut down cleanly (the node is no longer eligible) does not count. Nodes that are
        /// down or drained are left out: no pilot can run there.
        /// </summary>
        internal static bool RunsCurrentSpec(ServiceRecord s, IEnumerable<TaskRecord> tasks, IReadOnlyDictionary<string, NodeRecord> nodes)
        {
            List<TaskRecord> wanted = Wanted(tasks, nodes);
            return wanted.Count > 0 && (ulong)wanted.Count >= s.DesiredTasks && wanted.All(t => IsCurrent(s, t));
        }

        /// <summary>The newest task on each ready, active node that should run a pilot.</summary>
        private static List<TaskRecord> Wanted(IEnumerable<TaskRecord> tasks, IReadOnlyDictionary<string, NodeRecord> nodes) =>
            ServiceReader.CurrentTasks(tasks, nodes)
                .Where(t => nodes.TryGetValue(t.NodeId, out NodeRecord n) && n.State == "ready" && n.Availability == "active")
                .Where(t => t.DesiredState == "running" || t.State == "failed" || t.State == "rejected")
                .ToList();

        private static bool IsCurrent(ServiceRecord s, TaskRecord t) => t.State == "running" && t.ContainerHash != null && t.ContainerHash == s.ContainerHash;

        private static OsgPilotException GaveUpError(ServiceRecord s) =>
            new OsgPilotException(ErrorIds.ServiceUpdateFailed, ErrorCategory.InvalidResult,
                $"The swarm gave up rolling out the service '{s.Name}' ({s.UpdateState}): {s.UpdateMessage ?? "no message"}. " +
                (s.UpdateState.StartsWith("rollback", StringComparison.Ordinal)
                    ? "It is going back to the previous spec, so the pilots run as they did before this run; Get-OsgPilotService -Task shows why the new ones failed."
                    : "Get-OsgPilotService -Task shows why the new pilots failed."), s.Name);

        private static IEnumerable<OsgPilotException> NotReady(DockerGateway docker, List<ServiceRecord> services, IReadOnlyList<TaskRecord> tasks, IReadOnlyList<NodeRecord> nodes, TimeSpan timeout)
        {
            Dictionary<string, NodeRecord> byId = nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
            foreach (ServiceRecord s in services)
            {
                List<TaskRecord> wanted = Wanted(tasks.Where(t => t.ServiceId == s.Id), byId);
                int done = wanted.Count(t => IsCurrent(s, t));
                string why = string.Join("; ", wanted.Where(t => !IsCurrent(s, t)).Select(t =>
                    $"{(byId.TryGetValue(t.NodeId, out NodeRecord n) ? n.Hostname : "?")} ({Short(t.NodeId)}): {t.State}" +
                    (t.State == "running" ? " on the previous spec" : "") + (t.Error != null ? ", " + t.Error : "")));
                yield return new OsgPilotException(ErrorIds.ServiceNotReady, ErrorCategory.OperationTimeout,
                    $"The service '{s.Name}' did not run its current spec on every node that should run it within {timeout.TotalSeconds:0} s " +
                    $"({done} of {Math.Max(wanted.Count, (int)s.DesiredTasks)} nodes{(s.UpdateState == "updating" ? ", still updating" : "")})" +
                    (why.Length > 0 ? ": " + why : "") + ".", s.Name);
            }
        }

        private static string Short(string id) => id == null ? "?" : id.Substring(0, Math.Min(12, id.Length));
    }
}

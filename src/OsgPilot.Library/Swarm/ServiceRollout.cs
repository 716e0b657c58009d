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
        /// <param name="applied">Each service's container hash as this run set it: the tasks whose failures explain a roll-back.</param>
        /// <returns>One error per service that did not settle; none when all did.</returns>
        public static async Task<IReadOnlyList<OsgPilotException>> WaitAsync(DockerGateway docker, IReadOnlyDictionary<string, DateTime?> services,
            IReadOnlyDictionary<string, string> applied, TimeSpan timeout, CancellationToken ct)
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
                        applied.TryGetValue(s.Id, out string hash);
                        errors.Add(GaveUpError(s, FailedTasks(tasks.Where(t => t.ServiceId == s.Id && t.ContainerHash == hash), nodes)));
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
                    errors.AddRange(NotReady(current.Where(s => pending.Contains(s.Id)).ToList(), tasks, listNodes.Result, timeout));
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
                // "ready": a retry waiting out the restart delay (after a failed start) still owes the node its pilot.
                .Where(t => t.DesiredState == "running" || t.DesiredState == "ready" || t.State == "failed" || t.State == "rejected")
                .ToList();

        private static bool IsCurrent(ServiceRecord s, TaskRecord t) => t.State == "running" && t.ContainerHash != null && t.ContainerHash == s.ContainerHash;

        /// <param name="failures">Per node, why a task of the spec the swarm gave up on failed ("" when no task said).</param>
        internal static OsgPilotException GaveUpError(ServiceRecord s, string failures) =>
            new OsgPilotException(ErrorIds.ServiceUpdateFailed, ErrorCategory.InvalidResult,
                $"The swarm gave up rolling out the service '{s.Name}' ({s.UpdateState}): {s.UpdateMessage ?? "no message"}. " +
                (failures.Length > 0 ? "The new pilots failed: " + failures + ". " : "") +
                (s.UpdateState.StartsWith("rollback", StringComparison.Ordinal)
                    ? "It is going back to the previous spec, so the pilots run as they did before this run."
                    : "Get-OsgPilotService -Task shows the nodes' tasks."), s.Name);

        /// <summary>"host (node id): state, error" for the newest failed attempt on each node, explained as the preflight explains it.</summary>
        private static string FailedTasks(IEnumerable<TaskRecord> tasks, IReadOnlyDictionary<string, NodeRecord> nodes) =>
            string.Join("; ", tasks.Where(t => t.NodeId != null && (t.Error != null || t.State == "failed" || t.State == "rejected"))
                .GroupBy(t => t.NodeId, StringComparer.Ordinal)
                .Select(g => g.OrderByDescending(t => t.CreatedAt ?? DateTime.MinValue).First())
                .OrderBy(t => Node(nodes, t.NodeId), StringComparer.Ordinal)
                .Select(t => $"{Node(nodes, t.NodeId)}: {t.State}{(t.Error != null ? ", " + TaskErrors.WithHint(t.Error) : "")}"));

        /// <summary>Why no task could be placed, for a service the swarm runs nowhere.</summary>
        internal static string NoTaskReason(ServiceRecord s, IReadOnlyList<NodeRecord> nodes) =>
            PlacementCheck.Warning(s.Constraints, nodes)
            ?? (nodes.Any(n => n.State == "ready" && n.Availability == "active")
                ? "the swarm has placed no task yet"
                : "no node is ready and active");

        internal static IEnumerable<OsgPilotException> NotReady(IReadOnlyList<ServiceRecord> services, IReadOnlyList<TaskRecord> tasks, IReadOnlyList<NodeRecord> nodes, TimeSpan timeout)
        {
            Dictionary<string, NodeRecord> byId = nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
            foreach (ServiceRecord s in services)
            {
                List<TaskRecord> mine = tasks.Where(t => t.ServiceId == s.Id).ToList();
                List<TaskRecord> wanted = Wanted(mine, byId);
                int done = wanted.Count(t => IsCurrent(s, t));
                // Every usable node without the current pilot, also one whose task waits to be retried
                // (its newest attempt says why); not a node the swarm cleanly left (no longer eligible).
                List<TaskRecord> waiting = ServiceReader.CurrentTasks(mine, byId)
                    .Where(t => byId.TryGetValue(t.NodeId, out NodeRecord n) && n.State == "ready" && n.Availability == "active")
                    .Where(t => !IsCurrent(s, t) && !((t.State == "shutdown" || t.State == "complete") && t.Error == null))
                    .OrderBy(t => Node(byId, t.NodeId), StringComparer.Ordinal).ToList();
                string why = string.Join("; ", waiting.Select(t =>
                    $"{Node(byId, t.NodeId)}: {t.State}" +
                    (t.State == "running" ? " on the previous spec" : "") + (t.Error != null ? ", " + TaskErrors.WithHint(t.Error) : "")));
                if (mine.Count == 0) why = NoTaskReason(s, nodes).TrimEnd('.');
                yield return new OsgPilotException(ErrorIds.ServiceNotReady, ErrorCategory.OperationTimeout,
                    $"The service '{s.Name}' did not run its current spec on every node that should run it within {timeout.TotalSeconds:0} s " +
                    $"({done} of {Math.Max(wanted.Count, (int)s.DesiredTasks)} nodes{(s.UpdateState == "updating" ? ", still updating" : "")})" +
                    (why.Length > 0 ? ": " + why : "") + ".", s.Name);
            }
        }

        private static string Node(IReadOnlyDictionary<string, NodeRecord> nodes, string id) =>
            $"{(nodes.TryGetValue(id ?? "", out NodeRecord n) ? n.Hostname : "?")} ({Short(id)})";

        private static string Short(string id) => id == null ? "?" : id.Substring(0, Math.Min(12, id.Length));
    }
}

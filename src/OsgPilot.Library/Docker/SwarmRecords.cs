using System;
using System.Collections.Generic;
using System.Linq;
using OsgPilot.Launch;

namespace OsgPilot.Docker
{
    /// <summary>The engine's place in a swarm, as Info and Version tell it.</summary>
    internal sealed class SwarmInfo
    {
        /// <summary>"active", "inactive", "pending", "error" or "locked".</summary>
        public string LocalState { get; set; }
        public bool IsManager { get; set; }
        public string NodeId { get; set; }
        public int Nodes { get; set; }
        public int Managers { get; set; }
        public string ApiVersion { get; set; }
        public string Error { get; set; }
    }

    internal sealed class ServiceRecord
    {
        public string Id { get; set; }
        public string Name { get; set; }
        public ulong Version { get; set; }
        public IDictionary<string, string> Labels { get; set; }
        public string Image { get; set; }
        public bool Global { get; set; }
        public ulong RunningTasks { get; set; }
        public ulong DesiredTasks { get; set; }
        public string UpdateState { get; set; }
        public string UpdateMessage { get; set; }
        /// <summary>When the swarm began rolling out the current update (manager's clock).</summary>
        public DateTime? UpdateStartedAt { get; set; }
        public DateTime? CreatedAt { get; set; }
        public DateTime? UpdatedAt { get; set; }
        public IReadOnlyList<string> SecretNames { get; set; }
        public IReadOnlyList<string> Constraints { get; set; }
        /// <summary>The config hash of the container its tasks get: a task with the same one runs the current spec.</summary>
        public string ContainerHash { get; set; }
        /// <summary>The secrets the spec a roll-back returns to names: they must outlive the current spec's change.</summary>
        public IReadOnlyList<string> PreviousSecretNames { get; set; }
        /// <summary>The live spec, for <see cref="ServiceDrift"/> alone: nothing outside this folder reads Engine API types.</summary>
        internal global::Docker.DotNet.Models.ServiceSpec Spec { get; set; }

        public string Label(string key) => Labels != null && Labels.TryGetValue(key, out string v) ? v : null;

        /// <summary>The config the service was made from (shared by its -PerNode siblings).</summary>
        public string Group => Label(PilotLabels.Service) ?? Name;
    }

    internal sealed class TaskRecord
    {
        public string Id { get; set; }
        public string ServiceId { get; set; }
        public string NodeId { get; set; }
        public string State { get; set; }
        public string DesiredState { get; set; }
        public string Image { get; set; }
        public DateTime? Since { get; set; }
        public DateTime? CreatedAt { get; set; }
        public string Message { get; set; }
        public string Error { get; set; }
        public string ContainerId { get; set; }
        public long ExitCode { get; set; }
        /// <summary>The config hash of the task's container, comparable with <see cref="ServiceRecord.ContainerHash"/>.</summary>
        public string ContainerHash { get; set; }
        /// <summary>The secrets the task's own spec names.</summary>
        public IReadOnlyList<string> SecretNames { get; set; } = new string[0];

        /// <summary>
        /// It may run (or runs): the swarm means it to, and it has not ended. A task that ended never
        /// starts again, whatever its desired state still says: a restart is a new task, of the service's spec.
        /// </summary>
        public bool MayRun => !Ended.Contains(State) && !Ended.Contains(DesiredState);

        private static readonly string[] Ended = { "complete", "shutdown", "failed", "rejected", "remove", "orphaned" };

        /// <summary>A copy saying <paramref name="error"/>: the list it came from stays as the engine said it.</summary>
        public TaskRecord WithError(string error)
        {
            var copy = (TaskRecord)MemberwiseClone();
            copy.Error = error;
            return copy;
        }
    }

    internal sealed class NodeRecord
    {
        public string Id { get; set; }
        public string Hostname { get; set; }
        public string State { get; set; }
        public string Availability { get; set; }
        public string Role { get; set; }
        public string Address { get; set; }
        public IDictionary<string, string> Labels { get; set; }
        /// <summary>The labels of the node's engine (dockerd --label), which engine.labels.* constraints read.</summary>
        public IDictionary<string, string> EngineLabels { get; set; } = new Dictionary<string, string>();
        public string Os { get; set; }
        public string Architecture { get; set; }
    }

    internal sealed class SecretRecord
    {
        public string Id { get; set; }
        public string Name { get; set; }
        public IDictionary<string, string> Labels { get; set; }

        public string Label(string key) => Labels != null && Labels.TryGetValue(key, out string v) ? v : null;
    }
}

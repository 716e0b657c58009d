using System;

namespace OsgPilot
{
    /// <summary>
    /// One pilot service on a swarm and its tasks. Every value is a string, number, bool, time or an
    /// array of tasks, so ConvertTo-Json gives a scheduler what a person sees.
    /// </summary>
    public sealed class OsgPilotService
    {
        public string Name { get; set; }
        /// <summary>The config the service was made from (for -PerNode N, shared by NAME-1..NAME-N).</summary>
        public string ConfigName { get; set; }
        public string Id { get; set; }
        /// <summary>"Global": one task per eligible node.</summary>
        public string Mode { get; set; }
        public int PerNode { get; set; }
        public string Image { get; set; }
        public string Site { get; set; }
        public string ResourceName { get; set; }
        /// <summary>Tasks running now, and how many the swarm wants (one per eligible, available node).</summary>
        public int Running { get; set; }
        public int Desired { get; set; }
        /// <summary>The rolling update's state (updating, paused, completed, rollback_...), or null when there was none.</summary>
        public string UpdateState { get; set; }
        public string UpdateMessage { get; set; }
        public string[] Constraints { get; set; }
        /// <summary>The name of the Swarm secret that holds the token (never the token).</summary>
        public string SecretName { get; set; }
        public string ConfigHash { get; set; }
        public DateTime? CreatedAt { get; set; }
        public DateTime? UpdatedAt { get; set; }
        /// <summary>The newest task on each node.</summary>
        public OsgPilotServiceTask[] Tasks { get; set; }
        public string DockerHost { get; set; }
        public string Context { get; set; }

        public override string ToString() => Name;
    }

    /// <summary>One task of a pilot service: the pilot on one node.</summary>
    public sealed class OsgPilotServiceTask
    {
        public string Service { get; set; }
        /// <summary>The node's host name (several nodes may share one; NodeId tells them apart).</summary>
        public string Node { get; set; }
        public string NodeId { get; set; }
        /// <summary>running, pending, preparing, starting, rejected, failed, shutdown, complete, ...</summary>
        public string State { get; set; }
        public string DesiredState { get; set; }
        public string Image { get; set; }
        /// <summary>When the task entered its state.</summary>
        public DateTime? Since { get; set; }
        /// <summary>Why the task failed or was rejected, as the swarm says it (a missing bind source, a non-shared mount, an exit code).</summary>
        public string Error { get; set; }
        public string TaskId { get; set; }
        public string ContainerId { get; set; }
        public string DockerHost { get; set; }
        public string Context { get; set; }

        public override string ToString() => $"{Service} on {Node}";
    }

    /// <summary>What Set-OsgPilotService did to one service.</summary>
    public sealed class OsgPilotServiceResult
    {
        public string Name { get; set; }
        public string ConfigName { get; set; }
        /// <summary>Created, Updated, Unchanged or Removed.</summary>
        public string Action { get; set; }
        /// <summary>True when this run changed the swarm for this service.</summary>
        public bool Changed { get; set; }
        /// <summary>What differed (image, token, settings), or why nothing was done.</summary>
        public string Reason { get; set; }
        /// <summary>Each part of the live service that differed from the config before this run, e.g. "environment: X added" (values never shown).</summary>
        public string[] Differences { get; set; }
        public string Id { get; set; }
        public string Image { get; set; }
        public int PerNode { get; set; }
        public string[] Constraints { get; set; }
        public string SecretName { get; set; }
        public string DockerHost { get; set; }
        public string Context { get; set; }
        /// <summary>The run's warnings (token expiry, a long config), as data.</summary>
        public string[] Warnings { get; set; }

        public override string ToString() => Name;
    }
}

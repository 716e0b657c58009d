using System.Collections.Generic;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Reconcile;

namespace OsgPilot.Swarm
{
    /// <summary>What Set-OsgPilotService does to one service or secret. The tables in about_OsgPilot list which state leads to which.</summary>
    internal enum ServiceAction
    {
        /// <summary>The live service matches the config: nothing to do.</summary>
        Keep,
        /// <summary>The token's secret (named by a digest of the token) is made before the first service that needs it.</summary>
        CreateSecret,
        Create,
        /// <summary>The live spec differs from the config (or was edited by hand): sent again; Swarm rolls it node by node.</summary>
        Update,
        /// <summary>A service of the config that -PerNode no longer asks for.</summary>
        Remove,
        /// <summary>A token secret of the config that no service, roll-back target or live task names.</summary>
        RemoveSecret,
        /// <summary>Nothing may be done; see <see cref="ServiceStep.Error"/>.</summary>
        Refuse,
    }

    internal sealed class ServiceStep : IPlannedStep
    {
        public ServiceAction Action { get; set; }
        /// <summary>The service or secret name.</summary>
        public string Name { get; set; }
        /// <summary>What the service should be (Create, Update, Keep, CreateSecret).</summary>
        public PilotServiceSpec Spec { get; set; }
        /// <summary>The live service (Update, Keep, Remove).</summary>
        public ServiceRecord Existing { get; set; }
        /// <summary>The secret a RemoveSecret step takes back; for a service step, the token's live secret (null: CreateSecret makes it).</summary>
        public SecretRecord Secret { get; set; }
        public string Reason { get; set; }
        /// <summary>What differs from the config in the live service (Update), each part named.</summary>
        public string[] Differences { get; set; } = new string[0];
        public OsgPilotException Error { get; set; }

        /// <summary>The live spec names a secret the swarm lost: once repaired, it is sent again so a roll-back returns to the repair.</summary>
        public bool RepairsLostSecret { get; set; }

        /// <summary>The step sends something to the swarm.</summary>
        public bool Changes => Action != ServiceAction.Keep && Action != ServiceAction.Refuse;

        public override string ToString() => $"{Name}: {Action} ({Reason})";
    }

    /// <summary>What a run of Set-OsgPilotService saw of the swarm, in one round of list calls.</summary>
    internal sealed class ServiceObservation
    {
        /// <summary>The services the config asks for (one, or -PerNode of them).</summary>
        public IReadOnlyList<PilotServiceSpec> Desired { get; set; }
        /// <summary>The services OsgPilot made (any config).</summary>
        public IReadOnlyList<ServiceRecord> Ours { get; set; } = new ServiceRecord[0];
        /// <summary>The services, OsgPilot's or not, that carry the desired names.</summary>
        public IReadOnlyList<ServiceRecord> Named { get; set; } = new ServiceRecord[0];
        public IReadOnlyList<SecretRecord> Secrets { get; set; } = new SecretRecord[0];
    }
}

using OsgPilot.Docker;
using OsgPilot.Launch;

namespace OsgPilot.Reconcile
{
    /// <summary>A pilot container a step started, and what the step made for it (what an undo takes back).</summary>
    internal sealed class StartedPilot
    {
        public ContainerSpec Spec { get; set; }
        public string Id { get; set; }
        /// <summary>The per-pilot host directory is new in this run.</summary>
        public bool CreatedDirectory { get; set; }
        /// <summary>The name a create request was sent for; when its answer was lost, the undo finds the container by it.</summary>
        public string CreateRequestedAs { get; set; }
        /// <summary>The pilot a -Force replacement took the place of, kept (stopped, renamed) until the replacement holds.</summary>
        public PilotContainer Previous { get; set; }
        /// <summary><see cref="Previous"/> was renamed out of the way.</summary>
        public bool PreviousRenamed { get; set; }
    }
}

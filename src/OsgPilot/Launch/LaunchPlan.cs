using OsgPilot.Docker;
using OsgPilot.Errors;

namespace OsgPilot.Launch
{
    internal enum LaunchAction
    {
        /// <summary>Already running with this config and accepting jobs: leave it alone.</summary>
        None,
        Create,
        /// <summary>Exists with this config but is not running: start it.</summary>
        StartExisting,
        /// <summary>Running with this config but drained: take the drain back.</summary>
        Undrain,
        /// <summary>Exists with another config and -Force was given: replace it (the replacement is built first).</summary>
        Recreate,
        /// <summary>Exists but was never started (a start that did not finish left it): remove it and create afresh.</summary>
        Replace,
        /// <summary>Cannot proceed; see <see cref="LaunchStep.Error"/>.</summary>
        Refuse,
    }

    /// <summary>What Start-OsgPilot will do for one container name.</summary>
    internal sealed class LaunchStep
    {
        public ContainerSpec Spec { get; set; }
        public PilotContainer Existing { get; set; }
        /// <summary>The existing pilot has stop-glidein.stamp in /pilot (Stop-OsgPilot -Drain).</summary>
        public bool Drained { get; set; }
        public LaunchAction Action { get; set; }
        public OsgPilotException Error { get; set; }
    }

    /// <summary>A pilot container a launch step started, and what the step created for it.</summary>
    internal sealed class StartedPilot
    {
        public ContainerSpec Spec { get; set; }
        public string Id { get; set; }
        /// <summary>The container is new in this run (created or recreated), so a failed start removes it.</summary>
        public bool CreatedContainer { get; set; }
        /// <summary>The per-pilot host directory is new in this run.</summary>
        public bool CreatedDirectory { get; set; }
        /// <summary>The name a create request was sent for; when its answer was lost, cleanup finds the container by it.</summary>
        public string CreateRequestedAs { get; set; }
        /// <summary>The pilot an -Force replacement took the place of, kept (stopped, renamed) until the replacement holds.</summary>
        public PilotContainer Previous { get; set; }
        /// <summary><see cref="Previous"/> was renamed out of the way.</summary>
        public bool PreviousRenamed { get; set; }
    }
}

using OsgPilot.Docker;
using OsgPilot.Errors;

namespace OsgPilot.Launch
{
    internal enum LaunchAction
    {
        /// <summary>Already running with this config: leave it alone.</summary>
        None,
        Create,
        /// <summary>Exists with this config but is not running: start it.</summary>
        StartExisting,
        /// <summary>Exists with another config and -Force was given: replace it.</summary>
        Recreate,
        /// <summary>Cannot proceed; see <see cref="LaunchStep.Error"/>.</summary>
        Refuse,
    }

    /// <summary>What Start-OsgPilot will do for one container name.</summary>
    internal sealed class LaunchStep
    {
        public ContainerSpec Spec { get; set; }
        public PilotContainer Existing { get; set; }
        public LaunchAction Action { get; set; }
        public OsgPilotException Error { get; set; }
    }
}

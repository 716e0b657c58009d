using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;

namespace OsgPilot.Reconcile
{
    /// <summary>What the reconciler does to one container name. The table in about_OsgPilot lists which state leads to which.</summary>
    internal enum PilotAction
    {
        /// <summary>Running as wanted and accepting jobs: nothing to do.</summary>
        Keep,
        Create,
        /// <summary>Not running (exited, crash-looping, created, dead) or paused on an outdated spec: removed, then created afresh.</summary>
        Replace,
        /// <summary>Running on an outdated spec and the caller said -Force: the replacement is built first, the pilot restored if it fails.</summary>
        ReplaceRunning,
        /// <summary>Paused on the wanted spec: unpaused (its jobs go on), and its drain taken back where the caller undrains.</summary>
        Unpause,
        /// <summary>Running as wanted but drained: the stamp removed and the restart policy restored (Start only).</summary>
        Undrain,
        /// <summary>Drained now: the stamp in /pilot and restart policy "no", so it finishes its jobs, exits and stays down until replaced.</summary>
        Drain,
        /// <summary>Drained already; replaced (or removed) once it exits. Nothing is sent.</summary>
        AwaitExit,
        /// <summary>Outdated, but the roll-out has no drain slot left this time.</summary>
        Hold,
        /// <summary>Surplus and not running (or paused): removed.</summary>
        Remove,
        /// <summary>A temporary container of an interrupted replacement (.osgpilot-new, or .osgpilot-old whose pilot exists): removed.</summary>
        RemoveLeftover,
        /// <summary>A replaced pilot (.osgpilot-old) whose replacement never took its name: given its name back.</summary>
        RestoreName,
        /// <summary>Nothing may be done; see <see cref="PilotStep.Error"/>.</summary>
        Refuse,
    }

    internal sealed class PilotStep : IPlannedStep
    {
        public string Name { get; set; }
        /// <summary>The container this name should be; null for a surplus pilot or a leftover.</summary>
        public ContainerSpec Spec { get; set; }
        public PilotContainer Existing { get; set; }
        /// <summary>The existing pilot has stop-glidein.stamp in /pilot.</summary>
        public bool Drained { get; set; }
        /// <summary>Unpause also takes the drain back (the caller undrains).</summary>
        public bool TakeBackDrain { get; set; }
        public PilotAction Action { get; set; }
        public string Reason { get; set; }
        public OsgPilotException Error { get; set; }

        /// <summary>The step sends something to the engine.</summary>
        public bool Changes => Action != PilotAction.Keep && Action != PilotAction.AwaitExit && Action != PilotAction.Hold && Action != PilotAction.Refuse;

        /// <summary>The step ends in a container OsgPilot starts, so the start-up watch and the stamp rule apply to it.</summary>
        public bool StartsContainer => Action == PilotAction.Create || Action == PilotAction.Replace || Action == PilotAction.ReplaceRunning;

        public override string ToString() => $"{Name}: {Action} ({Reason})";
    }
}

using OsgPilot.Errors;

namespace OsgPilot.Reconcile
{
    /// <summary>A planned step, of a pilot or of a Swarm service: what the executors and their callers read of it.</summary>
    internal interface IPlannedStep
    {
        string Name { get; }
        string Reason { get; }
        /// <summary>The step sends something to the engine.</summary>
        bool Changes { get; }
    }

    /// <summary>How one planned step ended, for either executor.</summary>
    internal class StepOutcome<TStep> where TStep : IPlannedStep
    {
        public TStep Step { get; set; }
        public OsgPilotException Error { get; set; }
        /// <summary>ShouldProcess said no (or -WhatIf): described, not done.</summary>
        public bool Skipped { get; set; }
        /// <summary>The step changed the engine as planned.</summary>
        public bool Changed => Step.Changes && !Skipped && Error == null;
    }
}

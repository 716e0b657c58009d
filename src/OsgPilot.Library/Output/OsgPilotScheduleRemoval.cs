namespace OsgPilot
{
    /// <summary>What Unregister-OsgPilotSchedule took back (or, under -WhatIf, would).</summary>
    public sealed class OsgPilotScheduleRemoval
    {
        /// <summary>The unit (systemd) or task (Windows) name.</summary>
        public string Name { get; set; }
        /// <summary>"systemd" or "TaskScheduler".</summary>
        public string Scheduler { get; set; }
        /// <summary>True when the timer was stopped and disabled here (systemd runs and reads the unit directory).</summary>
        public bool TimerStopped { get; set; }
        /// <summary>The unit files removed (systemd), or the task deleted (Windows).</summary>
        public string[] Removed { get; set; }
        /// <summary>The sync outcome files of the schedule removed from the state directory: no osgpilot_sync_* series is left of it.</summary>
        public string[] RetiredStatus { get; set; }
        /// <summary>What still has to be run by hand (systemctl on a unit directory systemd is not running from); empty when nothing.</summary>
        public string FollowUpCommand { get; set; }
        /// <summary>True when this call removed or retired something.</summary>
        public bool Changed { get; set; }

        public override string ToString() => Name;
    }
}

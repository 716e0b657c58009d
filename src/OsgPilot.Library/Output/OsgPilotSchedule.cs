namespace OsgPilot
{
    /// <summary>A scheduled Sync-OsgPilot run, as Register-OsgPilotSchedule wrote or registered it.</summary>
    public sealed class OsgPilotSchedule
    {
        /// <summary>The unit (systemd) or task (Windows) name.</summary>
        public string Name { get; set; }
        /// <summary>"systemd" or "TaskScheduler".</summary>
        public string Scheduler { get; set; }
        public string ConfigPath { get; set; }
        public int Count { get; set; }
        public int IntervalMinutes { get; set; }
        /// <summary>The files written: the service and timer units, or the task definition.</summary>
        public string[] Files { get; set; }
        /// <summary>The PowerShell each run starts.</summary>
        public string PwshPath { get; set; }
        /// <summary>The OsgPilot version each run imports (the newest installed).</summary>
        public string ModuleVersion { get; set; }
        /// <summary>The engine each run syncs, by address (or null: by context, or the platform default).</summary>
        public string DockerHost { get; set; }
        /// <summary>The docker context each run syncs (or null).</summary>
        public string Context { get; set; }
        /// <summary>The PowerShell command each run executes.</summary>
        public string Command { get; set; }
        /// <summary>What turns the schedule on (systemd); empty when it is already registered (Windows).</summary>
        public string EnableCommand { get; set; }
        /// <summary>True when this call wrote or registered something.</summary>
        public bool Changed { get; set; }

        public override string ToString() => Name;
    }
}

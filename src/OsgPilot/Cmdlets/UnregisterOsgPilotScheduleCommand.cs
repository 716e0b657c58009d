using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Metrics;
using OsgPilot.Schedule;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Takes back what Register-OsgPilotSchedule wrote: the timer stopped and disabled, the units removed
    /// (or the Windows task deleted), the schedule's sync outcomes retired so no osgpilot_sync_* series
    /// is left to alert. The pilots stay: Remove-OsgPilot takes them. Idempotent.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Unregister, "OsgPilotSchedule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(OsgPilotScheduleRemoval))]
    public sealed class UnregisterOsgPilotScheduleCommand : OsgPilotCmdlet
    {
        private const string NameSet = "Name";
        private const string ConfigSet = "ConfigPath";

        /// <summary>The unit or task name (Register-OsgPilotSchedule's Name; its output pipes in).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
        [ValidatePattern(ScheduleNames.Pattern)]
        public string Name { get; set; }

        /// <summary>The config file the schedule was registered for: its default schedule name is taken back.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ConfigSet)]
        [ValidateNotNullOrEmpty]
        public string ConfigPath { get; set; }

        /// <summary>Where the systemd units are (Linux; default /etc/systemd/system), as given to Register.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string UnitDirectory { get; set; } = "/etc/systemd/system";

        /// <summary>The state directory the schedule's runs kept their outcomes in, as given to Register.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string StateDirectory { get; set; }

        /// <summary>No confirmation prompt.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                WriteObject(Unregister(Name ?? NameOfConfig()));
            }
            catch (OsgPilotException e)
            {
                WriteFailure(e);
            }
        }

        private OsgPilotScheduleRemoval Unregister(string name)
        {
            var result = new OsgPilotScheduleRemoval { Name = name, Removed = new string[0], RetiredStatus = new string[0], FollowUpCommand = string.Empty };
            bool gone = RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
                ? DeleteTask(result)
                : RemoveUnits(new ScheduleRemoval(name, GetUnresolvedProviderPathFromPSPath(UnitDirectory)), result);
            // A schedule that still runs keeps its outcomes (-WhatIf still says what would be retired).
            if (gone || WhatIfRequested()) RetireOutcomes(result);
            return result;
        }

        /// <returns>Whether no unit of the schedule is left.</returns>
        private bool RemoveUnits(ScheduleRemoval removal, OsgPilotScheduleRemoval result)
        {
            result.Scheduler = "systemd";
            IReadOnlyList<string> units = removal.ExistingUnits();
            if (units.Count == 0)
            {
                WriteVerbose($"No unit of '{removal.Name}' in {removal.UnitDirectory}.");
                return true;
            }
            bool systemd = removal.SystemdManages(Directory.Exists);
            if (!ShouldProcessUnlessForced(Force.IsPresent, string.Join(", ", units), systemd ? "Stop and disable the timer, remove the units" : "Remove the units")) return false;
            if (systemd && units.Any(u => u.EndsWith(".timer", System.StringComparison.Ordinal)))
            {
                // Register does not reload systemd: it may not have loaded the units as they are on disk yet.
                SchedulerCommand.Run(ErrorIds.ScheduleRemoveFailed, "systemctl", "daemon-reload");
                SchedulerCommand.Run(ErrorIds.ScheduleRemoveFailed, "systemctl", removal.DisableArguments());
                result.TimerStopped = true;
            }
            removal.RemoveUnits(units);
            result.Removed = units.ToArray();
            result.Changed = true;
            if (systemd) SchedulerCommand.Run(ErrorIds.ScheduleRemoveFailed, "systemctl", "daemon-reload");
            // Units removed from a directory this systemd does not read (an image being built, another root): the host that runs them still has a timer.
            else result.FollowUpCommand = removal.DisableCommand();
            WriteVerbose($"Removed {string.Join(", ", units)}.");
            return true;
        }

        /// <returns>Whether the task is gone.</returns>
        private bool DeleteTask(OsgPilotScheduleRemoval result)
        {
            result.Scheduler = "TaskScheduler";
            string task = @"OsgPilot\" + result.Name;
            try
            {
                SchedulerCommand.Run(ErrorIds.ScheduleRemoveFailed, "schtasks.exe", "/Query", "/TN", task);
            }
            catch (OsgPilotException)
            {
                WriteVerbose($"No task '{task}'.");
                return true;
            }
            if (!ShouldProcessUnlessForced(Force.IsPresent, task, "Delete scheduled task")) return false;
            SchedulerCommand.Run(ErrorIds.ScheduleRemoveFailed, "schtasks.exe", "/Delete", "/TN", task, "/F");
            result.TimerStopped = true;
            result.Removed = new[] { task };
            result.Changed = true;
            return true;
        }

        private void RetireOutcomes(OsgPilotScheduleRemoval result)
        {
            string state = StatePath(StateDirectory);
            IReadOnlyList<string> outcomes = SyncStatusStore.Retire(state, result.Name, dryRun: true);
            if (outcomes.Count == 0) return;
            if (!ShouldProcessUnlessForced(Force.IsPresent, string.Join(", ", outcomes), "Retire the sync outcome")) return;
            result.RetiredStatus = SyncStatusStore.Retire(state, result.Name).ToArray();
            result.Changed = true;
        }

        /// <summary>The name Register gave the config's schedule by default.</summary>
        private string NameOfConfig() =>
            ScheduleNames.ForConfig(ConfigFile.Build(GetUnresolvedProviderPathFromPSPath(ConfigPath)).Config.Name,
                RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? null : GetUnresolvedProviderPathFromPSPath(UnitDirectory));
    }
}

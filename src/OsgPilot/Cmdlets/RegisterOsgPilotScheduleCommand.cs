using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Text;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Schedule;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Schedules Sync-OsgPilot for a saved config: a systemd service and timer on Linux, a Task
    /// Scheduler task on Windows. Idempotent: the same call again changes nothing.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Register, "OsgPilotSchedule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OsgPilotSchedule))]
    public sealed class RegisterOsgPilotScheduleCommand : OsgPilotCmdlet
    {
        /// <summary>The config file (Export-OsgPilotConfig) each run reads.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string ConfigPath { get; set; }

        [Parameter]
        [ValidateRange(1, 256)]
        public int Count { get; set; } = 1;

        /// <summary>Minutes between runs.</summary>
        [Parameter]
        [ValidateRange(1, 1440)]
        public int IntervalMinutes { get; set; } = 5;

        [Parameter]
        [ValidateRange(0, 10000)]
        public int MaxImageAgeHours { get; set; } = 72;

        /// <summary>Each run also writes its pilots' metrics to this .prom file (the textfile collector's directory), so they are never older than one interval.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string MetricsPath { get; set; }

        /// <summary>The state directory each run keeps activity ledgers in (default: that of the account the scheduler runs it as).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string StateDirectory { get; set; }

        /// <summary>The engine each run syncs; default as for every cmdlet (DOCKER_HOST, DOCKER_CONTEXT, the current context, CONTAINER_HOST, the platform default).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string DockerHost { get; set; }

        /// <summary>The docker context each run syncs (of the account the scheduler runs it as).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ContextNameCompleter))]
        public string Context { get; set; }

        /// <summary>The unit or task name (default osgpilot-sync-CONFIGNAME): a letter or digit, then letters, digits, '_', '.', '-'.</summary>
        [Parameter]
        [ValidatePattern(ScheduleNames.Pattern)]
        public string Name { get; set; }

        /// <summary>The PowerShell each run starts (default: pwsh on PATH, or this one when it is installed).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string PwshPath { get; set; }

        /// <summary>Where the systemd units go (Linux; default /etc/systemd/system).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string UnitDirectory { get; set; } = "/etc/systemd/system";

        /// <summary>Replace an existing schedule of the same name that differs.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                WriteObject(Register());
            }
            catch (OsgPilotException e)
            {
                WriteFailure(e);
            }
        }

        private OsgPilotSchedule Register()
        {
            if (DockerHost != null && Context != null)
            {
                throw new OsgPilotException(ErrorIds.InvalidDockerHost, ErrorCategory.InvalidArgument, "Give -DockerHost or -Context, not both.", null);
            }
            string configPath = GetUnresolvedProviderPathFromPSPath(ConfigPath);
            OsgPilotConfig config = CheckConfig(configPath);
            ScheduledEngine engine = ScheduledEngine.Choose(DockerHost, Context, EndpointResolver.Current, System.Environment.GetEnvironmentVariable);
            ScheduledPowerShell shell = ScheduledPowerShell.Find(PwshPath == null ? null : GetUnresolvedProviderPathFromPSPath(PwshPath));
            InstalledModule module = InstalledModule.Of(typeof(RegisterOsgPilotScheduleCommand).Assembly.Location, System.Environment.GetEnvironmentVariable("PSModulePath"));
            var schedule = new SyncSchedule
            {
                Name = Name ?? DefaultName(config.Name),
                ConfigPath = configPath,
                Module = module.ImportName,
                Count = Count,
                MaxImageAgeHours = MaxImageAgeHours,
                DockerHost = engine.DockerHost,
                Context = engine.Context,
                Interval = TimeSpan.FromMinutes(IntervalMinutes),
                Shell = shell.Arguments,
                MetricsPath = MetricsPath == null ? null : Metrics.MetricsFile.Check(GetUnresolvedProviderPathFromPSPath(MetricsPath)),
                StateDirectory = StateDirectory == null ? null : System.IO.Path.GetFullPath(GetUnresolvedProviderPathFromPSPath(StateDirectory)),
            };
            foreach (KeyValuePair<string, string> kv in engine.Environment) schedule.Environment[kv.Key] = kv.Value;
            schedule.Environment["PSModulePath"] = module.SearchRoot;
            schedule.Validate();
            if (module.RunsVersion != module.LoadedVersion)
            {
                WriteWarning($"The schedule will run OsgPilot {module.RunsVersion}, the newest installed in {module.SearchRoot}, not the {module.LoadedVersion} this session loaded.");
            }
            var result = new OsgPilotSchedule
            {
                Name = schedule.Name, ConfigPath = configPath, Count = Count, IntervalMinutes = IntervalMinutes, Command = schedule.Command(),
                PwshPath = shell.Arguments[0], ModuleVersion = module.RunsVersion?.ToString(), DockerHost = engine.DockerHost, Context = engine.Context,
            };
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) RegisterTask(schedule, result);
            else WriteUnits(schedule, result);
            return result;
        }

        private string DefaultName(string config) =>
            ScheduleNames.ForConfig(config, RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? null : GetUnresolvedProviderPathFromPSPath(UnitDirectory));

        /// <summary>The config must load now, or every scheduled run would fail.</summary>
        private static OsgPilotConfig CheckConfig(string path) => ConfigFile.Build(path).Config;

        private void WriteUnits(SyncSchedule schedule, OsgPilotSchedule result)
        {
            var units = new SystemdUnits(schedule, GetUnresolvedProviderPathFromPSPath(UnitDirectory));
            result.Scheduler = "systemd";
            result.Files = units.Paths;
            result.EnableCommand = units.EnableCommand;
            IReadOnlyList<string> differing = units.Differing();
            if (differing.Count == 0)
            {
                WriteVerbose($"{schedule.Name}: the units are already as asked.");
                return;
            }
            units.RefuseToReplace(differing, Force.IsPresent);
            if (!ShouldProcess(string.Join(", ", differing), "Write systemd unit")) return;
            units.Write(differing);
            result.Changed = true;
            WriteVerbose($"Wrote {string.Join(", ", differing)}. Turn it on with: {result.EnableCommand}");
        }

        private void RegisterTask(SyncSchedule schedule, OsgPilotSchedule result)
        {
            result.Scheduler = "TaskScheduler";
            string xml = Path.Combine(Path.GetTempPath(), schedule.Name + ".xml");
            result.Files = new string[0]; // the task definition is registered, then removed
            result.EnableCommand = string.Empty;
            if (!ShouldProcess(@"OsgPilot\" + schedule.Name, "Register scheduled task")) return;
            File.WriteAllText(xml, schedule.WindowsTask(), Encoding.Unicode);
            try
            {
                var args = new List<string> { "/Create", "/TN", @"OsgPilot\" + schedule.Name, "/XML", xml };
                if (Force.IsPresent) args.Add("/F");
                SchedulerCommand.Run(ErrorIds.ScheduleWriteFailed, "schtasks.exe", args.ToArray());
            }
            finally
            {
                File.Delete(xml);
            }
            result.Changed = true;
        }
    }
}

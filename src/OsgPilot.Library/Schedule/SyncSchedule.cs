using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security;
using System.Text;

namespace OsgPilot.Schedule
{
    /// <summary>
    /// The scheduled Sync-OsgPilot run for a saved config: the PowerShell command, and the files a
    /// scheduler needs (systemd service and timer; a Task Scheduler task). Pure text, tested as such.
    /// The command reads the config file at every run; the token never appears in any of it.
    /// </summary>
    internal sealed class SyncSchedule
    {
        public string Name { get; set; }
        public string ConfigPath { get; set; }
        /// <summary>What Import-Module is given: the module's name (a schedule runs the installed module, the newest version).</summary>
        public string Module { get; set; } = "OsgPilot";
        public int Count { get; set; }
        public int MaxImageAgeHours { get; set; }
        public string DockerHost { get; set; }
        /// <summary>The docker context each run syncs (instead of DockerHost).</summary>
        public string Context { get; set; }
        public TimeSpan Interval { get; set; }
        /// <summary>The .prom file each run writes (Sync-OsgPilot -MetricsPath); null: none.</summary>
        public string MetricsPath { get; set; }
        /// <summary>The state directory each run keeps activity in; null: the run's own default.</summary>
        public string StateDirectory { get; set; }
        /// <summary>The PowerShell executable and any arguments before ours.</summary>
        public IReadOnlyList<string> Shell { get; set; }
        /// <summary>Variables the run needs from the session that registered it (the engine's TLS or context store, the module path).</summary>
        public IDictionary<string, string> Environment { get; set; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

        /// <summary>
        /// One line of PowerShell with no variable in it (nothing a shell could expand): Sync-OsgPilot's
        /// machine mode writes one JSON document and sets the exit code itself.
        /// </summary>
        public string Command()
        {
            var sync = new StringBuilder($"Sync-OsgPilot -ConfigPath {Literal(ConfigPath)} -Count {Count.ToString(CultureInfo.InvariantCulture)} -MaxImageAgeHours {MaxImageAgeHours.ToString(CultureInfo.InvariantCulture)}");
            if (!string.IsNullOrEmpty(DockerHost)) sync.Append(" -DockerHost ").Append(Literal(DockerHost));
            if (!string.IsNullOrEmpty(Context)) sync.Append(" -Context ").Append(Literal(Context));
            if (!string.IsNullOrEmpty(MetricsPath)) sync.Append(" -MetricsPath ").Append(Literal(MetricsPath));
            if (!string.IsNullOrEmpty(StateDirectory)) sync.Append(" -StateDirectory ").Append(Literal(StateDirectory));
            // Its outcomes stay a series while the schedule exists, pilots or none, and Unregister retires them by this name.
            sync.Append(" -ScheduleName ").Append(Literal(Name));
            return $"Import-Module {Literal(Module)}; {sync} -AsJson";
        }

        public IReadOnlyList<string> Arguments() => Shell.Concat(new[] { "-NoProfile", "-NonInteractive", "-Command", Command() }).ToList();

        public string SystemdService() => string.Join("\n", new[]
        {
            ScheduleRemoval.Header + " Runs Sync-OsgPilot once; the timer repeats it.",
            "[Unit]",
            $"Description=OsgPilot: keep {Count} OSPool pilot(s) of {SystemdText(ConfigPath)} in sync",
            "Wants=network-online.target",
            "After=network-online.target docker.service",
            "",
            "[Service]",
            "Type=oneshot",
            // No colour, no telemetry or update check at start-up, no diagnostic pipes left in /tmp by a
            // run the timeout kills; HOME for PowerShell's own cache (%h: root's home).
            "Environment=NO_COLOR=1 TERM=dumb HOME=%h POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off DOTNET_EnableDiagnostics=0",
        }.Concat(Environment.Select(kv => "Environment=" + SystemdQuote(kv.Key + "=" + kv.Value))).Concat(new[]
        {
            // A pull of the pilot image can take a while; a hung run must still end.
            "TimeoutStartSec=1h",
            "ExecStart=" + string.Join(" ", Arguments().Select(SystemdQuote)),
            "",
        }));

        public string SystemdTimer() => string.Join("\n", new[]
        {
            ScheduleRemoval.Header,
            "[Unit]",
            $"Description=OsgPilot: run {SystemdText(Name)}.service every {Minutes()} minute(s)",
            "",
            "[Timer]",
            "OnBootSec=2min",
            $"OnUnitActiveSec={Minutes()}min",
            "RandomizedDelaySec=30s",
            $"Unit={Name}.service",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        });

        /// <summary>A Task Scheduler definition (schtasks /Create /XML): every Interval, as SYSTEM, never two at once.</summary>
        public string WindowsTask()
        {
            IReadOnlyList<string> args = Arguments();
            string exe = args[0];
            string rest = string.Join(" ", args.Skip(1).Select(WindowsQuote));
            return "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n" +
                   "<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n" +
                   $"  <RegistrationInfo><Description>{Xml($"OsgPilot: keep {Count} OSPool pilot(s) of {ConfigPath} in sync")}</Description></RegistrationInfo>\n" +
                   "  <Triggers><TimeTrigger><StartBoundary>2000-01-01T00:00:00</StartBoundary><Enabled>true</Enabled>" +
                   $"<Repetition><Interval>PT{Minutes()}M</Interval><StopAtDurationEnd>false</StopAtDurationEnd></Repetition></TimeTrigger></Triggers>\n" +
                   "  <Principals><Principal id=\"Author\"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal></Principals>\n" +
                   "  <Settings><MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy><ExecutionTimeLimit>PT1H</ExecutionTimeLimit>" +
                   "<StartWhenAvailable>true</StartWhenAvailable><Enabled>true</Enabled></Settings>\n" +
                   $"  <Actions Context=\"Author\"><Exec><Command>{Xml(exe)}</Command><Arguments>{Xml(rest)}</Arguments></Exec></Actions>\n" +
                   "</Task>\n";
        }

        private string Minutes() => ((int)Interval.TotalMinutes).ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// A PowerShell single-quoted literal, escaped by the language's own rule: every character
        /// PowerShell takes as a single quote (' and U+2018 to U+201B) is doubled, so none ends it.
        /// </summary>
        internal static string Literal(string s) => "'" + System.Management.Automation.Language.CodeGeneration.EscapeSingleQuotedStringContent(s) + "'";

        /// <summary>Text in a unit's Description: % doubled, so systemd expands no specifier (%h, %n, ...) in it.</summary>
        private static string SystemdText(string s) => s.Replace("%", "%%");

        /// <summary>
        /// Refuses what no unit line can carry (a control character: a line break would start a new
        /// directive), then checks the written command with PowerShell's own parser: it must be exactly
        /// Import-Module of the module and one Sync-OsgPilot with constant arguments equal to the values
        /// given, so nothing passed in can add a command.
        /// </summary>
        public void Validate()
        {
            var values = new List<(string What, string Value)>
            {
                ("-Name", Name), ("-ConfigPath", ConfigPath), ("the module", Module), ("-DockerHost", DockerHost), ("-Context", Context),
                ("-MetricsPath", MetricsPath), ("-StateDirectory", StateDirectory),
            };
            values.AddRange((Shell ?? new string[0]).Select(a => ("the PowerShell path", a)));
            values.AddRange(Environment.Select(kv => ($"the variable {kv.Key}", kv.Key + "=" + kv.Value)));
            foreach ((string what, string value) in values)
            {
                if (value != null && value.Any(c => char.IsControl(c) || c == '\u2028' || c == '\u2029'))
                {
                    throw new Errors.OsgPilotException(Errors.ErrorIds.InvalidScheduleValue, System.Management.Automation.ErrorCategory.InvalidArgument,
                        $"{what} has a control character (a line break, a tab, ...); a unit file cannot carry it, so no schedule was written.", what);
                }
            }
            ScheduleCommandCheck.Verify(Command(), this);
        }

        /// <summary>systemd's ExecStart quoting: double quotes, backslash escapes, and $ and % doubled (no expansion).</summary>
        internal static string SystemdQuote(string arg) =>
            "\"" + arg.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("$", "$$").Replace("%", "%%") + "\"";

        /// <summary>Windows command-line quoting (CommandLineToArgvW rules).</summary>
        internal static string WindowsQuote(string arg)
        {
            var b = new StringBuilder("\"");
            int slashes = 0;
            foreach (char c in arg)
            {
                if (c == '\\') { slashes++; continue; }
                b.Append('\\', c == '"' ? slashes * 2 + 1 : slashes);
                slashes = 0;
                b.Append(c);
            }
            return b.Append('\\', slashes * 2).Append('"').ToString();
        }

        private static string Xml(string s) => SecurityElement.Escape(s);
    }
}

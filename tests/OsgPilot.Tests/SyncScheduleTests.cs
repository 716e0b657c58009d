using System;
using System.Collections.Generic;
using System.Linq;
using OsgPilot.Docker;
using OsgPilot.Launch;
using OsgPilot.Schedule;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class SyncScheduleTests
    {
        private static SyncSchedule Schedule() => new SyncSchedule
        {
            Name = "osgpilot-sync-x", ConfigPath = "/etc/osg/it's 100% pilot.json",
            Count = 4, MaxImageAgeHours = 72, Interval = TimeSpan.FromMinutes(5), Shell = new[] { "/usr/bin/pwsh" },
        };

        [Fact]
        public void The_command_is_the_machine_mode_with_no_variable_for_a_shell_to_expand()
        {
            string cmd = Schedule().Command();
            Assert.Equal("Import-Module 'OsgPilot'; Sync-OsgPilot -ConfigPath '/etc/osg/it''s 100% pilot.json' -Count 4 -MaxImageAgeHours 72 -ScheduleName 'osgpilot-sync-x' -AsJson", cmd);
            Assert.DoesNotContain("$", cmd);
        }

        [Fact]
        public void The_command_keeps_the_metrics_file_and_state_directory_it_was_given()
        {
            SyncSchedule s = Schedule();
            s.MetricsPath = "/var/lib/prometheus/node-exporter/o'sg.prom";
            s.StateDirectory = "/srv/osgpilot state";
            Assert.EndsWith("-MaxImageAgeHours 72 -MetricsPath '/var/lib/prometheus/node-exporter/o''sg.prom' -StateDirectory '/srv/osgpilot state' -ScheduleName 'osgpilot-sync-x' -AsJson", s.Command());
        }

        [Fact]
        public void The_command_names_the_engine_by_address_or_by_context()
        {
            SyncSchedule byHost = Schedule();
            byHost.DockerHost = "ssh://osg@node01.example.edu";
            Assert.Contains("-MaxImageAgeHours 72 -DockerHost 'ssh://osg@node01.example.edu' -ScheduleName 'osgpilot-sync-x' -AsJson", byHost.Command());
            SyncSchedule byContext = Schedule();
            byContext.Context = "node01";
            Assert.Contains("-MaxImageAgeHours 72 -Context 'node01' -ScheduleName 'osgpilot-sync-x' -AsJson", byContext.Command());
        }

        [Fact]
        public void ExecStart_escapes_what_systemd_would_expand()
        {
            string service = Schedule().SystemdService();
            string exec = service.Split('\n').Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
            Assert.StartsWith("ExecStart=\"/usr/bin/pwsh\" \"-NoProfile\" \"-NonInteractive\" \"-Command\" \"Import-Module 'OsgPilot'; Sync-OsgPilot", exec);
            Assert.Contains("100%% pilot.json", exec);
            Assert.Contains("Type=oneshot", service);
        }

        [Fact]
        public void The_unit_carries_the_registering_session_s_engine_settings_and_no_diagnostic_pipes()
        {
            SyncSchedule schedule = Schedule();
            schedule.Environment["DOCKER_CONFIG"] = "/root/.docker";
            schedule.Environment["PSModulePath"] = "/usr/local/share/powershell/Modules";
            string[] lines = schedule.SystemdService().Split('\n');
            Assert.Contains("Environment=\"DOCKER_CONFIG=/root/.docker\"", lines);
            Assert.Contains("Environment=\"PSModulePath=/usr/local/share/powershell/Modules\"", lines);
            Assert.Contains(lines, l => l.StartsWith("Environment=NO_COLOR=1 ", StringComparison.Ordinal) && l.Contains("DOTNET_EnableDiagnostics=0") && l.Contains("HOME=%h"));
        }

        [Fact]
        public void The_timer_repeats_the_service()
        {
            string timer = Schedule().SystemdTimer();
            Assert.Contains("OnUnitActiveSec=5min", timer);
            Assert.Contains("Unit=osgpilot-sync-x.service", timer);
            Assert.Contains("WantedBy=timers.target", timer);
        }

        [Fact]
        public void The_windows_task_is_well_formed_xml_repeating_every_interval()
        {
            var doc = System.Xml.Linq.XDocument.Parse(Schedule().WindowsTask());
            System.Xml.Linq.XNamespace ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";
            Assert.Equal("PT5M", doc.Descendants(ns + "Interval").Single().Value);
            Assert.Equal("IgnoreNew", doc.Descendants(ns + "MultipleInstancesPolicy").Single().Value);
            Assert.Equal("/usr/bin/pwsh", doc.Descendants(ns + "Command").Single().Value);
            Assert.StartsWith("\"-NoProfile\" \"-NonInteractive\" \"-Command\"", doc.Descendants(ns + "Arguments").Single().Value);
        }

        [Theory]
        [InlineData("plain", "\"plain\"")]
        [InlineData("a \"b\"", "\"a \\\"b\\\"\"")]
        [InlineData("C:\\dir\\", "\"C:\\dir\\\\\"")]
        public void Windows_arguments_follow_CommandLineToArgvW(string arg, string quoted) => Assert.Equal(quoted, SyncSchedule.WindowsQuote(arg));

        [Theory]
        [InlineData("a b/c", "osgpilot-sync-a-b-c")]
        [InlineData("osgpilot-NEWCOMER-Backfill", "osgpilot-sync-NEWCOMER-Backfill")]
        [InlineData("OsgPilot-x", "osgpilot-sync-x")]
        [InlineData("osgpilot-", "osgpilot-sync-osgpilot-")]
        [InlineData("osgpilotx", "osgpilot-sync-osgpilotx")]
        public void Unit_names_keep_only_what_systemd_allows_and_say_osgpilot_once(string config, string unit) => Assert.Equal(unit, ScheduleNames.Default(config));

        [Fact]
        public void The_earlier_default_name_is_known_so_a_schedule_registered_under_it_keeps_it() =>
            Assert.Equal("osgpilot-sync-osgpilot-NEWCOMER-Backfill", ScheduleNames.Legacy("osgpilot-NEWCOMER-Backfill"));
    }
}

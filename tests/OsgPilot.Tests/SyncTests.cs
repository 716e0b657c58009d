using System;
using System.Collections.Generic;
using System.Linq;
using OsgPilot.Docker;
using OsgPilot.Launch;
using OsgPilot.Schedule;
using OsgPilot.Sync;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class SyncPlannerTests
    {
        private const string A = "sha256:a", B = "sha256:b";

        private static ContainerSpec[] Desired(int count) =>
            Enumerable.Range(1, count).Select(i => new ContainerSpec { Name = "p-" + i, ConfigHash = "h" }).ToArray();

        private static PilotContainer Pilot(int i, string state = "running", string image = A, string hash = "h", bool managed = true) => new PilotContainer
        {
            Id = "id" + i, Name = "p-" + i, State = state, Status = state == "running" ? "Up" : "Exited (0)", ImageId = image,
            Labels = managed ? new Dictionary<string, string> { [PilotLabels.Managed] = "true", [PilotLabels.ConfigHash] = hash } : new Dictionary<string, string>(),
        };

        private static string[] Actions(IEnumerable<SyncStep> steps) => steps.Select(s => s.Name + "=" + s.Action).ToArray();

        [Fact]
        public void Creates_what_is_missing_and_leaves_what_is_current()
        {
            var steps = SyncPlanner.Plan(Desired(3), new[] { Pilot(1) }, "p", A, new HashSet<string>(), 1, false);
            Assert.Equal(new[] { "p-1=None", "p-2=Created", "p-3=Created" }, Actions(steps));
            Assert.Equal(new[] { false, true, true }, steps.Select(s => s.Changes));
        }

        [Theory]
        [InlineData("exited")]
        [InlineData("created")]
        [InlineData("restarting")]
        [InlineData("dead")]
        public void Replaces_a_pilot_that_is_not_up_whatever_its_image(string state)
        {
            var steps = SyncPlanner.Plan(Desired(1), new[] { Pilot(1, state, image: A) }, "p", A, new HashSet<string>(), 1, false);
            Assert.Equal(SyncAction.Replaced, Assert.Single(steps).Action);
        }

        [Fact]
        public void Drains_outdated_pilots_at_most_MaxDraining_at_a_time_counting_those_already_draining()
        {
            PilotContainer[] pilots = { Pilot(1), Pilot(2), Pilot(3, hash: "old"), Pilot(4) };
            var steps = SyncPlanner.Plan(Desired(4), pilots, "p", B, new HashSet<string> { "id1" }, 2, false);
            Assert.Equal(new[] { "p-1=Draining", "p-2=Draining", "p-3=None", "p-4=None" }, Actions(steps));
            Assert.Equal(new[] { false, true, false, false }, steps.Select(s => s.Changes));
            Assert.Contains("drain slot (-MaxDraining 2)", steps[2].Reason);
            Assert.Contains("older configuration", steps[2].Reason);
            Assert.Contains("older image", steps[3].Reason);
        }

        [Fact]
        public void Force_replaces_outdated_pilots_at_once()
        {
            var steps = SyncPlanner.Plan(Desired(2), new[] { Pilot(1), Pilot(2, image: B) }, "p", B, new HashSet<string>(), 1, true);
            Assert.Equal(new[] { "p-1=Replaced", "p-2=None" }, Actions(steps));
        }

        [Fact]
        public void Surplus_pilots_are_drained_then_removed_and_other_containers_are_not_ours()
        {
            var other = new PilotContainer { Id = "x", Name = "p-extra", State = "running", Labels = new Dictionary<string, string> { [PilotLabels.Managed] = "true" } };
            var steps = SyncPlanner.Plan(Desired(1), new[] { Pilot(1), Pilot(2), Pilot(3, "exited"), Pilot(4) }.Concat(new[] { other }).Where(p => SyncPlanner.IsInstanceOf(p.Name, "p")).ToList(),
                "p", A, new HashSet<string> { "id4" }, 1, false);
            Assert.Equal(new[] { "p-1=None", "p-2=Draining", "p-3=Removed", "p-4=Draining" }, Actions(steps));
            Assert.Equal(new[] { false, true, true, false }, steps.Select(s => s.Changes));
        }

        [Fact]
        public void A_container_that_is_not_a_pilot_is_a_failure_never_touched()
        {
            var step = Assert.Single(SyncPlanner.Plan(Desired(1), new[] { Pilot(1, managed: false) }, "p", A, new HashSet<string>(), 1, false));
            Assert.Equal(SyncAction.Failed, step.Action);
            Assert.False(step.Changes);
        }

        [Theory]
        [InlineData("p", true)]
        [InlineData("p-1", true)]
        [InlineData("p-256", true)]
        [InlineData("p-0", false)]
        [InlineData("p-x", false)]
        [InlineData("p-1-2", false)]
        [InlineData("px", false)]
        public void Instances_are_the_stem_or_stem_dash_number(string name, bool expected) => Assert.Equal(expected, SyncPlanner.IsInstanceOf(name, "p"));

        [Theory]
        [InlineData(1, 1)]
        [InlineData(4, 1)]
        [InlineData(8, 2)]
        [InlineData(20, 5)]
        public void The_default_drain_budget_is_a_quarter_of_the_count(int count, int expected) => Assert.Equal(expected, SyncPlanner.DefaultMaxDraining(count));

        [Fact]
        public void Only_outdated_running_pilots_and_surplus_ones_are_asked_about_draining()
        {
            var asked = SyncPlanner.NeedingDrainState(Desired(2), new[] { Pilot(1), Pilot(2, image: A), Pilot(3), Pilot(5, "exited") }, "p", B).Select(p => p.Name);
            Assert.Equal(new[] { "p-1", "p-2", "p-3" }, asked);
            Assert.Empty(SyncPlanner.NeedingDrainState(Desired(2), new[] { Pilot(1, image: B), Pilot(2, image: B) }, "p", B));
        }
    }

    public sealed class SyncScheduleTests
    {
        private static SyncSchedule Schedule() => new SyncSchedule
        {
            Name = "osgpilot-sync-x", ConfigPath = "/etc/osg/it's 100% pilot.json", ModulePath = "/opt/OsgPilot/OsgPilot.psd1",
            Count = 4, MaxImageAgeHours = 72, Interval = TimeSpan.FromMinutes(5), Shell = new[] { "/usr/bin/pwsh" },
        };

        [Fact]
        public void The_command_prints_json_only_and_exits_1_on_failure()
        {
            string cmd = Schedule().Command();
            Assert.Contains("$WarningPreference = 'SilentlyContinue'", cmd);
            Assert.Contains("Import-OsgPilotConfig -Path '/etc/osg/it''s 100% pilot.json' | Sync-OsgPilot -Count 4 -MaxImageAgeHours 72", cmd);
            Assert.Contains("exit [int]$failed", cmd);
            Assert.DoesNotContain("-DockerHost", cmd);
            Assert.DoesNotContain("-Context", cmd);
        }

        [Fact]
        public void The_command_names_the_engine_by_address_or_by_context()
        {
            SyncSchedule byHost = Schedule();
            byHost.DockerHost = "ssh://osg@node01.example.edu";
            Assert.Contains("Sync-OsgPilot -Count 4 -MaxImageAgeHours 72 -DockerHost 'ssh://osg@node01.example.edu'", byHost.Command());
            SyncSchedule byContext = Schedule();
            byContext.Context = "node01";
            Assert.Contains("Sync-OsgPilot -Count 4 -MaxImageAgeHours 72 -Context 'node01'", byContext.Command());
        }

        [Fact]
        public void ExecStart_escapes_what_systemd_would_expand()
        {
            string service = Schedule().SystemdService();
            string exec = service.Split('\n').Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
            Assert.StartsWith("ExecStart=\"/usr/bin/pwsh\" \"-NoProfile\" \"-NonInteractive\" \"-Command\" \"$$ErrorActionPreference", exec);
            Assert.Contains("100%% pilot.json", exec);
            Assert.DoesNotContain(" $r ", exec);
            Assert.Contains("Type=oneshot", service);
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

        [Fact]
        public void Unit_names_keep_only_what_systemd_allows() => Assert.Equal("osgpilot-sync-a-b-c", SyncSchedule.DefaultName("a b/c"));
    }
}

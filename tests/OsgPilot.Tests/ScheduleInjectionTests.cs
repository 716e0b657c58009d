using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation.Language;
using OsgPilot.Errors;
using OsgPilot.Schedule;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>Nothing passed to Register-OsgPilotSchedule can add a command to a unit, or a directive to it.</summary>
    public sealed class ScheduleInjectionTests
    {
        private static SyncSchedule Schedule(Action<SyncSchedule> change)
        {
            var s = new SyncSchedule { Name = "osgpilot-sync-x", ConfigPath = "/etc/osg/pilot.json", Count = 2, MaxImageAgeHours = 72, Interval = TimeSpan.FromMinutes(5), Shell = new[] { "/usr/local/bin/pwsh" } };
            change(s);
            return s;
        }

        public static IEnumerable<object[]> Quotes() => new[] { "'", "\u2018", "\u2019", "\u201A", "\u201B" }.Select(q => new object[] { q });

        [Theory]
        [MemberData(nameof(Quotes))]
        public void Every_kind_of_single_quote_stays_inside_its_string(string quote)
        {
            string evil = $"/x/st{quote}; New-Item -ItemType File /x/PWNED; #";
            foreach (Action<SyncSchedule, string> set in new Action<SyncSchedule, string>[]
            {
                (s, v) => s.ConfigPath = v, (s, v) => s.StateDirectory = v, (s, v) => s.MetricsPath = v + ".prom",
                (s, v) => s.DockerHost = "unix://" + v, (s, v) => s.Context = v,
            })
            {
                SyncSchedule s = Schedule(x => set(x, evil));
                s.Validate();   // reads back as given: one Import-Module, one Sync-OsgPilot
                ScriptBlockAst ast = Parser.ParseInput(s.Command(), out _, out ParseError[] errors);
                Assert.Empty(errors);
                Assert.Equal(2, ast.EndBlock.Statements.Count);
                Assert.DoesNotContain(ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>(), c => c.GetCommandName() == "New-Item");
            }
        }

        [Theory]
        [InlineData("/x/a\nb.json")]
        [InlineData("/x/a\rb.json")]
        [InlineData("/x/a\u2028b.json")]
        [InlineData("/x/a\0b.json")]
        [InlineData("/x/a\tb.json")]
        public void A_control_character_in_any_value_is_refused_before_a_unit_is_written(string path)
        {
            var e = Assert.Throws<OsgPilotException>(() => Schedule(s => s.ConfigPath = path).Validate());
            Assert.Equal(ErrorIds.InvalidScheduleValue, e.ErrorId);
            Assert.Equal(ErrorIds.InvalidScheduleValue, Assert.Throws<OsgPilotException>(() => Schedule(s => s.StateDirectory = path).Validate()).ErrorId);
            Assert.Equal(ErrorIds.InvalidScheduleValue, Assert.Throws<OsgPilotException>(() => Schedule(s => s.Environment["DOCKER_CERT_PATH"] = path).Validate()).ErrorId);
        }

        [Fact]
        public void Percent_signs_are_never_systemd_specifiers()
        {
            SyncSchedule s = Schedule(x => { x.ConfigPath = "/etc/osg/%h %n.json"; x.Name = "osgpilot-sync-%n"; });
            s.Validate();
            string service = s.SystemdService(), timer = s.SystemdTimer();
            Assert.Contains("Description=OsgPilot: keep 2 OSPool pilot(s) of /etc/osg/%%h %%n.json in sync", service);
            Assert.Contains("osgpilot-sync-%%n.service every", timer);
            Assert.DoesNotContain(service.Split('\n').Where(l => l.StartsWith("ExecStart=")), l => System.Text.RegularExpressions.Regex.IsMatch(l, "(?<!%)%[hn](?!%)"));
        }

        [Fact]
        public void A_link_planted_where_the_temporary_unit_file_went_is_not_followed()
        {
            string dir = Path.Combine(Path.GetTempPath(), "osgpilot-units-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string victim = Path.Combine(dir, "victim");
                File.WriteAllText(victim, "keep");
                // The old predictable name: a link there no longer matters, as the name is not used.
                File.CreateSymbolicLink(Path.Combine(dir, "x.service.osgpilot-tmp"), victim);
                UnitFiles.WriteAll(new Dictionary<string, string> { [Path.Combine(dir, "x.service")] = "[Unit]\n" });
                Assert.Equal("keep", File.ReadAllText(victim));
                Assert.Equal("[Unit]\n", File.ReadAllText(Path.Combine(dir, "x.service")));
                Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
            }
            finally { Directory.Delete(dir, true); }
        }
    }
}

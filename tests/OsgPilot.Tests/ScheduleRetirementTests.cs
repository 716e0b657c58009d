using System;
using System.IO;
using System.Linq;
using OsgPilot.Errors;
using OsgPilot.Metrics;
using OsgPilot.Schedule;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>
    /// Which sync outcomes stay a series (something still runs the config), what Unregister retires
    /// (the outcomes its schedule recorded, on every engine, nothing else), and which unit files it
    /// may touch (only Register's).
    /// </summary>
    public sealed class ScheduleRetirementTests : IDisposable
    {
        private readonly string _state = Directory.CreateTempSubdirectory("osgpilot-retire-").FullName;
        private static readonly DateTime At = new DateTime(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc);

        public void Dispose() => Directory.Delete(_state, true);

        [Fact]
        public void An_outcome_by_hand_is_a_series_only_while_the_config_has_pilots_and_a_scheduled_one_always()
        {
            SyncStatusStore.Record(_state, "unix:///a.sock", "byhand", false, At);
            SyncStatusStore.Record(_state, "unix:///a.sock", "scheduled", false, At, "osgpilot-sync-scheduled");
            var all = SyncStatusStore.ReadAll(_state, "unix:///a.sock");
            Assert.Equal(new[] { "osgpilot-sync-scheduled" }, all.Select(s => s.Schedule).Where(s => s != null));

            Assert.Equal(new[] { "scheduled" }, SyncStatusStore.Live(all, new string[0]).Select(s => s.Config));
            Assert.Equal(new[] { "byhand", "scheduled" }, SyncStatusStore.Live(all, new[] { "byhand-2" }).Select(s => s.Config).OrderBy(c => c, StringComparer.Ordinal));
            // Another config whose name starts the same is not its pilot.
            Assert.Equal(new[] { "scheduled" }, SyncStatusStore.Live(all, new[] { "byhandother" }).Select(s => s.Config));
        }

        [Fact]
        public void A_status_file_of_the_earlier_format_reads_as_a_run_by_hand()
        {
            SyncStatusStore.Record(_state, "unix:///a.sock", "old", true, At);
            string file = Directory.GetFiles(Path.Combine(_state, "sync"), "old.status", SearchOption.AllDirectories).Single();
            string[] fields = File.ReadAllText(file).TrimEnd('\n').Split('\t');
            File.WriteAllText(file, string.Join("\t", fields.Take(5)) + "\n");
            SyncStatus read = Assert.Single(SyncStatusStore.ReadAll(_state, "unix:///a.sock"));
            Assert.Null(read.Schedule);
            Assert.True(read.Succeeded);
        }

        [Fact]
        public void Retire_removes_the_schedules_outcomes_on_every_engine_and_nothing_else_and_a_dry_run_removes_none()
        {
            SyncStatusStore.Record(_state, "unix:///a.sock", "c", true, At, "osgpilot-sync-c");
            SyncStatusStore.Record(_state, "ssh://b", "c", false, At, "osgpilot-sync-c");
            SyncStatusStore.Record(_state, "ssh://b", "d", false, At, "osgpilot-sync-d");
            SyncStatusStore.Record(_state, "ssh://b", "e", false, At);

            Assert.Equal(2, SyncStatusStore.Retire(_state, "osgpilot-sync-c", dryRun: true).Count);
            Assert.Equal(4, Directory.GetFiles(_state, "*.status", SearchOption.AllDirectories).Length);

            var retired = SyncStatusStore.Retire(_state, "osgpilot-sync-c");
            Assert.Equal(2, retired.Count);
            Assert.All(retired, f => Assert.EndsWith("c.status", f));
            Assert.Equal(new[] { "d.status", "e.status" }, Directory.GetFiles(_state, "*.status", SearchOption.AllDirectories).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
            Assert.Empty(SyncStatusStore.Retire(_state, "osgpilot-sync-c"));
            Assert.Empty(SyncStatusStore.Retire(Path.Combine(_state, "none"), "osgpilot-sync-c"));
        }

        [Fact]
        public void Only_units_Register_wrote_are_taken_back_and_a_foreign_one_stops_everything()
        {
            var schedule = new SyncSchedule { Name = "osgpilot-sync-c", ConfigPath = "/etc/osg/c.json", Count = 1, MaxImageAgeHours = 72, Interval = TimeSpan.FromMinutes(5), Shell = new[] { "/usr/bin/pwsh" } };
            var removal = new ScheduleRemoval("osgpilot-sync-c", _state);
            Assert.Empty(removal.ExistingUnits());
            File.WriteAllText(Path.Combine(_state, "osgpilot-sync-c.service"), schedule.SystemdService());
            File.WriteAllText(Path.Combine(_state, "osgpilot-sync-c.timer"), schedule.SystemdTimer());
            Assert.Equal(new[] { "osgpilot-sync-c.timer", "osgpilot-sync-c.service" }, removal.ExistingUnits().Select(Path.GetFileName));

            File.WriteAllText(Path.Combine(_state, "osgpilot-sync-c.timer"), "[Unit]\nDescription=a site's own timer\n");
            OsgPilotException e = Assert.Throws<OsgPilotException>(() => removal.ExistingUnits());
            Assert.Equal(ErrorIds.ScheduleNotOurs, e.ErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.InvalidOperation, e.Category);
            Assert.Contains("was not written by Register-OsgPilotSchedule", e.Message);
        }

        [Theory]
        [InlineData("/etc/systemd/system", true, true)]
        [InlineData("/etc/systemd/system/", true, true)]
        [InlineData("/lib/systemd/system", true, true)]
        [InlineData("/etc/systemd/system", false, false)]
        [InlineData("/tmp/units", true, false)]
        public void Systemctl_is_run_only_where_systemd_runs_and_reads_the_directory(string dir, bool booted, bool manages) =>
            Assert.Equal(manages, new ScheduleRemoval("x", dir).SystemdManages(d => booted && d == "/run/systemd/system"));
    }
}

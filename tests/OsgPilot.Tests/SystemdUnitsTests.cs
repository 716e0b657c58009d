using System;
using System.IO;
using System.Linq;
using OsgPilot.Errors;
using OsgPilot.Schedule;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>Register's decision on a unit directory: what differs, what may be replaced, and that a second write changes nothing.</summary>
    public sealed class SystemdUnitsTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("osgpilot-units-").FullName;

        public void Dispose() => Directory.Delete(_dir, true);

        private static SyncSchedule Schedule(int count) => new SyncSchedule
        {
            Name = "osgpilot-sync-c", ConfigPath = "/etc/osg/c.json", Count = count, MaxImageAgeHours = 72, Interval = TimeSpan.FromMinutes(5), Shell = new[] { "/usr/bin/pwsh" },
        };

        [Fact]
        public void New_units_are_written_once_and_another_schedule_of_the_name_needs_force()
        {
            var units = new SystemdUnits(Schedule(2), _dir);
            Assert.Equal(2, units.Differing().Count);
            units.RefuseToReplace(units.Differing(), force: false);
            units.Write(units.Differing());
            Assert.Empty(units.Differing());

            var other = new SystemdUnits(Schedule(3), _dir);
            // The timer's text does not depend on the count: only the service differs.
            Assert.Equal(new[] { Path.Combine(_dir, "osgpilot-sync-c.service") }, other.Differing());
            OsgPilotException e = Assert.Throws<OsgPilotException>(() => other.RefuseToReplace(other.Differing(), force: false));
            Assert.Equal(ErrorIds.ScheduleExists, e.ErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.ResourceExists, e.Category);
            other.RefuseToReplace(other.Differing(), force: true);
            Assert.Equal("systemctl daemon-reload && systemctl enable --now osgpilot-sync-c.timer", other.EnableCommand);
        }

        [Fact]
        public void A_missing_unit_directory_is_an_error_naming_it()
        {
            string missing = Path.Combine(_dir, "none");
            OsgPilotException e = Assert.Throws<OsgPilotException>(() => new SystemdUnits(Schedule(1), missing));
            Assert.Equal(ErrorIds.ScheduleWriteFailed, e.ErrorId);
            Assert.Contains(missing, e.Message);
        }
    }
}

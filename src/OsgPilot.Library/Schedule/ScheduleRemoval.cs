using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using OsgPilot.Errors;

namespace OsgPilot.Schedule
{
    /// <summary>
    /// The systemd side of what Unregister-OsgPilotSchedule takes back: the timer (stopped and disabled
    /// first, so no run starts from a half-removed schedule) and the two unit files. Only what Register
    /// wrote is touched: a unit of the same name without its header is refused.
    /// </summary>
    internal sealed class ScheduleRemoval
    {
        /// <summary>The first line of every unit Register-OsgPilotSchedule writes.</summary>
        public const string Header = "# Written by Register-OsgPilotSchedule (OsgPilot).";

        /// <summary>Where systemd looks for system units (systemd.unit(5)); a unit elsewhere is unknown to it.</summary>
        private static readonly string[] SystemdUnitDirectories =
        {
            "/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system",
        };

        public ScheduleRemoval(string name, string unitDirectory)
        {
            Name = name;
            UnitDirectory = unitDirectory;
        }

        public string Name { get; }
        public string UnitDirectory { get; }

        /// <summary>The timer first: once it is gone no run can start while the service goes.</summary>
        public IReadOnlyList<string> UnitPaths => new[] { Path.Combine(UnitDirectory, Name + ".timer"), Path.Combine(UnitDirectory, Name + ".service") };

        /// <summary>The unit files there are, each checked to be Register's; anything else of the name is refused before anything is removed.</summary>
        public IReadOnlyList<string> ExistingUnits()
        {
            var found = new List<string>();
            foreach (string path in UnitPaths)
            {
                if (Directory.Exists(path)) throw NotOurs(path, "is a directory");
                if (!File.Exists(path)) continue;
                if (!WrittenByRegister(path)) throw NotOurs(path, "was not written by Register-OsgPilotSchedule");
                found.Add(path);
            }
            return found;
        }

        /// <summary>
        /// Whether this systemd reads these units: it runs (sd_booted(3): /run/systemd/system exists) and
        /// the directory is one of its unit directories. Otherwise systemctl knows nothing of them.
        /// </summary>
        public bool SystemdManages(Func<string, bool> directoryExists) =>
            directoryExists("/run/systemd/system") &&
            SystemdUnitDirectories.Contains(Path.GetFullPath(UnitDirectory).TrimEnd('/'), StringComparer.Ordinal);

        /// <summary>What stops and disables the timer.</summary>
        public string[] DisableArguments() => new[] { "disable", "--now", Name + ".timer" };

        /// <summary>The same, as a line a person runs where systemd reads the units but not from here.</summary>
        public string DisableCommand() => "systemctl " + string.Join(" ", DisableArguments()) + " && systemctl daemon-reload";

        public void RemoveUnits(IEnumerable<string> paths)
        {
            foreach (string path in paths)
            {
                try
                {
                    File.Delete(path);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw new OsgPilotException(ErrorIds.ScheduleRemoveFailed, ErrorCategory.WriteError, $"Could not remove '{path}': {e.Message.TrimEnd('.')}.", path);
                }
            }
        }

        /// <summary>The header, read from at most the first 256 bytes: a unit directory is root's, but nothing is read whole that need not be.</summary>
        internal static bool WrittenByRegister(string path)
        {
            var buffer = new byte[256];
            int read;
            using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                read = f.Read(buffer, 0, buffer.Length);
            }
            return Encoding.UTF8.GetString(buffer, 0, read).StartsWith(Header, StringComparison.Ordinal);
        }

        private OsgPilotException NotOurs(string path, string why) =>
            new OsgPilotException(ErrorIds.ScheduleNotOurs, ErrorCategory.InvalidOperation,
                $"'{path}' {why}, so the schedule '{Name}' was left as it is: nothing was stopped or removed. Remove it yourself if it should go.", path);
    }
}

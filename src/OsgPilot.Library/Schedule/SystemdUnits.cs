using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Errors;

namespace OsgPilot.Schedule
{
    /// <summary>
    /// A schedule's service and timer in a unit directory: which of them differ from what is there, and
    /// whether those may be replaced (another schedule of the same name needs -Force).
    /// </summary>
    internal sealed class SystemdUnits
    {
        private readonly Dictionary<string, string> _files;

        public SystemdUnits(SyncSchedule schedule, string directory)
        {
            if (!Directory.Exists(directory))
            {
                throw new OsgPilotException(ErrorIds.ScheduleWriteFailed, ErrorCategory.ObjectNotFound, $"The unit directory '{directory}' does not exist.", directory);
            }
            Name = schedule.Name;
            _files = new Dictionary<string, string>
            {
                [Path.Combine(directory, schedule.Name + ".service")] = schedule.SystemdService(),
                [Path.Combine(directory, schedule.Name + ".timer")] = schedule.SystemdTimer(),
            };
        }

        public string Name { get; }
        public string[] Paths => _files.Keys.ToArray();
        public string EnableCommand => $"systemctl daemon-reload && systemctl enable --now {Name}.timer";

        /// <summary>The files that are missing or hold other text; empty when the schedule is already as asked.</summary>
        public IReadOnlyList<string> Differing() =>
            _files.Where(f => !File.Exists(f.Key) || File.ReadAllText(f.Key) != f.Value).Select(f => f.Key).ToList();

        /// <summary>Refuses to replace units that exist with other text, unless <paramref name="force"/>.</summary>
        public void RefuseToReplace(IReadOnlyList<string> differing, bool force)
        {
            string[] existing = differing.Where(f => File.Exists(f) || Directory.Exists(f)).ToArray();
            if (force || existing.Length == 0) return;
            throw new OsgPilotException(ErrorIds.ScheduleExists, ErrorCategory.ResourceExists,
                $"A schedule named '{Name}' exists with other settings ({string.Join(", ", existing)}). Use -Force to replace it, or -Name for another.", Name);
        }

        /// <summary>Writes <paramref name="differing"/> all or nothing.</summary>
        public void Write(IReadOnlyList<string> differing) => UnitFiles.WriteAll(differing.ToDictionary(f => f, f => _files[f]));
    }
}

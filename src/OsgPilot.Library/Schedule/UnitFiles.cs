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
    /// Writes a set of files all or nothing: every new text goes to a temporary file beside its target
    /// first, then each replaces its target; when one cannot, the ones already replaced get their old
    /// text back (or are removed when they are new), so a scheduler never sees half a schedule.
    /// </summary>
    internal static class UnitFiles
    {
        public static void WriteAll(IReadOnlyDictionary<string, string> files)
        {
            var temps = new List<string>();
            var done = new List<(string Path, string Old)>();
            try
            {
                var tempOf = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (KeyValuePair<string, string> f in files)
                {
                    // An unpredictable name, created new (O_EXCL: a link planted there is not followed, the open fails).
                    string temp = f.Key + ".osgpilot-" + Guid.NewGuid().ToString("N") + ".tmp";
                    using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                    {
                        temps.Add(temp);
                        byte[] bytes = new UTF8Encoding(false).GetBytes(f.Value);
                        stream.Write(bytes, 0, bytes.Length);
                    }
                    tempOf[f.Key] = temp;
                }
                foreach (KeyValuePair<string, string> f in files)
                {
                    string old = File.Exists(f.Key) ? File.ReadAllText(f.Key) : null;
                    if (Directory.Exists(f.Key)) throw new IOException($"'{f.Key}' is a directory.");
                    if (old != null) File.Delete(f.Key);
                    File.Move(tempOf[f.Key], f.Key);
                    done.Add((f.Key, old));
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                foreach ((string path, string old) in done) Restore(path, old);
                foreach (string temp in temps) TryDelete(temp);
                throw new OsgPilotException(ErrorIds.ScheduleWriteFailed, ErrorCategory.WriteError,
                    $"Could not write the schedule ({e.Message}); no unit file was changed.", string.Join(", ", files.Keys));
            }
        }

        private static void Restore(string path, string old)
        {
            try
            {
                if (old == null) File.Delete(path);
                else File.WriteAllText(path, old, new UTF8Encoding(false));
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}

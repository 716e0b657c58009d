using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace OsgPilot.Preflight
{
    /// <summary>Reads /proc/self/mountinfo to tell which mount holds a path and whether it propagates shared.</summary>
    internal sealed class MountTable
    {
        internal sealed class Entry
        {
            public string MountPoint { get; set; }
            public bool Shared { get; set; }
            public string Propagation { get; set; }
        }

        private readonly List<Entry> _entries;

        private MountTable(List<Entry> entries) => _entries = entries;

        public static MountTable ReadCurrent() => Parse(File.ReadAllText("/proc/self/mountinfo"));

        /// <summary>mountinfo: "id parent major:minor root mountpoint options [optional fields...] - fstype source superopts".</summary>
        public static MountTable Parse(string mountinfo)
        {
            var entries = new List<Entry>();
            foreach (string line in mountinfo.Split('\n'))
            {
                string[] f = line.Split(' ');
                int dash = Array.IndexOf(f, "-");
                if (f.Length < 7 || dash < 6) continue;
                string[] optional = f.Skip(6).Take(dash - 6).ToArray();
                bool shared = optional.Any(o => o.StartsWith("shared:", StringComparison.Ordinal));
                entries.Add(new Entry
                {
                    MountPoint = Unescape(f[4]),
                    Shared = shared,
                    Propagation = shared ? "shared" : optional.Any(o => o.StartsWith("master:", StringComparison.Ordinal)) ? "slave" : "private",
                });
            }
            return new MountTable(entries);
        }

        /// <summary>The mount a path lives on: the longest mount-point prefix, the last one mounted winning.</summary>
        public Entry MountOf(string path)
        {
            string p = path.Length > 1 ? path.TrimEnd('/') : path;
            Entry best = null;
            foreach (Entry e in _entries)
            {
                bool contains = e.MountPoint == "/" || p == e.MountPoint || p.StartsWith(e.MountPoint + "/", StringComparison.Ordinal);
                if (contains && (best == null || e.MountPoint.Length >= best.MountPoint.Length)) best = e;
            }
            return best;
        }

        // mountinfo escapes space, tab, newline and backslash as octal.
        private static string Unescape(string s) =>
            s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");
    }
}

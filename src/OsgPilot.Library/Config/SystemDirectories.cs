using System;
using System.Linq;

namespace OsgPilot.Config
{
    /// <summary>
    /// Host directories a pilot must never get read-write: the pilot (and whatever a job escapes to)
    /// could change the host's system there. A pilot directory is one of its own, such as /var/lib/osg-pilot.
    /// </summary>
    internal static class SystemDirectories
    {
        /// <summary>These and everything under them.</summary>
        private static readonly string[] Trees =
        {
            "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/sbin", "/sys", "/usr",
            "/var/lib/docker", "/var/lib/containerd", "/run/docker", "/cvmfs",
        };

        /// <summary>These themselves (their subdirectories are where a pilot directory usually lives).</summary>
        private static readonly string[] Roots =
        {
            "/", "/home", "/media", "/mnt", "/opt", "/root", "/run", "/srv", "/tmp", "/var", "/var/lib", "/var/log", "/var/run", "/var/tmp",
        };

        /// <summary>The system directory <paramref name="path"/> is or lies in (null when none). The path is absolute and normalised.</summary>
        public static string Containing(string path)
        {
            string p = path.Length > 1 ? path.TrimEnd('/') : path;
            if (Roots.Contains(p, StringComparer.Ordinal)) return p;
            return Trees.FirstOrDefault(t => p == t || p.StartsWith(t + "/", StringComparison.Ordinal));
        }
    }
}

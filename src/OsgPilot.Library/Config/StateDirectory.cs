using System;
using System.IO;
using System.Runtime.InteropServices;
using OsgPilot.Posix;

namespace OsgPilot.Config
{
    /// <summary>
    /// Where OsgPilot keeps what must outlive a run (pilot activity ledgers, the last sync's outcome):
    /// -StateDirectory; else $OSGPILOT_STATE_DIR; else /var/lib/osgpilot for root,
    /// $XDG_STATE_HOME/osgpilot (~/.local/state/osgpilot) for other accounts, and on Windows
    /// %ProgramData%\OsgPilot. Unlike the run locks, not a tmpfs: a
    /// reboot must not lose the week's activity.
    /// </summary>
    internal static class StateDirectory
    {
        internal const string Variable = "OSGPILOT_STATE_DIR";

        public static string Resolve(string given)
        {
            if (!string.IsNullOrEmpty(given)) return Path.GetFullPath(given);
            string dir = Environment.GetEnvironmentVariable(Variable);
            if (!string.IsNullOrEmpty(dir)) return Path.GetFullPath(dir);
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "OsgPilot");
            }
            if (Account.IsRoot()) return "/var/lib/osgpilot";
            string xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "osgpilot");
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "osgpilot");
        }
    }
}

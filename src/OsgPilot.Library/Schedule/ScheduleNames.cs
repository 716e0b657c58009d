using System;
using System.Text.RegularExpressions;

namespace OsgPilot.Schedule
{
    /// <summary>What a schedule (a systemd unit pair, a Task Scheduler task) is called.</summary>
    internal static class ScheduleNames
    {
        /// <summary>A letter or digit, then letters, digits, '_', '.', '-': what systemd and Task Scheduler both take, and no path.</summary>
        public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$";

        private const string Stem = "osgpilot-sync-";

        /// <summary>
        /// osgpilot-sync-CONFIG, with what systemd does not allow in a unit name made '-', and without the
        /// config's own "osgpilot-" (New-OsgPilotConfig's default names start so): osgpilot-sync-Lancium-Backfill.
        /// </summary>
        public static string Default(string configName) =>
            Stem + Regex.Replace(StripOwnPrefix(configName), "[^A-Za-z0-9_.-]", "-");

        /// <summary>The default name of OsgPilot 0.1.0 and earlier (osgpilot-sync-osgpilot-...): a schedule registered so keeps it.</summary>
        public static string Legacy(string configName) => Stem + Regex.Replace(configName, "[^A-Za-z0-9_.-]", "-");

        /// <summary>
        /// The name a config's schedule has: the default, or the earlier longer default where only a unit of
        /// that one is in <paramref name="unitDirectory"/> (so an upgrade never adds a second timer beside it).
        /// No unit directory (Windows): the default.
        /// </summary>
        public static string ForConfig(string configName, string unitDirectory)
        {
            string name = Default(configName), legacy = Legacy(configName);
            if (legacy == name || unitDirectory == null) return name;
            bool Has(string n) => System.IO.File.Exists(System.IO.Path.Combine(unitDirectory, n + ".service"));
            return Has(legacy) && !Has(name) ? legacy : name;
        }

        private static string StripOwnPrefix(string name) =>
            name.StartsWith("osgpilot-", StringComparison.OrdinalIgnoreCase) && name.Length > "osgpilot-".Length ? name.Substring("osgpilot-".Length) : name;
    }
}

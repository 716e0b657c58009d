using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace OsgPilot.Launch
{
    /// <summary>
    /// How a config's containers are named: STEM, or STEM-N for its -Count instances, and the two
    /// temporary names of a -Force replacement. The one place of that rule: the planner, the
    /// engine's name filter and the leftovers' repair all read it here.
    /// </summary>
    internal static class PilotNames
    {
        /// <summary>The name a -Force replacement is built under, until it takes its pilot's place.</summary>
        public const string ReplacementSuffix = ".osgpilot-new";
        /// <summary>The name a replaced pilot waits under, until its replacement holds.</summary>
        public const string PreviousSuffix = ".osgpilot-old";

        /// <summary>An instance number: 1 to 999, no leading zero (-Count is at most 256).</summary>
        private const string Instance = "[1-9][0-9]{0,2}";

        private static readonly Regex InstanceNumber = new Regex(@"\A" + Instance + @"\z", RegexOptions.CultureInvariant);

        /// <summary>Whether a container name is the config's own (stem) or one of its -Count instances (stem-N), leftovers included.</summary>
        public static bool IsInstanceOf(string name, string stem)
        {
            string bare = BaseName(name);
            return bare == stem || (bare.StartsWith(stem + "-", StringComparison.Ordinal) && InstanceNumber.IsMatch(bare.Substring(stem.Length + 1)));
        }

        /// <summary>
        /// The same rule as an engine's name filter (a regular expression the engine matches; dockerd
        /// names start with "/", Podman's do not). The engine's answer is still checked with <see cref="IsInstanceOf"/>.
        /// </summary>
        public static string InstanceFilter(string stem) =>
            "^/?" + Regex.Escape(stem) + "(-" + Instance + ")?(" + Regex.Escape(ReplacementSuffix) + "|" + Regex.Escape(PreviousSuffix) + ")?$";

        /// <summary>A name without the temporary suffix of a replacement.</summary>
        public static string BaseName(string name)
        {
            foreach (string suffix in new[] { ReplacementSuffix, PreviousSuffix })
            {
                if (name.EndsWith(suffix, StringComparison.Ordinal)) return name.Substring(0, name.Length - suffix.Length);
            }
            return name;
        }

        /// <summary>The names to look at for these pilot names: each, and its two temporary names.</summary>
        public static IEnumerable<string> WithTemporaryNames(IEnumerable<string> names) =>
            names.SelectMany(n => new[] { n, n + ReplacementSuffix, n + PreviousSuffix });
    }
}

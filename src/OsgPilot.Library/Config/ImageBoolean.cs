using System;
using System.Linq;

namespace OsgPilot.Config
{
    /// <summary>A yes/no value as the image's start-up (its is_true) and OSG's RPM read it: y, yes, t, true, on or 1, in any case.</summary>
    internal static class ImageBoolean
    {
        private static readonly string[] TrueWords = { "y", "yes", "t", "true", "on", "1" };

        public static bool IsTrue(string value) =>
            value != null && TrueWords.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase);
    }
}

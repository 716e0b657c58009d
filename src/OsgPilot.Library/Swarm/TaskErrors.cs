using System;

namespace OsgPilot.Swarm
{
    /// <summary>The engine's task errors (a mount source or image missing, a secret gone), said as what to do on the node.</summary>
    internal static class TaskErrors
    {
        /// <summary>What to do about <paramref name="error"/>, or null when the error says all there is.</summary>
        public static string Hint(string error)
        {
            if (Has(error, "bind source path does not exist"))
                return "Swarm does not create bind sources: make the directory on the node (owner uid 1000, mode 755)";
            if (Has(error, "not a shared mount"))
                return "/cvmfs must be a shared mount on the node (mount --make-shared, or autofs/cvmfs as OSG documents)";
            if (Has(error, "No such image"))
                return "the node does not have the image and could not pull it";
            if (Has(error, "secret") && Has(error, "not found"))
                return "the token secret the spec names is gone: run Set-OsgPilotService again, which restores it";
            return null;
        }

        /// <summary>"ERROR (HINT)", or the error alone.</summary>
        public static string WithHint(string error) => Hint(error) is string hint ? $"{error} ({hint})" : error;

        private static bool Has(string text, string part) => text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;
    }
}

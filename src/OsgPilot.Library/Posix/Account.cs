using System;
using System.Runtime.InteropServices;

namespace OsgPilot.Posix
{
    /// <summary>The account this process runs as.</summary>
    internal static class Account
    {
        /// <summary>True when the effective user is root (never on Windows).</summary>
        public static bool IsRoot()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return false;
            try { return geteuid() == 0; }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { return false; }
        }

        [DllImport("libc")]
        private static extern uint geteuid();
    }
}

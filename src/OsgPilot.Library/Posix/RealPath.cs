using System;
using System.Runtime.InteropServices;

namespace OsgPilot.Posix
{
    /// <summary>The path a host path finally names, through every symbolic link (realpath(3)).</summary>
    internal static class RealPath
    {
        /// <summary>The resolved path; <paramref name="path"/> itself when it cannot be resolved (missing, or not Unix).</summary>
        public static string Of(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return path;
            IntPtr resolved;
            try
            {
                resolved = realpath(path, IntPtr.Zero);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                return path;
            }
            if (resolved == IntPtr.Zero) return path;
            try
            {
                return Marshal.PtrToStringAnsi(resolved);
            }
            finally
            {
                free(resolved);
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern IntPtr realpath(string path, IntPtr resolved);

        [DllImport("libc")]
        private static extern void free(IntPtr pointer);
    }
}

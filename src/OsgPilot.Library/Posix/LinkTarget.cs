using System;
using System.Runtime.InteropServices;
using System.Text;

namespace OsgPilot.Posix
{
    /// <summary>What a symbolic link points at (readlink(2)); netstandard2.0 has no API for it.</summary>
    internal static class LinkTarget
    {
        /// <summary>The link's text, or null when <paramref name="path"/> is not a link or cannot be read.</summary>
        public static string Of(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return null;
            var buffer = new byte[4096];
            long n;
            try { n = readlink(path, buffer, (UIntPtr)buffer.Length); }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { return null; }
            return n < 0 ? null : Encoding.UTF8.GetString(buffer, 0, (int)n);
        }

        [DllImport("libc", SetLastError = true)]
        private static extern long readlink(string path, byte[] buffer, UIntPtr size);
    }
}

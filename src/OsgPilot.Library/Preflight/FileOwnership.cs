using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace OsgPilot.Preflight
{
    /// <summary>Owner, group and mode of a host path, read with stat(1) so it works on every Linux architecture.</summary>
    internal sealed class FileOwnership
    {
        public int Uid { get; private set; }
        public int Gid { get; private set; }
        public int Mode { get; private set; }

        /// <summary>Whether a process with this uid/gid (not root) may create files in the directory.</summary>
        public bool WritableBy(int uid, int gid) =>
            (Uid == uid && (Mode & 0x80) != 0 && (Mode & 0x40) != 0) ||
            (Gid == gid && (Mode & 0x10) != 0 && (Mode & 0x8) != 0) ||
            ((Mode & 0x2) != 0 && (Mode & 0x1) != 0);

        /// <summary>Null when it cannot be read (not Linux, no stat).</summary>
        public static FileOwnership Read(string path)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return null;
            try
            {
                var psi = new ProcessStartInfo("stat", "-L -c \"%u %g %a\" -- " + ProcessArgument.Quote(path))
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                using (Process p = Process.Start(psi))
                {
                    string output = p.StandardOutput.ReadToEnd();
                    p.WaitForExit(5000);
                    return p.ExitCode == 0 ? Parse(output) : null;
                }
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception || e is InvalidOperationException)
            {
                return null;
            }
        }

        internal static FileOwnership Parse(string statOutput)
        {
            string[] f = statOutput.Trim().Split(' ');
            if (f.Length != 3) return null;
            return new FileOwnership
            {
                Uid = int.Parse(f[0], CultureInfo.InvariantCulture),
                Gid = int.Parse(f[1], CultureInfo.InvariantCulture),
                Mode = Convert.ToInt32(f[2], 8),
            };
        }
    }
}

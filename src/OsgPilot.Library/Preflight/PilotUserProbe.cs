using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;

namespace OsgPilot.Preflight
{
    /// <summary>
    /// Does in a host directory what the pilot's start-up does in /pilot, as the pilot user:
    /// `mktemp -d DIR/osgvo-pilot-XXXXXX` as uid 1000 (through setpriv), then removes what it made.
    /// Mode bits alone miss ACLs, read-only and root-squashed mounts; this does not.
    /// </summary>
    internal static class PilotUserProbe
    {
        /// <summary>True or false when it could try; null when it cannot (not Linux, not root, no setpriv).</summary>
        public static bool? CanCreateWorkingDirectory(string directory, int uid, out string error)
        {
            error = null;
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || !Posix.Account.IsRoot()) return null;
            string template = Path.Combine(directory, "osgvo-pilot-preflight-XXXXXX");
            string[] args = { "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "mktemp", "-d", template };
            var psi = new ProcessStartInfo("setpriv", string.Join(" ", Array.ConvertAll(args, ProcessArgument.Quote)))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            try
            {
                using (Process p = Process.Start(psi))
                {
                    string made = p.StandardOutput.ReadToEnd().Trim();
                    string stderr = p.StandardError.ReadToEnd().Trim();
                    if (!p.WaitForExit(10000)) { try { p.Kill(); } catch (InvalidOperationException) { } return null; }
                    if (p.ExitCode == 0)
                    {
                        // Only ever what mktemp just made, under the directory asked about.
                        if (made.StartsWith(directory.TrimEnd('/') + "/osgvo-pilot-preflight-", StringComparison.Ordinal) && Directory.Exists(made)) Directory.Delete(made);
                        return true;
                    }
                    if (p.ExitCode == 127 || stderr.Contains("failed to execute")) return null;
                    error = stderr.Length > 0 ? stderr : $"exit code {p.ExitCode}";
                    return false;
                }
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception || e is InvalidOperationException || e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using OsgPilot.Errors;

namespace OsgPilot.Schedule
{
    /// <summary>
    /// The PowerShell a scheduled run starts: an installed one, at a path that outlives this session.
    /// A PowerShell run from the NuGet package cache (a repository's local dotnet tool) is refused:
    /// a cache purge would end every run, silently.
    /// </summary>
    internal sealed class ScheduledPowerShell
    {
        private ScheduledPowerShell(IReadOnlyList<string> arguments) => Arguments = arguments;

        /// <summary>The executable, then any arguments before PowerShell's own.</summary>
        public IReadOnlyList<string> Arguments { get; }

        public static ScheduledPowerShell Find(string explicitPath)
        {
            if (explicitPath != null)
            {
                if (!File.Exists(explicitPath))
                {
                    throw new OsgPilotException(ErrorIds.ScheduleShellNotInstalled, ErrorCategory.ObjectNotFound, $"-PwshPath '{explicitPath}' does not exist.", explicitPath);
                }
                RefuseCache(explicitPath);
                return new ScheduledPowerShell(new[] { explicitPath });
            }
            // The pwsh a person would type (a stable link such as /usr/local/bin/pwsh), else this one.
            string onPath = FindOnPath(RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "pwsh.exe" : "pwsh");
            if (onPath != null && !InPackageCache(onPath)) return new ScheduledPowerShell(new[] { onPath });
            string current = Process.GetCurrentProcess().MainModule?.FileName;
            if (current != null && IsPowerShellExecutable(current) && !InPackageCache(current)) return new ScheduledPowerShell(new[] { current });
            string running = current != null && Path.GetFileNameWithoutExtension(current) == "dotnet"
                ? Path.Combine(AppContext.BaseDirectory, "pwsh.dll")
                : current;
            throw new OsgPilotException(ErrorIds.ScheduleShellNotInstalled, ErrorCategory.NotInstalled,
                $"This PowerShell runs from '{running}', which a package-cache purge or a checkout's clean removes, and no installed pwsh is on PATH. " +
                "Install one first (`./build.ps1 -Task Install` installs /usr/local/bin/pwsh; or your distribution's powershell package), or give -PwshPath.", running);
        }

        private static void RefuseCache(string path)
        {
            if (!InPackageCache(path)) return;
            throw new OsgPilotException(ErrorIds.ScheduleShellNotInstalled, ErrorCategory.NotInstalled,
                $"'{path}' lies in the NuGet package cache, which a cache purge removes. Use an installed pwsh (`./build.ps1 -Task Install` installs /usr/local/bin/pwsh).", path);
        }

        private static bool IsPowerShellExecutable(string path)
        {
            string name = Path.GetFileNameWithoutExtension(path).ToLowerInvariant();
            return name == "pwsh" || name == "powershell";
        }

        /// <summary>A file in a NuGet package folder (~/.nuget/packages or NUGET_PACKAGES).</summary>
        internal static bool InPackageCache(string path)
        {
            string full = Path.GetFullPath(path).Replace('\\', '/');
            string custom = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (!string.IsNullOrEmpty(custom) && full.StartsWith(Path.GetFullPath(custom).Replace('\\', '/').TrimEnd('/') + "/", StringComparison.Ordinal)) return true;
            return full.IndexOf("/.nuget/packages/", StringComparison.OrdinalIgnoreCase) >= 0;
        }

        private static string FindOnPath(string file) =>
            (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator)
                .Where(d => d.Length > 0 && Path.IsPathRooted(d))
                .Select(d => Path.Combine(d, file))
                .FirstOrDefault(File.Exists);
    }
}

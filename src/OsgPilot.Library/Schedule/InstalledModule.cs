using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Errors;

namespace OsgPilot.Schedule
{
    /// <summary>
    /// The OsgPilot a scheduled run imports: by name from the module directory it is installed in, so
    /// a side-by-side upgrade is what the next run uses. A module loaded from anywhere else (a build
    /// tree, a download folder) is refused: a `git clean` would end every run, silently.
    /// </summary>
    internal sealed class InstalledModule
    {
        public string ImportName { get; private set; } = "OsgPilot";
        /// <summary>The PSModulePath directory OsgPilot is installed in.</summary>
        public string SearchRoot { get; private set; }
        public Version LoadedVersion { get; private set; }
        /// <summary>The newest version in <see cref="SearchRoot"/>: what Import-Module OsgPilot loads there.</summary>
        public Version RunsVersion { get; private set; }

        public static InstalledModule Of(string assemblyPath, string psModulePath)
        {
            string moduleBase = Path.GetDirectoryName(Path.GetFullPath(assemblyPath));
            string[] roots = (psModulePath ?? string.Empty).Split(Path.PathSeparator)
                .Where(r => r.Length > 0 && Path.IsPathRooted(r))
                .Select(r => Path.GetFullPath(r).TrimEnd('/', '\\'))
                .ToArray();
            // <root>/OsgPilot/<version>/ or <root>/OsgPilot/
            DirectoryInfo dir = new DirectoryInfo(moduleBase);
            Version loaded = Version.TryParse(dir.Name, out Version v) ? v : null;
            DirectoryInfo named = loaded != null ? dir.Parent : dir;
            string root = named?.Name == "OsgPilot" ? named.Parent?.FullName.TrimEnd('/', '\\') : null;
            // Windows paths compare without case, as the file system does.
            StringComparer paths = Path.DirectorySeparatorChar == '\\' ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            if (root == null || !roots.Contains(root, paths) || ScheduledPowerShell.InPackageCache(moduleBase))
            {
                throw new OsgPilotException(ErrorIds.ScheduleModuleNotInstalled, ErrorCategory.NotInstalled,
                    $"This session loaded OsgPilot from '{moduleBase}', which is not a module directory of PSModulePath; a scheduled run would break when that folder goes. " +
                    "Install the module first (`./build.ps1 -Task Install`, or Install-PSResource from your repository), then import it by name: Import-Module OsgPilot.", moduleBase);
            }
            return new InstalledModule
            {
                SearchRoot = root,
                LoadedVersion = loaded,
                RunsVersion = Newest(named) ?? loaded,
            };
        }

        private static Version Newest(DirectoryInfo named) =>
            named.GetDirectories()
                .Where(d => File.Exists(Path.Combine(d.FullName, "OsgPilot.psd1")))
                .Select(d => Version.TryParse(d.Name, out Version v) ? v : null)
                .Where(v => v != null)
                .OrderByDescending(v => v)
                .FirstOrDefault();
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using OsgPilot.Errors;

namespace OsgPilot.Config
{
    /// <summary>
    /// OSG's RPM launcher's file, /etc/osg/ospool-ep.cfg, read into a config as the RPM runs it. The file
    /// has two readers: systemd (the unit's EnvironmentFile, which gives the launcher script its variables:
    /// quotes removed, # and ; comments) and docker (--env-file, which gives the container every line: values
    /// as written, quotes kept, # comments). The launcher's own keys are taken as the script sees them; the
    /// image's variables as the container got them. The script's refusals are refused here, naming the variable.
    /// </summary>
    internal static class OspoolEpFile
    {
        public const string DefaultPath = "/etc/osg/ospool-ep.cfg";
        public const string DefaultTokenLocation = "/etc/osg/ospool-ep.tkn";
        /// <summary>The name of the RPM's container (start_ospool_ep_container.sh: docker run --name).</summary>
        public const string ContainerName = "ospool-ep-container";
        private const int MaxFileBytes = 1024 * 1024;

        /// <summary>Keys the launcher script reads itself; they never reach the pilot as variables it needs.</summary>
        internal static readonly string[] LauncherKeys = { "WORKER_TEMP_DIR", "TOKEN_LOCATION", "BIND_MOUNT_CVMFS", "PROVIDE_NVIDIA_GPU" };
        internal static readonly string[] Required = { "GLIDEIN_Site", "GLIDEIN_ResourceName", "ACCEPT_JOBS_FOR_HOURS", "RETIREMENT_HOURS" };

        /// <summary>Variables the current image reads (pilot-container-facts: the start-up's scripts), besides any _CONDOR_ knob.</summary>
        internal static readonly string[] ImageVariables =
        {
            "GLIDEIN_Site", "GLIDEIN_ResourceName", "TOKEN", "OSG_SQUID_LOCATION", "GLIDEIN_Start_Extra", "OSG_PROJECT_NAME", "NUM_CPUS", "MEMORY",
            "ACCEPT_JOBS_FOR_HOURS", "RETIREMENT_HOURS", "ACCEPT_IDLE_MINUTES", "CVMFSEXEC_REPOS", "CVMFS_HTTP_PROXY", "CVMFS_QUOTA_LIMIT", "CVMFSEXEC_DEBUG",
            "SINGULARITY_DISABLE_PID_NAMESPACES", "GLIDEIN_RANDOMIZE_NAME", "EXTRA_JOB_ENV", "SINGULARITY_BIND_EXTRA", "APPTAINER_REGISTRY_MIRROR",
            "POOL", "ITB", "CONDOR_HOST", "CCB_RANGE_LOW", "CCB_RANGE_HIGH", "OSG_DEFAULT_CONTAINER_DISTRIBUTION", "OSG_DEFAULT_CONTAINER_DISTRIBUTION_GPU",
            "ENABLE_REMOTE_SYSLOG", "SYSLOG_HOST", "REGISTRY_HOST", "GARBAGE_COLLECTION",
        };

        private static readonly Regex KeyPattern = new Regex(@"^[A-Za-z_][A-Za-z0-9_]*\z", RegexOptions.CultureInvariant);

        /// <summary>One line's two readings.</summary>
        internal sealed class Entry
        {
            public string Key;
            public int Line;
            /// <summary>What docker --env-file gives the container.</summary>
            public string Docker;
            /// <summary>What systemd's EnvironmentFile gives the launcher script.</summary>
            public string Systemd;
        }

        /// <summary>Reads the file into a request, and what to warn of; refuses what the RPM's script refuses.</summary>
        public static PilotConfigRequest Load(string path, List<string> warnings)
        {
            var file = new FileInfo(path);
            if (!file.Exists) throw Bad(path, $"it does not exist (the RPM keeps it at {DefaultPath})", ErrorCategory.ObjectNotFound);
            if (file.Length > MaxFileBytes) throw Bad(path, "it is over 1 MiB; an ospool-ep.cfg is a few lines", ErrorCategory.InvalidData);
            string text;
            try { text = File.ReadAllText(path); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { throw Bad(path, e.Message.TrimEnd('.'), ErrorCategory.ReadError); }
            return ToRequest(Parse(text, path, warnings), path, warnings, File.Exists, Directory.Exists);
        }

        /// <summary>The lines of the file, each as both readers take it; a line neither could take is refused with its number.</summary>
        internal static List<Entry> Parse(string text, string path, List<string> warnings = null)
        {
            var entries = new List<Entry>();
            string[] lines = text.Replace("\r\n", "\n").Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].TrimStart(' ', '\t');
                if (line.Length == 0 || line[0] == '#') continue;
                if (line[0] == ';')
                {
                    // systemd's comment, but docker --env-file has only #: the RPM's docker run refuses this file.
                    warnings?.Add($"{path}, line {i + 1}: a ';' comment is systemd's only; docker --env-file refuses it, so the RPM's container could not start with this file.");
                    continue;
                }
                int eq = line.IndexOf('=');
                string key = eq < 0 ? line.TrimEnd() : line.Substring(0, eq);
                if (eq < 0 || !KeyPattern.IsMatch(key))
                {
                    throw Bad(path, $"line {i + 1} is not NAME=VALUE (docker --env-file and systemd would not read it as a variable)", ErrorCategory.InvalidData);
                }
                string raw = line.Substring(eq + 1);
                entries.Add(new Entry { Key = key, Line = i + 1, Docker = raw, Systemd = Unquote(raw.Trim()) });
            }
            return entries;
        }

        /// <summary>systemd's reading of a value: surrounding double or single quotes removed, backslash escapes in double quotes resolved.</summary>
        private static string Unquote(string v)
        {
            if (v.Length >= 2 && v[0] == '\'' && v[v.Length - 1] == '\'') return v.Substring(1, v.Length - 2);
            if (v.Length >= 2 && v[0] == '"' && v[v.Length - 1] == '"') return Regex.Replace(v.Substring(1, v.Length - 2), @"\\(.)", "$1");
            return v;
        }

        internal static PilotConfigRequest ToRequest(List<Entry> entries, string path, List<string> warnings, Func<string, bool> isFile, Func<string, bool> isDirectory)
        {
            var last = new Dictionary<string, Entry>(StringComparer.Ordinal);
            foreach (Entry e in entries)
            {
                if (last.ContainsKey(e.Key)) warnings.Add($"{path}: {e.Key} is set more than once; line {e.Line}, the last, counts (as for both of the RPM's readers).");
                last[e.Key] = e;
            }
            string Launcher(string key) => last.TryGetValue(key, out Entry e) ? e.Systemd : null;
            string Container(string key) => last.TryGetValue(key, out Entry e) && e.Docker.Length > 0 ? e.Docker : null;

            foreach (string key in Required)
            {
                if (string.IsNullOrEmpty(Launcher(key))) throw Bad(path, $"the RPM's script requires {key}, and it is not set", ErrorCategory.InvalidData);
            }
            foreach (Entry e in last.Values.Where(e => e.Docker != e.Systemd && e.Docker.Trim() != e.Systemd && !LauncherKeys.Contains(e.Key)))
            {
                warnings.Add($"{path}, line {e.Line}: {e.Key} is quoted; systemd reads {e.Systemd}, but docker --env-file passed the quotes to the pilot too, and so does this import.");
            }
            if (last.ContainsKey("TOKEN"))
            {
                throw Bad(path, "it holds the token (TOKEN); docker --env-file put it in the container's environment, where docker inspect shows it. Put it in a file only root can read and name that file in TOKEN_LOCATION", ErrorCategory.InvalidData);
            }

            string tokenLocation = string.IsNullOrEmpty(Launcher("TOKEN_LOCATION")) ? DefaultTokenLocation : Launcher("TOKEN_LOCATION");
            if (!isFile(tokenLocation)) throw Bad(path, $"TOKEN_LOCATION must be a file, as the RPM's script requires, and {tokenLocation} is not", ErrorCategory.ObjectNotFound);
            string scratch = Launcher("WORKER_TEMP_DIR");
            if (!string.IsNullOrEmpty(scratch) && !isDirectory(scratch)) throw Bad(path, $"WORKER_TEMP_DIR must be empty or a directory, as the RPM's script requires, and {scratch} is not", ErrorCategory.ObjectNotFound);
            bool bindCvmfs = ImageBoolean.IsTrue(Launcher("BIND_MOUNT_CVMFS"));
            string repos = Container("CVMFSEXEC_REPOS");
            if (bindCvmfs && repos != null) throw Bad(path, "only one of BIND_MOUNT_CVMFS and CVMFSEXEC_REPOS may be set, as the RPM's script requires", ErrorCategory.InvalidData);

            var request = new PilotConfigRequest
            {
                Site = Container("GLIDEIN_Site"),
                ResourceName = Container("GLIDEIN_ResourceName"),
                TokenPath = tokenLocation,
                PilotDirectory = string.IsNullOrEmpty(scratch) ? null : scratch,
                SquidLocation = Container("OSG_SQUID_LOCATION"),
                StartExtra = Container("GLIDEIN_Start_Extra"),
                ProjectName = Container("OSG_PROJECT_NAME"),
                Cpus = Int(last, "NUM_CPUS", path),
                MemoryMB = Int(last, "MEMORY", path),
                AcceptJobsForHours = Int(last, "ACCEPT_JOBS_FOR_HOURS", path),
                RetirementHours = Int(last, "RETIREMENT_HOURS", path),
                AcceptIdleMinutes = Int(last, "ACCEPT_IDLE_MINUTES", path),
                Gpu = ImageBoolean.IsTrue(Launcher("PROVIDE_NVIDIA_GPU")),
                // The RPM's options since 23-8/24-4: seccomp and systempaths unconfined, no-new-privileges, /dev/fuse.
                SecurityProfile = SecurityProfile.Unconfined,
                // The RPM removes and recreates its container at every start, and systemd restarts it.
                RestartPolicy = PilotRestartPolicy.UnlessStopped,
                Environment = new Dictionary<string, string>(StringComparer.Ordinal),
            };
            if (repos != null)
            {
                request.CvmfsMode = CvmfsMode.CvmfsExec;
                request.CvmfsRepository = new[] { repos };
                warnings.Add("ospool-ep before 23-8 (24-4) ran cvmfsexec pilots --privileged; OsgPilot never does: they get the Unconfined profile (seccomp and system paths unconfined, no-new-privileges, /dev/fuse), as the RPM's later versions do.");
            }
            else
            {
                request.CvmfsMode = CvmfsMode.HostMount;
                if (!bindCvmfs)
                {
                    warnings.Add($"{path} sets neither BIND_MOUNT_CVMFS nor CVMFSEXEC_REPOS, so the RPM's pilot had no CVMFS; OsgPilot binds the host's /cvmfs (Test-OsgPilotConfig checks it is there). Set CVMFSEXEC_REPOS to let the pilot mount CVMFS itself.");
                }
            }

            string[] parameters = { "GLIDEIN_Site", "GLIDEIN_ResourceName", "OSG_SQUID_LOCATION", "GLIDEIN_Start_Extra", "OSG_PROJECT_NAME", "NUM_CPUS", "MEMORY",
                "ACCEPT_JOBS_FOR_HOURS", "RETIREMENT_HOURS", "ACCEPT_IDLE_MINUTES", "CVMFSEXEC_REPOS" };
            foreach (Entry e in last.Values.OrderBy(e => e.Line))
            {
                if (LauncherKeys.Contains(e.Key) || parameters.Contains(e.Key)) continue;
                if (PilotConfigBuilder.IgnoredVariables.Contains(e.Key, StringComparer.Ordinal))
                {
                    warnings.Add($"{path}, line {e.Line}: the current image does not read {e.Key}; it is left out.");
                    continue;
                }
                if (!ImageVariables.Contains(e.Key, StringComparer.Ordinal) && !e.Key.StartsWith("_CONDOR_", StringComparison.Ordinal))
                {
                    string near = ImageVariables.Concat(LauncherKeys).FirstOrDefault(k => string.Equals(k, e.Key, StringComparison.OrdinalIgnoreCase));
                    warnings.Add($"{path}, line {e.Line}: {e.Key} is read neither by the image nor by the RPM's script" + (near != null ? $" (did you mean {near}?)" : string.Empty) + "; it is left out.");
                    continue;
                }
                // The RPM passes empty values too, which the image takes as unset: only values are kept.
                if (e.Docker.Length > 0) request.Environment[e.Key] = e.Docker;
            }
            return request;
        }

        private static int? Int(Dictionary<string, Entry> last, string key, string path)
        {
            if (!last.TryGetValue(key, out Entry e) || e.Docker.Trim().Length == 0) return null;
            if (int.TryParse(e.Docker.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int v)) return v;
            throw Bad(path, $"{key} on line {e.Line} must be a whole number; '{e.Docker}' is not", ErrorCategory.InvalidData);
        }

        private static OsgPilotException Bad(string path, string why, ErrorCategory category) =>
            new OsgPilotException(ErrorIds.InvalidOspoolEpConfig, category, $"The ospool-ep file '{path}' cannot be imported: {why}.", path);
    }
}

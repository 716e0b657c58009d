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
    /// The current image's options that have typed parameters (pilot-container-facts: "More options of the
    /// current image and docs"): each checked as the image would take it, and refused when -Environment
    /// also sets its variable, so one value is never given twice.
    /// </summary>
    internal static class ImageOptions
    {
        public const string CvmfsCacheInContainer = "/cvmfs-cache";
        public const string CvmfsLogsInContainer = "/cvmfs-logs";
        public const string CvmfsConfigInContainer = "/cvmfsexec/default.local";
        public const string ExtraAttributesInContainer = "/etc/osg/extra-attributes.cfg";
        private const int MaxExtraAttributesBytes = 64 * 1024;

        private static readonly Regex HostPattern = new Regex(@"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+(:[0-9]{1,5})?\z", RegexOptions.CultureInvariant);
        // "10%__htc/rocky:8 90%__htc/rocky:9": a share and an image, blank-separated, the shares adding up to 100.
        private static readonly Regex DistributionPattern = new Regex(@"^(\d{1,3})%__([^\s%]+)\z", RegexOptions.CultureInvariant);
        // The image's add-extra-attributes reads "Key = classad expression" lines; # begins a comment.
        private static readonly Regex AttributeLine = new Regex(@"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*\S", RegexOptions.CultureInvariant);

        /// <summary>Each typed option and the variable it sets.</summary>
        private static readonly (string Parameter, string Variable, Func<PilotConfigRequest, bool> Given)[] Variables =
        {
            ("Pool", "POOL", r => r.Pool != null),
            ("RemoteSyslog", "ENABLE_REMOTE_SYSLOG", r => r.RemoteSyslog.HasValue),
            ("CvmfsQuotaMB", "CVMFS_QUOTA_LIMIT", r => r.CvmfsQuotaMB.HasValue),
            ("CvmfsHttpProxy", "CVMFS_HTTP_PROXY", r => r.CvmfsHttpProxy != null),
            ("SingularityBindExtra", "SINGULARITY_BIND_EXTRA", r => r.SingularityBindExtra != null),
            ("RandomizeName", "GLIDEIN_RANDOMIZE_NAME", r => r.RandomizeName),
            ("ContainerDistribution", "OSG_DEFAULT_CONTAINER_DISTRIBUTION", r => r.ContainerDistribution != null),
            ("GpuContainerDistribution", "OSG_DEFAULT_CONTAINER_DISTRIBUTION_GPU", r => r.GpuContainerDistribution != null),
        };

        public static void Validate(PilotConfigRequest r, List<string> warnings)
        {
            foreach ((string parameter, string variable, Func<PilotConfigRequest, bool> given) in Variables)
            {
                if (given(r) && r.Environment != null && r.Environment.ContainsKey(variable))
                {
                    throw Invalid(ErrorIds.ReservedEnvironment, $"-{parameter} sets {variable}; leave {variable} out of -Environment.", variable);
                }
            }
            if (r.Pool != null)
            {
                r.Pool = r.Pool.Trim();
                string problem = PoolEndpoints.Problem(r.Pool);
                if (problem != null || (r.Pool.Contains(".") && !HostPattern.IsMatch(r.Pool)))
                {
                    throw Invalid(ErrorIds.InvalidPool, $"-Pool '{r.Pool}' is none of prod-ospool, itb-ospool, prod-path-facility, dev-path-facility, or a collector's host name (cm.example.edu[:port]).", r.Pool);
                }
            }
            bool cvmfsexec = (r.CvmfsMode ?? CvmfsMode.HostMount) == CvmfsMode.CvmfsExec;
            foreach ((string name, string value) in new[] { ("CvmfsCachePath", r.CvmfsCachePath), ("CvmfsLogPath", r.CvmfsLogPath), ("CvmfsConfigPath", r.CvmfsConfigPath) })
            {
                if (value != null && !cvmfsexec)
                {
                    throw Invalid(ErrorIds.CvmfsModeConflict, $"-{name} is a setting of cvmfsexec; add -CvmfsMode CvmfsExec, or leave it out with the host's /cvmfs.", value);
                }
            }
            if ((r.CvmfsQuotaMB.HasValue || r.CvmfsHttpProxy != null) && !cvmfsexec)
            {
                throw Invalid(ErrorIds.CvmfsModeConflict, "-CvmfsQuotaMB and -CvmfsHttpProxy are settings of cvmfsexec; add -CvmfsMode CvmfsExec.", null);
            }
            r.CvmfsCachePath = HostPath(r.CvmfsCachePath, "CvmfsCachePath");
            r.CvmfsLogPath = HostPath(r.CvmfsLogPath, "CvmfsLogPath");
            r.CvmfsConfigPath = HostPath(r.CvmfsConfigPath, "CvmfsConfigPath");
            if (r.CvmfsQuotaMB.HasValue && (r.CvmfsQuotaMB < 100 || r.CvmfsQuotaMB > 10_000_000))
            {
                throw Invalid(ErrorIds.InvalidCvmfsOption, $"-CvmfsQuotaMB must be from 100 to 10000000 (MB); {r.CvmfsQuotaMB} is not.", r.CvmfsQuotaMB);
            }
            r.CvmfsHttpProxy = OneLine(r.CvmfsHttpProxy, "CvmfsHttpProxy", ErrorIds.InvalidCvmfsOption);
            r.SingularityBindExtra = OneLine(r.SingularityBindExtra, "SingularityBindExtra", ErrorIds.InvalidEnvironment);
            r.ContainerDistribution = Distribution(r.ContainerDistribution, "ContainerDistribution");
            r.GpuContainerDistribution = Distribution(r.GpuContainerDistribution, "GpuContainerDistribution");
            if (r.ExtraAttributesPath != null)
            {
                r.ExtraAttributesPath = HostPath(r.ExtraAttributesPath, "ExtraAttributesPath");
                string problem = ExtraAttributesProblem(r.ExtraAttributesPath, out bool read);
                if (problem != null) throw Invalid(ErrorIds.InvalidExtraAttributes, problem, r.ExtraAttributesPath);
                if (!read) warnings.Add($"-ExtraAttributesPath {r.ExtraAttributesPath} is not on this machine, so its lines were not checked; it must exist on the engine's host.");
            }
        }

        /// <summary>Why the attributes file would not be read as the image reads it (its line), or null; <paramref name="read"/> is false when it is not here to read.</summary>
        internal static string ExtraAttributesProblem(string path, out bool read)
        {
            read = false;
            var file = new FileInfo(path);
            if (!file.Exists) return null;
            if (file.Length > MaxExtraAttributesBytes) return $"The extra attributes file '{path}' is over 64 KiB; it holds a few Key = value lines.";
            string[] lines;
            try { lines = File.ReadAllLines(path); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { return $"The extra attributes file '{path}' cannot be read: {e.Message.TrimEnd('.')}."; }
            read = true;
            return ExtraAttributesProblem(lines, path);
        }

        internal static string ExtraAttributesProblem(IReadOnlyList<string> lines, string path)
        {
            for (int i = 0; i < lines.Count; i++)
            {
                string line = lines[i];
                string trimmed = line.Trim();
                if (trimmed.Length == 0 || trimmed.StartsWith("#", StringComparison.Ordinal)) continue;
                if (!AttributeLine.IsMatch(line))
                    return $"Line {i + 1} of the extra attributes file '{path}' is not 'Key = classad expression' (a name of letters, digits and _, then = and a value).";
                if (trimmed.EndsWith("\\", StringComparison.Ordinal))
                    return $"Line {i + 1} of the extra attributes file '{path}' ends with a backslash; the image reads one line per attribute, with no continuation.";
            }
            return null;
        }

        private static string HostPath(string path, string parameter)
        {
            if (path == null) return null;
            string p = path.Trim();
            if (p.Length == 0 || !p.StartsWith("/", StringComparison.Ordinal) || p.IndexOfAny(new[] { ':', ',', '\0', '\n' }) >= 0 || p.Split('/').Any(s => s == "." || s == ".."))
            {
                throw Invalid(ErrorIds.InvalidCvmfsOption, $"-{parameter} '{path}' must be an absolute path on the Docker host, without ':', ',', '.' or '..' parts.", path);
            }
            return p.Length > 1 ? p.TrimEnd('/') : p;
        }

        private static string OneLine(string value, string parameter, string errorId)
        {
            if (value == null) return null;
            if (value.Any(char.IsControl) || value.Length > 4096) throw Invalid(errorId, $"-{parameter} must be one line of at most 4096 characters.", parameter);
            return value;
        }

        private static string Distribution(string value, string parameter)
        {
            if (value == null) return null;
            string[] parts = value.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            int sum = 0;
            foreach (string part in parts)
            {
                Match m = DistributionPattern.Match(part);
                if (!m.Success) throw Invalid(ErrorIds.InvalidContainerDistribution, $"-{parameter}: '{part}' is not SHARE%__IMAGE (e.g. 90%__htc/rocky:9).", value);
                sum += int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            if (parts.Length == 0 || sum != 100) throw Invalid(ErrorIds.InvalidContainerDistribution, $"-{parameter}: the shares must add up to 100%; they add up to {sum}%.", value);
            return string.Join(" ", parts);
        }

        private static OsgPilotException Invalid(string errorId, string message, object target) =>
            new OsgPilotException(errorId, ErrorCategory.InvalidArgument, message, target);
    }
}

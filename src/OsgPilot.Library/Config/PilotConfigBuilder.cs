using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using OsgPilot.Errors;
using OsgPilot.Security;
using OsgPilot.Squid;
using OsgPilot.Token;

namespace OsgPilot.Config
{
    /// <summary>The outcome of building a config: the config, what to warn about, what the token says.</summary>
    public sealed class PilotConfigResult
    {
        internal PilotConfigResult(OsgPilotConfig config, IReadOnlyList<string> warnings, OsgPilotTokenInfo tokenInfo)
        {
            Config = config;
            Warnings = warnings;
            TokenInfo = tokenInfo;
        }

        public OsgPilotConfig Config { get; }
        public IReadOnlyList<string> Warnings { get; }
        public OsgPilotTokenInfo TokenInfo { get; }
    }

    /// <summary>
    /// Validates a <see cref="PilotConfigRequest"/> and builds the immutable config. All rules live
    /// here so New-OsgPilotConfig and Import-OsgPilotConfig refuse exactly the same things.
    /// </summary>
    public static class PilotConfigBuilder
    {
        public const string DefaultImage = "hub.opensciencegrid.org/osg-htc/ospool-ep:25-release";
        public const string DefaultGpuImage = "hub.opensciencegrid.org/osg-htc/ospool-ep:25-cuda_11_8_0-release";
        public const string DefaultCvmfsPath = "/cvmfs";
        /// <summary>What OSG's current docs recommend: the only level under which Apptainer makes its PID namespace.</summary>
        public const SecurityProfile DefaultSecurityProfile = SecurityProfile.Unconfined;
        public static readonly string[] DefaultCvmfsRepositories = { "oasis.opensciencegrid.org", "singularity.opensciencegrid.org" };

        /// <summary>Variables OsgPilot sets from parameters; -Environment may not set them behind its back.</summary>
        internal static readonly string[] ManagedVariables =
        {
            "GLIDEIN_Site", "GLIDEIN_ResourceName", "TOKEN", "OSG_SQUID_LOCATION", "GLIDEIN_Start_Extra",
            "OSG_PROJECT_NAME", "NUM_CPUS", "MEMORY", "ACCEPT_JOBS_FOR_HOURS", "RETIREMENT_HOURS",
            "ACCEPT_IDLE_MINUTES", "CVMFSEXEC_REPOS",
        };

        /// <summary>Variables the current image does not read: setting them is almost always a copied mistake.</summary>
        internal static readonly string[] IgnoredVariables = { "GLIDEIN_Start", "ANNEX_NAME", "ALLOW_CPUJOB_ON_GPUSLOT", "CONTAINER_PILOT_USE_JOB_HOOK" };

        private const int MaxStartExtraLength = 8192;

        // \z, not $: $ also matches before a final newline, which would let "Name\n" through.
        private static readonly Regex SitePattern = new Regex(@"^[A-Za-z0-9][A-Za-z0-9 ._-]*\z", RegexOptions.CultureInvariant);
        private static readonly Regex ResourcePattern = new Regex(@"^[A-Za-z0-9][A-Za-z0-9._-]*\z", RegexOptions.CultureInvariant);
        private static readonly Regex ContainerNamePattern = new Regex(@"^[a-zA-Z0-9][a-zA-Z0-9_.-]*\z", RegexOptions.CultureInvariant);
        private static readonly Regex ProjectPattern = new Regex(@"^[A-Za-z0-9][A-Za-z0-9._-]*\z", RegexOptions.CultureInvariant);
        private static readonly Regex EnvNamePattern = new Regex(@"^[A-Za-z_][A-Za-z0-9_]*\z", RegexOptions.CultureInvariant);
        private static readonly Regex RepositoryPattern = new Regex(@"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+\z", RegexOptions.CultureInvariant);
        // Docker reference: [registry[:port]/]path[:tag][@digest], path components lower case. The first
        // component is a registry only with a dot, a port or as localhost, as Docker decides.
        private static readonly Regex ImagePattern = new Regex(
            @"^(([A-Za-z0-9-]+\.[A-Za-z0-9.-]+|localhost)(:[0-9]+)?/|[A-Za-z0-9-]+:[0-9]+/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?\z",
            RegexOptions.CultureInvariant);

        internal const int MaxResourceNameLength = 63;
        internal const int MaxSiteLength = 64;

        public static PilotConfigResult Build(PilotConfigRequest request) => Build(request, DateTime.UtcNow);

        internal static PilotConfigResult Build(PilotConfigRequest request, DateTime utcNow)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            PilotConfigRequest r = request.Clone();
            var warnings = new List<string>();

            r.Site = RequireName(r.Site, "Site", SitePattern, MaxSiteLength, ErrorIds.InvalidSite,
                "letters, digits, spaces, '.', '_' and '-'");
            r.ResourceName = RequireName(r.ResourceName, "ResourceName", ResourcePattern, MaxResourceNameLength, ErrorIds.InvalidResourceName,
                "letters, digits, '.', '_' and '-' (the image builds the pilot's host name from it)");

            OsgPilotTokenInfo tokenInfo = ValidateToken(r, utcNow, warnings);

            r.Name = string.IsNullOrWhiteSpace(r.Name) ? "osgpilot-" + r.ResourceName : r.Name.Trim();
            if (!ContainerNamePattern.IsMatch(r.Name) || r.Name.Length > 128)
            {
                throw Invalid(ErrorIds.InvalidContainerName, $"The container name '{r.Name}' is not valid: use letters, digits, '_', '.' and '-', starting with a letter or digit.", r.Name);
            }

            r.Image = string.IsNullOrWhiteSpace(r.Image) ? (r.Gpu ? DefaultGpuImage : DefaultImage) : r.Image.Trim();
            if (!ImagePattern.IsMatch(r.Image))
            {
                throw Invalid(ErrorIds.InvalidImage, $"The image '{r.Image}' is not a valid image reference.", r.Image);
            }
            if (r.Image.IndexOf("osgvo-docker-pilot", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                warnings.Add($"The image '{r.Image}' is the old OSG pilot image, no longer updated on Docker Hub; use {DefaultImage}.");
            }

            if (r.SquidLocation != null)
            {
                r.SquidLocation = SquidEndpoint.Parse(r.SquidLocation).Uri;
            }

            if (r.PilotDirectory != null)
            {
                r.PilotDirectory = RequireAbsolutePath(r.PilotDirectory, ErrorIds.InvalidPilotDirectory, "pilot directory");
                RequireOwnDirectory(r.PilotDirectory, r.PilotDirectory);
            }

            if (r.StartExtra != null && (r.StartExtra.Trim().Length == 0 || r.StartExtra.Any(char.IsControl)))
            {
                throw Invalid(ErrorIds.InvalidStartExtra, "The START expression (-StartExtra) must be a non-empty ClassAd expression on one line.", r.StartExtra);
            }
            if (r.StartExtra != null && r.StartExtra.Length > MaxStartExtraLength)
            {
                // A huge value reaches the start-up as an environment variable and fails it with "argument list too long".
                throw Invalid(ErrorIds.InvalidStartExtra, $"The START expression (-StartExtra) is {r.StartExtra.Length} characters long; at most {MaxStartExtraLength} are allowed.", null);
            }
            if (r.ProjectName != null && !ProjectPattern.IsMatch(r.ProjectName))
            {
                throw Invalid(ErrorIds.InvalidProjectName, $"The project name '{r.ProjectName}' is not valid: use letters, digits, '.', '_' and '-'.", r.ProjectName);
            }

            RequireRange(r.Cpus, "Cpus", 1, 1024, ErrorIds.InvalidCpus);
            RequireRange(r.MemoryMB, "MemoryMB", 256, 16 * 1024 * 1024, ErrorIds.InvalidMemory);
            RequireRange(r.AcceptJobsForHours, "AcceptJobsForHours", 1, 100000, ErrorIds.InvalidHours);
            RequireRange(r.RetirementHours, "RetirementHours", 1, 100000, ErrorIds.InvalidHours);
            RequireRange(r.AcceptIdleMinutes, "AcceptIdleMinutes", 1, 100000, ErrorIds.InvalidHours);
            if (r.Cpus.HasValue != r.MemoryMB.HasValue)
            {
                warnings.Add("Only one of -Cpus and -MemoryMB is set; OSG recommends setting both so the slot matches the container limits.");
            }

            ValidateCvmfs(r);
            SecurityProfile profile = r.SecurityProfile ?? DefaultSecurityProfile;
            if (r.CvmfsMode == CvmfsMode.CvmfsExec && (profile == SecurityProfile.Capabilities || profile == SecurityProfile.Default))
            {
                warnings.Add($"cvmfsexec needs /dev/fuse and a seccomp profile that allows mounts, which -SecurityProfile {profile} does not give; OSG documents CvmfsExec with -SecurityProfile Unconfined.");
            }
            string seccomp = ValidateSecurity(r, profile);
            ValidateNetwork(r);
            ImageOptions.Validate(r, warnings);
            r.Environment = ValidateEnvironment(r.Environment, warnings);

            var config = new OsgPilotConfig(r, r.Token, seccomp);
            warnings.AddRange(JobPolicy.Warnings(config));
            return new PilotConfigResult(config, warnings.AsReadOnly(), tokenInfo);
        }

        private static OsgPilotTokenInfo ValidateToken(PilotConfigRequest r, DateTime utcNow, List<string> warnings)
        {
            bool hasPath = !string.IsNullOrEmpty(r.TokenPath);
            bool hasInline = r.Token != null;
            bool hasVariable = !string.IsNullOrEmpty(r.TokenEnvironmentVariable);
            if ((hasPath ? 1 : 0) + (hasInline ? 1 : 0) + (hasVariable ? 1 : 0) > 1)
            {
                throw Invalid(ErrorIds.TokenSourceConflict, "Give the token one way: -TokenPath, -Token or -TokenEnvironmentVariable.", null);
            }
            if (!hasPath && !hasInline && !hasVariable)
            {
                throw Invalid(ErrorIds.TokenMissing, "A pilot needs its OSG token: give -TokenPath (the token file), -Token (a SecureString or PSCredential) or -TokenEnvironmentVariable (a variable the scheduler sets).", null, ErrorCategory.InvalidArgument);
            }
            string text;
            if (hasPath)
            {
                r.TokenPath = Path.GetFullPath(r.TokenPath);
                text = TokenSource.ReadFile(r.TokenPath);
            }
            else if (hasVariable)
            {
                if (!VariableName.IsMatch(r.TokenEnvironmentVariable))
                {
                    throw Invalid(ErrorIds.InvalidTokenEnvironmentVariable, $"'{r.TokenEnvironmentVariable}' is not an environment variable name (letters, digits and _, not starting with a digit).", r.TokenEnvironmentVariable);
                }
                text = TokenSource.ReadVariable(r.TokenEnvironmentVariable);
            }
            else
            {
                // Keep our own read-only copy so the caller disposing theirs cannot empty the config.
                r.Token = r.Token.Copy();
                r.Token.MakeReadOnly();
                text = TokenSource.Read(r.Token);
            }
            OsgPilotTokenInfo info = IdTokenParser.Parse(text, hasPath ? r.TokenPath : null);
            TokenCheck.ThrowIfExpired(info, utcNow);
            warnings.AddRange(TokenCheck.Warnings(info, utcNow));
            if (hasPath && TokenCheck.FileWarning(r.TokenPath) is string loose) warnings.Add(loose);
            return info;
        }

        // An AppArmor profile name as apparmor_parser accepts it in practice; "unconfined" lifts confinement.
        private static readonly Regex AppArmorPattern = new Regex(@"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}\z", RegexOptions.CultureInvariant);

        /// <summary>Checks the profile's companions; returns Minimal's seccomp JSON (null for the other profiles).</summary>
        private static string ValidateSecurity(PilotConfigRequest r, SecurityProfile profile)
        {
            if (r.AppArmorProfile != null)
            {
                r.AppArmorProfile = r.AppArmorProfile.Trim();
                if (!AppArmorPattern.IsMatch(r.AppArmorProfile))
                {
                    throw Invalid(ErrorIds.InvalidAppArmorProfile, $"-AppArmorProfile '{r.AppArmorProfile}' is not an AppArmor profile name: give 'unconfined' or the name of a profile loaded on the host (letters, digits, '_', '.', '+', '-').", r.AppArmorProfile);
                }
            }
            if (string.IsNullOrWhiteSpace(r.SeccompProfilePath))
            {
                r.SeccompProfilePath = null;
                return profile == SecurityProfile.Minimal ? SeccompProfile.Shipped : null;
            }
            if (profile != SecurityProfile.Minimal)
            {
                throw Invalid(ErrorIds.SecurityProfileConflict, $"-SeccompProfilePath replaces the seccomp profile of -SecurityProfile Minimal; the profile {profile} has none of its own to replace. Add -SecurityProfile Minimal, or leave -SeccompProfilePath out.", r.SeccompProfilePath);
            }
            r.SeccompProfilePath = Path.GetFullPath(r.SeccompProfilePath.Trim());
            return SeccompProfile.Load(r.SeccompProfilePath);
        }

        private static readonly Regex NetworkPattern = new Regex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\z", RegexOptions.CultureInvariant);

        private static void ValidateNetwork(PilotConfigRequest r)
        {
            if (r.Network == null) return;
            r.Network = r.Network.Trim();
            if (r.Network == "none")
            {
                throw Invalid(ErrorIds.InvalidNetwork, "-Network none would cut the pilot off from the pool it must reach (its collector on port 9618); leave -Network out for the engine's default network.", r.Network);
            }
            if (!NetworkPattern.IsMatch(r.Network))
            {
                throw Invalid(ErrorIds.InvalidNetwork, $"-Network '{r.Network}' is not a network name: give host, bridge or the name of a network on the engine.", r.Network);
            }
        }

        private static readonly Regex VariableName = new Regex(@"^[A-Za-z_][A-Za-z0-9_]{0,254}\z", RegexOptions.CultureInvariant);

        private static void ValidateCvmfs(PilotConfigRequest r)
        {
            CvmfsMode mode = r.CvmfsMode ?? CvmfsMode.HostMount;
            bool hasRepos = r.CvmfsRepository != null && r.CvmfsRepository.Length > 0;
            bool reposInEnv = r.Environment != null && r.Environment.Keys.Any(k => k == "CVMFSEXEC_REPOS");
            if (mode == CvmfsMode.HostMount)
            {
                if (hasRepos || reposInEnv)
                {
                    throw Invalid(ErrorIds.CvmfsModeConflict, "CVMFS repositories are for -CvmfsMode CvmfsExec; with the host's /cvmfs bound in (HostMount) the pilot must not mount CVMFS itself.", null);
                }
                r.CvmfsPath = RequireAbsolutePath(r.CvmfsPath ?? DefaultCvmfsPath, ErrorIds.InvalidCvmfsPath, "CVMFS path");
                r.CvmfsRepository = null;
            }
            else
            {
                if (r.CvmfsPath != null)
                {
                    throw Invalid(ErrorIds.CvmfsModeConflict, "-CvmfsPath binds the host's CVMFS; it cannot be combined with -CvmfsMode CvmfsExec, where the pilot mounts CVMFS itself.", r.CvmfsPath);
                }
                string[] repos = hasRepos
                    ? r.CvmfsRepository.SelectMany(x => (x ?? string.Empty).Split(new[] { ' ', ',' }, StringSplitOptions.RemoveEmptyEntries)).ToArray()
                    : DefaultCvmfsRepositories;
                foreach (string repo in repos)
                {
                    if (!RepositoryPattern.IsMatch(repo))
                    {
                        throw Invalid(ErrorIds.InvalidCvmfsRepository, $"'{repo}' is not a CVMFS repository name (e.g. oasis.opensciencegrid.org).", repo);
                    }
                }
                r.CvmfsRepository = repos.Distinct(StringComparer.Ordinal).ToArray();
            }
        }

        private static IDictionary<string, string> ValidateEnvironment(IDictionary<string, string> env, List<string> warnings)
        {
            var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (env == null) return result;
            foreach (KeyValuePair<string, string> kv in env)
            {
                if (kv.Key == null || !EnvNamePattern.IsMatch(kv.Key))
                {
                    throw Invalid(ErrorIds.InvalidEnvironment, $"'{kv.Key}' is not a valid environment variable name.", kv.Key);
                }
                if (ManagedVariables.Contains(kv.Key, StringComparer.Ordinal))
                {
                    throw Invalid(ErrorIds.ReservedEnvironment, kv.Key == "TOKEN"
                        ? "Do not pass the token in -Environment: use -TokenPath or -Token, which keep it out of the container's environment."
                        : $"{kv.Key} is set by OsgPilot from its own parameter; use that parameter instead of -Environment.", kv.Key);
                }
                if ((kv.Value ?? string.Empty).IndexOf('\0') >= 0 || (kv.Value ?? string.Empty).IndexOf('\n') >= 0)
                {
                    throw Invalid(ErrorIds.InvalidEnvironment, $"The value of {kv.Key} must be one line.", kv.Key);
                }
                string pool = kv.Key == "POOL" ? PoolEndpoints.Problem(kv.Value ?? string.Empty) : null;
                if (pool != null)
                {
                    throw Invalid(ErrorIds.InvalidEnvironment, pool + ".", kv.Key);
                }
                if (IgnoredVariables.Contains(kv.Key, StringComparer.Ordinal))
                {
                    warnings.Add($"The pilot image does not read {kv.Key}; it has no effect." +
                        (kv.Key == "GLIDEIN_Start" ? " Use -StartExtra (GLIDEIN_Start_Extra) to restrict jobs." : string.Empty));
                }
                result[kv.Key] = kv.Value ?? string.Empty;
            }
            return result;
        }

        private static string RequireName(string value, string parameter, Regex pattern, int maxLength, string errorId, string allowed)
        {
            string v = value?.Trim();
            if (string.IsNullOrEmpty(v))
            {
                throw Invalid(errorId, $"-{parameter} is required: the name registered in OSG Topology.", value);
            }
            if (v.Length > maxLength)
            {
                throw Invalid(errorId, $"-{parameter} '{v}' is {v.Length} characters long; at most {maxLength} are allowed.", value);
            }
            if (!pattern.IsMatch(v))
            {
                throw Invalid(errorId, $"-{parameter} '{v}' has characters the pilot cannot take; use {allowed}.", value);
            }
            return v;
        }

        private static string RequireAbsolutePath(string path, string errorId, string what)
        {
            string p = path?.Trim();
            // Paths are on the Docker host, which is Linux for the pilot image: require a rooted POSIX path.
            if (string.IsNullOrEmpty(p) || !p.StartsWith("/", StringComparison.Ordinal) || p.IndexOfAny(new[] { ':', ',', '\0', '\n' }) >= 0)
            {
                throw Invalid(errorId, $"The {what} '{path}' must be an absolute path on the Docker host (for example /var/lib/osg-pilot) without ':' or ','.", path);
            }
            if (p.Split('/').Any(segment => segment == "." || segment == ".."))
            {
                throw Invalid(errorId, $"The {what} '{path}' must not contain '.' or '..' parts; give the directory's own path.", path);
            }
            return p.Length > 1 ? p.TrimEnd('/') : p;
        }

        /// <summary>Refuses a pilot directory that is (or, through links, <paramref name="resolved"/> is) a system directory.</summary>
        internal static void RequireOwnDirectory(string given, string resolved)
        {
            string system = SystemDirectories.Containing(resolved);
            if (system == null) return;
            string through = resolved == given ? "" : $" (through a symbolic link, it is {resolved})";
            throw Invalid(ErrorIds.InvalidPilotDirectory,
                $"The pilot directory '{given}'{through} is the system directory {system} or lies in it; the pilot would get write access there. " +
                "Give the pilot a directory of its own, for example /var/lib/osg-pilot.", given);
        }

        private static void RequireRange(int? value, string parameter, int min, int max, string errorId)
        {
            if (value.HasValue && (value.Value < min || value.Value > max))
            {
                throw Invalid(errorId, $"-{parameter} must be a whole number from {min} to {max}; {value.Value} is not.", value.Value);
            }
        }

        private static OsgPilotException Invalid(string errorId, string message, object target, ErrorCategory category = ErrorCategory.InvalidArgument) =>
            new OsgPilotException(errorId, category, message, target);
    }
}

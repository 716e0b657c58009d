using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using OsgPilot.Errors;

namespace OsgPilot.Config
{
    /// <summary>
    /// The JSON form of a config, for scheduled scripts and Ansible. It never holds a token: a config
    /// built from -Token is written without one and needs -TokenPath or -Token again on import.
    /// </summary>
    internal static class ConfigFile
    {
        /// <summary>
        /// 2 since the default profile became Unconfined. Version 1 files always named their profile; one
        /// written by hand without it meant the default of then, Capabilities, and still does: an upgrade
        /// of the module must not change, and so roll, a site's pilots by itself.
        /// </summary>
        public const int SchemaVersion = 2;
        private const int FirstSchemaVersion = 1;

        public static string Serialize(OsgPilotConfig c)
        {
            using (var stream = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
                {
                    w.WriteStartObject();
                    w.WriteNumber("SchemaVersion", SchemaVersion);
                    w.WriteString("Site", c.Site);
                    w.WriteString("ResourceName", c.ResourceName);
                    w.WriteString("Name", c.Name);
                    w.WriteString("Image", c.Image);
                    WriteOptional(w, "TokenPath", c.TokenPath);
                    WriteOptional(w, "TokenEnvironmentVariable", c.TokenEnvironmentVariable);
                    WriteOptional(w, "SquidLocation", c.SquidLocation);
                    WriteOptional(w, "PilotDirectory", c.PilotDirectory);
                    WriteOptional(w, "StartExtra", c.StartExtra);
                    WriteOptional(w, "Cpus", c.Cpus);
                    WriteOptional(w, "MemoryMB", c.MemoryMB);
                    WriteOptional(w, "ProjectName", c.ProjectName);
                    WriteOptional(w, "AcceptJobsForHours", c.AcceptJobsForHours);
                    WriteOptional(w, "RetirementHours", c.RetirementHours);
                    WriteOptional(w, "AcceptIdleMinutes", c.AcceptIdleMinutes);
                    w.WriteStartObject("Environment");
                    foreach (KeyValuePair<string, string> kv in c.Environment) w.WriteString(kv.Key, kv.Value);
                    w.WriteEndObject();
                    w.WriteString("RestartPolicy", c.RestartPolicy.ToString());
                    w.WriteString("CvmfsMode", c.CvmfsMode.ToString());
                    WriteOptional(w, "CvmfsPath", c.CvmfsPath);
                    if (c.Cvmfs == CvmfsMode.CvmfsExec)
                    {
                        w.WriteStartArray("CvmfsRepository");
                        foreach (string r in c.CvmfsRepository) w.WriteStringValue(r);
                        w.WriteEndArray();
                    }
                    w.WriteString("SecurityProfile", c.SecurityProfile.ToString());
                    WriteOptional(w, "SeccompProfilePath", c.SeccompProfilePath);
                    WriteOptional(w, "AppArmorProfile", c.AppArmorProfile);
                    WriteOptional(w, "Network", c.Network);
                    WriteOptional(w, "Pool", c.Pool);
                    if (c.RemoteSyslog.HasValue) w.WriteBoolean("RemoteSyslog", c.RemoteSyslog.Value);
                    WriteOptional(w, "CvmfsCachePath", c.CvmfsCachePath);
                    WriteOptional(w, "CvmfsLogPath", c.CvmfsLogPath);
                    WriteOptional(w, "CvmfsConfigPath", c.CvmfsConfigPath);
                    WriteOptional(w, "CvmfsQuotaMB", c.CvmfsQuotaMB);
                    WriteOptional(w, "CvmfsHttpProxy", c.CvmfsHttpProxy);
                    WriteOptional(w, "ExtraAttributesPath", c.ExtraAttributesPath);
                    WriteOptional(w, "SingularityBindExtra", c.SingularityBindExtra);
                    if (c.RandomizeName) w.WriteBoolean("RandomizeName", true);
                    WriteOptional(w, "ContainerDistribution", c.ContainerDistribution);
                    WriteOptional(w, "GpuContainerDistribution", c.GpuContainerDistribution);
                    w.WriteBoolean("Gpu", c.Gpu);
                    w.WriteEndObject();
                }
                return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
            }
        }

        /// <summary>A config is well under a kilobyte; a file larger than this is the wrong file, and is not read.</summary>
        public const int MaxFileBytes = 1024 * 1024;

        /// <summary>
        /// Reads the config file at <paramref name="path"/> into a request: bounded in size, with a
        /// relative TokenPath taken relative to the file (wherever the reader runs).
        /// </summary>
        public static PilotConfigRequest Load(string path) => Load(path, out _);

        /// <summary>
        /// Reads the config file and applies New-OsgPilotConfig's rules to it: an error of a value names
        /// the file, the setting and its line. <paramref name="adjust"/> changes the request first (a
        /// token given on the command line); the settings it names are no longer the file's.
        /// </summary>
        public static PilotConfigResult Build(string path, Action<PilotConfigRequest> adjust = null, params string[] adjusted)
        {
            PilotConfigRequest request = Load(path, out string json);
            adjust?.Invoke(request);
            try
            {
                return PilotConfigBuilder.Build(request);
            }
            catch (OsgPilotException e)
            {
                throw ConfigFileLines.Attribute(e, path, json, adjusted);
            }
        }

        private static PilotConfigRequest Load(string path, out string json)
        {
            if (Directory.Exists(path))
            {
                throw new OsgPilotException(ErrorIds.ConfigPathIsDirectory, ErrorCategory.InvalidArgument,
                    $"The config path '{path}' is a directory; give the config file itself (one Export-OsgPilotConfig wrote).", path);
            }
            if (!File.Exists(path))
            {
                throw new OsgPilotException(ErrorIds.ConfigFileNotFound, ErrorCategory.ObjectNotFound,
                    $"The config file '{path}' does not exist. Save one with Export-OsgPilotConfig first.", path);
            }
            long length = new FileInfo(path).Length;
            if (length > MaxFileBytes)
            {
                throw new OsgPilotException(ErrorIds.ConfigFileTooLarge, ErrorCategory.InvalidData,
                    $"The config file '{path}' is {length / (1024 * 1024)} MiB; a config is under a kilobyte, so it is not read. Is it the right file?", path);
            }
            if (length == 0)
            {
                // Not opened: a FIFO would block the open.
                throw new OsgPilotException(ErrorIds.ConfigFileInvalidJson, ErrorCategory.ParserError,
                    $"The config file '{path}' is empty, or is not a regular file.", path);
            }
            try
            {
                json = File.ReadAllText(path);
            }
            catch (UnauthorizedAccessException)
            {
                throw new OsgPilotException(ErrorIds.ConfigFileUnreadable, ErrorCategory.PermissionDenied,
                    $"The config file '{path}' exists, but this user may not read it; run as its owner (or root), or make it readable for this account.", path);
            }
            catch (IOException e)
            {
                throw new OsgPilotException(ErrorIds.ConfigFileUnreadable, ErrorCategory.ReadError, $"Cannot read the config file '{path}': {e.Message}", path);
            }
            PilotConfigRequest request = Deserialize(json, path);
            if (request.TokenPath != null && !Path.IsPathRooted(request.TokenPath))
            {
                request.TokenPath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path), request.TokenPath));
            }
            if (request.SeccompProfilePath != null && !Path.IsPathRooted(request.SeccompProfilePath))
            {
                request.SeccompProfilePath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path), request.SeccompProfilePath));
            }
            return request;
        }

        /// <summary>Reads a config file into a request; value rules are left to <see cref="PilotConfigBuilder"/>.</summary>
        public static PilotConfigRequest Deserialize(string json, string path)
        {
            JsonDocument doc;
            try
            {
                // Strict JSON, as jq and Ansible read it: no comments, no trailing commas.
                doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
            }
            catch (JsonException e)
            {
                throw new OsgPilotException(ErrorIds.ConfigFileInvalidJson, ErrorCategory.ParserError,
                    $"The config file '{path}' is not valid JSON: line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}{ConfigFileLines.Why(e)}.", path);
            }
            using (doc)
            {
                JsonElement root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw Bad(path, "its top level must be a JSON object");
                }
                int version = Int(root, "SchemaVersion", path) ?? SchemaVersion;
                if (version < FirstSchemaVersion || version > SchemaVersion)
                {
                    throw new OsgPilotException(ErrorIds.ConfigFileUnsupported, ErrorCategory.InvalidData,
                        $"The config file '{path}' has SchemaVersion {version}; this OsgPilot reads versions {FirstSchemaVersion} to {SchemaVersion}.", path);
                }
                string[] known =
                {
                    "SchemaVersion", "Site", "ResourceName", "Name", "Image", "TokenPath", "TokenEnvironmentVariable", "SquidLocation", "PilotDirectory", "StartExtra",
                    "Cpus", "MemoryMB", "ProjectName", "AcceptJobsForHours", "RetirementHours", "AcceptIdleMinutes", "Environment",
                    "RestartPolicy", "CvmfsMode", "CvmfsPath", "CvmfsRepository", "SecurityProfile", "SeccompProfilePath", "AppArmorProfile", "Network", "Gpu", "Pool", "RemoteSyslog", "CvmfsCachePath", "CvmfsLogPath", "CvmfsConfigPath",
                    "CvmfsQuotaMB", "CvmfsHttpProxy", "ExtraAttributesPath", "SingularityBindExtra", "RandomizeName", "ContainerDistribution", "GpuContainerDistribution",
                };
                RequireUniqueNames(root, path, "");
                foreach (JsonProperty p in root.EnumerateObject())
                {
                    if (p.Name == "Token" || p.Name == "TOKEN")
                    {
                        throw Bad(path, "it holds a token; config files must not carry the token: store TokenPath (a file only root can read) or TokenEnvironmentVariable (a variable the scheduler sets) instead");
                    }
                    if (!known.Contains(p.Name, StringComparer.Ordinal)) throw Bad(path, $"'{p.Name}' is not a config setting");
                }
                return new PilotConfigRequest
                {
                    Site = Str(root, "Site", path),
                    ResourceName = Str(root, "ResourceName", path),
                    Name = Str(root, "Name", path),
                    Image = Str(root, "Image", path),
                    TokenPath = Str(root, "TokenPath", path),
                    TokenEnvironmentVariable = Str(root, "TokenEnvironmentVariable", path),
                    SquidLocation = Str(root, "SquidLocation", path),
                    PilotDirectory = Str(root, "PilotDirectory", path),
                    StartExtra = Str(root, "StartExtra", path),
                    Cpus = Int(root, "Cpus", path),
                    MemoryMB = Int(root, "MemoryMB", path),
                    ProjectName = Str(root, "ProjectName", path),
                    AcceptJobsForHours = Int(root, "AcceptJobsForHours", path),
                    RetirementHours = Int(root, "RetirementHours", path),
                    AcceptIdleMinutes = Int(root, "AcceptIdleMinutes", path),
                    Environment = Env(root, path),
                    RestartPolicy = Enum<PilotRestartPolicy>(root, "RestartPolicy", path),
                    CvmfsMode = Enum<CvmfsMode>(root, "CvmfsMode", path),
                    CvmfsPath = Str(root, "CvmfsPath", path),
                    CvmfsRepository = Strings(root, "CvmfsRepository", path),
                    SecurityProfile = Enum<SecurityProfile>(root, "SecurityProfile", path) ?? (version == FirstSchemaVersion ? SecurityProfile.Capabilities : (SecurityProfile?)null),
                    SeccompProfilePath = Str(root, "SeccompProfilePath", path),
                    AppArmorProfile = Str(root, "AppArmorProfile", path),
                    Network = Str(root, "Network", path),
                    Pool = Str(root, "Pool", path),
                    RemoteSyslog = Has(root, "RemoteSyslog", out _) ? Bool(root, "RemoteSyslog", path) : (bool?)null,
                    CvmfsCachePath = Str(root, "CvmfsCachePath", path),
                    CvmfsLogPath = Str(root, "CvmfsLogPath", path),
                    CvmfsConfigPath = Str(root, "CvmfsConfigPath", path),
                    CvmfsQuotaMB = Int(root, "CvmfsQuotaMB", path),
                    CvmfsHttpProxy = Str(root, "CvmfsHttpProxy", path),
                    ExtraAttributesPath = Str(root, "ExtraAttributesPath", path),
                    SingularityBindExtra = Str(root, "SingularityBindExtra", path),
                    RandomizeName = Bool(root, "RandomizeName", path),
                    ContainerDistribution = Str(root, "ContainerDistribution", path),
                    GpuContainerDistribution = Str(root, "GpuContainerDistribution", path),
                    Gpu = Bool(root, "Gpu", path),
                };
            }
        }

        private static void WriteOptional(Utf8JsonWriter w, string name, string value)
        {
            if (value != null) w.WriteString(name, value);
        }

        private static void WriteOptional(Utf8JsonWriter w, string name, int? value)
        {
            if (value.HasValue) w.WriteNumber(name, value.Value);
        }

        private static bool Has(JsonElement o, string name, out JsonElement v) =>
            o.TryGetProperty(name, out v) && v.ValueKind != JsonValueKind.Null;

        private static string Str(JsonElement o, string name, string path)
        {
            if (!Has(o, name, out JsonElement v)) return null;
            if (v.ValueKind != JsonValueKind.String) throw Bad(path, $"{name} must be a string");
            return v.GetString();
        }

        private static int? Int(JsonElement o, string name, string path)
        {
            if (!Has(o, name, out JsonElement v)) return null;
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i)) throw Bad(path, $"{name} must be a whole number");
            return i;
        }

        private static bool Bool(JsonElement o, string name, string path)
        {
            if (!Has(o, name, out JsonElement v)) return false;
            if (v.ValueKind != JsonValueKind.True && v.ValueKind != JsonValueKind.False) throw Bad(path, $"{name} must be true or false");
            return v.GetBoolean();
        }

        private static T? Enum<T>(JsonElement o, string name, string path) where T : struct
        {
            string text = Str(o, name, path);
            if (text == null) return null;
            if (System.Enum.TryParse(text, true, out T value) && System.Enum.IsDefined(typeof(T), value) && !int.TryParse(text, out _)) return value;
            throw Bad(path, $"{name} must be one of {string.Join(", ", System.Enum.GetNames(typeof(T)))}; '{text}' is not");
        }

        private static string[] Strings(JsonElement o, string name, string path)
        {
            if (!Has(o, name, out JsonElement v)) return null;
            if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String)) throw Bad(path, $"{name} must be a list of strings");
            return v.EnumerateArray().Select(e => e.GetString()).ToArray();
        }

        private static IDictionary<string, string> Env(JsonElement o, string path)
        {
            if (!Has(o, "Environment", out JsonElement v)) return null;
            if (v.ValueKind != JsonValueKind.Object) throw Bad(path, "Environment must be an object of name/value strings");
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty p in v.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String) throw Bad(path, $"Environment.{p.Name} must be a string");
                env[p.Name] = p.Value.GetString();
            }
            return env;
        }

        /// <summary>JSON lets a name appear twice and keeps the last; in a config that hides a mistake, so it is refused.</summary>
        private static void RequireUniqueNames(JsonElement obj, string path, string where)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty p in obj.EnumerateObject())
            {
                if (!seen.Add(p.Name)) throw Bad(path, $"'{where}{p.Name}' appears more than once, so which value is meant is not clear");
                if (p.Value.ValueKind == JsonValueKind.Object) RequireUniqueNames(p.Value, path, where + p.Name + ".");
            }
        }

        private static OsgPilotException Bad(string path, string why) =>
            new OsgPilotException(ErrorIds.ConfigFileInvalidValue, ErrorCategory.InvalidData, $"The config file '{path}' is not valid: {why}.", path);
    }
}

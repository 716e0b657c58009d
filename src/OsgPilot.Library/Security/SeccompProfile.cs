using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using OsgPilot.Errors;

namespace OsgPilot.Security
{
    /// <summary>
    /// The seccomp profile of -SecurityProfile Minimal: OsgPilot's own (shipped in the module as
    /// seccomp/osgpilot-minimal-seccomp.json), or a site's file. The docker CLI sends a profile's text,
    /// not its path, as `seccomp=JSON`; so does OsgPilot, compacted, so the config hash follows its content.
    /// </summary>
    internal static class SeccompProfile
    {
        public const string ShippedFileName = "osgpilot-minimal-seccomp.json";
        /// <summary>A seccomp profile is a few kilobytes; a larger file is the wrong file.</summary>
        public const int MaxFileBytes = 256 * 1024;

        private static readonly Lazy<string> ShippedText = new Lazy<string>(() =>
        {
            using (Stream s = typeof(SeccompProfile).Assembly.GetManifestResourceStream("OsgPilot.Security." + ShippedFileName))
            using (var r = new StreamReader(s, Encoding.UTF8))
            {
                return Compact(r.ReadToEnd(), ShippedFileName);
            }
        });

        /// <summary>OsgPilot's Minimal profile, compacted.</summary>
        public static string Shipped => ShippedText.Value;

        /// <summary>A site's profile file, checked and compacted; a clear error when it cannot be one.</summary>
        public static string Load(string path)
        {
            FileInfo file = new FileInfo(path);
            if (!file.Exists)
            {
                throw new OsgPilotException(ErrorIds.InvalidSeccompProfile, ErrorCategory.ObjectNotFound,
                    $"The seccomp profile '{path}' does not exist (or is not a regular file).", path);
            }
            if (file.Length > MaxFileBytes || file.Length == 0)
            {
                throw new OsgPilotException(ErrorIds.InvalidSeccompProfile, ErrorCategory.InvalidData,
                    $"The seccomp profile '{path}' is {file.Length} bytes; a profile is a JSON document of at most {MaxFileBytes / 1024} KiB.", path);
            }
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new OsgPilotException(ErrorIds.InvalidSeccompProfile, ErrorCategory.ReadError, $"The seccomp profile '{path}' cannot be read: {e.Message}", path);
            }
            return Compact(text, path);
        }

        /// <summary>The profile as one line of JSON, after checking it has what the engine needs.</summary>
        internal static string Compact(string json, string source)
        {
            try
            {
                using (JsonDocument doc = JsonDocument.Parse(json))
                {
                    JsonElement root = doc.RootElement;
                    if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("defaultAction", out JsonElement action) || action.ValueKind != JsonValueKind.String)
                    {
                        throw Bad(source, "it has no \"defaultAction\"; a seccomp profile in the engine's format (as Docker's default.json) is expected");
                    }
                    if (root.TryGetProperty("syscalls", out JsonElement calls) && calls.ValueKind != JsonValueKind.Array)
                    {
                        throw Bad(source, "\"syscalls\" must be a list");
                    }
                    using (var stream = new MemoryStream())
                    {
                        using (var w = new Utf8JsonWriter(stream)) root.WriteTo(w);
                        return Encoding.UTF8.GetString(stream.ToArray());
                    }
                }
            }
            catch (JsonException e)
            {
                throw Bad(source, $"it is not valid JSON (line {(e.LineNumber ?? 0) + 1})");
            }
        }

        private static OsgPilotException Bad(string source, string why) =>
            new OsgPilotException(ErrorIds.InvalidSeccompProfile, ErrorCategory.InvalidData, $"The seccomp profile '{source}' cannot be used: {why}.", source);
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OsgPilot.Errors;

namespace OsgPilot.Config
{
    /// <summary>Where in a config file a setting is, so that an error of its value names the file, the setting and the line.</summary>
    internal static class ConfigFileLines
    {
        // New-OsgPilotConfig's messages name the setting as its parameter: "-Site 'X/U' has characters...".
        private static readonly Regex Parameter = new Regex(@"^-(?<name>[A-Za-z]+)\b", RegexOptions.CultureInvariant);

        /// <summary>The same error (ErrorId, category, cause), its message prefixed with the file and, where it can be told, the setting and its line.</summary>
        public static OsgPilotException Attribute(OsgPilotException e, string path, string json, ICollection<string> adjusted)
        {
            string setting = Parameter.Match(e.Message).Groups["name"].Value;
            int? line = setting.Length == 0 || adjusted.Contains(setting) ? null : LineOf(json, setting);
            string where = line.HasValue ? $"The config file '{path}', setting '{setting}' (line {line}): " : $"The config file '{path}': ";
            return new OsgPilotException(e.ErrorId, e.Category, where + e.Message, e.Target ?? path, e);
        }

        /// <summary>The line of the top-level setting <paramref name="name"/>, or null when the file does not have it.</summary>
        public static int? LineOf(string json, string name)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(json);
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            try
            {
                while (reader.Read())
                {
                    if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1 || !reader.ValueTextEquals(name)) continue;
                    long at = reader.TokenStartIndex;
                    int line = 1;
                    for (long i = 0; i < at; i++) if (bytes[i] == (byte)'\n') line++;
                    return line;
                }
            }
            catch (JsonException)
            {
                // The file parsed once already; a second reader cannot disagree, but a line is only a help.
            }
            return null;
        }

        /// <summary>What the JSON reader found, said for a person: the two things other readers accept and jq does not.</summary>
        public static string Why(JsonException e)
        {
            string m = e.Message ?? "";
            if (m.IndexOf("trailing comma", StringComparison.OrdinalIgnoreCase) >= 0) return ": a trailing comma (jq and Ansible refuse it too)";
            if (m.IndexOf("'/'", StringComparison.Ordinal) >= 0) return ": a comment (JSON has none; jq and Ansible refuse it too)";
            return "";
        }
    }
}

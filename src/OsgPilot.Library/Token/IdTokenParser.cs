using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using OsgPilot.Errors;

namespace OsgPilot.Token
{
    /// <summary>
    /// Decodes an HTCondor IDTOKEN (a JWT). The signature is not checked: the key belongs to the
    /// pool. Every error describes the defect without quoting the token or any of its parts.
    /// </summary>
    internal static class IdTokenParser
    {
        public static OsgPilotTokenInfo Parse(string token, string path)
        {
            string where = path == null ? "The token given with -Token" : $"The token in '{path}'";
            string[] parts = token.Split('.');
            if (parts.Length != 3 || parts.Any(p => p.Length == 0))
            {
                throw NotJwt(path, $"{where} is not an IDTOKEN: a JWT has three dot-separated parts, this has {parts.Length}.");
            }

            JsonElement header = DecodeJson(parts[0], path, where, "header");
            JsonElement payload = DecodeJson(parts[1], path, where, "payload");
            if (header.ValueKind != JsonValueKind.Object || !header.TryGetProperty("alg", out _))
            {
                throw NotJwt(path, $"{where} is not an IDTOKEN: its header names no signing algorithm.");
            }
            if (payload.ValueKind != JsonValueKind.Object)
            {
                throw NotJwt(path, $"{where} is not an IDTOKEN: its payload is not a JSON object.");
            }

            string scope = GetString(payload, "scope");
            string[] scopes = string.IsNullOrWhiteSpace(scope)
                ? new string[0]
                : scope.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            return new OsgPilotTokenInfo(
                GetString(payload, "sub"),
                GetString(payload, "iss"),
                GetTime(payload, "iat", path, where),
                GetTime(payload, "exp", path, where),
                Array.AsReadOnly(scopes),
                GetString(header, "kid"),
                path);
        }

        private static JsonElement DecodeJson(string part, string path, string where, string what)
        {
            byte[] bytes = Base64Url.Decode(part);
            if (bytes == null)
            {
                throw NotJwt(path, $"{where} is not an IDTOKEN: its {what} is not base64url.");
            }
            try
            {
                using (JsonDocument doc = JsonDocument.Parse(bytes))
                {
                    return doc.RootElement.Clone();
                }
            }
            catch (JsonException)
            {
                throw NotJwt(path, $"{where} is not an IDTOKEN: its {what} is not JSON.");
            }
        }

        private static string GetString(JsonElement obj, string name) =>
            obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        /// <summary>The latest time .NET can hold, in seconds since 1970 (9999-12-31).</summary>
        private const double MaxUnixSeconds = 253402300799;

        /// <summary>
        /// A NumericDate claim (seconds since 1970, a fraction allowed). Absent means "not stated"; one
        /// that is present but not such a number is a defect, never read as "never expires".
        /// </summary>
        private static DateTime? GetTime(JsonElement obj, string name, string path, string where)
        {
            if (!obj.TryGetProperty(name, out JsonElement v)) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double seconds) && seconds >= 0 && seconds <= MaxUnixSeconds)
            {
                return DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(seconds)).UtcDateTime;
            }
            throw NotJwt(path, $"{where} is not a usable IDTOKEN: its '{name}' claim is not a time (seconds since 1970, up to the year 9999).");
        }

        private static OsgPilotException NotJwt(string path, string message) =>
            new OsgPilotException(ErrorIds.TokenNotJwt, ErrorCategory.InvalidData, message, path);
    }

    internal static class Base64Url
    {
        /// <summary>Decodes base64url (no padding); null when the text is not base64url.</summary>
        public static byte[] Decode(string text)
        {
            if (text.Any(c => !(char.IsLetterOrDigit(c) && c < 128) && c != '-' && c != '_'))
            {
                return null;
            }
            string b64 = text.Replace('-', '+').Replace('_', '/');
            switch (b64.Length % 4)
            {
                case 1: return null;
                case 2: b64 += "=="; break;
                case 3: b64 += "="; break;
            }
            try
            {
                return Convert.FromBase64String(b64);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}

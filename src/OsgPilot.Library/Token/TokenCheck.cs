using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Errors;

namespace OsgPilot.Token
{
    /// <summary>Judges a decoded token: expired is an error, weak scopes or near expiry a warning.</summary>
    internal static class TokenCheck
    {
        public static readonly string[] RequiredScopes = { "condor:/ADVERTISE_STARTD", "condor:/ADVERTISE_MASTER" };
        public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(7);

        public static void ThrowIfExpired(OsgPilotTokenInfo info, DateTime utcNow)
        {
            if (info.Expires.HasValue && info.Expires.Value <= utcNow)
            {
                string where = info.Path == null ? "The token given with -Token" : $"The token in '{info.Path}'";
                throw new OsgPilotException(ErrorIds.TokenExpired, ErrorCategory.InvalidData,
                    $"{where} expired on {info.Expires.Value:u}. Ask OSG support for a new token.", info.Path);
            }
        }

        /// <summary>
        /// A warning when the token file is readable by its group or by others: the image never needs
        /// it readable (OsgPilot reads it and copies it into each pilot itself), so anyone else who can
        /// read it can join the pool as this site. Null when the file is private or its mode is unknown.
        /// </summary>
        public static string FileWarning(string path, Func<string, int?> permissionsOf = null)
        {
            if (path == null) return null;
            int? mode = (permissionsOf ?? Posix.HostDirectory.PermissionsOf)(path);
            if (mode == null || (mode.Value & 0x3F) == 0) return null;
            string who = (mode.Value & 0x38) != 0 && (mode.Value & 0x7) != 0 ? "its group and by others" : (mode.Value & 0x38) != 0 ? "its group" : "others";
            return $"The token file '{path}' (mode {Convert.ToString(mode.Value, 8).PadLeft(4, '0')}) can be read by {who}: run chmod 600 '{path}'. " +
                "No pilot needs to read it; OsgPilot copies it into each pilot itself.";
        }

        public static IEnumerable<string> Warnings(OsgPilotTokenInfo info, DateTime utcNow)
        {
            string[] missing = RequiredScopes.Where(s => !info.Scopes.Contains(s, StringComparer.Ordinal)).ToArray();
            if (info.Scopes.Count > 0 && missing.Length > 0)
            {
                yield return $"The token lacks the scope(s) {string.Join(", ", missing)}; the pilot may not be able to join the pool.";
            }
            else if (info.Scopes.Count == 0)
            {
                yield return $"The token carries no scopes; a pilot token needs {string.Join(" and ", RequiredScopes)}.";
            }
            if (info.Expires.HasValue && info.Expires.Value > utcNow && info.Expires.Value - utcNow < ExpiryWarning)
            {
                yield return $"The token expires on {info.Expires.Value:u}, within 7 days. Request a new one from OSG support.";
            }
        }
    }
}

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

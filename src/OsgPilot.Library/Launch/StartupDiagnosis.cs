using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace OsgPilot.Launch
{
    /// <summary>
    /// Reads a pilot's last log lines: what to show (the token and anything shaped like one removed)
    /// and, for the start-up failures the real image is known to have, what to do about it. Pure.
    /// </summary>
    internal static class StartupDiagnosis
    {
        public const int LinesShown = 12;

        private static readonly (Regex Pattern, string Fix)[] KnownFailures =
        {
            (new Regex(@"Creating LOCAL_DIR under /pilot failed|mktemp.*(/pilot|Permission denied)", RegexOptions.IgnoreCase),
                "The pilot user (uid 1000) cannot create its working directory in /pilot. Make the pilot directory writable by uid 1000 (chown 1000:1000 DIR), or leave out -PilotDirectory."),
            (new Regex(@"tokens-orig\.d.*Permission denied|Permission denied.*tokens-orig\.d", RegexOptions.IgnoreCase),
                "The pilot user (uid 1000) cannot read the token file in /etc/condor/tokens-orig.d. OsgPilot copies the token in itself; a token bind-mounted by other means must be readable by uid 1000."),
            (new Regex(@"No token|token.*(missing|not found)", RegexOptions.IgnoreCase),
                "The pilot found no token. Give the config a token (-TokenPath or -Token) and start it with Start-OsgPilot, which copies the token in."),
            (new Regex(@"do not run me as root|must not be run as root", RegexOptions.IgnoreCase),
                "The image refuses to run as root; OsgPilot runs it as the user osg (uid 1000). Is the image an OSPool pilot image?"),
            (new Regex(@"GLIDEIN_Site (must be set|is (not set|empty|required))", RegexOptions.None), "Set -Site (GLIDEIN_Site)."),
            (new Regex(@"GLIDEIN_ResourceName (must be set|is (not set|empty|required))", RegexOptions.None), "Set -ResourceName (GLIDEIN_ResourceName)."),
            (new Regex(@"(ACCEPT_JOBS_FOR_HOURS|RETIREMENT_HOURS) (must|is not|should)", RegexOptions.None), "-AcceptJobsForHours and -RetirementHours must be positive whole numbers."),
            (new Regex(@"Unknown POOL", RegexOptions.None), "The POOL variable names a pool the image does not know; remove it from -Environment."),
            (new Regex(@"argument list too long", RegexOptions.IgnoreCase), "An environment value is too large for the pilot's start-up; shorten -StartExtra or -Environment values."),
        };

        /// <summary>The lines to show: docker logs, then the startup.log lines docker logs lost, last <see cref="LinesShown"/>, redacted.</summary>
        public static IReadOnlyList<string> Merge(IEnumerable<string> dockerLog, IEnumerable<string> startupLog, string token)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var merged = new List<string>();
            foreach (string line in (dockerLog ?? Enumerable.Empty<string>()).Concat(startupLog ?? Enumerable.Empty<string>()))
            {
                string trimmed = line?.TrimEnd();
                if (string.IsNullOrEmpty(trimmed) || !seen.Add(trimmed)) continue;
                merged.Add(Redact(trimmed, token));
            }
            return merged.Skip(Math.Max(0, merged.Count - LinesShown)).ToList();
        }

        public static string Redact(string line, string token)
        {
            line = Token.TokenRedactor.Redact(line);
            if (!string.IsNullOrEmpty(token))
            {
                line = line.Replace(token, Token.TokenRedactor.Placeholder);
                // Each part alone is as telling as the whole.
                foreach (string part in token.Split('.').Where(p => p.Length >= 8)) line = line.Replace(part, Token.TokenRedactor.Placeholder);
            }
            return line;
        }

        /// <summary>The fix for the last known failure in <paramref name="lines"/>, or null.</summary>
        public static string Fix(IReadOnlyList<string> lines)
        {
            for (int i = lines.Count - 1; i >= 0; i--)
            {
                foreach ((Regex pattern, string fix) in KnownFailures)
                {
                    if (pattern.IsMatch(lines[i])) return fix;
                }
            }
            return null;
        }
    }
}

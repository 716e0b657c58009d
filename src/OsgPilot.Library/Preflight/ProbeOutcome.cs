using System.Collections.Generic;
using System.Globalization;

namespace OsgPilot.Preflight
{
    /// <summary>What a probe container printed (see <see cref="PilotProbe"/>): its answer lines by key; never throws on its output.</summary>
    internal sealed class ProbeOutcome
    {
        public long ExitCode { get; private set; }
        /// <summary>The engine refused to run the probe at all; its message.</summary>
        public string RefusedBy { get; private set; }
        public int? UserNamespace { get; private set; }
        public string UserNamespaceMessage { get; private set; }
        public int? PidNamespace { get; private set; }
        public string PidNamespaceMessage { get; private set; }
        public long? TmpFreeKiB { get; private set; }
        /// <summary>The last line the container printed that is not an answer (a shell's complaint, say).</summary>
        public string Other { get; private set; }
        /// <summary>Every answer line, in order: (key, exit code, message).</summary>
        public IReadOnlyList<(string Key, int Code, string Message)> Answers => _answers;
        private readonly List<(string, int, string)> _answers = new List<(string, int, string)>();

        public static ProbeOutcome Refused(string message) => new ProbeOutcome { ExitCode = -1, RefusedBy = message };

        public static ProbeOutcome Parse(long exitCode, IEnumerable<string> lines)
        {
            var o = new ProbeOutcome { ExitCode = exitCode };
            foreach (string raw in lines ?? new string[0])
            {
                string line = raw?.Trim() ?? string.Empty;
                string[] p = line.Split(new[] { ' ' }, 4);
                if (p.Length < 3 || p[0] != PilotProbe.LinePrefix || !int.TryParse(p[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int code))
                {
                    if (line.Length > 0) o.Other = line.Length > 300 ? line.Substring(0, 300) : line;
                    continue;
                }
                string message = p.Length == 4 ? p[3].Trim() : string.Empty;
                o._answers.Add((p[1], code, message));
                switch (p[1])
                {
                    case "userns": o.UserNamespace = code; o.UserNamespaceMessage = message; break;
                    case "pidns": o.PidNamespace = code; o.PidNamespaceMessage = message; break;
                    case "tmpfree":
                        if (long.TryParse(message, NumberStyles.None, CultureInfo.InvariantCulture, out long kib)) o.TmpFreeKiB = kib;
                        break;
                }
            }
            return o;
        }
    }
}

using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace OsgPilot.Activity
{
    /// <summary>
    /// One line of an HTCondor daemon log as dprintf writes it, or as rsyslog copies it to the
    /// container's stdout. Times are UTC (the pilot container runs in UTC).
    /// </summary>
    internal sealed class DaemonLogLine
    {
        public DateTime Time { get; private set; }
        /// <summary>The slot the message is about ("slot1_2"), or null.</summary>
        public string Slot { get; private set; }
        public string Message { get; private set; }

        // "MM/DD/YY HH:MM:SS[.mmm] [(pid:N)] [(tid:N)] [(D_CAT[|D_CAT][:V])] message" (dprintf.cpp:
        // D_SUB_SECOND adds the milliseconds, D_PID the pid, D_CAT the category; older HTCondor and
        // configs without them write the bare "MM/DD/YY HH:MM:SS message").
        private static readonly Regex Dprintf = new Regex(
            @"^(\d\d)/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? (?:\((?:pid|tid):\d+\) )*(?:\(D_[A-Z0-9_|:]+\) )*(.*)$",
            RegexOptions.CultureInvariant);

        // RFC 5424 as rsyslog forwards it: "<pri>1 TIMESTAMP HOST APP PROCID MSGID SD MSG".
        private static readonly Regex Syslog = new Regex(
            @"^<\d{1,3}>1 (\S+) \S+ (\S+) \S+ \S+ (?:-|(?:\[(?:[^\]""\\]|\\.|""(?:[^""\\]|\\.)*"")*\])+) ?(.*)$",
            RegexOptions.CultureInvariant);

        private static readonly Regex SlotPrefix = new Regex(@"^(slot\d+(?:_\d+)?): (.*)$", RegexOptions.CultureInvariant);

        /// <summary>The line, or null when it is not a timestamped line of the startd (a continuation, a banner part, another daemon's syslog line).</summary>
        public static DaemonLogLine Parse(string line)
        {
            if (string.IsNullOrEmpty(line)) return null;
            line = line.TrimEnd('\r');
            Match m = Dprintf.Match(line);
            DateTime time;
            string message;
            if (m.Success)
            {
                int ms = 0;
                if (m.Groups[7].Success) ms = int.Parse(m.Groups[7].Value.PadRight(3, '0').Substring(0, 3), CultureInfo.InvariantCulture);
                try
                {
                    time = new DateTime(2000 + Int(m, 3), Int(m, 1), Int(m, 2), Int(m, 4), Int(m, 5), Int(m, 6), ms, DateTimeKind.Utc);
                }
                catch (ArgumentOutOfRangeException)
                {
                    return null; // 13/45/26: not a date, not our line
                }
                message = m.Groups[8].Value;
            }
            else
            {
                m = Syslog.Match(line);
                if (!m.Success || m.Groups[2].Value != "condor_startd") return null;
                if (!DateTime.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out time)) return null;
                message = m.Groups[3].Value;
            }
            var parsed = new DaemonLogLine { Time = time, Message = message };
            Match s = SlotPrefix.Match(message);
            if (s.Success)
            {
                parsed.Slot = s.Groups[1].Value;
                parsed.Message = s.Groups[2].Value;
            }
            return parsed;
        }

        private static int Int(Match m, int group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
    }
}

using System;
using System.Collections.Generic;

namespace OsgPilot.Squid
{
    /// <summary>One step of a squid probe.</summary>
    public sealed class OsgSquidCheck
    {
        internal OsgSquidCheck(string name, bool passed, TimeSpan duration, string message)
        {
            Name = name;
            Passed = passed;
            DurationMs = Milliseconds(duration);
            Message = message;
        }

        public string Name { get; }
        public bool Passed { get; }
        /// <summary>How long the step took, in milliseconds (a number, so JSON carries a number).</summary>
        public double DurationMs { get; }
        public string Message { get; }

        internal static double Milliseconds(TimeSpan t) => Math.Round(t.TotalMilliseconds, 1);

        public override string ToString() => $"{Name}: {(Passed ? "ok" : "FAILED")} - {Message}";
    }

    /// <summary>Whether one squid will serve the pilots, and why not.</summary>
    public sealed class OsgSquidTestResult
    {
        public string SquidLocation { get; internal set; }
        public bool Passed { get; internal set; }
        public bool CacheHit { get; internal set; }
        /// <summary>One sentence a person can act on.</summary>
        public string Diagnosis { get; internal set; }
        public IReadOnlyList<OsgSquidCheck> Checks { get; internal set; }
        public string Via { get; internal set; }
        public string ProxyVersion { get; internal set; }
        public IReadOnlyList<string> Addresses { get; internal set; }
        public string ProbeUri { get; internal set; }
        /// <summary>How long the whole probe took, in milliseconds.</summary>
        public double DurationMs { get; internal set; }

        public override string ToString() => $"{SquidLocation}: {(Passed ? "passed" : "failed")}";
    }
}

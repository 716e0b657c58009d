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
            Duration = duration;
            Message = message;
        }

        public string Name { get; }
        public bool Passed { get; }
        public TimeSpan Duration { get; }
        public string Message { get; }

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
        public TimeSpan Duration { get; internal set; }

        public override string ToString() => $"{SquidLocation}: {(Passed ? "passed" : "failed")}";
    }
}

using System.Collections.Generic;

namespace OsgPilot.Preflight
{
    internal enum CheckSeverity
    {
        /// <summary>A failed check that will break the pilot: Start-OsgPilot -Preflight refuses to start.</summary>
        Error,
        /// <summary>Worth fixing, or could not be checked; does not block a start.</summary>
        Warning,
    }

    /// <summary>One preflight check.</summary>
    public sealed class OsgPilotPreflightCheck
    {
        internal OsgPilotPreflightCheck(string name, bool passed, CheckSeverity severity, string message)
        {
            Name = name;
            Passed = passed;
            Level = severity;
            Message = message;
        }

        public string Name { get; }
        public bool Passed { get; }
        /// <summary>Error (blocks Start-OsgPilot -Preflight) or Warning; a name, so JSON shows it as such.</summary>
        public string Severity => Level.ToString();
        public string Message { get; }

        internal CheckSeverity Level { get; }

        public override string ToString() => $"[{(Passed ? "ok" : Level == CheckSeverity.Error ? "FAIL" : "warn")}] {Name}: {Message}";
    }

    /// <summary>Whether a config is ready to start, as a checklist.</summary>
    public sealed class OsgPilotPreflightResult
    {
        internal OsgPilotPreflightResult(string name, IReadOnlyList<OsgPilotPreflightCheck> checks, bool passed, string dockerHost, string context)
        {
            Name = name;
            DockerHost = dockerHost;
            Context = context;
            Checks = checks;
            Passed = passed;
        }

        /// <summary>The config's pilot name.</summary>
        public string Name { get; }
        /// <summary>True when no check failed with severity Error.</summary>
        public bool Passed { get; }
        public IReadOnlyList<OsgPilotPreflightCheck> Checks { get; }
        /// <summary>The engine the checks ran against.</summary>
        public string DockerHost { get; }
        /// <summary>The docker context that engine came from; null when it was given as an address.</summary>
        public string Context { get; }

        public override string ToString() => $"{Name}: {(Passed ? "ready" : "not ready")}";
    }
}

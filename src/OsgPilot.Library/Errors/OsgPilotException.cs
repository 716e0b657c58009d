using System;
using System.Management.Automation;

namespace OsgPilot.Errors
{
    /// <summary>
    /// A failure the user can act on. It carries a stable ErrorId and category so cmdlets can turn it
    /// into an ErrorRecord without guessing. Its message and target never contain a token: whatever
    /// looks like one is redacted here, so a token passed where a path or name belongs (-TokenPath,
    /// -Site, a config file) does not reach $Error or a transcript.
    /// </summary>
    public sealed class OsgPilotException : Exception
    {
        public OsgPilotException(string errorId, ErrorCategory category, string message, object target = null, Exception inner = null)
            : base(Token.TokenRedactor.Redact(message), inner)
        {
            ErrorId = errorId;
            Category = category;
            Target = target is string text ? Token.TokenRedactor.Redact(text) : target;
        }

        public string ErrorId { get; }

        public ErrorCategory Category { get; }

        public object Target { get; }

        /// <summary>The engine cannot be reached or named: nothing more of the call can proceed on it.</summary>
        internal bool EndsTheRun => ErrorId == ErrorIds.DockerEngineUnreachable || ErrorId == ErrorIds.InvalidDockerHost;

        public ErrorRecord ToErrorRecord() => new ErrorRecord(this, ErrorId, Category, Target);
    }
}

using System;
using System.Management.Automation;

namespace OsgPilot.Errors
{
    /// <summary>
    /// A failure the user can act on. It carries a stable ErrorId and category so cmdlets can turn it
    /// into an ErrorRecord without guessing; messages never contain the token.
    /// </summary>
    public sealed class OsgPilotException : Exception
    {
        public OsgPilotException(string errorId, ErrorCategory category, string message, object target = null, Exception inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = category;
            Target = target;
        }

        public string ErrorId { get; }

        public ErrorCategory Category { get; }

        public object Target { get; }

        public ErrorRecord ToErrorRecord() => new ErrorRecord(this, ErrorId, Category, Target);
    }
}

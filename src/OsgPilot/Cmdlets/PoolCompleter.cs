using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace OsgPilot.Cmdlets
{
    /// <summary>Completes -Pool with the pools the image knows; a collector host of a site's own is typed in full.</summary>
    public sealed class PoolCompleter : IArgumentCompleter
    {
        private static readonly string[] Pools = { "prod-ospool", "itb-ospool", "prod-path-facility", "dev-path-facility" };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Pools.Where(p => p.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
                 .Select(p => new CompletionResult(p, p, CompletionResultType.ParameterValue, p));
    }
}

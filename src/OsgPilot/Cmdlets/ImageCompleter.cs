using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using OsgPilot.Config;

namespace OsgPilot.Cmdlets
{
    /// <summary>Completes -Image with the pilot images OSG publishes (no registry or engine is asked).</summary>
    public sealed class ImageCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            PublishedImages.Matching(wordToComplete)
                .Select(i => new CompletionResult(i, i, CompletionResultType.ParameterValue, i))
                .ToList();
    }
}

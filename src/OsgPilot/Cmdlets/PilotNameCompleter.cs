using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using OsgPilot.Docker;
using OsgPilot.Errors;

namespace OsgPilot.Cmdlets
{
    /// <summary>Completes pilot names. Bounded to about a second and silent when the engine is down.</summary>
    public sealed class PilotNameCompleter : IArgumentCompleter
    {
        internal static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);

        /// <summary>The first of the values typed so far for a parameter (one string or several).</summary>
        private static string First(object typed) => typed is string one ? one : (typed as object[])?.OfType<string>().FirstOrDefault();

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            try
            {
                using (var docker = new DockerGateway(EndpointResolver.Current.Resolve(First(fakeBoundParameters?["DockerHost"]), First(fakeBoundParameters?["Context"]))))
                using (var cts = new CancellationTokenSource(Budget))
                {
                    var list = docker.ListPilotsAsync(true, cts.Token, Budget);
                    if (!list.Wait(Budget + TimeSpan.FromMilliseconds(200))) return Enumerable.Empty<CompletionResult>();
                    return list.Result
                        .Where(p => p.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                        .OrderBy(p => p.Name, StringComparer.Ordinal)
                        .Select(p => new CompletionResult(p.Name, p.Name, CompletionResultType.ParameterValue, $"{p.Name} ({p.State})"))
                        .ToList();
                }
            }
            catch (Exception e) when (e is OsgPilotException || e is AggregateException || e is OperationCanceledException)
            {
                return Enumerable.Empty<CompletionResult>();
            }
        }
    }
}

using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Completes names the engine knows, on the engine the command line names (-DockerHost,
    /// -Context) or the default one. Bounded to about a second and silent when the engine is down.
    /// </summary>
    public abstract class EngineNameCompleter : IArgumentCompleter
    {
        internal static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);

        /// <summary>The names, each with the tooltip to show beside it.</summary>
        internal abstract Task<IEnumerable<(string Name, string Tooltip)>> ListAsync(DockerGateway docker, CancellationToken ct);

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
                    var list = ListAsync(docker, cts.Token);
                    if (!list.Wait(Budget + TimeSpan.FromMilliseconds(200))) return Enumerable.Empty<CompletionResult>();
                    return list.Result
                        .Where(n => n.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                        .OrderBy(n => n.Name, StringComparer.Ordinal)
                        .Select(n => new CompletionResult(n.Name, n.Name, CompletionResultType.ParameterValue, n.Tooltip))
                        .ToList();
                }
            }
            catch (Exception e) when (e is OsgPilotException || e is AggregateException || e is OperationCanceledException)
            {
                return Enumerable.Empty<CompletionResult>();
            }
        }
    }

    /// <summary>Completes pilot (container) names.</summary>
    public sealed class PilotNameCompleter : EngineNameCompleter
    {
        internal override async Task<IEnumerable<(string Name, string Tooltip)>> ListAsync(DockerGateway docker, CancellationToken ct) =>
            (await docker.ListPilotsAsync(true, ct, Budget)).Select(p => (p.Name, $"{p.Name} ({p.State})"));
    }

    /// <summary>Completes pilot service names on a swarm manager.</summary>
    public sealed class ServiceNameCompleter : EngineNameCompleter
    {
        internal override async Task<IEnumerable<(string Name, string Tooltip)>> ListAsync(DockerGateway docker, CancellationToken ct) =>
            (await docker.ListServicesAsync(ct)).Select(s => (s.Name, $"{s.Name} ({s.RunningTasks}/{s.DesiredTasks} running)"));
    }
}

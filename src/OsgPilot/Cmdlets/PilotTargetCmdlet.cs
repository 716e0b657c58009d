using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using OsgPilot.Docker;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Base of the cmdlets that act on pilots chosen by -Name or by piped pilot objects. Names are
    /// gathered per engine while the pipeline runs; then one list call per engine resolves them all.
    /// </summary>
    public abstract class PilotTargetCmdlet : DockerCmdlet
    {
        private readonly Dictionary<string, (EngineTarget Target, List<string> Names)> _namesByEngine =
            new Dictionary<string, (EngineTarget, List<string>)>(StringComparer.Ordinal);

        /// <summary>Pilot names; wildcards allowed; pilot objects bind by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PilotNameCompleter))]
        public string[] Name { get; set; }

        protected override void ProcessRecord()
        {
            foreach (EngineTarget target in Targets())
            {
                if (!_namesByEngine.TryGetValue(target.Key, out var entry)) _namesByEngine[target.Key] = entry = (target, new List<string>());
                entry.Names.AddRange(Name ?? Enumerable.Empty<string>());
            }
        }

        /// <summary>Acts on the pilots that match, after reporting each -Name that matched nothing.</summary>
        internal abstract Task ActAsync(DockerGateway docker, IReadOnlyList<PilotContainer> pilots);

        protected override void EndProcessing()
        {
            var names = _namesByEngine.Values.ToDictionary(e => e.Target.Key, e => e.Names, StringComparer.Ordinal);
            var unmatched = new UnmatchedNames();
            RunOnEngines(_namesByEngine.Values.Select(e => e.Target).ToList(), async (target, docker) =>
            {
                IReadOnlyList<PilotContainer> all = await docker.ListPilotsAsync(true, CancelToken);
                var selection = new PilotSelection(names[target.Key]);
                unmatched.Add(docker.Endpoint.ToString(), selection.UnmatchedLiterals(new string[0]), selection.UnmatchedLiterals(all.Select(p => p.Name)));
                List<PilotContainer> chosen = all.Where(p => selection.Matches(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
                await ActAsync(docker, chosen);
            });
            foreach (string missing in unmatched.Missing) WriteFailure(PilotSelection.NotFound(missing, true, unmatched.Engines));
        }
    }
}

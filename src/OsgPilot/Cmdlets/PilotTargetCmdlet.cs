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
        private readonly Dictionary<string, List<string>> _namesByHost = new Dictionary<string, List<string>>(StringComparer.Ordinal);

        /// <summary>Pilot names; wildcards allowed; pilot objects bind by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PilotNameCompleter))]
        public string[] Name { get; set; }

        protected override void ProcessRecord()
        {
            string host = DockerHost ?? string.Empty;
            if (!_namesByHost.TryGetValue(host, out List<string> list)) _namesByHost[host] = list = new List<string>();
            list.AddRange(Name ?? Enumerable.Empty<string>());
        }

        /// <summary>Acts on the pilots that match, after reporting each -Name that matched nothing.</summary>
        internal abstract Task ActAsync(DockerGateway docker, IReadOnlyList<PilotContainer> pilots);

        protected override void EndProcessing()
        {
            foreach (KeyValuePair<string, List<string>> group in _namesByHost)
            {
                Run(async () =>
                {
                    DockerGateway docker = Gateway(group.Key.Length == 0 ? null : group.Key);
                    IReadOnlyList<PilotContainer> all = await docker.ListPilotsAsync(true, CancelToken);
                    var selection = new PilotSelection(group.Value);
                    foreach (string missing in selection.UnmatchedLiterals(all.Select(p => p.Name)))
                    {
                        WriteFailure(PilotSelection.NotFound(missing, true, docker.Endpoint.Display));
                    }
                    List<PilotContainer> chosen = all.Where(p => selection.Matches(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
                    await ActAsync(docker, chosen);
                });
            }
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;

namespace OsgPilot.Cmdlets
{
    /// <summary>Lists OsgPilot pilots with one list call, filtered by label; never one inspect per container.</summary>
    [Cmdlet(VerbsCommon.Get, "OsgPilot")]
    [OutputType(typeof(Pilot))]
    public sealed class GetOsgPilotCommand : DockerCmdlet
    {
        private readonly List<string> _names = new List<string>();
        private readonly Dictionary<string, EngineTarget> _targets = new Dictionary<string, EngineTarget>(System.StringComparer.Ordinal);

        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PilotNameCompleter))]
        public string[] Name { get; set; }

        /// <summary>Include pilots that are not running (exited, created).</summary>
        [Parameter]
        public SwitchParameter All { get; set; }

        /// <summary>Also ask each pilot whether it is ready and draining, when it started and why it is not running (concurrent inspects).</summary>
        [Parameter]
        public SwitchParameter Detailed { get; set; }

        protected override void ProcessRecord()
        {
            if (Name != null) _names.AddRange(Name);
            // Engines may come down the pipeline too (a CSV of hosts): every one named is listed.
            foreach (EngineTarget t in Targets()) _targets[t.Key] = t;
        }

        protected override void EndProcessing()
        {
            var selection = new PilotSelection(_names);
            var unmatched = new UnmatchedNames();
            RunOnEngines(_targets.Count > 0 ? _targets.Values.ToList() : Targets(), async (target, docker) =>
            {
                IReadOnlyList<PilotContainer> pilots = await docker.ListPilotsAsync(All.IsPresent, CancelToken);
                // After the list, not beside it: on a TLS engine the second request reuses the first's connection.
                EngineVersion engine = pilots.Count > 0 ? await docker.GetEngineAsync(CancelToken) : null;
                List<(PilotContainer Container, Pilot Pilot)> chosen = pilots.Where(p => selection.Matches(p.Name))
                    .OrderBy(p => p.Name, System.StringComparer.Ordinal)
                    .Select(c => (c, PilotFactory.From(c, docker.Endpoint, engine))).ToList();
                if (Detailed.IsPresent) await new PilotStatusReader(docker, PipelineHostFor(ShouldProcess).Warning).FillAsync(chosen, CancelToken);
                foreach ((PilotContainer _, Pilot pilot) in chosen)
                {
                    if (Detailed.IsPresent) WriteDetailed(pilot);
                    else WriteObject(pilot);
                }
                unmatched.Add(docker.Endpoint.ToString(), selection.UnmatchedLiterals(new string[0]), selection.UnmatchedLiterals(pilots.Select(p => p.Name)));
            });
            foreach (string missing in unmatched.Missing) WriteFailure(PilotSelection.NotFound(missing, All.IsPresent, unmatched.Engines));
        }
    }
}

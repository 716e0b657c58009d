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
        }

        protected override void EndProcessing()
        {
            Run(async () =>
            {
                DockerGateway docker = Gateway();
                IReadOnlyList<PilotContainer> pilots = await docker.ListPilotsAsync(All.IsPresent, CancelToken);
                var selection = new PilotSelection(_names);
                List<(PilotContainer Container, Pilot Pilot)> chosen = pilots.Where(p => selection.Matches(p.Name))
                    .OrderBy(p => p.Name, System.StringComparer.Ordinal)
                    .Select(c => (c, PilotFactory.From(c, docker.Endpoint))).ToList();
                if (Detailed.IsPresent) await new PilotStatusReader(docker).FillAsync(chosen, CancelToken);
                foreach ((PilotContainer _, Pilot pilot) in chosen) WriteObject(pilot);
                foreach (string missing in selection.UnmatchedLiterals(pilots.Select(p => p.Name)))
                {
                    WriteFailure(PilotSelection.NotFound(missing, All.IsPresent, docker.Endpoint.Display));
                }
            });
        }
    }
}

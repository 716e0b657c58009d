using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Docker;
using OsgPilot.Errors;

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
                foreach (PilotContainer c in pilots.Where(p => selection.Matches(p.Name)).OrderBy(p => p.Name, System.StringComparer.Ordinal))
                {
                    WriteObject(PilotFactory.From(c, docker.Endpoint));
                }
                foreach (string missing in selection.UnmatchedLiterals(pilots.Select(p => p.Name)))
                {
                    WriteFailure(PilotSelection.NotFound(missing, All.IsPresent));
                }
            });
        }
    }
}

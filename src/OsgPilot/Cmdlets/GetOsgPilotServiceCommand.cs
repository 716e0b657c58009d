using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Errors;
using OsgPilot.Swarm;

namespace OsgPilot.Cmdlets
{
    /// <summary>Lists the pilot services on a swarm, with the newest task on each node.</summary>
    [Cmdlet(VerbsCommon.Get, "OsgPilotService", DefaultParameterSetName = "Service")]
    [OutputType(typeof(OsgPilotService), ParameterSetName = new[] { "Service" })]
    [OutputType(typeof(OsgPilotServiceTask), ParameterSetName = new[] { "Task" })]
    public sealed class GetOsgPilotServiceCommand : DockerCmdlet
    {
        // Names per engine: services piped from several managers are each looked up where they came from.
        private readonly Dictionary<string, (EngineTarget Target, List<string> Names)> _byEngine = new Dictionary<string, (EngineTarget, List<string>)>(StringComparer.Ordinal);

        /// <summary>Service or config names; wildcards allowed. A config name selects all its -PerNode services.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ServiceNameCompleter))]
        public string[] Name { get; set; }

        /// <summary>Output the tasks (one per node and service) instead of the services.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Task")]
        public SwitchParameter Task { get; set; }

        protected override void ProcessRecord()
        {
            foreach (EngineTarget t in Targets())
            {
                if (!_byEngine.TryGetValue(t.Key, out var entry)) _byEngine[t.Key] = entry = (t, new List<string>());
                if (Name != null) entry.Names.AddRange(Name);
            }
        }

        protected override void EndProcessing()
        {
            // Nothing came down the pipeline: list the engine the command line names.
            if (_byEngine.Count == 0) foreach (EngineTarget t in Targets()) _byEngine[t.Key] = (t, new List<string>());
            var unmatched = new UnmatchedNames();
            RunOnEngines(_byEngine.Values.Select(e => e.Target).ToList(), async (target, docker) =>
            {
                var selection = new PilotSelection(_byEngine[target.Key].Names);
                var seen = new List<string>();
                IReadOnlyList<OsgPilotService> services = await ServiceReader.ReadAsync(docker, s =>
                {
                    seen.Add(s.Name);
                    seen.Add(s.Group);
                    return selection.Matches(s.Name) || selection.Matches(s.Group);
                }, CancelToken);
                foreach (OsgPilotService s in services)
                {
                    if (Task.IsPresent) foreach (OsgPilotServiceTask t in s.Tasks) WriteObject(t);
                    else WriteObject(s);
                }
                unmatched.Add(docker.Endpoint.ToString(), selection.UnmatchedLiterals(new string[0]), selection.UnmatchedLiterals(seen));
            });
            foreach (string missing in unmatched.Missing) WriteFailure(NotFound(missing, unmatched.Engines));
        }

        internal static OsgPilotException NotFound(string name, string engines) =>
            new OsgPilotException(ErrorIds.ServiceNotFound, ErrorCategory.ObjectNotFound,
                $"No pilot service named '{name}' on {engines}.", name);
    }
}

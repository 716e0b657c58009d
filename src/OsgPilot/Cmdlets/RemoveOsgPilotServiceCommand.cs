using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Docker;
using OsgPilot.Launch;
using OsgPilot.Swarm;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Removes pilot services and the token secret they used. The swarm stops each task with the
    /// pilot's stop grace period; the cmdlet does not wait for that.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "OsgPilotService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveOsgPilotServiceCommand : DockerCmdlet
    {
        // Names per engine: services piped from several managers are each looked up where they came from.
        private readonly Dictionary<string, (EngineTarget Target, List<string> Names)> _byEngine = new Dictionary<string, (EngineTarget, List<string>)>(StringComparer.Ordinal);

        /// <summary>Service or config names (wildcards allowed), or services piped from Get-OsgPilotService.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ServiceNameCompleter))]
        public string[] Name { get; set; }

        /// <summary>Do not ask.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            foreach (EngineTarget t in Targets())
            {
                if (!_byEngine.TryGetValue(t.Key, out var entry)) _byEngine[t.Key] = entry = (t, new List<string>());
                entry.Names.AddRange(Name);
            }
        }

        protected override void EndProcessing()
        {
            var unmatched = new UnmatchedNames();
            RunOnEngines(_byEngine.Values.Select(e => e.Target).ToList(), async (target, docker) =>
            {
                var selection = new PilotSelection(_byEngine[target.Key].Names);
                IReadOnlyList<ServiceRecord> all = await docker.ListServicesAsync(CancelToken);
                List<ServiceRecord> chosen = all.Where(s => selection.Matches(s.Name) || selection.Matches(s.Group))
                                                .OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
                unmatched.Add(docker.Endpoint.ToString(), selection.UnmatchedLiterals(new string[0]),
                    selection.UnmatchedLiterals(all.Select(s => s.Name).Concat(all.Select(s => s.Group))));
                var groups = new HashSet<string>(StringComparer.Ordinal);
                foreach (ServiceRecord s in chosen)
                {
                    string secrets = string.Join(" ", s.SecretNames.Select(DockerRunLine.Quote));
                    string action = $"Remove the pilot service (docker service rm {DockerRunLine.Quote(s.Name)}" +
                                    (secrets.Length > 0 ? $", then docker secret rm {secrets} once no service uses it" : "") + ")";
                    if (!ShouldProcessUnlessForced(Force.IsPresent, s.Name, action)) continue;
                    await docker.RemoveServiceAsync(s.Id, CancelToken);
                    WriteVerbose($"Removed the service '{s.Name}'; the swarm stops its tasks with their stop grace period.");
                    groups.Add(s.Group);
                }
                var reconciler = new ServiceReconciler(docker, PipelineHostFor(ShouldProcess));
                foreach (string group in groups) await reconciler.RemoveUnusedSecretsAsync(group, CancelToken);
            });
            foreach (string missing in unmatched.Missing) WriteFailure(GetOsgPilotServiceCommand.NotFound(missing, unmatched.Engines));
        }
    }
}

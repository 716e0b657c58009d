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
    public sealed class RemoveOsgPilotServiceCommand : DockerCmdlet, IServiceHost
    {
        private readonly List<string> _names = new List<string>();

        /// <summary>Service or config names (wildcards allowed), or services piped from Get-OsgPilotService.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ServiceNameCompleter))]
        public string[] Name { get; set; }

        /// <summary>Do not ask.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord() => _names.AddRange(Name);

        protected override void EndProcessing()
        {
            var selection = new PilotSelection(_names);
            var unmatched = new UnmatchedNames();
            RunOnEngines(Targets(), async (target, docker) =>
            {
                IReadOnlyList<ServiceRecord> all = await docker.ListServicesAsync(CancelToken);
                string GroupOf(ServiceRecord s) => s.Label(PilotLabels.Service) ?? s.Name;
                List<ServiceRecord> chosen = all.Where(s => selection.Matches(s.Name) || selection.Matches(GroupOf(s)))
                                                .OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
                unmatched.Add(docker.Endpoint.ToString(), selection.UnmatchedLiterals(new string[0]),
                    selection.UnmatchedLiterals(all.Select(s => s.Name).Concat(all.Select(GroupOf))));
                var groups = new HashSet<string>(StringComparer.Ordinal);
                foreach (ServiceRecord s in chosen)
                {
                    string secrets = string.Join(" ", s.SecretNames.Select(DockerRunLine.Quote));
                    string action = $"Remove the pilot service (docker service rm {DockerRunLine.Quote(s.Name)}" +
                                    (secrets.Length > 0 ? $", then docker secret rm {secrets} once no service uses it" : "") + ")";
                    if (!ShouldProcessUnlessForced(Force.IsPresent, s.Name, action)) continue;
                    await docker.RemoveServiceAsync(s.Id, CancelToken);
                    WriteVerbose($"Removed the service '{s.Name}'; the swarm stops its tasks with their stop grace period.");
                    groups.Add(GroupOf(s));
                }
                var deployer = new ServiceDeployer(docker, this);
                foreach (string group in groups) await deployer.RemoveUnusedSecretsAsync(group, CancelToken);
            });
            foreach (string missing in unmatched.Missing) WriteFailure(GetOsgPilotServiceCommand.NotFound(missing, unmatched.Engines));
        }

        bool IServiceHost.ShouldProcess(string target, string action) => ShouldProcess(target, action);

        void IServiceHost.Verbose(string text) => WriteVerbose(text);

        void IServiceHost.Warning(string text) => WriteWarning(text);
    }
}

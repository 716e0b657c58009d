using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Threading;
using OsgPilot.Token;

namespace OsgPilot.Swarm
{
    /// <summary>
    /// Makes the swarm run a config's pilot services: observe (one round of list calls), plan
    /// (<see cref="ServicePlanner"/>), execute (<see cref="ServiceExecutor"/>), then take back the
    /// token secrets nothing may run on any more. Nothing is changed when the services already match.
    /// </summary>
    internal sealed class ServiceReconciler
    {
        private readonly ISwarmEngine _swarm;
        private readonly IPipelineHost _host;
        private readonly ServiceExecutor _executor;

        public ServiceReconciler(ISwarmEngine swarm, IPipelineHost host)
        {
            _swarm = swarm;
            _host = host;
            _executor = new ServiceExecutor(swarm, host);
        }

        /// <summary>The services this run created or updated, each with when its previous roll-out began (for -Wait).</summary>
        public Dictionary<string, DateTime?> Changed => _executor.Changed;

        /// <summary>The container hash this run gave each service it created or updated (for -Wait's diagnostics).</summary>
        public Dictionary<string, string> Applied => _executor.Applied;

        public async Task<IReadOnlyList<OsgPilotServiceResult>> RunAsync(OsgPilotConfig config, ServiceOptions options, CancellationToken ct)
        {
            // Refused before the engine is asked anything: an unsupported config changes nothing.
            ServiceSpecMapper.ThrowIfUnsupported(config);
            await SwarmGuard.RequireManagerAsync(_swarm, ct);

            // The token every node will get is checked as Start-OsgPilot checks it: a JWT, not expired.
            string token = TokenSource.Of(config);
            OsgPilotTokenInfo info = IdTokenParser.Parse(token, config.TokenPath);
            TokenCheck.ThrowIfExpired(info, DateTime.UtcNow);
            string[] warnings = TokenCheck.Warnings(info, DateTime.UtcNow).ToArray();
            foreach (string w in warnings) _host.Warning(w);
            IReadOnlyList<PilotServiceSpec> specs = ServiceSpecMapper.Map(config, options, ServiceSpecMapper.TokenDigest(token), ModuleVersion.Value);

            Task<IReadOnlyList<ServiceRecord>> ours = _swarm.ListServicesAsync(ct);
            Task<IReadOnlyList<ServiceRecord>> named = _swarm.ListServicesByNameAsync(specs.Select(s => s.Name), ct);
            Task<IReadOnlyList<SecretRecord>> secrets = _swarm.ListSecretsAsync(ct);
            await Task.WhenAll(ours, named, secrets);
            var seen = new ServiceObservation { Desired = specs, Ours = ours.Result, Named = named.Result, Secrets = secrets.Result };

            IReadOnlyList<ServiceStep> steps = ServicePlanner.Plan(seen);
            if (steps.Any(s => s.Action == ServiceAction.Create || s.Action == ServiceAction.Update)) await WarnOfPlacementAsync(specs[0], ct);
            IReadOnlyList<ServiceOutcome> outcomes = await _executor.RunAsync(steps, token, ct);
            List<OsgPilotServiceResult> results = outcomes.Where(o => o.Step.Action == ServiceAction.Keep)
                .Concat(outcomes.Where(o => o.Changed && o.Step.Action != ServiceAction.Keep && o.Step.Action != ServiceAction.CreateSecret))
                .Select(o => Result(o, options, warnings)).ToList();

            // Every run, changed or not, so what an earlier run had to keep (for a roll-back) goes once nothing needs it.
            if (results.Any(r => r.Changed)) await RemoveUnusedSecretsAsync(config.Name, ct, ask: true);
            else await RemoveUnusedSecretsAsync(config.Name, seen.Ours, seen.Secrets, ask: true, ct);
            return results;
        }

        /// <summary>
        /// Removes the config's token secrets nothing may run on any more (after a rotation or a removal):
        /// not the current spec of any service, not the previous one a roll-back returns to, and no
        /// task the swarm still means to run. Otherwise a roll-back would land on a deleted secret and
        /// every restart of its tasks would fail.
        /// </summary>
        /// <param name="ask">Whether each removal goes through ShouldProcess (-WhatIf shows it); Remove-OsgPilotService asked already.</param>
        public async Task RemoveUnusedSecretsAsync(string group, CancellationToken ct, bool ask = false)
        {
            Task<IReadOnlyList<ServiceRecord>> services = _swarm.ListServicesAsync(ct);
            Task<IReadOnlyList<SecretRecord>> secrets = _swarm.ListSecretsAsync(ct);
            await Task.WhenAll(services, secrets);
            await RemoveUnusedSecretsAsync(group, services.Result, secrets.Result, ask, ct);
        }

        private async Task RemoveUnusedSecretsAsync(string group, IReadOnlyList<ServiceRecord> services, IReadOnlyList<SecretRecord> secrets, bool ask, CancellationToken ct)
        {
            IReadOnlyList<SecretRecord> inDoubt = ServicePlanner.SecretsInDoubt(group, services, secrets);
            if (inDoubt.Count == 0) return;
            IReadOnlyList<TaskRecord> tasks = await _swarm.ListTasksAsync(services.Select(s => s.Id), ct);
            await _executor.RemoveSecretsAsync(ServicePlanner.PlanSecretRemoval(inDoubt, tasks), ask, ct);
        }

        /// <summary>A warning when no node can take the service's tasks: Swarm accepts such a service and never runs it.</summary>
        private async Task WarnOfPlacementAsync(PilotServiceSpec spec, CancellationToken ct)
        {
            string warning = PlacementCheck.Warning(spec.Constraints, await _swarm.ListNodesAsync(ct));
            if (warning != null) _host.Warning($"The service '{spec.Group}': {warning}");
        }

        private OsgPilotServiceResult Result(ServiceOutcome o, ServiceOptions options, string[] warnings)
        {
            ServiceStep s = o.Step;
            var r = new OsgPilotServiceResult
            {
                Name = s.Name, Action = ActionName(s.Action), Changed = o.Changed, Reason = s.Reason, Differences = s.Differences,
                Id = o.Id ?? s.Existing?.Id, DockerHost = _swarm.Display, Context = _swarm.Context, Warnings = warnings,
            };
            if (s.Action == ServiceAction.Remove)
            {
                ServiceRecord gone = s.Existing;
                r.ConfigName = gone.Group;
                r.Image = gone.Image;
                r.PerNode = options.PerNode;
                r.Constraints = gone.Constraints.ToArray();
                r.SecretName = gone.SecretNames.FirstOrDefault();
                return r;
            }
            r.ConfigName = s.Spec.Group;
            r.Image = s.Spec.Container.Image;
            r.PerNode = s.Spec.PerNode;
            r.Constraints = s.Spec.Constraints.ToArray();
            r.SecretName = s.Spec.SecretName;
            return r;
        }

        /// <summary>The action as Set-OsgPilotService reports it (stable words scripts match on).</summary>
        private static string ActionName(ServiceAction action)
        {
            switch (action)
            {
                case ServiceAction.Create: return "Created";
                case ServiceAction.Update: return "Updated";
                case ServiceAction.Remove: return "Removed";
                default: return "Unchanged";
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Threading;
using OsgPilot.Token;

namespace OsgPilot.Swarm
{
    /// <summary>
    /// Makes the swarm run a config's pilot services: creates what is missing, updates what differs
    /// (Swarm then rolls it node by node), removes what -PerNode no longer asks for, and keeps exactly
    /// one token secret per config. Nothing is changed when the services already match.
    /// </summary>
    internal sealed class ServiceDeployer
    {
        private readonly DockerGateway _docker;
        private readonly IPipelineHost _host;

        /// <summary>The services this run created or updated, each with when its previous roll-out began (for -Wait).</summary>
        public Dictionary<string, DateTime?> Changed { get; } = new Dictionary<string, DateTime?>(StringComparer.Ordinal);

        /// <summary>The container hash this run gave each service it created or updated (for -Wait's diagnostics).</summary>
        public Dictionary<string, string> Applied { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public ServiceDeployer(DockerGateway docker, IPipelineHost host)
        {
            _docker = docker;
            _host = host;
        }

        public async Task<IReadOnlyList<OsgPilotServiceResult>> RunAsync(OsgPilotConfig config, ServiceOptions options, CancellationToken ct)
        {
            // Refused before the engine is asked anything: an unsupported config changes nothing.
            ServiceSpecMapper.ThrowIfUnsupported(config);
            await SwarmGuard.RequireManagerAsync(_docker, ct);

            // The token every node will get is checked as Start-OsgPilot checks it: a JWT, not expired.
            string token = TokenSource.Of(config);
            OsgPilotTokenInfo info = IdTokenParser.Parse(token, config.TokenPath);
            TokenCheck.ThrowIfExpired(info, DateTime.UtcNow);
            string[] warnings = TokenCheck.Warnings(info, DateTime.UtcNow).ToArray();
            foreach (string w in warnings) _host.Warning(w);
            IReadOnlyList<PilotServiceSpec> specs = ServiceSpecMapper.Map(config, options, ServiceSpecMapper.TokenDigest(token), ModuleVersion.Value);
            PilotServiceSpec first = specs[0];

            Task<IReadOnlyList<ServiceRecord>> ours = _docker.ListServicesAsync(ct);
            Task<IReadOnlyList<ServiceRecord>> named = _docker.ListServicesByNameAsync(specs.Select(s => s.Name), ct);
            Task<IReadOnlyList<SecretRecord>> secrets = _docker.ListSecretsAsync(ct);
            await Task.WhenAll(ours, named, secrets);

            foreach (ServiceRecord other in named.Result.Where(s => s.Label(PilotLabels.Managed) != "true"))
            {
                throw new OsgPilotException(ErrorIds.ServiceNotOurs, ErrorCategory.ResourceExists,
                    $"The swarm already has a service named '{other.Name}' that OsgPilot did not make; it was left alone and nothing was changed. Remove it, or give the config another -Name.", other.Name);
            }
            List<ServiceRecord> group = ours.Result.Where(s => s.Label(PilotLabels.Service) == config.Name).ToList();
            SecretRecord secret = secrets.Result.FirstOrDefault(s => s.Name == first.SecretName);
            var secretIds = new HashSet<string>(secrets.Result.Select(s => s.Id), StringComparer.Ordinal);
            var results = new List<OsgPilotServiceResult>();
            var work = new List<(PilotServiceSpec Spec, ServiceRecord Existing, string Reason, string[] Differences)>();
            foreach (PilotServiceSpec spec in specs)
            {
                ServiceRecord existing = group.FirstOrDefault(s => s.Name == spec.Name);
                if (existing == null)
                {
                    work.Add((spec, null, "No such service.", new string[0]));
                    continue;
                }
                string[] differences = Differences(existing, spec, secret?.Id, secretIds);
                if (differences.Length == 0 && existing.Label(PilotLabels.ConfigHash) == spec.ConfigHash)
                {
                    results.Add(Result(spec, "Unchanged", false, "The service matches the config.", existing.Id, warnings, differences));
                    continue;
                }
                work.Add((spec, existing, Reason(existing, spec, differences), differences));
            }
            List<ServiceRecord> surplus = group.Where(s => specs.All(x => x.Name != s.Name)).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
            if (work.Count > 0) await WarnOfPlacementAsync(first, ct);

            bool madeSecret = false;
            try
            {
                foreach (var (spec, existing, reason, differences) in work)
                {
                    string line = existing == null ? DockerServiceLine.RenderCreate(spec) : DockerServiceLine.RenderUpdate(spec) + " - " + reason;
                    if (secret == null && !madeSecret) line = DockerServiceLine.RenderSecret(spec) + " && " + line;
                    if (!await _host.ShouldProcessAsync(spec.Name, line)) continue;
                    if (secret == null)
                    {
                        secret = new SecretRecord { Id = await CreateSecretAsync(spec, token, ct), Name = spec.SecretName };
                        madeSecret = true;
                    }
                    string id;
                    if (existing == null)
                    {
                        id = await _docker.CreateServiceAsync(spec, secret.Id, ct);
                        Changed[id] = null;
                        Applied[id] = spec.Container.ConfigHash;
                        _host.Verbose($"Created the service '{spec.Name}' ({reason})");
                        results.Add(Result(spec, "Created", true, reason, id, warnings, differences));
                    }
                    else
                    {
                        await _docker.UpdateServiceAsync(existing, spec, secret.Id, ct);
                        if (differences.Any(d => d.EndsWith(ServiceDrift.Missing, StringComparison.Ordinal))) await ForgetBrokenSpecAsync(spec, secret.Id, ct);
                        Changed[existing.Id] = existing.UpdateStartedAt;
                        Applied[existing.Id] = spec.Container.ConfigHash;
                        _host.Verbose($"Updated the service '{spec.Name}'; the swarm replaces its tasks {spec.UpdateParallelism} at a time ({reason})");
                        results.Add(Result(spec, "Updated", true, reason, existing.Id, warnings, differences));
                    }
                }
            }
            catch (Exception) when (madeSecret && !results.Any(r => r.Changed))
            {
                // Nothing uses the secret this run made: take it back, so a failed run leaves nothing.
                await ForgetSecretAsync(secret, CancellationToken.None);
                throw;
            }

            foreach (ServiceRecord s in surplus)
            {
                if (!await _host.ShouldProcessAsync(s.Name, $"docker service rm {DockerRunLine.Quote(s.Name)} (-PerNode is now {options.PerNode})")) continue;
                await _docker.RemoveServiceAsync(s.Id, ct);
                results.Add(new OsgPilotServiceResult
                {
                    Name = s.Name, ConfigName = config.Name, Action = "Removed", Changed = true, Reason = $"-PerNode is now {options.PerNode}.", Differences = new string[0],
                    Id = s.Id, Image = s.Image, PerNode = options.PerNode, Constraints = s.Constraints.ToArray(), SecretName = s.SecretNames.FirstOrDefault(),
                    DockerHost = _docker.Endpoint.Display, Context = _docker.Endpoint.Context, Warnings = warnings,
                });
            }
            // Every run, changed or not, so what an earlier run had to keep (for a roll-back) goes once nothing needs it.
            if (results.Any(r => r.Changed)) await RemoveUnusedSecretsAsync(config.Name, ct, ask: true);
            else await RemoveUnusedSecretsAsync(config.Name, ours.Result, secrets.Result, ask: true, ct);
            return results;
        }

        /// <summary>
        /// Removes the config's token secrets nothing may run on any more (after a rotation or a removal):
        /// not the current spec of any service, not the previous one a roll-back returns to, and no
        /// task the swarm still means to run. Otherwise a roll-back would land on a deleted secret and
        /// every restart of its tasks would fail.
        /// </summary>
        /// <param name="ask">Whether each removal goes through ShouldProcess (-WhatIf shows it); Remove-OsgPilotService asked already.</param>
        internal async Task RemoveUnusedSecretsAsync(string group, CancellationToken ct, bool ask = false)
        {
            Task<IReadOnlyList<ServiceRecord>> services = _docker.ListServicesAsync(ct);
            Task<IReadOnlyList<SecretRecord>> secrets = _docker.ListSecretsAsync(ct);
            await Task.WhenAll(services, secrets);
            await RemoveUnusedSecretsAsync(group, services.Result, secrets.Result, ask, ct);
        }

        private async Task RemoveUnusedSecretsAsync(string group, IReadOnlyList<ServiceRecord> services, IReadOnlyList<SecretRecord> secrets, bool ask, CancellationToken ct)
        {
            List<SecretRecord> candidates = secrets.Where(s => s.Label(PilotLabels.Managed) == "true" && s.Label(PilotLabels.Service) == group).ToList();
            var used = new HashSet<string>(services.SelectMany(s => s.SecretNames.Concat(s.PreviousSecretNames)), StringComparer.Ordinal);
            if (candidates.All(s => used.Contains(s.Name))) return;
            IReadOnlyList<TaskRecord> tasks = await _docker.ListTasksAsync(services.Select(s => s.Id), ct);
            used.UnionWith(tasks.Where(t => t.MayRun).SelectMany(t => t.SecretNames));
            foreach (SecretRecord s in candidates.Where(s => !used.Contains(s.Name)))
            {
                if (ask && !await _host.ShouldProcessAsync(s.Name, $"docker secret rm {DockerRunLine.Quote(s.Name)} (no service, roll-back or task uses it)")) continue;
                await ForgetSecretAsync(s, ct);
            }
        }

        /// <summary>
        /// The update that repaired a spec naming a lost secret made that broken spec the one a
        /// roll-back returns to: a pilot that dies within the update's monitor window would send every
        /// node back to it. The same spec once more makes the repaired spec that target; its tasks are
        /// already on it, so nothing restarts.
        /// </summary>
        private async Task ForgetBrokenSpecAsync(PilotServiceSpec spec, string secretId, CancellationToken ct)
        {
            ServiceRecord repaired = (await _docker.ListServicesByNameAsync(new[] { spec.Name }, ct)).Single();
            await _docker.UpdateServiceAsync(repaired, spec, secretId, ct);
            _host.Verbose($"Sent the service '{spec.Name}' its repaired spec again, so that a roll-back returns to it and not to the spec that named a lost secret");
        }

        /// <summary>A warning when no node can take the service's tasks: Swarm accepts such a service and never runs it.</summary>
        private async Task WarnOfPlacementAsync(PilotServiceSpec spec, CancellationToken ct)
        {
            string warning = PlacementCheck.Warning(spec.Constraints, await _docker.ListNodesAsync(ct));
            if (warning != null) _host.Warning($"The service '{spec.Group}': {warning}");
        }

        private async Task<string> CreateSecretAsync(PilotServiceSpec spec, string token, CancellationToken ct)
        {
            byte[] data = Encoding.UTF8.GetBytes(token + "\n");
            try
            {
                var labels = new Dictionary<string, string>
                {
                    [PilotLabels.Managed] = "true",
                    [PilotLabels.Service] = spec.Group,
                    [PilotLabels.ModuleVersion] = ModuleVersion.Value,
                };
                string id = await _docker.CreateSecretAsync(spec.SecretName, labels, data, ct);
                _host.Verbose($"Created the secret '{spec.SecretName}' holding the token");
                return id;
            }
            finally
            {
                Array.Clear(data, 0, data.Length);
            }
        }

        private async Task ForgetSecretAsync(SecretRecord secret, CancellationToken ct)
        {
            try
            {
                await _docker.DeleteSecretAsync(secret.Id, ct);
                _host.Verbose($"Removed the secret '{secret.Name}', which no service uses any more");
            }
            catch (OsgPilotException e) when (e.ErrorId == ErrorIds.DockerApiError)
            {
                // Still in use (a service outside this run refers to it): the next run removes it.
                _host.Verbose($"Kept the secret '{secret.Name}' for now: {e.Message}");
            }
        }

        /// <summary>What differs from the config in the live service, a new token said as such (its secret's name is a digest of it).</summary>
        private static string[] Differences(ServiceRecord existing, PilotServiceSpec spec, string secretId, ICollection<string> secretIds)
        {
            bool newToken = !existing.SecretNames.Contains(spec.SecretName);
            return ServiceDrift.Find(existing, spec, secretId, secretIds)
                .Select(d => d.Part == "secrets" && newToken && !d.Text.EndsWith(ServiceDrift.Missing, StringComparison.Ordinal) ? "new token" : d.Text)
                .Distinct(StringComparer.Ordinal).ToArray();
        }

        /// <summary>
        /// Why the service is updated. The config-hash label tells a changed config from a service
        /// changed outside OsgPilot (docker service update by hand, a roll-back onto a lost secret).
        /// </summary>
        private static string Reason(ServiceRecord existing, PilotServiceSpec spec, string[] differences)
        {
            if (differences.Length == 0) return "Settings changed.";
            string list = string.Join("; ", differences) + ".";
            return existing.Label(PilotLabels.ConfigHash) == spec.ConfigHash ? "Changed outside OsgPilot, restored: " + list : list;
        }

        private OsgPilotServiceResult Result(PilotServiceSpec spec, string action, bool changed, string reason, string id, string[] warnings, string[] differences) => new OsgPilotServiceResult
        {
            Differences = differences,
            Name = spec.Name,
            ConfigName = spec.Group,
            Action = action,
            Changed = changed,
            Reason = reason,
            Id = id,
            Image = spec.Container.Image,
            PerNode = spec.PerNode,
            Constraints = spec.Constraints.ToArray(),
            SecretName = spec.SecretName,
            DockerHost = _docker.Endpoint.Display,
            Context = _docker.Endpoint.Context,
            Warnings = warnings,
        };
    }
}

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
            var results = new List<OsgPilotServiceResult>();
            var work = new List<(PilotServiceSpec Spec, ServiceRecord Existing, string Reason)>();
            foreach (PilotServiceSpec spec in specs)
            {
                ServiceRecord existing = group.FirstOrDefault(s => s.Name == spec.Name);
                if (existing != null && existing.Label(PilotLabels.ConfigHash) == spec.ConfigHash && existing.Image == spec.Container.Image)
                {
                    results.Add(Result(spec, "Unchanged", false, "The service matches the config.", existing.Id, warnings));
                    continue;
                }
                work.Add((spec, existing, existing == null ? "No such service." : Difference(existing, spec)));
            }
            List<ServiceRecord> surplus = group.Where(s => specs.All(x => x.Name != s.Name)).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();

            SecretRecord secret = secrets.Result.FirstOrDefault(s => s.Name == first.SecretName);
            bool madeSecret = false;
            try
            {
                foreach (var (spec, existing, reason) in work)
                {
                    string line = existing == null ? DockerServiceLine.RenderCreate(spec) : DockerServiceLine.RenderUpdate(spec);
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
                        _host.Verbose($"Created the service '{spec.Name}' ({reason})");
                        results.Add(Result(spec, "Created", true, reason, id, warnings));
                    }
                    else
                    {
                        await _docker.UpdateServiceAsync(existing.Id, existing.Version, spec, secret.Id, ct);
                        Changed[existing.Id] = existing.UpdateStartedAt;
                        _host.Verbose($"Updated the service '{spec.Name}'; the swarm replaces its tasks {spec.UpdateParallelism} at a time ({reason})");
                        results.Add(Result(spec, "Updated", true, reason, existing.Id, warnings));
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
                    Name = s.Name, ConfigName = config.Name, Action = "Removed", Changed = true, Reason = $"-PerNode is now {options.PerNode}.",
                    Id = s.Id, Image = s.Image, PerNode = options.PerNode, Constraints = s.Constraints.ToArray(), SecretName = s.SecretNames.FirstOrDefault(),
                    DockerHost = _docker.Endpoint.Display, Context = _docker.Endpoint.Context, Warnings = warnings,
                });
            }
            if (results.Any(r => r.Changed)) await RemoveUnusedSecretsAsync(config.Name, ct);
            return results;
        }

        /// <summary>Removes the config's token secrets no service refers to any more (after a rotation or a removal).</summary>
        internal async Task RemoveUnusedSecretsAsync(string group, CancellationToken ct)
        {
            Task<IReadOnlyList<ServiceRecord>> services = _docker.ListServicesAsync(ct);
            Task<IReadOnlyList<SecretRecord>> secrets = _docker.ListSecretsAsync(ct);
            await Task.WhenAll(services, secrets);
            var used = new HashSet<string>(services.Result.SelectMany(s => s.SecretNames), StringComparer.Ordinal);
            foreach (SecretRecord s in secrets.Result.Where(s => s.Label(PilotLabels.Managed) == "true" && s.Label(PilotLabels.Service) == group && !used.Contains(s.Name)))
            {
                await ForgetSecretAsync(s, ct);
            }
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

        private static string Difference(ServiceRecord existing, PilotServiceSpec spec)
        {
            var what = new List<string>();
            if (existing.Image != spec.Container.Image) what.Add($"image {existing.Image} -> {spec.Container.Image}");
            if (!existing.SecretNames.Contains(spec.SecretName)) what.Add("new token");
            if (what.Count == 0) what.Add("settings changed");
            return string.Join(", ", what) + ".";
        }

        private OsgPilotServiceResult Result(PilotServiceSpec spec, string action, bool changed, string reason, string id, string[] warnings) => new OsgPilotServiceResult
        {
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

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Reconcile;
using OsgPilot.Threading;

namespace OsgPilot.Swarm
{
    /// <summary>How one service step ended, with the service it made or changed.</summary>
    internal sealed class ServiceOutcome : StepOutcome<ServiceStep>
    {
        public string Id { get; set; }
    }

    /// <summary>
    /// Carries out <see cref="ServicePlanner"/>'s steps: each asked through ShouldProcess with the
    /// docker line it amounts to, the token's secret made only once a service that needs it is
    /// approved, and taken back when the run fails before any service used it.
    /// </summary>
    internal sealed class ServiceExecutor
    {
        private readonly ISwarmEngine _swarm;
        private readonly IPipelineHost _host;

        public ServiceExecutor(ISwarmEngine swarm, IPipelineHost host)
        {
            _swarm = swarm;
            _host = host;
        }

        /// <summary>The services this run created or updated, each with when its previous roll-out began (for -Wait).</summary>
        public Dictionary<string, DateTime?> Changed { get; } = new Dictionary<string, DateTime?>(StringComparer.Ordinal);

        /// <summary>The container hash this run gave each service it created or updated (for -Wait's diagnostics).</summary>
        public Dictionary<string, string> Applied { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Runs the service steps in order (no RemoveSecret: see <see cref="RemoveSecretsAsync"/>); a failure ends the run.</summary>
        public async Task<IReadOnlyList<ServiceOutcome>> RunAsync(IReadOnlyList<ServiceStep> steps, string token, CancellationToken ct)
        {
            ServiceStep refused = steps.FirstOrDefault(s => s.Action == ServiceAction.Refuse);
            if (refused != null) throw refused.Error;
            ServiceStep pendingSecret = steps.FirstOrDefault(s => s.Action == ServiceAction.CreateSecret);
            var outcomes = steps.Select(s => new ServiceOutcome { Step = s, Skipped = s.Changes }).ToList();
            string secretId = null;
            try
            {
                foreach (ServiceOutcome o in outcomes.Where(o => o.Step.Action == ServiceAction.Create || o.Step.Action == ServiceAction.Update))
                {
                    ServiceStep s = o.Step;
                    string line = s.Action == ServiceAction.Create ? DockerServiceLine.RenderCreate(s.Spec) : DockerServiceLine.RenderUpdate(s.Spec) + " - " + s.Reason;
                    if (pendingSecret != null && secretId == null) line = DockerServiceLine.RenderSecret(s.Spec) + " && " + line;
                    if (!await _host.ShouldProcessAsync(s.Name, line)) continue;
                    secretId = secretId ?? await SecretIdAsync(s, pendingSecret, outcomes, token, ct);
                    o.Id = s.Action == ServiceAction.Create ? await CreateAsync(s, secretId, ct) : await UpdateAsync(s, secretId, ct);
                    o.Skipped = false;
                }
            }
            catch (Exception) when (pendingSecret != null && secretId != null && !outcomes.Any(o => o.Changed && o.Step.Action != ServiceAction.CreateSecret))
            {
                // Nothing uses the secret this run made: take it back, so a failed run leaves nothing.
                await ForgetSecretAsync(new SecretRecord { Id = secretId, Name = pendingSecret.Name }, CancellationToken.None);
                throw;
            }
            foreach (ServiceOutcome o in outcomes.Where(o => o.Step.Action == ServiceAction.Remove))
            {
                if (!await _host.ShouldProcessAsync(o.Step.Name, $"docker service rm {DockerRunLine.Quote(o.Step.Name)} ({o.Step.Reason.TrimEnd('.')})")) continue;
                await _swarm.RemoveServiceAsync(o.Step.Existing.Id, ct);
                o.Id = o.Step.Existing.Id;
                o.Skipped = false;
            }
            return outcomes;
        }

        /// <summary>Removes the secrets of RemoveSecret steps; <paramref name="ask"/>: each through ShouldProcess (-WhatIf shows it).</summary>
        public async Task RemoveSecretsAsync(IReadOnlyList<ServiceStep> steps, bool ask, CancellationToken ct)
        {
            foreach (ServiceStep s in steps.Where(s => s.Action == ServiceAction.RemoveSecret))
            {
                if (ask && !await _host.ShouldProcessAsync(s.Name, $"docker secret rm {DockerRunLine.Quote(s.Name)} ({s.Reason})")) continue;
                await ForgetSecretAsync(s.Secret, ct);
            }
        }

        /// <summary>The id of the token's secret: the live one the planner saw, or the one made now for the first approved service.</summary>
        private async Task<string> SecretIdAsync(ServiceStep step, ServiceStep pending, List<ServiceOutcome> outcomes, string token, CancellationToken ct)
        {
            if (pending == null) return step.Secret.Id;
            string id = await CreateSecretAsync(pending.Spec, token, ct);
            outcomes.First(o => o.Step == pending).Skipped = false;
            return id;
        }

        private async Task<string> CreateAsync(ServiceStep s, string secretId, CancellationToken ct)
        {
            string id = await _swarm.CreateServiceAsync(s.Spec, secretId, ct);
            Changed[id] = null;
            Applied[id] = s.Spec.Container.ConfigHash;
            _host.Verbose($"Created the service '{s.Name}' ({s.Reason})");
            return id;
        }

        private async Task<string> UpdateAsync(ServiceStep s, string secretId, CancellationToken ct)
        {
            await _swarm.UpdateServiceAsync(s.Existing, s.Spec, secretId, ct);
            if (s.RepairsLostSecret) await ForgetBrokenSpecAsync(s.Spec, secretId, ct);
            Changed[s.Existing.Id] = s.Existing.UpdateStartedAt;
            Applied[s.Existing.Id] = s.Spec.Container.ConfigHash;
            _host.Verbose($"Updated the service '{s.Name}'; the swarm replaces its tasks {s.Spec.UpdateParallelism} at a time ({s.Reason})");
            return s.Existing.Id;
        }

        /// <summary>
        /// The update that repaired a spec naming a lost secret made that broken spec the one a
        /// roll-back returns to: a pilot that dies within the update's monitor window would send every
        /// node back to it. The same spec once more makes the repaired spec that target; its tasks are
        /// already on it, so nothing restarts.
        /// </summary>
        private async Task ForgetBrokenSpecAsync(PilotServiceSpec spec, string secretId, CancellationToken ct)
        {
            ServiceRecord repaired = (await _swarm.ListServicesByNameAsync(new[] { spec.Name }, ct)).Single();
            await _swarm.UpdateServiceAsync(repaired, spec, secretId, ct);
            _host.Verbose($"Sent the service '{spec.Name}' its repaired spec again, so that a roll-back returns to it and not to the spec that named a lost secret");
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
                string id = await _swarm.CreateSecretAsync(spec.SecretName, labels, data, ct);
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
                await _swarm.DeleteSecretAsync(secret.Id, ct);
                _host.Verbose($"Removed the secret '{secret.Name}', which no service uses any more");
            }
            catch (OsgPilotException e) when (e.ErrorId == ErrorIds.DockerApiError)
            {
                // Still in use (a service outside this run refers to it): the next run removes it.
                _host.Verbose($"Kept the secret '{secret.Name}' for now: {e.Message}");
            }
        }
    }
}

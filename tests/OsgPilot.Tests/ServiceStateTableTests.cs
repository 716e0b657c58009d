using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Swarm;
using OsgPilot.Threading;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>
    /// Both Swarm tables in docs/about_OsgPilot.md, row by row, through the planner alone; and the
    /// executor's secret undo through a swarm in memory. The page is the specification.
    /// </summary>
    public sealed class ServiceStateTableTests : IDisposable
    {
        private const string Group = "backfill";
        private readonly string _token = TestTokens.File();

        public void Dispose() => File.Delete(_token);

        private PilotServiceSpec Spec(string digest = "0123456789ab")
        {
            var r = new PilotConfigRequest { Site = "S", ResourceName = "R", TokenPath = _token, SquidLocation = "squid.example.edu:3128", Name = Group, Cpus = 1, MemoryMB = 256, SecurityProfile = SecurityProfile.Capabilities };
            return ServiceSpecMapper.Map(PilotConfigBuilder.Build(r).Config, new ServiceOptions(), digest, "1.0.0").Single();
        }

        private static Dictionary<string, string> Ours(string hash) => new Dictionary<string, string>
        {
            [PilotLabels.Managed] = "true", [PilotLabels.Service] = Group, [PilotLabels.ConfigHash] = hash,
        };

        private static SecretRecord Secret(string id, string name) => new SecretRecord
        {
            Id = id, Name = name, Labels = new Dictionary<string, string> { [PilotLabels.Managed] = "true", [PilotLabels.Service] = Group },
        };

        public static IEnumerable<object[]> ServiceRows() => TableRows("| Service ");

        public static IEnumerable<object[]> SecretRows() => TableRows("| Current spec ");

        [Theory]
        [MemberData(nameof(ServiceRows))]
        public void Each_service_row_is_what_the_planner_does(string service, string madeBy, string hash, string spec, string secret, string expected)
        {
            ServiceObservation o = Observe(service, madeBy, hash, spec, secret);
            // The row is about one service: for a surplus one, its wanted sibling (kept) is not the row's.
            List<ServiceStep> steps = ServicePlanner.Plan(o).Where(s => s.Existing?.Id != "kept").ToList();
            Assert.Equal(expected, string.Join(" ", steps.Select(s => s.Action.ToString())));
            foreach (ServiceStep s in steps) Assert.Equal(s.Action != ServiceAction.Keep && s.Action != ServiceAction.Refuse, s.Changes);
            if (expected == "Refuse") Assert.Equal(ErrorIds.ServiceNotOurs, steps.Single().Error.ErrorId);
            ServiceStep update = steps.FirstOrDefault(s => s.Action == ServiceAction.Update);
            if (update != null)
            {
                // Why it is updated is said: a changed config, a hand edit restored, a new token, a lost secret.
                string why = spec == "edited" && hash == "same" ? "Changed outside OsgPilot, restored: " : spec == "new token" ? "new token" : spec == "lost secret" ? ServiceDrift.Missing.Trim() : "";
                Assert.Contains(why, update.Reason);
                Assert.Equal(spec == "lost secret", update.RepairsLostSecret);
            }
        }

        [Fact]
        public void The_service_table_covers_every_kind_of_service_and_spec()
        {
            List<object[]> rows = ServiceRows().ToList();
            foreach (string s in new[] { "missing", "present", "surplus" }) Assert.Contains(rows, r => (string)r[0] == s);
            foreach (string s in new[] { "same", "edited", "new token", "lost secret" }) Assert.Contains(rows, r => (string)r[3] == s);
        }

        [Theory]
        [MemberData(nameof(SecretRows))]
        public void Each_secret_row_is_what_the_planner_does(string current, string rollback, string task, string expected)
        {
            SecretRecord secret = Secret("s1", "backfill-token-old");
            var service = new ServiceRecord
            {
                Id = "svc", Name = Group, Labels = Ours("h"),
                SecretNames = current == "yes" ? new[] { secret.Name } : new[] { "backfill-token-new" },
                PreviousSecretNames = rollback == "yes" ? new[] { secret.Name } : new string[0],
            };
            IReadOnlyList<SecretRecord> inDoubt = ServicePlanner.SecretsInDoubt(Group, new[] { service }, new[] { secret, Secret("s2", "backfill-token-new") });
            var tasks = new[]
            {
                new TaskRecord { Id = "t1", ServiceId = "svc", State = task == "yes" ? "running" : "shutdown", DesiredState = task == "yes" ? "running" : "shutdown", SecretNames = new[] { secret.Name } },
            };
            IReadOnlyList<ServiceStep> steps = inDoubt.Count == 0 ? new ServiceStep[0] : ServicePlanner.PlanSecretRemoval(inDoubt, tasks);
            Assert.Equal(expected == "RemoveSecret" ? new[] { secret.Name } : new string[0], steps.Where(s => s.Name == secret.Name).Select(s => s.Name).ToArray());
            // The tasks are asked about only when the services leave a secret in doubt.
            Assert.Equal(current == "no" && rollback == "no", inDoubt.Any(s => s.Name == secret.Name));
        }

        [Fact]
        public void Another_config_s_secrets_are_never_in_doubt()
        {
            var theirs = new SecretRecord { Id = "x", Name = "other-token-1", Labels = new Dictionary<string, string> { [PilotLabels.Managed] = "true", [PilotLabels.Service] = "other" } };
            var notOurs = new SecretRecord { Id = "y", Name = "backfill-token-2", Labels = new Dictionary<string, string>() };
            Assert.Empty(ServicePlanner.SecretsInDoubt(Group, new ServiceRecord[0], new[] { theirs, notOurs }));
        }

        [Fact]
        public async Task A_secret_made_for_a_service_that_then_fails_is_taken_back_and_nothing_is_left()
        {
            ServiceObservation o = Observe("missing", "-", "-", "-", "missing");
            var swarm = new MemorySwarm { FailCreateService = true };
            var executor = new ServiceExecutor(swarm, new RecordingHost());
            await Assert.ThrowsAsync<OsgPilotException>(() => executor.RunAsync(ServicePlanner.Plan(o), "a.b.c", CancellationToken.None));
            Assert.Equal(new[] { "create-secret " + o.Desired[0].SecretName, "create-service", "delete-secret" }, swarm.Calls);
        }

        [Fact]
        public async Task A_declined_service_makes_no_secret()
        {
            ServiceObservation o = Observe("missing", "-", "-", "-", "missing");
            var swarm = new MemorySwarm();
            var host = new RecordingHost { Approve = false };
            IReadOnlyList<ServiceOutcome> outcomes = await Executor(swarm, host).RunAsync(ServicePlanner.Plan(o), "a.b.c", CancellationToken.None);
            Assert.Empty(swarm.Calls);
            Assert.All(outcomes, x => Assert.False(x.Changed));
            // -WhatIf shows the secret with the first service that needs it, as one line.
            Assert.StartsWith("docker secret create", host.Asked.Single());
            Assert.Contains("&& docker service create", host.Asked.Single());
        }

        [Fact]
        public async Task A_refused_plan_sends_nothing()
        {
            ServiceObservation o = Observe("present", "other", "-", "-", "present");
            var swarm = new MemorySwarm();
            var e = await Assert.ThrowsAsync<OsgPilotException>(() => Executor(swarm, new RecordingHost()).RunAsync(ServicePlanner.Plan(o), "a.b.c", CancellationToken.None));
            Assert.Equal(ErrorIds.ServiceNotOurs, e.ErrorId);
            Assert.Empty(swarm.Calls);
        }

        private static ServiceExecutor Executor(ISwarmEngine swarm, IPipelineHost host) => new ServiceExecutor(swarm, host);

        private ServiceObservation Observe(string service, string madeBy, string hash, string spec, string secret)
        {
            PilotServiceSpec wanted = Spec();
            var secrets = new List<SecretRecord>();
            if (secret == "present") secrets.Add(Secret("secret-id", wanted.SecretName));
            var o = new ServiceObservation { Desired = new[] { wanted }, Secrets = secrets };
            if (service == "missing") return o;
            if (madeBy == "other")
            {
                o.Named = new[] { new ServiceRecord { Id = "theirs", Name = wanted.Name, Labels = new Dictionary<string, string>(), SecretNames = new string[0], PreviousSecretNames = new string[0] } };
                return o;
            }
            var live = new ServiceRecord
            {
                Id = "svc", Name = service == "surplus" ? Group + "-9" : wanted.Name, Labels = Ours(hash == "other" ? "old" : wanted.ConfigHash),
                SecretNames = new[] { wanted.SecretName }, PreviousSecretNames = new string[0], Constraints = new string[0],
            };
            if (service == "surplus")
            {
                // The wanted one runs as it should; the surplus one is all that is left to do.
                var kept = new ServiceRecord { Id = "kept", Name = wanted.Name, Labels = Ours(wanted.ConfigHash), SecretNames = new[] { wanted.SecretName }, PreviousSecretNames = new string[0], Spec = ServiceDriftTests.Live(wanted) };
                o.Ours = new[] { kept, live };
                o.Named = new[] { kept };
                return o;
            }
            switch (spec)
            {
                case "edited":
                    live.Spec = ServiceDriftTests.Live(wanted);
                    live.Spec.TaskTemplate.ContainerSpec.Env.Add("X=1");
                    break;
                case "new token":
                    PilotServiceSpec before = Spec("fedcba987654");
                    secrets.Add(Secret("old-secret-id", before.SecretName));
                    live.Spec = ServiceDriftTests.Live(before, "old-secret-id");
                    live.SecretNames = new[] { before.SecretName };
                    break;
                case "lost secret":
                    live.Spec = ServiceDriftTests.Live(wanted, "lost-id");
                    break;
                default:
                    live.Spec = ServiceDriftTests.Live(wanted);
                    break;
            }
            o.Ours = new[] { live };
            o.Named = new[] { live };
            return o;
        }

        private static IEnumerable<object[]> TableRows(string headerStart)
        {
            string[] lines = File.ReadAllText(Path.Combine(StateTableTests.RepoRoot(), "docs", "about_OsgPilot.md")).Split('\n');
            int header = Array.FindIndex(lines, l => l.StartsWith(headerStart, StringComparison.Ordinal));
            Assert.True(header > 0, $"the table '{headerStart.Trim()}' is missing from about_OsgPilot.md");
            for (int i = header + 2; i < lines.Length && lines[i].StartsWith("|", StringComparison.Ordinal); i++)
            {
                yield return lines[i].Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray<object>();
            }
        }

        /// <summary>A swarm in memory with Docker's rules that matter here: secrets and services by id; one call fails on request.</summary>
        private sealed class MemorySwarm : ISwarmEngine
        {
            public bool FailCreateService { get; set; }
            public List<string> Calls { get; } = new List<string>();
            public bool IsLocal => false;
            public string Display => "memory://swarm";
            public string Context => null;
            public Task<EngineVersion> GetEngineAsync(CancellationToken ct) => Task.FromResult(new EngineVersion { Product = EngineVersion.Docker, Version = "20.10.24" });
            public Task<EngineHostInfo> GetHostInfoAsync(CancellationToken ct) => Task.FromResult(new EngineHostInfo(new string[0], "/var/lib/docker"));
            public Task<SwarmInfo> GetSwarmInfoAsync(CancellationToken ct) => Task.FromResult(new SwarmInfo { LocalState = "active", IsManager = true, ApiVersion = "1.41" });
            public Task<IReadOnlyList<ServiceRecord>> ListServicesAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<ServiceRecord>>(new ServiceRecord[0]);
            public Task<IReadOnlyList<ServiceRecord>> ListServicesByNameAsync(IEnumerable<string> names, CancellationToken ct) => Task.FromResult<IReadOnlyList<ServiceRecord>>(new ServiceRecord[0]);
            public Task<IReadOnlyList<TaskRecord>> ListTasksAsync(IEnumerable<string> serviceIds, CancellationToken ct) => Task.FromResult<IReadOnlyList<TaskRecord>>(new TaskRecord[0]);
            public Task<IReadOnlyList<NodeRecord>> ListNodesAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<NodeRecord>>(new NodeRecord[0]);
            public Task<IReadOnlyList<SecretRecord>> ListSecretsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<SecretRecord>>(new SecretRecord[0]);

            public Task<string> CreateServiceAsync(PilotServiceSpec spec, string secretId, CancellationToken ct)
            {
                Calls.Add("create-service");
                if (FailCreateService) throw new OsgPilotException(ErrorIds.DockerApiError, System.Management.Automation.ErrorCategory.InvalidOperation, "refused", spec.Name);
                return Task.FromResult("new-service");
            }

            public Task UpdateServiceAsync(ServiceRecord read, PilotServiceSpec spec, string secretId, CancellationToken ct) { Calls.Add("update-service"); return Task.CompletedTask; }
            public Task RemoveServiceAsync(string id, CancellationToken ct) { Calls.Add("remove-service"); return Task.CompletedTask; }
            public Task<string> CreateSecretAsync(string name, IDictionary<string, string> labels, byte[] data, CancellationToken ct) { Calls.Add("create-secret " + name); return Task.FromResult("made-secret"); }
            public Task DeleteSecretAsync(string id, CancellationToken ct) { Calls.Add("delete-secret"); return Task.CompletedTask; }
        }
    }
}

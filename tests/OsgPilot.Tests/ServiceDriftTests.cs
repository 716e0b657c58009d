using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Docker.DotNet.Models;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Swarm;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>Hand edits of a live service (drift), placement that matches no node, and the per-node diagnostics of a roll-out.</summary>
    public sealed class ServiceDriftTests : IDisposable
    {
        private readonly string _token = TestTokens.File();
        private static readonly HashSet<string> Secrets = new HashSet<string> { "secret-id" };

        public void Dispose() => File.Delete(_token);

        private PilotServiceSpec Spec(Action<PilotConfigRequest> change = null, ServiceOptions options = null)
        {
            var r = new PilotConfigRequest { Site = "S", ResourceName = "R", TokenPath = _token, SquidLocation = "squid.example.edu:3128", Name = "backfill", Cpus = 1, MemoryMB = 256, SecurityProfile = SecurityProfile.Capabilities };
            change?.Invoke(r);
            return ServiceSpecMapper.Map(PilotConfigBuilder.Build(r).Config, options ?? new ServiceOptions(), "0123456789ab", "1.0.0").Single();
        }

        /// <summary>The spec as the engine stores it after OsgPilot made it: what the engine fills in, added.</summary>
        internal static ServiceSpec Live(PilotServiceSpec spec, string secretId = "secret-id")
        {
            ServiceSpec s = ServiceParametersFactory.Create(spec, secretId);
            s.TaskTemplate.RestartPolicy.Delay = TimeSpan.FromSeconds(5);
            s.TaskTemplate.RestartPolicy.MaxAttempts = 0;
            s.TaskTemplate.Placement.Constraints = s.TaskTemplate.Placement.Constraints.Count == 0 ? null : s.TaskTemplate.Placement.Constraints;
            s.TaskTemplate.Resources.Reservations = new SwarmResources();
            s.TaskTemplate.ContainerSpec.Isolation = "default";
            return s;
        }

        private static string[] Compare(ServiceSpec live, PilotServiceSpec wanted) =>
            ServiceDrift.Compare(live, ServiceParametersFactory.Create(wanted, "secret-id"), Secrets).Select(d => d.Text).ToArray();

        [Fact]
        public void A_service_as_the_engine_stores_it_does_not_drift()
        {
            PilotServiceSpec spec = Spec();
            Assert.Empty(Compare(Live(spec), spec));
        }

        [Fact]
        public void The_issue_s_hand_edit_is_seen_part_by_part_with_environment_names_but_no_values()
        {
            PilotServiceSpec spec = Spec();
            ServiceSpec live = Live(spec);
            live.TaskTemplate.ContainerSpec.Env.Add("X=1");
            IList<string> env = live.TaskTemplate.ContainerSpec.Env;
            env[env.IndexOf(env.Single(e => e.StartsWith("MEMORY=", StringComparison.Ordinal)))] = "MEMORY=999";
            live.TaskTemplate.Resources.Limits.NanoCPUs = 500000000;
            string[] found = Compare(live, spec);
            Assert.Equal(new[] { "limits: cpus 0.5 instead of cpus 1", "environment: X added, MEMORY changed" }, found);
            Assert.DoesNotContain(found, f => f.Contains("999"));
        }

        [Fact]
        public void Every_owned_part_is_compared()
        {
            PilotServiceSpec spec = Spec();
            var edits = new Dictionary<string, Action<ServiceSpec>>
            {
                ["image"] = s => s.TaskTemplate.ContainerSpec.Image = "example.org/other:1",
                ["user"] = s => s.TaskTemplate.ContainerSpec.User = "root",
                ["mounts"] = s => s.TaskTemplate.ContainerSpec.Mounts[0].BindOptions.Propagation = "rprivate",
                ["capabilities"] = s => s.TaskTemplate.ContainerSpec.CapabilityAdd.Add("CAP_NET_ADMIN"),
                ["ulimits"] = s => s.TaskTemplate.ContainerSpec.Ulimits[0].Soft = 1,
                ["secrets"] = s => s.TaskTemplate.ContainerSpec.Secrets[0].File.Mode = 0x1A4,
                ["reservations"] = s => s.TaskTemplate.Resources.Reservations.MemoryBytes = 1 << 20,
                ["placement"] = s => s.TaskTemplate.Placement.Constraints = new List<string> { "node.role==manager" },
                ["restart policy"] = s => s.TaskTemplate.RestartPolicy.Condition = "none",
                ["update policy"] = s => s.UpdateConfig.Order = "start-first",
                ["rollback policy"] = s => s.RollbackConfig.Parallelism = 9,
                ["stop grace period"] = s => s.TaskTemplate.ContainerSpec.StopGracePeriod = TimeSpan.FromSeconds(10),
                ["mode"] = s => { s.Mode.Global = null; s.Mode.Replicated = new ReplicatedService { Replicas = 1 }; },
                ["networks"] = s => s.TaskTemplate.Networks = new List<NetworkAttachmentConfig> { new NetworkAttachmentConfig { Target = "ingress" } },
                ["ports"] = s => s.EndpointSpec = new EndpointSpec { Ports = new List<PortConfig> { new PortConfig { PublishedPort = 80, TargetPort = 80, Protocol = "tcp" } } },
                ["container labels"] = s => s.TaskTemplate.ContainerSpec.Labels["hand"] = "made",
            };
            foreach (KeyValuePair<string, Action<ServiceSpec>> edit in edits)
            {
                ServiceSpec live = Live(spec);
                edit.Value(live);
                IReadOnlyList<ServiceDifference> found = ServiceDrift.Compare(live, ServiceParametersFactory.Create(spec, "secret-id"), Secrets);
                Assert.True(found.Count == 1 && found[0].Part == edit.Key, $"{edit.Key}: found [{string.Join("; ", found)}]");
            }
        }

        [Fact]
        public void A_digest_the_docker_cli_pins_on_update_is_the_same_image()
        {
            PilotServiceSpec spec = Spec();
            ServiceSpec live = Live(spec);
            live.TaskTemplate.ContainerSpec.Image += "@sha256:" + new string('a', 64);
            Assert.Empty(Compare(live, spec));
        }

        [Fact]
        public void A_secret_the_spec_names_that_the_swarm_lost_is_drift_even_with_the_same_name()
        {
            PilotServiceSpec spec = Spec();
            ServiceSpec live = Live(spec);
            IReadOnlyList<ServiceDifference> found = ServiceDrift.Compare(live, ServiceParametersFactory.Create(spec, "secret-id"), new HashSet<string> { "another-id" });
            Assert.Equal(new[] { "secrets: backfill-token-0123456789ab missing from the swarm" }, found.Select(d => d.Text));
        }

        [Theory]
        [InlineData("node.role==manager", true)]
        [InlineData("node.role==MANAGER", true)]
        [InlineData("node.role!=manager", false)]
        [InlineData("node.hostname==Node-1", true)]
        [InlineData("node.id==abc123", true)]
        [InlineData("node.labels.osg==true", true)]
        [InlineData("node.labels.OSG==true", false)]
        [InlineData("node.labels.nosuch==x", false)]
        [InlineData("node.labels.nosuch!=x", true)]
        [InlineData("engine.labels.site==Lab", true)]
        [InlineData("node.platform.os==linux", true)]
        [InlineData("node.platform.arch==aarch64", false)]
        [InlineData("node.color==blue", false)]
        public void Constraints_match_nodes_as_the_swarm_matches_them(string constraint, bool matches)
        {
            var node = new NodeRecord
            {
                Id = "abc123", Hostname = "node-1", Role = "manager", Os = "linux", Architecture = "x86_64",
                Labels = new Dictionary<string, string> { ["osg"] = "true" },
                EngineLabels = new Dictionary<string, string> { ["site"] = "lab" },
            };
            Assert.Equal(matches, PlacementCheck.Matches(constraint, node));
        }

        [Fact]
        public void A_constraint_no_node_matches_is_a_warning_naming_it()
        {
            var nodes = new[]
            {
                new NodeRecord { Id = "a", Hostname = "a", Role = "manager", State = "ready", Availability = "active" },
                new NodeRecord { Id = "b", Hostname = "b", Role = "worker", State = "down", Availability = "active" },
            };
            Assert.Null(PlacementCheck.Warning(new[] { "node.role==manager" }, nodes));
            Assert.Null(PlacementCheck.Warning(new string[0], nodes));
            Assert.Null(PlacementCheck.Warning(new[] { "node.ip==10.0.0.1" }, nodes));
            Assert.Equal("no node of the swarm's 2 matches the placement constraints (node.labels.nosuch==x): the swarm accepts the service but runs no pilot. " +
                         "Check the constraints, or the node labels (docker node update --label-add).",
                         PlacementCheck.Warning(new[] { "node.labels.nosuch==x" }, nodes));
            Assert.Equal("the 1 node(s) matching the placement constraints (node.role==worker) are not ready and active (b down/active): no pilot runs until one is.",
                         PlacementCheck.Warning(new[] { "node.role==worker" }, nodes));
        }

        [Fact]
        public void Not_ready_names_each_node_s_task_error_and_why_no_task_was_placed()
        {
            var nodes = new[]
            {
                new NodeRecord { Id = "node1aaaaaaaaaaaa", Hostname = "h1", State = "ready", Availability = "active" },
                new NodeRecord { Id = "node2bbbbbbbbbbbb", Hostname = "h2", State = "ready", Availability = "active" },
            };
            var s = new ServiceRecord { Id = "s", Name = "backfill", DesiredTasks = 2, ContainerHash = "new", Constraints = new string[0] };
            DateTime t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            var tasks = new[]
            {
                new TaskRecord { ServiceId = "s", NodeId = "node1aaaaaaaaaaaa", State = "rejected", DesiredState = "shutdown", CreatedAt = t0, Error = "No such image: example.org/pilot:9" },
                new TaskRecord { ServiceId = "s", NodeId = "node1aaaaaaaaaaaa", State = "ready", DesiredState = "ready", CreatedAt = t0.AddSeconds(5) },
                new TaskRecord { ServiceId = "s", NodeId = "node2bbbbbbbbbbbb", State = "rejected", DesiredState = "running", CreatedAt = t0,
                                 Error = "invalid mount config for type \"bind\": bind source path does not exist: /var/lib/pilot" },
            };
            OsgPilotException e = ServiceRollout.NotReady(new[] { s }, tasks, nodes, TimeSpan.FromSeconds(15)).Single();
            Assert.Equal(ErrorIds.ServiceNotReady, e.ErrorId);
            Assert.Equal("The service 'backfill' did not run its current spec on every node that should run it within 15 s (0 of 2 nodes): " +
                         "h1 (node1aaaaaaa): ready, No such image: example.org/pilot:9 (the node does not have the image and could not pull it); " +
                         "h2 (node2bbbbbbb): rejected, invalid mount config for type \"bind\": bind source path does not exist: /var/lib/pilot " +
                         "(Swarm does not create bind sources: make the directory on the node (owner uid 1000, mode 755)).", e.Message);

            var nowhere = new ServiceRecord { Id = "n", Name = "nowhere", DesiredTasks = 0, Constraints = new[] { "node.labels.nosuch==x" } };
            e = ServiceRollout.NotReady(new[] { nowhere }, new TaskRecord[0], nodes, TimeSpan.FromSeconds(10)).Single();
            Assert.Equal("The service 'nowhere' did not run its current spec on every node that should run it within 10 s (0 of 0 nodes): " +
                         "no node of the swarm's 2 matches the placement constraints (node.labels.nosuch==x): the swarm accepts the service but runs no pilot. " +
                         "Check the constraints, or the node labels (docker node update --label-add).", e.Message);
        }

        [Fact]
        public void A_roll_back_names_why_the_new_pilots_failed()
        {
            var s = new ServiceRecord { Id = "s", Name = "backfill", UpdateState = "rollback_started", UpdateMessage = "update paused due to failure or early termination of task x" };
            OsgPilotException e = ServiceRollout.GaveUpError(s, "h1 (node1aaaaaaa): rejected, secret abc not found");
            Assert.Equal(ErrorIds.ServiceUpdateFailed, e.ErrorId);
            Assert.Contains("The new pilots failed: h1 (node1aaaaaaa): rejected, secret abc not found. It is going back to the previous spec", e.Message);
            Assert.Contains("run Set-OsgPilotService again, which restores it", TaskErrors.WithHint("unable to get secret from secret store: secret abc not found"));
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Docker.DotNet.Models;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Swarm;
using Xunit;
using ContainerSpec = OsgPilot.Launch.ContainerSpec;

namespace OsgPilot.Tests
{
    /// <summary>The config-to-service mapping, the Engine API spec it becomes, its -WhatIf line and the task table's choices.</summary>
    public sealed class ServiceSpecTests : IDisposable
    {
        private readonly string _token = TestTokens.File();
        private const string Digest = "0123456789ab";

        public void Dispose() => File.Delete(_token);

        private OsgPilotConfig Config(Action<PilotConfigRequest> change = null)
        {
            var r = new PilotConfigRequest { Site = "Lancium", ResourceName = "Lancium-Backfill", TokenPath = _token, SquidLocation = "squid.example.edu:3128", Name = "backfill", SecurityProfile = SecurityProfile.Capabilities };
            change?.Invoke(r);
            return PilotConfigBuilder.Build(r).Config;
        }

        private static PilotServiceSpec One(OsgPilotConfig c, ServiceOptions o = null) => ServiceSpecMapper.Map(c, o ?? new ServiceOptions(), Digest, "1.0.0").Single();

        [Fact]
        public void The_task_container_is_the_container_Start_OsgPilot_makes()
        {
            OsgPilotConfig c = Config(r => { r.Cpus = 4; r.MemoryMB = 8000; r.Environment = new Dictionary<string, string> { ["EXTRA_JOB_ENV"] = "A=1" }; });
            PilotServiceSpec s = One(c);
            ContainerSpec start = PilotContainerMapper.Map(c, 0, 1, "1.0.0");
            Assert.Equal(start.User, s.Container.User);
            Assert.Equal(start.CapAdd, s.Container.CapAdd);
            Assert.Equal(start.Environment, s.Container.Environment);
            Assert.Equal(start.Binds.Select(b => b.ToBindString()), s.Container.Binds.Select(b => b.ToBindString()));
            Assert.Equal(start.NanoCpus, s.Container.NanoCpus);
            Assert.Equal(start.MemoryBytes, s.Container.MemoryBytes);
            Assert.Equal(start.NoFileLimit, s.Container.NoFileLimit);
            Assert.Equal(start.PidsLimit, s.Container.PidsLimit);
            Assert.Equal(120, s.Container.StopTimeoutSeconds);
            Assert.Equal("backfill", s.Name);
            Assert.Equal("backfill-token-" + Digest, s.SecretName);
            Assert.Equal("secret:backfill-token-" + Digest, s.Container.TokenOrigin);
        }

        [Fact]
        public void Task_containers_carry_no_managed_label_so_the_container_cmdlets_leave_them_to_Swarm()
        {
            PilotServiceSpec s = One(Config());
            Assert.Equal(new[] { PilotLabels.ConfigHash, PilotLabels.Service }, s.Container.Labels.Keys);
            Assert.Equal("true", s.Labels[PilotLabels.Managed]);
            Assert.Equal("backfill", s.Labels[PilotLabels.Service]);
            Assert.Equal(s.ConfigHash, s.Labels[PilotLabels.ConfigHash]);
        }

        [Fact]
        public void PerNode_makes_one_global_service_per_instance_with_its_own_pilot_directory_and_one_secret()
        {
            IReadOnlyList<PilotServiceSpec> specs = ServiceSpecMapper.Map(Config(r => r.PilotDirectory = "/var/lib/osg"), new ServiceOptions { PerNode = 3 }, Digest, "1.0.0");
            Assert.Equal(new[] { "backfill-1", "backfill-2", "backfill-3" }, specs.Select(s => s.Name));
            Assert.Equal(new[] { "/var/lib/osg/backfill-1", "/var/lib/osg/backfill-2", "/var/lib/osg/backfill-3" }, specs.Select(s => s.Container.HostPilotDirectory));
            Assert.Single(specs.Select(s => s.SecretName).Distinct());
            Assert.All(specs, s => Assert.Contains(s.Container.Environment, kv => kv.Key == "GLIDEIN_RANDOMIZE_NAME" && kv.Value == "true"));
            Assert.All(specs, s => Assert.Equal("backfill", s.Group));
            Assert.Equal(3, specs.Select(s => s.ConfigHash).Distinct().Count());
        }

        [Theory]
        [InlineData("image")]
        [InlineData("token")]
        [InlineData("constraint")]
        [InlineData("parallelism")]
        [InlineData("delay")]
        [InlineData("env")]
        [InlineData("restart")]
        public void Every_setting_swarm_is_told_changes_the_hash(string what)
        {
            PilotServiceSpec before = One(Config());
            PilotServiceSpec after;
            switch (what)
            {
                case "image": after = One(Config(r => r.Image = "example.org/pilot:2")); break;
                case "token": after = ServiceSpecMapper.Map(Config(), new ServiceOptions(), "ba9876543210", "1.0.0").Single(); break;
                case "constraint": after = One(Config(), new ServiceOptions { Constraints = new[] { "node.labels.osg==true" } }); break;
                case "parallelism": after = One(Config(), new ServiceOptions { UpdateParallelism = 2 }); break;
                case "delay": after = One(Config(), new ServiceOptions { UpdateDelay = TimeSpan.FromSeconds(5) }); break;
                case "env": after = One(Config(r => r.Environment = new Dictionary<string, string> { ["X"] = "1" })); break;
                default: after = One(Config(r => r.RestartPolicy = PilotRestartPolicy.No)); break;
            }
            Assert.NotEqual(before.ConfigHash, after.ConfigHash);
            Assert.Equal(before.ConfigHash, One(Config()).ConfigHash);
        }

        [Theory]
        [InlineData(PilotRestartPolicy.Always, "any")]
        [InlineData(PilotRestartPolicy.UnlessStopped, "any")]
        [InlineData(PilotRestartPolicy.OnFailure, "on-failure")]
        [InlineData(PilotRestartPolicy.No, "none")]
        public void Restart_policies_become_swarm_conditions(PilotRestartPolicy policy, string condition) =>
            Assert.Equal(condition, One(Config(r => r.RestartPolicy = policy)).RestartCondition);

        [Fact]
        public void Every_unsupported_setting_is_named_in_one_error()
        {
            var e = Assert.Throws<OsgPilotException>(() => One(Config(r =>
            {
                r.SecurityProfile = SecurityProfile.Unconfined; r.Gpu = true; r.CvmfsMode = CvmfsMode.CvmfsExec; r.CvmfsRepository = new[] { "config-osg.opensciencegrid.org" };
            })));
            Assert.Equal(ErrorIds.ServiceSettingUnsupported, e.ErrorId);
            Assert.Contains("-SecurityProfile Unconfined", e.Message);
            Assert.Contains("/dev/fuse", e.Message);
            Assert.Contains("seccomp=unconfined", e.Message);
            Assert.Contains("systempaths=unconfined", e.Message);
            Assert.Contains("-CvmfsMode CvmfsExec", e.Message);
            Assert.Contains("-Gpu", e.Message);
        }

        [Theory]
        [InlineData("node.labels.osg")]
        [InlineData("==true")]
        [InlineData("node.role=manager")]
        [InlineData("node.role==manager\nnode.id==x")]
        public void Malformed_constraints_are_refused(string constraint)
        {
            var e = Assert.Throws<OsgPilotException>(() => One(Config(), new ServiceOptions { Constraints = new[] { constraint } }));
            Assert.Equal(ErrorIds.InvalidConstraint, e.ErrorId);
        }

        [Fact]
        public void Constraints_are_trimmed_and_kept_once()
        {
            PilotServiceSpec s = One(Config(), new ServiceOptions { Constraints = new[] { " node.labels.osg==true ", "node.labels.osg==true", "node.role != manager" } });
            Assert.Equal(new[] { "node.labels.osg==true", "node.role != manager" }, s.Constraints);
        }

        [Fact]
        public void Names_swarm_cannot_take_are_refused()
        {
            string name = new string('a', 50);
            var e = Assert.Throws<OsgPilotException>(() => One(Config(r => r.Name = name)));
            Assert.Equal(ErrorIds.InvalidServiceName, e.ErrorId);
            Assert.Contains("64", e.Message);
        }

        [Fact]
        public void The_token_digest_tells_tokens_apart_and_contains_no_token()
        {
            string a = TestTokens.Jwt(), b = TestTokens.Jwt();
            string da = ServiceSpecMapper.TokenDigest(a);
            Assert.Matches("^[0-9a-f]{12}$", da);
            Assert.Equal(da, ServiceSpecMapper.TokenDigest(a));
            Assert.NotEqual(da, ServiceSpecMapper.TokenDigest(b));
            Assert.DoesNotContain(da, a);
        }

        [Fact]
        public void The_engine_spec_is_a_global_service_with_the_token_as_a_uid_1000_0400_secret_file()
        {
            PilotServiceSpec s = One(Config(r => { r.Cpus = 2; r.MemoryMB = 4000; }), new ServiceOptions { Constraints = new[] { "node.labels.osg==true" }, UpdateParallelism = 2, UpdateDelay = TimeSpan.FromSeconds(45) });
            ServiceSpec api = ServiceParametersFactory.Create(s, "secret-id");
            Assert.NotNull(api.Mode.Global);
            Assert.Null(api.Mode.Replicated);
            var c = api.TaskTemplate.ContainerSpec;
            Assert.Equal("osg", c.User);
            Assert.Equal(PilotContainerMapper.SeedCapabilities.Select(x => "CAP_" + x), c.CapabilityAdd);
            Mount cvmfs = Assert.Single(c.Mounts);
            Assert.Equal(("bind", "/cvmfs", "/cvmfs", "shared"), (cvmfs.Type, cvmfs.Source, cvmfs.Target, cvmfs.BindOptions.Propagation));
            SecretReference secret = Assert.Single(c.Secrets);
            Assert.Equal(("secret-id", s.SecretName), (secret.SecretID, secret.SecretName));
            Assert.Equal(("/etc/condor/tokens-orig.d/flock.opensciencegrid.org", "1000", "1000", 256u), (secret.File.Name, secret.File.UID, secret.File.GID, secret.File.Mode));
            Assert.DoesNotContain(c.Env, e => e.StartsWith("TOKEN=", StringComparison.Ordinal));
            Assert.Equal(TimeSpan.FromSeconds(120), c.StopGracePeriod);
            Ulimit nofile = Assert.Single(c.Ulimits);
            Assert.Equal(("nofile", 2048L, 2048L), (nofile.Name, nofile.Soft, nofile.Hard));
            Assert.Equal(16384L, api.TaskTemplate.Resources.Limits.Pids);
            Assert.Equal(2_000_000_000L, api.TaskTemplate.Resources.Limits.NanoCPUs);
            Assert.Equal((4000L + 100) * 1024 * 1024, api.TaskTemplate.Resources.Limits.MemoryBytes);
            Assert.Equal(new[] { "node.labels.osg==true" }, api.TaskTemplate.Placement.Constraints);
            Assert.Equal("any", api.TaskTemplate.RestartPolicy.Condition);
            Assert.Equal((2ul, TimeSpan.FromSeconds(45), "stop-first", "rollback"), (api.UpdateConfig.Parallelism, api.UpdateConfig.Delay, api.UpdateConfig.Order, api.UpdateConfig.FailureAction));
            Assert.Equal(TimeSpan.FromSeconds(30), api.UpdateConfig.Monitor);
            Assert.Equal(("stop-first", "pause"), (api.RollbackConfig.Order, api.RollbackConfig.FailureAction));
            Assert.Equal(s.Labels, api.Labels);
        }

        [Fact]
        public void The_whatif_line_is_the_docker_cli_line_with_a_placeholder_for_the_token()
        {
            PilotServiceSpec s = One(Config(r => r.Cpus = 2));
            string line = DockerServiceLine.RenderSecret(s) + " && " + DockerServiceLine.RenderCreate(s);
            Assert.StartsWith("docker secret create --label org.osg-htc.osgpilot.service=backfill backfill-token-0123456789ab <token-file> && docker service create --name backfill --mode global --user osg --cap-add CAP_DAC_OVERRIDE", line);
            Assert.Contains("--mount type=bind,source=/cvmfs,target=/cvmfs,bind-propagation=shared", line);
            Assert.Contains("--secret source=backfill-token-0123456789ab,target=/etc/condor/tokens-orig.d/flock.opensciencegrid.org,uid=1000,gid=1000,mode=0400", line);
            Assert.Contains("--limit-cpu 2 ", line);
            Assert.Contains("--ulimit nofile=2048:2048 --limit-pids 16384 --restart-condition any --stop-grace-period 120s", line);
            Assert.Contains("--update-parallelism 1 --update-delay 30s --update-order stop-first --update-failure-action rollback --update-monitor 30s", line);
            Assert.EndsWith(" " + s.Container.Image, line);
        }

        [Fact]
        public void The_probe_overrides_the_entrypoint_runs_once_is_no_pilot_and_expires()
        {
            var probe = new NodeProbe { Name = "osgpilot-probe-x", Image = "img", User = "osg", Script = "exit 0", Constraints = new[] { "node.role==worker" },
                                        Expires = new DateTime(2026, 12, 5, 1, 2, 3, DateTimeKind.Utc) };
            probe.Binds.Add(new BindMount("/cvmfs", "/cvmfs", propagation: "shared"));
            ServiceSpec api = ServiceParametersFactory.CreateProbe(probe);
            // A global service, not a global job: the swarm removes a removed service's containers, never a job's.
            Assert.NotNull(api.Mode.Global);
            Assert.Null(api.Mode.GlobalJob);
            Assert.Equal("2026-12-05T01:02:03.0000000Z", api.Labels[PilotLabels.ProbeExpires]);
            Assert.Equal(new[] { "/bin/sh", "-c", "exit 0" }, api.TaskTemplate.ContainerSpec.Command);
            Assert.Equal("none", api.TaskTemplate.RestartPolicy.Condition);
            Assert.False(api.Labels.ContainsKey(PilotLabels.Managed));
            Assert.Equal("shared", api.TaskTemplate.ContainerSpec.Mounts.Single().BindOptions.Propagation);
        }

        [Fact]
        public void The_task_table_shows_the_newest_task_per_node_and_why_a_retry_is_waiting()
        {
            var nodes = new Dictionary<string, NodeRecord>
            {
                ["n1"] = new NodeRecord { Id = "n1", Hostname = "a" },
                ["n2"] = new NodeRecord { Id = "n2", Hostname = "b" },
            };
            DateTime t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            var tasks = new[]
            {
                new TaskRecord { Id = "old", NodeId = "n1", State = "shutdown", DesiredState = "shutdown", CreatedAt = t0 },
                new TaskRecord { Id = "new", NodeId = "n1", State = "running", DesiredState = "running", CreatedAt = t0.AddMinutes(1) },
                new TaskRecord { Id = "failed", NodeId = "n2", State = "failed", DesiredState = "shutdown", CreatedAt = t0, Error = "task: non-zero exit (1)" },
                new TaskRecord { Id = "retry", NodeId = "n2", State = "ready", DesiredState = "running", CreatedAt = t0.AddMinutes(1) },
                new TaskRecord { Id = "gone", NodeId = "n9", State = "shutdown", DesiredState = "shutdown", CreatedAt = t0 },
            };
            List<TaskRecord> current = ServiceReader.CurrentTasks(tasks, nodes).OrderBy(t => t.NodeId).ToList();
            Assert.Equal(new[] { "new", "retry" }, current.Select(t => t.Id));
            Assert.Null(current[0].Error);
            Assert.Equal("task: non-zero exit (1)", current[1].Error);
        }

        [Theory]
        [InlineData("invalid mount config for type \"bind\": bind source path does not exist: /var/lib/osg", "Swarm does not create bind sources")]
        [InlineData("starting container failed: path /cvmfs is mounted on / but it is not a shared mount", "must be a shared mount")]
        [InlineData("No such image: example.org/pilot:1", "does not have the image")]
        [InlineData("something else", "The probe failed there: something else.")]
        public void Probe_errors_say_what_to_do_on_the_node(string error, string advice) =>
            Assert.Contains(advice, SwarmPreflight.Explain(error));

        [Fact]
        public void A_rollout_is_done_when_every_node_that_should_run_a_pilot_runs_the_current_container()
        {
            var nodes = new Dictionary<string, NodeRecord>
            {
                ["a"] = new NodeRecord { Id = "a", State = "ready", Availability = "active" },
                ["b"] = new NodeRecord { Id = "b", State = "ready", Availability = "active" },
                ["down"] = new NodeRecord { Id = "down", State = "down", Availability = "active" },
            };
            var service = new ServiceRecord { Id = "s", DesiredTasks = 2, ContainerHash = "new" };
            DateTime t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            TaskRecord Task(string node, string hash, string state, string desired = "running", int minute = 1) =>
                new TaskRecord { ServiceId = "s", NodeId = node, ContainerHash = hash, State = state, DesiredState = desired, CreatedAt = t0.AddMinutes(minute) };
            bool Done(params TaskRecord[] tasks) => ServiceRollout.RunsCurrentSpec(service, tasks, nodes);

            Assert.False(Done(Task("a", "new", "running"), Task("b", "old", "running")));
            Assert.False(Done(Task("a", "new", "running"), Task("b", "new", "starting")));
            Assert.True(Done(Task("a", "new", "running"), Task("b", "new", "running"), Task("b", "old", "shutdown", "shutdown", 0)));
            // restart condition none: the node's pilot failed and the swarm wants no other, but the node has none.
            Assert.False(Done(Task("a", "new", "running"), Task("b", "new", "failed", "shutdown")));
            // the swarm counts only tasks meant to run now: a retry waiting out its restart delay is not done either.
            service.DesiredTasks = 1;
            Assert.False(Done(Task("a", "new", "running"), Task("b", "new", "failed", "shutdown", 0), Task("b", "new", "assigned", "ready", 2)));
            service.DesiredTasks = 2;
            // a node no longer eligible: its task was shut down cleanly; a down node cannot run one.
            service.DesiredTasks = 1;
            Assert.True(Done(Task("a", "new", "running"), Task("b", "old", "shutdown", "shutdown"), Task("down", "old", "running")));
            Assert.False(Done());
        }

        [Fact]
        public void The_task_container_carries_its_hash_which_changes_with_the_container_not_with_update_settings()
        {
            PilotServiceSpec a = One(Config());
            PilotServiceSpec slower = One(Config(), new ServiceOptions { UpdateDelay = TimeSpan.FromMinutes(5) });
            PilotServiceSpec other = One(Config(r => r.Image = "example.org/pilot:2"));
            Assert.Equal(a.Container.ConfigHash, a.Container.Labels[PilotLabels.ConfigHash]);
            Assert.Equal(a.Container.ConfigHash, slower.Container.ConfigHash);
            Assert.NotEqual(a.ConfigHash, slower.ConfigHash);
            Assert.NotEqual(a.Container.ConfigHash, other.Container.ConfigHash);
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Reconcile;
using OsgPilot.Token;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>
    /// Every undo path of the one executor, through the engine seam: the engine fails at each call a
    /// step makes (or does the call and loses the answer), and what is left must be what was there
    /// before, or nothing of this run. Also the drain-then-replace case that made replacements start
    /// drained, end to end through the reconciler.
    /// </summary>
    public sealed class ExecutorUndoTests : IDisposable
    {
        private readonly string _token = TestTokens.File();
        private readonly string _root = Directory.CreateTempSubdirectory("osgpilot-undo-").FullName;

        public void Dispose()
        {
            File.Delete(_token);
            Directory.Delete(_root, true);
        }

        private OsgPilotConfig Config(string pilotDirectory = "/srv/osg-pilot") => PilotConfigBuilder.Build(new PilotConfigRequest
        {
            Site = "Lancium", ResourceName = "Lancium-Backfill", Name = "p", TokenPath = _token, PilotDirectory = pilotDirectory, CvmfsPath = _root,
        }).Config;

        private static ContainerSpec SpecOf(OsgPilotConfig c, int index = 0, int count = 2) => PilotContainerMapper.Map(c, index, count, "test");

        private static async Task<Exception> Run(FaultyEngine engine, OsgPilotConfig config, PilotStep step)
        {
            var executor = new PilotExecutor(engine, new RecordingHost(), config);
            using (var token = new TokenPayload(TestTokens.Jwt()))
            {
                return await Record.ExceptionAsync(() => executor.ExecuteAsync(step, token, CancellationToken.None));
            }
        }

        [Theory]
        [InlineData("create", false)]
        [InlineData("create", true)]
        [InlineData("copy the token", false)]
        [InlineData("start", false)]
        [InlineData("start", true)]
        public async Task A_create_that_fails_at_any_call_leaves_no_container(string failAt, bool answerLost)
        {
            OsgPilotConfig config = Config();
            var engine = new FaultyEngine { FailAt = failAt, AnswerLost = answerLost };
            Exception e = await Run(engine, config, new PilotStep { Name = "p-1", Spec = SpecOf(config), Action = PilotAction.Create });
            var failure = Assert.IsType<OsgPilotException>(e);
            Assert.Equal(ErrorIds.PilotStartFailed, failure.ErrorId);
            Assert.Contains("nothing was left behind", failure.Message);
            Assert.Empty(engine.Boxes);
        }

        [Fact]
        public async Task A_create_on_a_local_engine_that_fails_takes_back_the_directory_it_made()
        {
            OsgPilotConfig config = Config(_root);
            var engine = new FaultyEngine { FailAt = "start", IsLocal = true };
            ContainerSpec spec = SpecOf(config);
            await Run(engine, config, new PilotStep { Name = spec.Name, Spec = spec, Action = PilotAction.Create });
            Assert.Empty(engine.Boxes);
            Assert.False(Directory.Exists(spec.HostPilotDirectory));
        }

        [Theory]
        [InlineData("remove")]
        [InlineData("create")]
        [InlineData("helper")]
        [InlineData("start")]
        public async Task Replacing_a_stopped_pilot_never_leaves_a_half_made_one(string failAt)
        {
            OsgPilotConfig config = Config();
            var engine = new FaultyEngine { FailAt = failAt };
            ContainerSpec spec = SpecOf(config);
            FaultyEngine.Box old = engine.Add(spec.Name, "exited", spec.ConfigHash, spec.HostPilotDirectory);
            engine.StampedDirectories.Add(spec.HostPilotDirectory);
            await Run(engine, config, new PilotStep { Name = spec.Name, Spec = spec, Existing = View(old), Action = PilotAction.Replace });
            // Either the old stopped pilot is still there untouched, or there is none: never a created, untokened one.
            Assert.True(engine.Boxes.Count == 0 || (engine.Boxes.Single().Id == old.Id && engine.Boxes.Single().State == "exited"),
                string.Join(", ", engine.Boxes.Select(b => b.Name + "/" + b.State)));
            Assert.Empty(engine.StartedDrained);
        }

        [Theory]
        [InlineData("create")]
        [InlineData("copy the token")]
        [InlineData("stop")]
        [InlineData("rename#1")]
        [InlineData("rename#2")]
        [InlineData("helper")]
        [InlineData("start#1")]
        public async Task A_Force_replacement_that_fails_at_any_call_restores_the_running_pilot(string failAt)
        {
            OsgPilotConfig config = Config();
            var engine = new FaultyEngine { FailAt = failAt };
            ContainerSpec spec = SpecOf(config);
            FaultyEngine.Box old = engine.Add(spec.Name, "running", "old-hash", spec.HostPilotDirectory);
            engine.StampedDirectories.Add(spec.HostPilotDirectory);
            Exception e = await Run(engine, config, new PilotStep { Name = spec.Name, Spec = spec, Existing = View(old), Action = PilotAction.ReplaceRunning });
            Assert.Equal(ErrorIds.PilotStartFailed, Assert.IsType<OsgPilotException>(e).ErrorId);
            FaultyEngine.Box left = Assert.Single(engine.Boxes);
            Assert.Equal((old.Id, spec.Name, "running"), (left.Id, left.Name, left.State));
        }

        [Fact]
        public async Task A_Force_replacement_the_start_up_refuses_is_taken_back_and_the_pilot_restored()
        {
            OsgPilotConfig config = Config();
            var engine = new FaultyEngine();
            ContainerSpec spec = SpecOf(config);
            FaultyEngine.Box old = engine.Add(spec.Name, "running", "old-hash", spec.HostPilotDirectory);
            var executor = new PilotExecutor(engine, new RecordingHost(), config);
            using (var token = new TokenPayload(TestTokens.Jwt()))
            {
                StartedPilot started = await executor.ExecuteAsync(new PilotStep { Name = spec.Name, Spec = spec, Existing = View(old), Action = PilotAction.ReplaceRunning }, token, CancellationToken.None);
                engine.ExitsAtStartup.Add(started.Id);
                var refused = await executor.WatchAsync(new[] { started }, DateTime.UtcNow, TimeSpan.FromSeconds(1), token.Text, CancellationToken.None);
                Assert.Equal(ErrorIds.PilotStartupFailed, Assert.Single(refused).Error.ErrorId);
                Assert.Contains("Please do not run me as root!", refused[0].Error.Message);
            }
            FaultyEngine.Box left = Assert.Single(engine.Boxes);
            Assert.Equal((old.Id, spec.Name, "running"), (left.Id, left.Name, left.State));
        }

        [Fact]
        public async Task A_watch_that_loses_the_engine_ends_the_run_after_the_starts_it_made()
        {
            OsgPilotConfig config = Config();
            var engine = new FaultyEngine { FailAt = "watch" };
            var executor = new PilotExecutor(engine, new RecordingHost(), config);
            using (var token = new TokenPayload(TestTokens.Jwt()))
            {
                StartedPilot started = await executor.ExecuteAsync(new PilotStep { Name = "p-1", Spec = SpecOf(config), Action = PilotAction.Create }, token, CancellationToken.None);
                await Assert.ThrowsAsync<OsgPilotException>(() => executor.WatchAsync(new[] { started }, DateTime.UtcNow, TimeSpan.FromSeconds(1), token.Text, CancellationToken.None));
            }
            // The pilot was started with its token; a lost watch leaves it to the next run's plan (it is running).
            Assert.Equal("running", Assert.Single(engine.Boxes).State);
            Assert.True(engine.Boxes[0].HasToken);
        }

        [Fact]
        public async Task One_failing_step_does_not_stop_the_others_and_results_keep_step_order()
        {
            OsgPilotConfig config = Config();
            var engine = new FaultyEngine { FailAt = "start#2" };
            var executor = new PilotExecutor(engine, new RecordingHost(), config);
            var steps = Enumerable.Range(0, 3).Select(i => SpecOf(config, i, 3)).Select(s => new PilotStep { Name = s.Name, Spec = s, Action = PilotAction.Create }).ToList();
            using (var token = new TokenPayload(TestTokens.Jwt()))
            {
                IReadOnlyList<StepOutcome> outcomes = await executor.RunAsync(steps, token, CancellationToken.None);
                Assert.Equal(steps.Select(s => s.Name), outcomes.Select(o => o.Step.Name));
                Assert.Single(outcomes, o => o.Error != null);
                Assert.Equal(2, outcomes.Count(o => o.Started != null));
            }
            Assert.Equal(2, engine.Boxes.Count(b => b.State == "running"));
            Assert.Equal(2, engine.Boxes.Count);
        }

        [Fact]
        public async Task Undrain_and_drain_keep_the_stamp_and_the_restart_policy_together()
        {
            OsgPilotConfig config = Config();
            var engine = new FaultyEngine();
            ContainerSpec spec = SpecOf(config);
            FaultyEngine.Box pilot = engine.Add(spec.Name, "running", spec.ConfigHash, spec.HostPilotDirectory);
            await Run(engine, config, new PilotStep { Name = spec.Name, Spec = spec, Existing = View(pilot), Action = PilotAction.Drain });
            Assert.Contains(spec.HostPilotDirectory, engine.StampedDirectories);
            Assert.Equal(PilotRestartPolicy.No, pilot.Policy);
            await Run(engine, config, new PilotStep { Name = spec.Name, Spec = spec, Existing = View(pilot), Drained = true, Action = PilotAction.Undrain });
            Assert.Empty(engine.StampedDirectories);
            Assert.Equal(spec.RestartPolicy, pilot.Policy);
        }

        /// <summary>The case that made every roll-out end with drained replacements: drained, exited, replaced.</summary>
        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task A_drained_pilot_that_exited_is_replaced_by_one_that_finds_no_stamp(bool local)
        {
            OsgPilotConfig config = Config(local ? _root : "/srv/osg-pilot");
            var engine = new FaultyEngine { IsLocal = local };
            ContainerSpec spec = SpecOf(config, 0, 1);
            if (local) Directory.CreateDirectory(spec.HostPilotDirectory);
            FaultyEngine.Box drained = engine.Add(spec.Name, "running", spec.ConfigHash, spec.HostPilotDirectory);
            await Run(engine, config, new PilotStep { Name = spec.Name, Spec = spec, Existing = View(drained), Action = PilotAction.Drain });
            drained.State = "exited"; // it finished its jobs and idled out

            foreach (ReconcilePolicy policy in new[] { ReconcilePolicy.ForSync(1, false, TimeSpan.FromHours(72)), ReconcilePolicy.ForStart(false) })
            {
                var request = new ReconcileRequest { Config = config, Count = 1, Policy = policy, Watch = TimeSpan.FromSeconds(1), Describe = s => (s.Name, s.Reason) };
                ReconcileResult result = await new PilotReconciler(engine, new RecordingHost()).RunAsync(request, CancellationToken.None);
                StepOutcome o = Assert.Single(result.Steps);
                Assert.Null(o.Error);
                FaultyEngine.Box now = Assert.Single(engine.Boxes);
                Assert.Equal("running", now.State);
                Assert.Empty(engine.StartedDrained);
                Assert.False(local ? File.Exists(Path.Combine(spec.HostPilotDirectory, DrainStamp.FileName)) : engine.StampedDirectories.Any());
                // The next run finds it accepting: nothing to do.
                now.State = "running";
                ReconcileResult again = await new PilotReconciler(engine, new RecordingHost()).RunAsync(request, CancellationToken.None);
                Assert.Equal(PilotAction.Keep, Assert.Single(again.Steps).Step.Action);
                // Drain it again for the other caller's turn.
                await Run(engine, config, new PilotStep { Name = spec.Name, Spec = spec, Existing = View(now), Action = PilotAction.Drain });
                now.State = "exited";
            }
        }

        /// <summary>Podman before 5.1: the drain cannot set policy "no", so the engine starts the drained pilot again.</summary>
        [Fact]
        public async Task Where_the_restart_policy_is_fixed_a_drained_pilot_the_engine_started_again_is_replaced()
        {
            OsgPilotConfig config = Config("/srv/osg-pilot");
            var engine = new FaultyEngine { FixedRestartPolicy = true };
            ContainerSpec spec = SpecOf(config, 0, 1);
            FaultyEngine.Box pilot = engine.Add(spec.Name, "running", spec.ConfigHash, spec.HostPilotDirectory);
            engine.RestartedByEngine(pilot); // its first start, before the drain
            Assert.Null(await Run(engine, config, new PilotStep { Name = spec.Name, Spec = spec, Existing = View(pilot), Action = PilotAction.Drain }));
            Assert.Contains(spec.HostPilotDirectory, engine.StampedDirectories);
            Assert.Equal(PilotRestartPolicy.UnlessStopped, pilot.Policy);
            Assert.DoesNotContain("update", engine.Calls);

            var request = new ReconcileRequest { Config = config, Count = 1, Policy = ReconcilePolicy.ForSync(1, false, TimeSpan.FromHours(72)), Watch = TimeSpan.FromSeconds(1), Describe = s => (s.Name, s.Reason) };
            // Still at its jobs: left to finish them.
            ReconcileResult draining = await new PilotReconciler(engine, new RecordingHost()).RunAsync(request, CancellationToken.None);
            Assert.Equal(PilotAction.AwaitExit, Assert.Single(draining.Steps).Step.Action);
            Assert.Same(pilot, Assert.Single(engine.Boxes));

            engine.RestartedByEngine(pilot); // it exited once idle, and the policy started it again, still drained
            ReconcileResult result = await new PilotReconciler(engine, new RecordingHost()).RunAsync(request, CancellationToken.None);
            StepOutcome o = Assert.Single(result.Steps);
            Assert.Equal(PilotAction.Replace, o.Step.Action);
            Assert.Null(o.Error);
            FaultyEngine.Box now = Assert.Single(engine.Boxes);
            Assert.NotSame(pilot, now);
            Assert.Equal("running", now.State);
            Assert.Empty(engine.StampedDirectories);
            Assert.Empty(engine.StartedDrained);
        }

        private static Docker.PilotContainer View(FaultyEngine.Box b) => new Docker.PilotContainer
        {
            Id = b.Id, Name = b.Name, State = b.State, Labels = new Dictionary<string, string>(b.Labels),
        };
    }
}

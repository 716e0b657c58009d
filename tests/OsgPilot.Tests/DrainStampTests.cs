using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Reconcile;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>
    /// A pilot the engine will not look into leaves its own drain state unknown and says so; the others
    /// are still read and a sync still plans. Measured on Podman 4.3: a lasting 500 with no body for a
    /// container it lists as running whose process is gone. The fake throws what the gateway throws then.
    /// </summary>
    public sealed class DrainStampTests : IDisposable
    {
        private readonly string _token = TestTokens.File();
        private readonly string _cvmfs = Directory.CreateTempSubdirectory("osgpilot-stamp-").FullName;

        public void Dispose()
        {
            File.Delete(_token);
            Directory.Delete(_cvmfs, true);
        }

        private OsgPilotConfig Config() => PilotConfigBuilder.Build(new PilotConfigRequest
        {
            Site = "Lancium", ResourceName = "Lancium-Backfill", Name = "p", TokenPath = _token, PilotDirectory = "/srv/osg-pilot", CvmfsPath = _cvmfs,
        }).Config;

        private static Docker.PilotContainer View(FaultyEngine.Box b) => new Docker.PilotContainer { Id = b.Id, Name = b.Name, State = b.State, Labels = b.Labels };

        [Fact]
        public async Task An_unreadable_pilot_is_unknown_with_a_warning_that_names_it_or_a_refusal_without_one()
        {
            var engine = new FaultyEngine();
            FaultyEngine.Box box = engine.Add("p-1", "running", directory: "/srv/osg-pilot-1");
            engine.Unreadable.Add("p-1");

            OsgPilotException thrown = await Assert.ThrowsAsync<OsgPilotException>(() => DrainStamp.IsStampedAsync(engine, View(box), CancellationToken.None));
            Assert.Equal(ErrorIds.DockerApiError, thrown.ErrorId);

            var warnings = new System.Collections.Generic.List<string>();
            Assert.Null(await DrainStamp.IsStampedAsync(engine, View(box), CancellationToken.None, warnings.Add));
            Assert.Null(await DrainStamp.StampedAtAsync(engine, View(box), CancellationToken.None, warnings.Add));
            Assert.Equal(2, warnings.Count);
            Assert.All(warnings, w => Assert.Matches("^Whether 'p-1' is draining is unknown \\(The Docker engine refused .*InternalServerError\\)\\. .*Stop-OsgPilot 'p-1', then Start-OsgPilot its config", w));
        }

        [Fact]
        public async Task A_sync_with_one_unreadable_pilot_keeps_both_and_warns_of_that_one()
        {
            OsgPilotConfig config = Config();
            var engine = new FaultyEngine();
            foreach (int i in new[] { 0, 1 })
            {
                ContainerSpec spec = PilotContainerMapper.Map(config, i, 2, "test");
                engine.Add(spec.Name, "running", spec.ConfigHash, spec.HostPilotDirectory);
            }
            engine.Unreadable.Add(engine.Boxes[1].Name);
            var host = new RecordingHost();
            var request = new ReconcileRequest { Config = config, Count = 2, Policy = ReconcilePolicy.ForSync(1, false, TimeSpan.FromHours(72)), Watch = TimeSpan.FromSeconds(1), Describe = s => (s.Name, s.Reason) };

            ReconcileResult result = await new PilotReconciler(engine, host).RunAsync(request, CancellationToken.None);

            Assert.All(result.Steps, o => Assert.Null(o.Error));
            Assert.All(result.Steps, o => Assert.Equal(PilotAction.Keep, o.Step.Action));
            string warning = Assert.Single(host.Lines, l => l.StartsWith("WARNING ", StringComparison.Ordinal));
            Assert.Contains($"'{engine.Boxes[1].Name}' is draining is unknown", warning);
        }
    }
}

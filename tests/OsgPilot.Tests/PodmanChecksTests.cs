using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Preflight;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class PodmanChecksTests : IDisposable
    {
        private readonly string _token = TestTokens.File();
        private readonly string _units = Path.Combine(Path.GetTempPath(), "osgpilot-units-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        private static readonly EngineVersion Podman = new EngineVersion { Product = EngineVersion.Podman, Version = "4.3.1" };

        public void Dispose()
        {
            File.Delete(_token);
            if (Directory.Exists(_units)) Directory.Delete(_units, true);
        }

        private OsgPilotConfig Config(Action<PilotConfigRequest> change = null)
        {
            var r = new PilotConfigRequest { Site = "Lancium", ResourceName = "Lancium-Backfill", TokenPath = _token };
            change?.Invoke(r);
            return PilotConfigBuilder.Build(r).Config;
        }

        private static Dictionary<string, OsgPilotPreflightCheck> Checks(OsgPilotConfig c, EngineVersion e, bool? unit, bool rootless = false) =>
            PodmanChecks.For(c, e, unit, rootless).ToDictionary(x => x.Name);

        [Fact]
        public void A_dockerd_gets_no_Podman_checks() =>
            Assert.Empty(Checks(Config(), new EngineVersion { Version = "28.2.2" }, null, rootless: true));

        [Fact]
        public void Only_always_with_podman_restart_enabled_survives_a_reboot()
        {
            OsgPilotPreflightCheck unless = Checks(Config(), Podman, true)["Restart after reboot"];
            Assert.Equal((false, CheckSeverity.Warning), (unless.Passed, unless.Level));
            Assert.Contains("UnlessStopped stay down until the next Sync-OsgPilot", unless.Message);
            Assert.True(Checks(Config(r => r.RestartPolicy = PilotRestartPolicy.Always), Podman, true)["Restart after reboot"].Passed);
            Assert.Contains("systemctl enable podman-restart.service", Checks(Config(r => r.RestartPolicy = PilotRestartPolicy.Always), Podman, false)["Restart after reboot"].Message);
            Assert.Contains("could not be checked", Checks(Config(r => r.RestartPolicy = PilotRestartPolicy.Always), Podman, null)["Restart after reboot"].Message);
        }

        [Fact]
        public void The_capabilities_profile_is_warned_of_and_the_unconfined_one_is_not()
        {
            Assert.Equal(CheckSeverity.Warning, Checks(Config(r => r.SecurityProfile = SecurityProfile.Capabilities), Podman, true)["Capabilities"].Level);
            Assert.False(Checks(Config(r => { r.SecurityProfile = SecurityProfile.Unconfined; r.CvmfsMode = CvmfsMode.CvmfsExec; }), Podman, true).ContainsKey("Capabilities"));
        }

        [Fact]
        public void Rootless_fails_a_host_cvmfs_and_passes_cvmfsexec()
        {
            OsgPilotPreflightCheck cvmfs = Checks(Config(), Podman, null, rootless: true)["CVMFS"];
            Assert.Equal((false, CheckSeverity.Error), (cvmfs.Passed, cvmfs.Level));
            Assert.Contains("-CvmfsMode CvmfsExec", cvmfs.Message);
            Assert.False(Checks(Config(), Podman, null).ContainsKey("CVMFS"));
            Assert.False(Checks(Config(r => { r.SecurityProfile = SecurityProfile.Unconfined; r.CvmfsMode = CvmfsMode.CvmfsExec; }), Podman, null, rootless: true).ContainsKey("CVMFS"));
        }

        [Fact]
        public void A_unit_is_enabled_by_a_link_in_any_wants_directory_even_a_dangling_one()
        {
            Assert.False(PodmanChecks.IsEnabledIn(_units, PodmanChecks.RestartUnit));
            Directory.CreateDirectory(Path.Combine(_units, "multi-user.target.wants"));
            Assert.False(PodmanChecks.IsEnabledIn(_units, PodmanChecks.RestartUnit));
            File.CreateSymbolicLink(Path.Combine(_units, "multi-user.target.wants", PodmanChecks.RestartUnit), "/nonexistent/podman-restart.service");
            Assert.True(PodmanChecks.IsEnabledIn(_units, PodmanChecks.RestartUnit));
        }

        [Theory]
        [InlineData("unix:///run/user/1000/podman/podman.sock", true)]
        [InlineData("unix:///run/podman/podman.sock", false)]
        [InlineData("tcp://127.0.0.1:2375", false)]
        public void A_socket_in_a_user_runtime_directory_is_rootless(string host, bool rootless) =>
            Assert.Equal(rootless, PodmanChecks.IsRootlessSocket(DockerEndpoint.Parse(host)));
    }
}

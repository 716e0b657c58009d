using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Launch;
using Xunit;
using ContainerSpec = OsgPilot.Launch.ContainerSpec;

namespace OsgPilot.Tests
{
    /// <summary>The current image's options as typed parameters: checked, mapped, kept in the file, never given twice.</summary>
    public sealed class ImageOptionsTests : IDisposable
    {
        private readonly string _token = TestTokens.File();
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "osgpilot-opts-" + Guid.NewGuid().ToString("N"));

        public ImageOptionsTests() => Directory.CreateDirectory(_dir);

        public void Dispose()
        {
            File.Delete(_token);
            Directory.Delete(_dir, true);
        }

        private PilotConfigRequest Request(Action<PilotConfigRequest> change)
        {
            var r = new PilotConfigRequest { Site = "Lancium", ResourceName = "Lancium-Backfill", TokenPath = _token, SquidLocation = "squid.example.edu:3128" };
            change(r);
            return r;
        }

        private OsgPilotConfig Config(Action<PilotConfigRequest> change) => PilotConfigBuilder.Build(Request(change)).Config;

        private static Dictionary<string, string> Env(ContainerSpec s) => s.Environment.ToDictionary(kv => kv.Key, kv => kv.Value);

        private string Attributes(params string[] lines)
        {
            string path = Path.Combine(_dir, "extra-" + Guid.NewGuid().ToString("N") + ".cfg");
            File.WriteAllLines(path, lines);
            return path;
        }

        [Fact]
        public void Every_option_reaches_the_container_as_the_image_reads_it()
        {
            string attrs = Attributes("# site attributes", "SITE_HAS_IB = True", "Rack = \"r12\"", "");
            OsgPilotConfig c = Config(r =>
            {
                r.CvmfsMode = CvmfsMode.CvmfsExec; r.Pool = "itb-ospool"; r.RemoteSyslog = false; r.CvmfsCachePath = "/var/cache/cvmfs/"; r.CvmfsLogPath = "/var/log/cvmfs";
                r.CvmfsConfigPath = "/etc/cvmfs/default.local"; r.CvmfsQuotaMB = 8000; r.CvmfsHttpProxy = "http://cvmfs-squid:3128"; r.ExtraAttributesPath = attrs;
                r.SingularityBindExtra = "/scratch:/scratch"; r.RandomizeName = true; r.ContainerDistribution = "10%__htc/rocky:8 90%__htc/rocky:9";
                r.GpuContainerDistribution = "100%__htc/rocky:9-cuda-11.8.0";
            });
            ContainerSpec s = PilotContainerMapper.Map(c, 0, 1, "1");
            Dictionary<string, string> env = Env(s);
            Assert.Equal("itb-ospool", env["POOL"]);
            Assert.Equal("false", env["ENABLE_REMOTE_SYSLOG"]);
            Assert.Equal("8000", env["CVMFS_QUOTA_LIMIT"]);
            Assert.Equal("http://cvmfs-squid:3128", env["CVMFS_HTTP_PROXY"]); // not the jobs' squid
            Assert.Equal("/scratch:/scratch", env["SINGULARITY_BIND_EXTRA"]);
            Assert.Equal("true", env["GLIDEIN_RANDOMIZE_NAME"]);
            Assert.Equal("10%__htc/rocky:8 90%__htc/rocky:9", env["OSG_DEFAULT_CONTAINER_DISTRIBUTION"]);
            Assert.Equal("100%__htc/rocky:9-cuda-11.8.0", env["OSG_DEFAULT_CONTAINER_DISTRIBUTION_GPU"]);
            string[] binds = s.Binds.Select(b => b.ToBindString()).ToArray();
            Assert.Contains("/var/cache/cvmfs:/cvmfs-cache", binds);
            Assert.Contains("/var/log/cvmfs:/cvmfs-logs", binds);
            Assert.Contains("/etc/cvmfs/default.local:/cvmfsexec/default.local:ro", binds);
            Assert.Contains(attrs + ":/etc/osg/extra-attributes.cfg:ro", binds);
            // The -WhatIf line shows them; the file keeps them.
            string line = DockerRunLine.Render(s);
            Assert.Contains("-e POOL=itb-ospool", line);
            Assert.Contains("-v /var/log/cvmfs:/cvmfs-logs", line);
            string json = ConfigFile.Serialize(c);
            OsgPilotConfig back = PilotConfigBuilder.Build(ConfigFile.Deserialize(json, "f.json")).Config;
            Assert.Equal(json, ConfigFile.Serialize(back));
            Assert.Equal(s.ConfigHash, PilotContainerMapper.Map(back, 0, 1, "1").ConfigHash);
        }

        [Fact]
        public void A_swarm_service_carries_the_same_options()
        {
            string attrs = Attributes("Rack = 12");
            OsgPilotConfig c = Config(r => { r.SecurityProfile = SecurityProfile.Capabilities; r.Pool = "prod-path-facility"; r.RemoteSyslog = false; r.ExtraAttributesPath = attrs; });
            Swarm.PilotServiceSpec spec = Swarm.ServiceSpecMapper.Map(c, new Swarm.ServiceOptions(), "0123456789ab", "1").Single();
            Dictionary<string, string> env = Env(spec.Container);
            Assert.Equal(("prod-path-facility", "false"), (env["POOL"], env["ENABLE_REMOTE_SYSLOG"]));
            Assert.Contains(attrs + ":/etc/osg/extra-attributes.cfg:ro", spec.Container.Binds.Select(b => b.ToBindString()));
        }

        [Fact]
        public void Unset_options_add_nothing_and_the_image_keeps_its_defaults()
        {
            ContainerSpec s = PilotContainerMapper.Map(Config(r => { }), 0, 1, "1");
            foreach (string v in new[] { "POOL", "ENABLE_REMOTE_SYSLOG", "CVMFS_QUOTA_LIMIT", "SINGULARITY_BIND_EXTRA", "GLIDEIN_RANDOMIZE_NAME", "OSG_DEFAULT_CONTAINER_DISTRIBUTION" })
                Assert.False(Env(s).ContainsKey(v), v);
            Assert.DoesNotContain("\"Pool\"", ConfigFile.Serialize(Config(r => { })));
        }

        [Theory]
        [InlineData("nosuchpool", ErrorIds.InvalidPool)]
        [InlineData("", ErrorIds.InvalidPool)]
        [InlineData("cm example.edu", ErrorIds.InvalidPool)]
        [InlineData("cm.example.edu;rm", ErrorIds.InvalidPool)]
        public void Pools_the_image_would_refuse_are_refused(string pool, string errorId) =>
            Assert.Equal(errorId, Assert.Throws<OsgPilotException>(() => Config(r => r.Pool = pool)).ErrorId);

        [Fact]
        public void A_collector_of_the_sites_own_is_a_pool()
        {
            Assert.Equal("cm.example.edu:9618", Env(PilotContainerMapper.Map(Config(r => r.Pool = "cm.example.edu:9618"), 0, 1, "1"))["POOL"]);
        }

        [Fact]
        public void A_value_is_never_given_twice()
        {
            var e = Assert.Throws<OsgPilotException>(() => Config(r => { r.Pool = "itb-ospool"; r.Environment = new Dictionary<string, string> { ["POOL"] = "prod-ospool" }; }));
            Assert.Equal(ErrorIds.ReservedEnvironment, e.ErrorId);
            Assert.Contains("-Pool sets POOL", e.Message);
        }

        [Fact]
        public void Cvmfsexec_settings_need_cvmfsexec()
        {
            Assert.Equal(ErrorIds.CvmfsModeConflict, Assert.Throws<OsgPilotException>(() => Config(r => r.CvmfsCachePath = "/var/cache/cvmfs")).ErrorId);
            Assert.Equal(ErrorIds.CvmfsModeConflict, Assert.Throws<OsgPilotException>(() => Config(r => r.CvmfsQuotaMB = 4000)).ErrorId);
            Assert.Equal(ErrorIds.InvalidCvmfsOption, Assert.Throws<OsgPilotException>(() => Config(r => { r.CvmfsMode = CvmfsMode.CvmfsExec; r.CvmfsQuotaMB = 5; })).ErrorId);
            Assert.Equal(ErrorIds.InvalidCvmfsOption, Assert.Throws<OsgPilotException>(() => Config(r => { r.CvmfsMode = CvmfsMode.CvmfsExec; r.CvmfsLogPath = "relative/logs"; })).ErrorId);
        }

        [Theory]
        [InlineData("Key value")]
        [InlineData("= True")]
        [InlineData("1Key = True")]
        [InlineData("Key = \"multi \\")]
        [InlineData("Key =")]
        public void A_bad_attributes_line_is_refused_with_its_number(string bad)
        {
            string path = Attributes("# ok", "Good = 1", bad);
            var e = Assert.Throws<OsgPilotException>(() => Config(r => r.ExtraAttributesPath = path));
            Assert.Equal(ErrorIds.InvalidExtraAttributes, e.ErrorId);
            Assert.Contains("Line 3", e.Message);
        }

        [Fact]
        public void An_attributes_file_not_on_this_machine_is_said_unchecked()
        {
            PilotConfigResult r = PilotConfigBuilder.Build(Request(x => x.ExtraAttributesPath = "/nonexistent/extra.cfg"));
            Assert.Contains(r.Warnings, w => w.Contains("not checked"));
        }

        [Theory]
        [InlineData("90%__htc/rocky:9")]
        [InlineData("50%__a 60%__b")]
        [InlineData("htc/rocky:9")]
        [InlineData("100%htc/rocky:9")]
        public void A_distribution_whose_shares_are_not_100_percent_is_refused(string value) =>
            Assert.Equal(ErrorIds.InvalidContainerDistribution, Assert.Throws<OsgPilotException>(() => Config(r => r.ContainerDistribution = value)).ErrorId);
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Preflight;
using Xunit;
using ContainerSpec = OsgPilot.Launch.ContainerSpec;

namespace OsgPilot.Tests
{
    /// <summary>Where a pilot connects to (as 10-setup-htcondor.sh derives it), the connectivity verdict, and -Network.</summary>
    public sealed class PoolConnectivityTests : IDisposable
    {
        private readonly string _token = TestTokens.File();

        public void Dispose() => File.Delete(_token);

        private OsgPilotConfig Config(Action<PilotConfigRequest> change = null)
        {
            var r = new PilotConfigRequest { Site = "Lancium", ResourceName = "Lancium-Backfill", TokenPath = _token };
            change?.Invoke(r);
            return PilotConfigBuilder.Build(r).Config;
        }

        private static string[] Targets(Dictionary<string, string> env) =>
            PoolEndpoints.For(env).Select(e => $"{e.Role} {e}{(e.Required ? "" : " optional")}").ToArray();

        [Fact]
        public void The_default_pool_is_the_production_ospool_with_remote_syslog()
        {
            Assert.Equal(new[]
            {
                "collector cm-1.ospool.osg-htc.org:9618", "collector cm-2.ospool.osg-htc.org:9618",
                "CCB ccb-1.ospool.osg-htc.org:9618", "CCB ccb-2.ospool.osg-htc.org:9618",
                "registry os-registry.opensciencegrid.org:443 optional", "syslog syslog.osg.chtc.io:6514 optional",
            }, Targets(new Dictionary<string, string>()));
            Assert.Equal(Targets(new Dictionary<string, string>()), Targets(new Dictionary<string, string> { ["POOL"] = "prod-ospool" }));
        }

        [Fact]
        public void Itb_turns_ospool_into_the_itb_pool_with_its_own_syslog_and_registry()
        {
            string[] t = Targets(new Dictionary<string, string> { ["ITB"] = "yes" });
            Assert.Contains("collector cm-1.ospool-itb.osg-htc.org:9618", t);
            Assert.Contains("registry os-registry.osgdev.chtc.io:443 optional", t);
            Assert.Contains("syslog syslog.osgdev.chtc.io:6514 optional", t);
        }

        [Fact]
        public void Path_facility_pools_have_no_ccb_hosts()
        {
            Assert.Equal(new[]
            {
                "collector cm-1.facility.path-cc.io:9618", "collector cm-2.facility.path-cc.io:9618",
                "registry os-registry.opensciencegrid.org:443 optional", "syslog syslog.osg.chtc.io:6514 optional",
            }, Targets(new Dictionary<string, string> { ["POOL"] = "prod-path-facility" }));
            Assert.Contains("collector htcondor-cm-path.osgdev.chtc.io:9618", Targets(new Dictionary<string, string> { ["POOL"] = "dev-path-facility" }));
        }

        [Fact]
        public void A_sites_own_collector_turns_remote_syslog_off_and_condor_host_overrides_with_ports()
        {
            Assert.Equal(new[] { "collector cm.example.edu:9618" }, Targets(new Dictionary<string, string> { ["POOL"] = "cm.example.edu" }));
            Assert.Equal(new[]
            {
                "collector a.example.edu:10576", "collector b.example.edu:9618", "collector c.example.edu:9619",
                "registry r.example.edu:443 optional", "syslog s.example.edu:6514 optional",
            }, Targets(new Dictionary<string, string>
            {
                ["CONDOR_HOST"] = "a.example.edu:10576, b.example.edu c.example.edu:9619?sock=collector3",
                ["SYSLOG_HOST"] = "s.example.edu", ["REGISTRY_HOST"] = "r.example.edu",
            }));
            Assert.DoesNotContain(Targets(new Dictionary<string, string> { ["ENABLE_REMOTE_SYSLOG"] = "false" }), t => t.StartsWith("syslog"));
        }

        [Theory]
        [InlineData("nosuchpool")]
        [InlineData("")]
        public void A_pool_the_image_would_refuse_is_refused_here(string pool)
        {
            var e = Assert.Throws<OsgPilotException>(() => Config(r => r.Environment = new Dictionary<string, string> { ["POOL"] = pool }));
            Assert.Equal(ErrorIds.InvalidEnvironment, e.ErrorId);
            Assert.Contains("POOL", e.Message);
            Config(r => r.Environment = new Dictionary<string, string> { ["POOL"] = "itb-ospool" });
            Config(r => r.Environment = new Dictionary<string, string> { ["POOL"] = "cm.example.edu" });
        }

        private static ProbeOutcome Answers(params string[] lines) => ProbeOutcome.Parse(0, lines.Select(l => "osgpilot-probe tcp " + l));

        private static readonly IReadOnlyList<PoolEndpoint> Targets3 = new[]
        {
            new PoolEndpoint("collector", "127.0.0.1", 19618, true),
            new PoolEndpoint("registry", "127.0.0.2", 443, false),
            new PoolEndpoint("syslog", "127.0.0.3", 6514, false),
        };

        [Fact]
        public void Every_target_reached_passes()
        {
            OsgPilotPreflightCheck c = PoolConnectivity.Judge(Answers("0 127.0.0.1:19618 ", "0 127.0.0.2:443", "0 127.0.0.3:6514 "), Targets3, "host");
            Assert.True(c.Passed);
            Assert.Contains("network 'host'", c.Message);
        }

        [Fact]
        public void An_unreachable_collector_is_an_error_naming_host_and_port()
        {
            OsgPilotPreflightCheck c = PoolConnectivity.Judge(Answers("1 127.0.0.1:19618 nc: can't connect to remote host (127.0.0.1): Connection refused", "0 127.0.0.2:443", "1 127.0.0.3:6514 refused"), Targets3, null);
            Assert.Equal((false, "Error"), (c.Passed, c.Severity));
            Assert.Contains("collector 127.0.0.1:19618 (nc: can't connect", c.Message);
            Assert.Contains("engine's default network", c.Message);
            Assert.Contains("Also unreachable: syslog 127.0.0.3:6514", c.Message);
        }

        [Fact]
        public void An_unreachable_syslog_or_registry_is_a_warning()
        {
            OsgPilotPreflightCheck c = PoolConnectivity.Judge(Answers("0 127.0.0.1:19618", "1 127.0.0.2:443 bad address", "0 127.0.0.3:6514"), Targets3, null);
            Assert.Equal((false, "Warning"), (c.Passed, c.Severity));
            Assert.Contains("registry 127.0.0.2:443 (bad address)", c.Message);
            Assert.Contains("ENABLE_REMOTE_SYSLOG=false", c.Message);
        }

        [Fact]
        public void A_target_that_did_not_answer_counts_as_unreachable_and_no_answers_at_all_as_unchecked()
        {
            Assert.Contains("no answer", PoolConnectivity.Judge(Answers("0 127.0.0.2:443", "0 127.0.0.3:6514"), Targets3, null).Message);
            OsgPilotPreflightCheck none = PoolConnectivity.Judge(ProbeOutcome.Parse(2, new[] { "sh: syntax error" }), Targets3, null);
            Assert.Equal((false, "Warning"), (none.Passed, none.Severity));
            Assert.Contains("sh: syntax error", none.Message);
        }

        [Fact]
        public void The_network_probe_joins_the_pilots_network_and_passes_targets_as_arguments_never_as_script()
        {
            OsgPilotConfig c = Config(r => { r.Network = "host"; r.Environment = new Dictionary<string, string> { ["CONDOR_HOST"] = "127.0.0.1:19618;touch /x" }; });
            ContainerSpec probe = PoolConnectivity.SpecFor(c, "1", PoolEndpoints.For(c.Environment));
            Assert.Equal("host", probe.NetworkMode);
            Assert.Equal("/bin/sh", probe.Entrypoint[0]);
            Assert.DoesNotContain("touch", probe.Entrypoint[2]);
            // Split on blanks as the image splits CONDOR_HOST; each piece is an argument the script quotes.
            Assert.Contains("127.0.0.1:19618;touch", probe.Entrypoint.Skip(4));
            Assert.Contains("/x", probe.Entrypoint.Skip(4));
            Assert.Empty(probe.Binds);
            Assert.Null(PoolConnectivity.SpecFor(Config(), "1", PoolEndpoints.For(Config().Environment)).NetworkMode);
        }

        [Theory]
        [InlineData("none")]
        [InlineData("container:other")]
        [InlineData("a b")]
        public void Networks_that_cannot_carry_a_pilot_are_refused(string network)
        {
            var e = Assert.Throws<OsgPilotException>(() => Config(r => r.Network = network));
            Assert.Equal(ErrorIds.InvalidNetwork, e.ErrorId);
        }

        [Fact]
        public void Network_reaches_the_container_the_run_line_and_the_hash_only_when_set()
        {
            ContainerSpec host = PilotContainerMapper.Map(Config(r => r.Network = "host"), 0, 1, "1");
            ContainerSpec plain = PilotContainerMapper.Map(Config(), 0, 1, "1");
            Assert.Equal("host", host.NetworkMode);
            Assert.Null(plain.NetworkMode);
            Assert.NotEqual(plain.ConfigHash, host.ConfigHash);
            Assert.Contains("--network host", DockerRunLine.Render(host));
            Assert.DoesNotContain("--network", DockerRunLine.Render(plain));
            Assert.Equal("host", Docker.CreateParametersFactory.Create(host).HostConfig.NetworkMode);
            var swarm = Assert.Throws<OsgPilotException>(() => Swarm.ServiceSpecMapper.ThrowIfUnsupported(Config(r => { r.Network = "host"; r.SecurityProfile = SecurityProfile.Capabilities; })));
            Assert.Contains("-Network", swarm.Message);
        }
    }
}

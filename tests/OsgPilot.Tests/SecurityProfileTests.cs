using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Security;
using Xunit;
using ContainerSpec = OsgPilot.Launch.ContainerSpec;

namespace OsgPilot.Tests
{
    /// <summary>The four levels of OSG's docs, AppArmor, the Minimal seccomp profile, and what a config file keeps across upgrades.</summary>
    public sealed class SecurityProfileTests : IDisposable
    {
        private readonly string _token = TestTokens.File();
        private readonly List<string> _files = new List<string>();

        public void Dispose()
        {
            File.Delete(_token);
            foreach (string f in _files) File.Delete(f);
        }

        private PilotConfigRequest Request(Action<PilotConfigRequest> change = null)
        {
            var r = new PilotConfigRequest { Site = "Lancium", ResourceName = "Lancium-Backfill", TokenPath = _token };
            change?.Invoke(r);
            return r;
        }

        private OsgPilotConfig Config(Action<PilotConfigRequest> change = null) => PilotConfigBuilder.Build(Request(change)).Config;

        private static ContainerSpec Map(OsgPilotConfig c) => PilotContainerMapper.Map(c, 0, 1, "1");

        private static string Env(ContainerSpec s, string name) => s.Environment.Where(kv => kv.Key == name).Select(kv => kv.Value).LastOrDefault();

        private string TempFile(string text)
        {
            string path = Path.Combine(Path.GetTempPath(), "osgpilot-seccomp-" + Guid.NewGuid().ToString("N") + ".json");
            File.WriteAllText(path, text);
            _files.Add(path);
            return path;
        }

        [Fact]
        public void Unconfined_is_the_docs_recommended_line_and_the_default()
        {
            ContainerSpec s = Map(Config());
            Assert.Equal(new[] { "seccomp=unconfined", "no-new-privileges" }, s.SecurityOpt);
            Assert.True(s.UnconfinedSystemPaths);
            Assert.Equal("/dev/fuse", Assert.Single(s.Devices).Path);
            Assert.Empty(s.CapAdd);
            Assert.Null(Env(s, "SINGULARITY_DISABLE_PID_NAMESPACES"));
            Assert.True(JobPolicy.UsesPidNamespaces(s));
        }

        [Fact]
        public void Minimal_is_the_docs_minimum_privileges()
        {
            ContainerSpec s = Map(Config(r => r.SecurityProfile = SecurityProfile.Minimal));
            Assert.Equal(2, s.SecurityOpt.Count);
            Assert.StartsWith("seccomp={", s.SecurityOpt[0]);
            Assert.Equal("no-new-privileges", s.SecurityOpt[1]);
            Assert.False(s.UnconfinedSystemPaths); // system paths stay masked
            Assert.Equal("/dev/fuse", Assert.Single(s.Devices).Path);
            Assert.Empty(s.CapAdd);
            Assert.Equal("True", Env(s, "SINGULARITY_DISABLE_PID_NAMESPACES"));
            Assert.False(JobPolicy.UsesPidNamespaces(s));
            // The engine gets no masked-path lists: it masks as usual.
            Assert.Null(CreateParametersFactory.Create(s).HostConfig.MaskedPaths);
        }

        [Fact]
        public void The_shipped_minimal_profile_denies_by_default_and_allows_exactly_the_five_namespace_calls_beyond_the_usual()
        {
            using (JsonDocument doc = JsonDocument.Parse(SeccompProfile.Shipped))
            {
                Assert.Equal("SCMP_ACT_ERRNO", doc.RootElement.GetProperty("defaultAction").GetString());
                string[] allowed = doc.RootElement.GetProperty("syscalls").EnumerateArray()
                    .Where(g => g.GetProperty("action").GetString() == "SCMP_ACT_ALLOW" && !g.TryGetProperty("args", out _))
                    .SelectMany(g => g.GetProperty("names").EnumerateArray().Select(n => n.GetString())).ToArray();
                foreach (string call in new[] { "mount", "umount2", "unshare", "setns", "pivot_root", "read", "execve", "getrandom" }) Assert.Contains(call, allowed);
                foreach (string call in new[] { "bpf", "perf_event_open", "init_module", "kexec_load", "reboot", "keyctl", "add_key", "clone3", "open_by_handle_at", "swapon" }) Assert.DoesNotContain(call, allowed);
                // clone may not make namespaces: only with a flag mask.
                JsonElement clone = doc.RootElement.GetProperty("syscalls").EnumerateArray().Single(g => g.GetProperty("names").EnumerateArray().Any(n => n.GetString() == "clone"));
                Assert.Equal("SCMP_CMP_MASKED_EQ", clone.GetProperty("args")[0].GetProperty("op").GetString());
            }
        }

        [Fact]
        public void Podman_gets_the_sites_profile_file_and_refuses_minimal_without_one()
        {
            string path = TempFile(SeccompProfile.Shipped);
            ContainerSpec withFile = Map(Config(r => { r.SecurityProfile = SecurityProfile.Minimal; r.SeccompProfilePath = path; }));
            Assert.Equal(new[] { "seccomp=" + path, "no-new-privileges" }, CreateParametersFactory.Create(withFile, podman: true).HostConfig.SecurityOpt);
            Assert.StartsWith("seccomp={", CreateParametersFactory.Create(withFile).HostConfig.SecurityOpt[0]); // dockerd: the text, as the CLI sends it

            ContainerSpec shipped = Map(Config(r => r.SecurityProfile = SecurityProfile.Minimal));
            var e = Assert.Throws<OsgPilotException>(() => CreateParametersFactory.Create(shipped, podman: true));
            Assert.Equal(ErrorIds.SecurityProfileConflict, e.ErrorId);
            Assert.Contains("-SeccompProfilePath", e.Message);
            var podman = new EngineVersion { Product = EngineVersion.Podman, Version = "4.3.1" };
            Assert.Contains(Preflight.PodmanChecks.For(Config(r => r.SecurityProfile = SecurityProfile.Minimal), podman, true, false), c => c.Name == "Seccomp profile" && !c.Passed);
            Assert.DoesNotContain(Preflight.PodmanChecks.For(Config(r => { r.SecurityProfile = SecurityProfile.Minimal; r.SeccompProfilePath = path; }), podman, true, false), c => c.Name == "Seccomp profile");
        }

        [Fact]
        public void Capabilities_is_the_seed_line_and_default_adds_nothing()
        {
            ContainerSpec caps = Map(Config(r => r.SecurityProfile = SecurityProfile.Capabilities));
            Assert.Equal(PilotContainerMapper.SeedCapabilities, caps.CapAdd);
            Assert.Empty(caps.SecurityOpt);
            ContainerSpec none = Map(Config(r => r.SecurityProfile = SecurityProfile.Default));
            Assert.Empty(none.CapAdd);
            Assert.Empty(none.SecurityOpt);
            Assert.Empty(none.Devices);
            Assert.False(none.UnconfinedSystemPaths);
        }

        [Fact]
        public void Every_profile_has_its_own_hash_and_apparmor_changes_it_too()
        {
            string[] hashes = Enum.GetValues(typeof(SecurityProfile)).Cast<SecurityProfile>()
                .Select(p => Map(Config(r => r.SecurityProfile = p)).ConfigHash)
                .Concat(new[] { Map(Config(r => r.AppArmorProfile = "unconfined")).ConfigHash })
                .ToArray();
            Assert.Equal(hashes.Length, hashes.Distinct().Count());
        }

        [Fact]
        public void Apparmor_is_a_security_option_beside_any_profile()
        {
            ContainerSpec s = Map(Config(r => { r.SecurityProfile = SecurityProfile.Capabilities; r.AppArmorProfile = " osg-pilot.v2 "; }));
            Assert.Equal(new[] { "apparmor=osg-pilot.v2" }, s.SecurityOpt);
        }

        [Theory]
        [InlineData("")]
        [InlineData("a b")]
        [InlineData("x;rm")]
        [InlineData("-unconfined")]
        [InlineData("a\nb")]
        public void Apparmor_names_that_are_no_profile_are_refused(string name)
        {
            var e = Assert.Throws<OsgPilotException>(() => Config(r => r.AppArmorProfile = name));
            Assert.Equal(ErrorIds.InvalidAppArmorProfile, e.ErrorId);
        }

        [Fact]
        public void A_sites_seccomp_profile_replaces_the_shipped_one_only_with_minimal()
        {
            string path = TempFile("{ \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [ { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\" } ] }");
            OsgPilotConfig c = Config(r => { r.SecurityProfile = SecurityProfile.Minimal; r.SeccompProfilePath = path; });
            Assert.Equal(path, c.SeccompProfilePath);
            ContainerSpec s = Map(c);
            Assert.Equal("seccomp={\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}", s.SecurityOpt[0]);
            Assert.NotEqual(Map(Config(r => r.SecurityProfile = SecurityProfile.Minimal)).ConfigHash, s.ConfigHash);
            // The docker-run line names the file, as a person would type it.
            Assert.Contains("--security-opt seccomp=" + path, DockerRunLine.Render(s));
            Assert.Contains("--security-opt seccomp=" + SeccompProfile.ShippedFileName, DockerRunLine.Render(Map(Config(r => r.SecurityProfile = SecurityProfile.Minimal))));

            var conflict = Assert.Throws<OsgPilotException>(() => Config(r => r.SeccompProfilePath = path));
            Assert.Equal(ErrorIds.SecurityProfileConflict, conflict.ErrorId);
        }

        [Theory]
        [InlineData("not json")]
        [InlineData("[1, 2]")]
        [InlineData("{\"syscalls\": []}")]
        [InlineData("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}")]
        public void A_file_that_is_no_seccomp_profile_is_refused(string text)
        {
            string path = TempFile(text);
            var e = Assert.Throws<OsgPilotException>(() => Config(r => { r.SecurityProfile = SecurityProfile.Minimal; r.SeccompProfilePath = path; }));
            Assert.Equal(ErrorIds.InvalidSeccompProfile, e.ErrorId);
            Assert.Contains(path, e.Message);
        }

        [Fact]
        public void A_missing_seccomp_profile_is_refused_as_not_found()
        {
            var e = Assert.Throws<OsgPilotException>(() => Config(r => { r.SecurityProfile = SecurityProfile.Minimal; r.SeccompProfilePath = "/nonexistent/p.json"; }));
            Assert.Equal((ErrorIds.InvalidSeccompProfile, System.Management.Automation.ErrorCategory.ObjectNotFound), (e.ErrorId, e.Category));
        }

        [Fact]
        public void A_config_file_of_the_previous_version_keeps_the_profile_of_then()
        {
            // Version 1 always wrote its profile; one written by hand without it meant Capabilities, the default then.
            string v1 = "{ \"SchemaVersion\": 1, \"Site\": \"S\", \"ResourceName\": \"R\", \"TokenPath\": \"" + _token + "\" }";
            Assert.Equal(SecurityProfile.Capabilities, PilotConfigBuilder.Build(ConfigFile.Deserialize(v1, "old.json")).Config.Security);
            string v1Named = "{ \"SchemaVersion\": 1, \"Site\": \"S\", \"ResourceName\": \"R\", \"TokenPath\": \"" + _token + "\", \"SecurityProfile\": \"Capabilities\" }";
            Assert.Equal(SecurityProfile.Capabilities, PilotConfigBuilder.Build(ConfigFile.Deserialize(v1Named, "old.json")).Config.Security);
            string v2 = "{ \"SchemaVersion\": 2, \"Site\": \"S\", \"ResourceName\": \"R\", \"TokenPath\": \"" + _token + "\" }";
            Assert.Equal(SecurityProfile.Unconfined, PilotConfigBuilder.Build(ConfigFile.Deserialize(v2, "new.json")).Config.Security);
        }

        [Theory]
        [InlineData(SecurityProfile.Capabilities, "1c82a64a9c0c1f1b")]
        [InlineData(SecurityProfile.Unconfined, "b9f0ad8b7acb4402")]
        public void A_pilot_of_the_previous_version_keeps_its_hash_so_an_upgrade_rolls_nothing(SecurityProfile profile, string hashOfVersion010)
        {
            // The hashes the previous version (commit 1fcc61b) gave these configs: the token's origin is part of it, so the path is fixed.
            const string token = "/tmp/osgpilot-hash-token";
            File.WriteAllText(token, TestTokens.Jwt());
            _files.Add(token);
            OsgPilotConfig c = PilotConfigBuilder.Build(new PilotConfigRequest
            {
                Site = "Lancium", ResourceName = "Lancium-Backfill", TokenPath = token, SquidLocation = "squid.example.edu:3128",
                PilotDirectory = "/var/lib/osg-pilot", SecurityProfile = profile,
            }).Config;
            Assert.Equal(hashOfVersion010, Map(c).ConfigHash);
        }

        [Fact]
        public void Profile_apparmor_and_seccomp_path_round_trip_and_a_relative_path_is_the_files_neighbour()
        {
            string profile = TempFile(SeccompProfile.Shipped);
            OsgPilotConfig c = Config(r => { r.SecurityProfile = SecurityProfile.Minimal; r.SeccompProfilePath = profile; r.AppArmorProfile = "unconfined"; r.Network = "host"; });
            string json = ConfigFile.Serialize(c);
            Assert.Contains("\"Network\": \"host\"", json);
            Assert.Contains("\"SchemaVersion\": 2", json);
            OsgPilotConfig back = PilotConfigBuilder.Build(ConfigFile.Deserialize(json, "f.json")).Config;
            Assert.Equal(json, ConfigFile.Serialize(back));
            Assert.Equal(Map(c).ConfigHash, Map(back).ConfigHash);

            string file = TempFile(json.Replace(profile.Replace("\\", "\\\\"), Path.GetFileName(profile)));
            Assert.Equal(profile, ConfigFile.Load(file).SeccompProfilePath);
        }

        [Fact]
        public void Swarm_services_refuse_minimal_and_apparmor_and_take_capabilities()
        {
            var minimal = Assert.Throws<OsgPilotException>(() => Swarm.ServiceSpecMapper.ThrowIfUnsupported(Config(r => r.SecurityProfile = SecurityProfile.Minimal)));
            Assert.Contains("-SecurityProfile Minimal", minimal.Message);
            Assert.Contains("SINGULARITY_DISABLE_PID_NAMESPACES", minimal.Message);
            var apparmor = Assert.Throws<OsgPilotException>(() => Swarm.ServiceSpecMapper.ThrowIfUnsupported(Config(r => { r.SecurityProfile = SecurityProfile.Capabilities; r.AppArmorProfile = "unconfined"; })));
            Assert.Contains("-AppArmorProfile", apparmor.Message);
            Swarm.ServiceSpecMapper.ThrowIfUnsupported(Config(r => r.SecurityProfile = SecurityProfile.Capabilities));
            Swarm.ServiceSpecMapper.ThrowIfUnsupported(Config(r => r.SecurityProfile = SecurityProfile.Default));
        }

        [Theory]
        [InlineData("True", false)]
        [InlineData("yes", false)]
        [InlineData("ON", false)]
        [InlineData("1", false)]
        [InlineData("t", false)]
        [InlineData("False", true)]
        [InlineData("0", true)]
        [InlineData("", true)]
        public void Pid_namespaces_are_off_only_when_the_image_reads_the_variable_as_true(string value, bool pid)
        {
            ContainerSpec s = Map(Config(r => r.Environment = new Dictionary<string, string> { ["SINGULARITY_DISABLE_PID_NAMESPACES"] = value }));
            Assert.Equal(pid, JobPolicy.UsesPidNamespaces(s));
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Docker.DotNet.Models;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Launch;
using Xunit;
using ContainerSpec = OsgPilot.Launch.ContainerSpec;

namespace OsgPilot.Tests
{
    public sealed class PilotContainerMapperTests : IDisposable
    {
        private readonly string _token = TestTokens.File();

        public void Dispose() => File.Delete(_token);

        private OsgPilotConfig Config(Action<PilotConfigRequest> change = null)
        {
            var r = new PilotConfigRequest { Site = "Lancium", ResourceName = "Lancium-Backfill", TokenPath = _token, SquidLocation = "squid.example.edu:3128" };
            change?.Invoke(r);
            return PilotConfigBuilder.Build(r).Config;
        }

        private static Dictionary<string, string> Env(ContainerSpec s) => s.Environment.ToDictionary(kv => kv.Key, kv => kv.Value);

        [Fact]
        public void Seed_profile_is_the_seed_page_line()
        {
            ContainerSpec s = PilotContainerMapper.Map(Config(r => { r.StartExtra = "True"; r.SecurityProfile = SecurityProfile.Capabilities; }), 0, 1, "1.0.0");
            Assert.Equal("osg", s.User);
            Assert.Equal(new[] { "DAC_OVERRIDE", "SETUID", "SETGID", "SYS_ADMIN", "SYS_CHROOT", "SYS_PTRACE", "DAC_READ_SEARCH" }, s.CapAdd);
            Assert.Empty(s.SecurityOpt);
            Assert.False(s.UnconfinedSystemPaths);
            Assert.Empty(s.Devices);
            Assert.Contains(s.Binds, b => b.ToBindString() == "/cvmfs:/cvmfs:shared");
            Assert.Equal("file:" + _token, s.TokenOrigin);
            Assert.Equal(new Dictionary<string, string>
            {
                ["GLIDEIN_Site"] = "Lancium",
                ["GLIDEIN_ResourceName"] = "Lancium-Backfill",
                ["GLIDEIN_Start_Extra"] = "True",
                ["OSG_SQUID_LOCATION"] = "http://squid.example.edu:3128",
            }, Env(s));
        }

        [Fact]
        public void The_token_is_never_an_environment_variable()
        {
            ContainerSpec file = PilotContainerMapper.Map(Config(), 0, 1, "1");
            ContainerSpec inline = PilotContainerMapper.Map(Config(r => { r.TokenPath = null; r.Token = TestTokens.Secure(TestTokens.Jwt()); }), 0, 1, "1");
            Assert.DoesNotContain(file.Environment, kv => kv.Key == "TOKEN");
            Assert.DoesNotContain(inline.Environment, kv => kv.Key == "TOKEN");
            Assert.Equal("inline", inline.TokenOrigin);
            Assert.Equal("file:" + file.TokenOrigin.Substring(5), file.TokenOrigin);
            // Never a bind, not even for a file: the start-up reads it as uid 1000, and sites keep it root-only.
            Assert.DoesNotContain(inline.Binds, b => b.Target.StartsWith("/etc/condor", StringComparison.Ordinal));
            Assert.DoesNotContain(file.Binds, b => b.Target.StartsWith("/etc/condor", StringComparison.Ordinal));
            Assert.NotEqual(file.ConfigHash, inline.ConfigHash);
        }

        [Fact]
        public void Cvmfsexec_gets_the_squid_as_CVMFS_HTTP_PROXY_unless_set()
        {
            ContainerSpec s = PilotContainerMapper.Map(Config(r => { r.CvmfsMode = CvmfsMode.CvmfsExec; r.SquidLocation = "squid.example.edu:3128"; }), 0, 1, "1");
            Assert.Equal("http://squid.example.edu:3128", Env(s)["CVMFS_HTTP_PROXY"]);
            ContainerSpec own = PilotContainerMapper.Map(Config(r =>
            {
                r.CvmfsMode = CvmfsMode.CvmfsExec; r.SquidLocation = "squid.example.edu:3128";
                r.Environment = new Dictionary<string, string> { ["CVMFS_HTTP_PROXY"] = "http://other:3128;DIRECT" };
            }), 0, 1, "1");
            Assert.Equal("http://other:3128;DIRECT", Env(own)["CVMFS_HTTP_PROXY"]);
            ContainerSpec host = PilotContainerMapper.Map(Config(r => r.SquidLocation = "squid.example.edu:3128"), 0, 1, "1");
            Assert.False(Env(host).ContainsKey("CVMFS_HTTP_PROXY"));
        }

        [Fact]
        public void Unconfined_profile_is_the_current_docs_line()
        {
            ContainerSpec s = PilotContainerMapper.Map(Config(r => { r.SecurityProfile = SecurityProfile.Unconfined; r.CvmfsMode = CvmfsMode.CvmfsExec; }), 0, 1, "1");
            Assert.Empty(s.CapAdd);
            Assert.Equal(new[] { "seccomp=unconfined", "no-new-privileges" }, s.SecurityOpt);
            Assert.True(s.UnconfinedSystemPaths);
            Assert.Equal("/dev/fuse", Assert.Single(s.Devices).Path);
            Assert.Equal("oasis.opensciencegrid.org singularity.opensciencegrid.org", Env(s)["CVMFSEXEC_REPOS"]);
            Assert.DoesNotContain(s.Binds, b => b.Target == "/cvmfs");
        }

        [Fact]
        public void Gpu_profile_adds_devices_opencl_and_pid_namespace_setting()
        {
            ContainerSpec s = PilotContainerMapper.Map(Config(r => r.Gpu = true), 0, 1, "1");
            Assert.True(s.AllGpus);
            Assert.Contains(s.Binds, b => b.ToBindString() == "/etc/OpenCL/vendors:/etc/OpenCL/vendors:ro");
            Assert.Equal("True", Env(s)["SINGULARITY_DISABLE_PID_NAMESPACES"]);
        }

        [Fact]
        public void Slot_size_matches_container_limits_with_100_MiB_headroom()
        {
            ContainerSpec s = PilotContainerMapper.Map(Config(r => { r.Cpus = 8; r.MemoryMB = 16000; }), 0, 1, "1");
            Assert.Equal("8", Env(s)["NUM_CPUS"]);
            Assert.Equal("16000", Env(s)["MEMORY"]);
            Assert.Equal(8_000_000_000L, s.NanoCpus);
            Assert.Equal((16000L + 100) * 1024 * 1024, s.MemoryBytes);
        }

        [Fact]
        public void Launcher_limits_follow_the_ospool_ep_launcher()
        {
            ContainerSpec s = PilotContainerMapper.Map(Config(), 0, 1, "1");
            Assert.Equal(2048, s.NoFileLimit);
            Assert.Equal(16384, s.PidsLimit);
            Assert.Equal(120, s.StopTimeoutSeconds);
        }

        [Fact]
        public void Count_gives_unique_names_and_one_pilot_directory_each()
        {
            OsgPilotConfig c = Config(r => r.PilotDirectory = "/var/lib/osg-pilot");
            ContainerSpec[] specs = Enumerable.Range(0, 3).Select(i => PilotContainerMapper.Map(c, i, 3, "1")).ToArray();
            Assert.Equal(new[] { "osgpilot-Lancium-Backfill-1", "osgpilot-Lancium-Backfill-2", "osgpilot-Lancium-Backfill-3" }, specs.Select(s => s.Name));
            Assert.Equal(3, specs.Select(s => s.HostPilotDirectory).Distinct().Count());
            Assert.All(specs, s => Assert.Equal("/var/lib/osg-pilot/" + s.Name, s.HostPilotDirectory));
            Assert.All(specs, s => Assert.Equal("true", Env(s)["GLIDEIN_RANDOMIZE_NAME"]));
            ContainerSpec single = PilotContainerMapper.Map(c, 0, 1, "1");
            Assert.Equal("/var/lib/osg-pilot", single.HostPilotDirectory);
            Assert.False(Env(single).ContainsKey("GLIDEIN_RANDOMIZE_NAME"));
        }

        [Fact]
        public void Labels_identify_the_pilot_and_carry_the_hash()
        {
            ContainerSpec s = PilotContainerMapper.Map(Config(r => r.PilotDirectory = "/p"), 0, 1, "2.3.4");
            Assert.Equal("true", s.Labels[PilotLabels.Managed]);
            Assert.Equal("Lancium", s.Labels[PilotLabels.Site]);
            Assert.Equal("Lancium-Backfill", s.Labels[PilotLabels.Resource]);
            Assert.Equal("2.3.4", s.Labels[PilotLabels.ModuleVersion]);
            Assert.Equal("/p", s.Labels[PilotLabels.PilotDirectory]);
            Assert.Equal(s.ConfigHash, s.Labels[PilotLabels.ConfigHash]);
            Assert.Matches("^[0-9a-f]{16}$", s.ConfigHash);
        }

        [Fact]
        public void The_hash_changes_with_the_container_and_not_with_the_module_version()
        {
            string a = PilotContainerMapper.Map(Config(), 0, 1, "1").ConfigHash;
            Assert.Equal(a, PilotContainerMapper.Map(Config(), 0, 1, "9").ConfigHash);
            Assert.NotEqual(a, PilotContainerMapper.Map(Config(r => r.SquidLocation = "other:3128"), 0, 1, "1").ConfigHash);
            Assert.NotEqual(a, PilotContainerMapper.Map(Config(r => r.RestartPolicy = PilotRestartPolicy.No), 0, 1, "1").ConfigHash);
            Assert.NotEqual(a, PilotContainerMapper.Map(Config(r => r.Cpus = 2), 0, 1, "1").ConfigHash);
        }

        [Fact]
        public void User_environment_comes_after_the_managed_variables()
        {
            ContainerSpec s = PilotContainerMapper.Map(Config(r => r.Environment = new Dictionary<string, string> { ["Z_LAST"] = "1", ["A_FIRST"] = "2" }), 0, 1, "1");
            Assert.Equal(new[] { "GLIDEIN_Site", "GLIDEIN_ResourceName", "OSG_SQUID_LOCATION", "A_FIRST", "Z_LAST" }, s.Environment.Select(kv => kv.Key));
        }

        [Fact]
        public void Engine_request_matches_what_the_docker_CLI_sends()
        {
            ContainerSpec s = PilotContainerMapper.Map(Config(r => { r.SecurityProfile = SecurityProfile.Unconfined; r.Cpus = 2; r.MemoryMB = 4000; r.Gpu = true; }), 0, 1, "1");
            CreateContainerParameters p = CreateParametersFactory.Create(s);
            Assert.Equal("osg", p.User);
            Assert.Empty(p.HostConfig.MaskedPaths);
            Assert.Empty(p.HostConfig.ReadonlyPaths);
            Assert.Equal(new[] { "seccomp=unconfined", "no-new-privileges" }, p.HostConfig.SecurityOpt);
            DeviceMapping fuse = Assert.Single(p.HostConfig.Devices);
            Assert.Equal(("/dev/fuse", "/dev/fuse", "rwm"), (fuse.PathOnHost, fuse.PathInContainer, fuse.CgroupPermissions));
            Assert.Equal(-1, Assert.Single(p.HostConfig.DeviceRequests).Count);
            Assert.Equal(2_000_000_000L, p.HostConfig.NanoCPUs);
            Assert.Equal(RestartPolicyKind.UnlessStopped, p.HostConfig.RestartPolicy.Name);
            Assert.Equal(TimeSpan.FromSeconds(120), p.StopTimeout);
            Assert.Contains("GLIDEIN_Site=Lancium", p.Env);
            Assert.Equal(s.Labels.Count, p.Labels.Count);
        }

        [Fact]
        public void Podman_gets_its_own_unmask_option_beside_the_empty_lists_and_dockerd_never_sees_it()
        {
            ContainerSpec unconfined = PilotContainerMapper.Map(Config(r => r.SecurityProfile = SecurityProfile.Unconfined), 0, 1, "1");
            CreateContainerParameters podman = CreateParametersFactory.Create(unconfined, podman: true);
            Assert.Equal(new[] { "seccomp=unconfined", "no-new-privileges", "unmask=ALL" }, podman.HostConfig.SecurityOpt);
            Assert.Empty(podman.HostConfig.MaskedPaths);
            Assert.DoesNotContain("unmask=ALL", CreateParametersFactory.Create(unconfined).HostConfig.SecurityOpt);
            Assert.Empty(CreateParametersFactory.Create(PilotContainerMapper.Map(Config(r => r.SecurityProfile = SecurityProfile.Capabilities), 0, 1, "1"), podman: true).HostConfig.SecurityOpt);
        }

        [Fact]
        public void Capabilities_profile_leaves_masked_paths_to_the_engine()
        {
            CreateContainerParameters p = CreateParametersFactory.Create(PilotContainerMapper.Map(Config(r => r.SecurityProfile = SecurityProfile.Capabilities), 0, 1, "1"));
            Assert.Null(p.HostConfig.MaskedPaths);
            Assert.Null(p.HostConfig.ReadonlyPaths);
            Assert.Null(p.HostConfig.DeviceRequests);
        }
    }
}

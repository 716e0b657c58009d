using System;
using System.Collections.Generic;
using System.IO;
using OsgPilot.Docker;
using OsgPilot.Errors;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>Which engine a call reaches: the docker CLI's order, its context files, its TLS variables.</summary>
    public sealed class EndpointResolutionTests : IDisposable
    {
        private readonly string _config = Path.Combine(Path.GetTempPath(), "osgpilot-xunit-docker-" + Guid.NewGuid().ToString("N"));
        private readonly Dictionary<string, string> _env = new Dictionary<string, string>();

        public EndpointResolutionTests()
        {
            Directory.CreateDirectory(_config);
            _env["DOCKER_CONFIG"] = _config;
        }

        public void Dispose() => Directory.Delete(_config, true);

        private EndpointResolver Resolver(bool windows = false) => new EndpointResolver(n => _env.TryGetValue(n, out string v) ? v : null, windows);

        /// <summary>A context as `docker context create` writes it (meta.json under the SHA-256 of the name; TLS files beside).</summary>
        private void Context(string name, string host, bool tls = false, bool skipVerify = false)
        {
            string id = DockerContextStore.Id(name);
            string meta = Path.Combine(_config, "contexts", "meta", id);
            Directory.CreateDirectory(meta);
            File.WriteAllText(Path.Combine(meta, "meta.json"),
                "{\"Name\":\"" + name + "\",\"Metadata\":{},\"Endpoints\":{\"docker\":{\"Host\":\"" + host + "\",\"SkipTLSVerify\":" + (skipVerify ? "true" : "false") + "}}}");
            if (tls)
            {
                string dir = Path.Combine(_config, "contexts", "tls", id, "docker");
                Directory.CreateDirectory(dir);
                foreach (string f in new[] { "ca.pem", "cert.pem", "key.pem" }) File.WriteAllText(Path.Combine(dir, f), "-");
            }
        }

        [Fact]
        public void The_context_directory_is_the_SHA256_of_the_name_as_the_docker_CLI_makes_it() =>
            Assert.Equal("37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f", DockerContextStore.Id("default"));

        [Fact]
        public void Without_anything_the_platform_default()
        {
            Assert.Equal(DockerEndpoint.UnixDefault, Resolver().Resolve(null, null).Display);
            Assert.Equal(DockerEndpoint.WindowsDefault, Resolver(windows: true).Resolve(null, null).Display);
        }

        [Fact]
        public void The_order_is_host_context_DOCKER_HOST_DOCKER_CONTEXT_current_context()
        {
            Context("a", "tcp://a.example.edu:2376");
            Context("b", "tcp://b.example.edu:2376");
            Context("c", "tcp://c.example.edu:2376");
            File.WriteAllText(Path.Combine(_config, "config.json"), "{\"currentContext\":\"c\"}");
            Assert.Equal("c", Resolver().Resolve(null, null).Context);
            _env["DOCKER_CONTEXT"] = "b";
            Assert.Equal("b", Resolver().Resolve(null, null).Context);
            _env["DOCKER_HOST"] = "unix:///run/env.sock";
            Assert.Equal("unix:///run/env.sock", Resolver().Resolve(null, null).Display);
            Assert.Equal("a", Resolver().Resolve(null, "a").Context);
            Assert.Equal("unix:///run/given.sock", Resolver().Resolve("unix:///run/given.sock", null).Display);
        }

        [Fact]
        public void CONTAINER_HOST_as_Podman_reads_it_comes_after_every_docker_setting_and_before_the_default()
        {
            _env["CONTAINER_HOST"] = "unix:///run/podman/podman.sock";
            Assert.Equal("unix:///run/podman/podman.sock", Resolver().Resolve(null, null).Display);
            Context("c", "tcp://c.example.edu:2376");
            File.WriteAllText(Path.Combine(_config, "config.json"), "{\"currentContext\":\"c\"}");
            Assert.Equal("c", Resolver().Resolve(null, null).Context);
            _env["DOCKER_HOST"] = "unix:///run/env.sock";
            Assert.Equal("unix:///run/env.sock", Resolver().Resolve(null, null).Display);
            // Podman's ssh form carries the socket path, which `docker system dial-stdio` has no use for.
            _env.Remove("DOCKER_HOST");
            File.Delete(Path.Combine(_config, "config.json"));
            _env["CONTAINER_HOST"] = "ssh://core@el9.example.edu/run/podman/podman.sock";
            OsgPilotException e = Assert.Throws<OsgPilotException>(() => Resolver().Resolve(null, null));
            Assert.Equal(ErrorIds.InvalidDockerHost, e.ErrorId);
        }

        [Fact]
        public void The_default_context_is_DOCKER_HOST_or_the_platform_socket()
        {
            File.WriteAllText(Path.Combine(_config, "config.json"), "{\"currentContext\":\"default\"}");
            Assert.Equal(DockerEndpoint.UnixDefault, Resolver().Resolve(null, null).Display);
            _env["DOCKER_HOST"] = "unix:///run/env.sock";
            Assert.Equal("unix:///run/env.sock", Resolver().Resolve(null, "default").Display);
        }

        [Fact]
        public void A_context_with_TLS_files_uses_them_and_honours_skip_verify()
        {
            Context("secure", "tcp://engine.example.edu:2376", tls: true);
            Context("loose", "tcp://engine.example.edu:2376", tls: true, skipVerify: true);
            DockerEndpoint e = Resolver().Resolve(null, "secure");
            Assert.NotNull(e.Tls);
            Assert.True(e.Tls.VerifyServer);
            Assert.Equal(Path.Combine(_config, "contexts", "tls", DockerContextStore.Id("secure"), "docker", "ca.pem"), e.Tls.CaPath);
            Assert.False(Resolver().Resolve(null, "loose").Tls.VerifyServer);
            Assert.Equal("tcp://engine.example.edu:2376 (context secure)", e.ToString());
        }

        [Fact]
        public void DOCKER_TLS_VERIFY_makes_a_tcp_address_TLS_with_DOCKER_CERT_PATH()
        {
            _env["DOCKER_TLS_VERIFY"] = "1";
            _env["DOCKER_CERT_PATH"] = "/etc/docker/client";
            DockerEndpoint e = Resolver().Resolve("tcp://engine.example.edu:2376", null);
            Assert.Equal("/etc/docker/client/cert.pem", e.Tls.CertPath.Replace('\\', '/'));
            Assert.Null(Resolver().Resolve("unix:///run/x.sock", null).Tls);
            _env.Remove("DOCKER_TLS_VERIFY");
            Assert.Null(Resolver().Resolve("tcp://engine.example.edu:2376", null).Tls);
        }

        [Fact]
        public void An_unknown_context_is_a_clear_error()
        {
            var e = Assert.Throws<OsgPilotException>(() => Resolver().Resolve(null, "nowhere"));
            Assert.Equal(ErrorIds.DockerContextNotFound, e.ErrorId);
            Assert.Contains("'nowhere'", e.Message);
            _env["DOCKER_CONTEXT"] = "nowhere";
            Assert.Equal(ErrorIds.DockerContextNotFound, Assert.Throws<OsgPilotException>(() => Resolver().Resolve(null, null)).ErrorId);
        }

        [Theory]
        [InlineData("unix:///run/x.sock", true)]
        [InlineData("tcp://127.0.0.1:2375", true)]
        [InlineData("tcp://docker.example.edu:2376", false)]
        [InlineData("ssh://admin@docker.example.edu", false)]
        public void Local_engines_are_recognised(string host, bool local) => Assert.Equal(local, DockerEndpoint.Parse(host).IsLocal);

        [Theory]
        [InlineData("ftp://host:21")]
        [InlineData("unix://")]
        [InlineData("tcp://host")]
        [InlineData("ssh://")]
        [InlineData("ssh://host/path")]
        [InlineData("not a uri")]
        [InlineData("unix:///tmp/a b\"c}.sock")]
        [InlineData("unix:///tmp/a%20b.sock")]
        [InlineData("unix:///tmp/x\n.sock")]
        [InlineData("unix://host/run/docker.sock")]
        [InlineData("tcp://127.0.0.1:23\n75")]
        public void Bad_endpoints_are_refused(string host) =>
            Assert.Equal(ErrorIds.InvalidDockerHost, Assert.Throws<OsgPilotException>(() => DockerEndpoint.Parse(host)).ErrorId);

        [Fact]
        public void Ssh_runs_dial_stdio_with_the_users_ssh_configuration_and_never_prompts()
        {
            var options = new SshTransportOptions(DockerEndpoint.Parse("ssh://admin@docker.example.edu:2222"), TimeSpan.FromSeconds(7));
            Assert.Equal(new[] { "-o", "BatchMode=yes", "-o", "ConnectTimeout=7", "-T", "-l", "admin", "-p", "2222", "--", "docker.example.edu", "docker", "system", "dial-stdio" },
                options.Arguments());
        }

        [Fact]
        public void A_missing_client_certificate_is_named_before_any_connection()
        {
            string dir = Path.Combine(_config, "certs");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "ca.pem"), "-");
            _env["DOCKER_TLS_VERIFY"] = "1";
            _env["DOCKER_CERT_PATH"] = dir;
            DockerEndpoint endpoint = Resolver().Resolve("tcp://engine.example.edu:2376", null);
            var e = Assert.Throws<OsgPilotException>(() => TlsCredentials.Load(endpoint, DateTime.UtcNow));
            Assert.Equal(ErrorIds.DockerTlsCertificateMissing, e.ErrorId);
            Assert.Contains("tcp://engine.example.edu:2376", e.Message);
        }
    }
}

using System;
using System.IO;
using OsgPilot.Config;
using OsgPilot.Launch;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class DockerRunLineTests : IDisposable
    {
        private readonly string _token = TestTokens.File();

        public void Dispose() => File.Delete(_token);

        [Fact]
        public void Renders_a_runnable_line_for_a_token_file()
        {
            var c = PilotConfigBuilder.Build(new PilotConfigRequest { Site = "Lancium", ResourceName = "Lancium-Backfill", TokenPath = _token, StartExtra = "TARGET.ProjectName == \"Fuzz\"", SecurityProfile = SecurityProfile.Capabilities }).Config;
            string line = DockerRunLine.Render(PilotContainerMapper.Map(c, 0, 1, "1"));
            Assert.StartsWith("docker create --name osgpilot-Lancium-Backfill --user osg --cap-add DAC_OVERRIDE", line);
            Assert.Contains("-v /cvmfs:/cvmfs:shared", line);
            Assert.DoesNotContain(_token, line);
            Assert.Contains("-e 'GLIDEIN_Start_Extra=TARGET.ProjectName == \"Fuzz\"'", line);
            Assert.EndsWith(" hub.opensciencegrid.org/osg-htc/ospool-ep:25-release && docker cp <token-dir> osgpilot-Lancium-Backfill:/etc/condor/tokens-orig.d && docker start osgpilot-Lancium-Backfill", line);
        }

        [Fact]
        public void An_inline_token_is_a_placeholder()
        {
            string jwt = TestTokens.Jwt();
            var c = PilotConfigBuilder.Build(new PilotConfigRequest { Site = "S", ResourceName = "R", Token = TestTokens.Secure(jwt) }).Config;
            string line = DockerRunLine.Render(PilotContainerMapper.Map(c, 0, 1, "1"));
            Assert.StartsWith("docker create ", line);
            Assert.Contains("docker cp <token-dir> osgpilot-R:/etc/condor/tokens-orig.d && docker start osgpilot-R", line);
            foreach (string part in jwt.Split('.')) Assert.DoesNotContain(part, line);
        }

        [Theory]
        [InlineData("plain", "plain")]
        [InlineData("a b", "'a b'")]
        [InlineData("it's", "'it'\\''s'")]
        [InlineData("", "''")]
        [InlineData("$HOME", "'$HOME'")]
        public void Quotes_for_a_POSIX_shell(string value, string quoted) => Assert.Equal(quoted, DockerRunLine.Quote(value));

        [Theory]
        [InlineData(PilotRestartPolicy.No, "no")]
        [InlineData(PilotRestartPolicy.OnFailure, "on-failure")]
        [InlineData(PilotRestartPolicy.UnlessStopped, "unless-stopped")]
        [InlineData(PilotRestartPolicy.Always, "always")]
        public void Restart_policies_use_the_CLI_names(PilotRestartPolicy p, string name) => Assert.Equal(name, DockerRunLine.RestartName(p));
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using OsgPilot.Config;
using OsgPilot.Errors;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class ConfigFileTests : IDisposable
    {
        private readonly string _token = TestTokens.File();

        public void Dispose() => File.Delete(_token);

        [Fact]
        public void Round_trips_every_setting()
        {
            var request = new PilotConfigRequest
            {
                Site = "Lancium", ResourceName = "Lancium-Backfill", TokenPath = _token, SquidLocation = "squid:3128", PilotDirectory = "/p",
                StartExtra = "True", Image = "a/b:c", Name = "n", Cpus = 4, MemoryMB = 8000, ProjectName = "P", AcceptJobsForHours = 10,
                RetirementHours = 2, AcceptIdleMinutes = 5, Environment = new Dictionary<string, string> { ["X"] = "y" },
                RestartPolicy = PilotRestartPolicy.Always, CvmfsMode = CvmfsMode.CvmfsExec, CvmfsRepository = new[] { "a.b.org" },
                SecurityProfile = SecurityProfile.Unconfined, Gpu = true,
            };
            OsgPilotConfig original = PilotConfigBuilder.Build(request).Config;
            string json = ConfigFile.Serialize(original);
            OsgPilotConfig back = PilotConfigBuilder.Build(ConfigFile.Deserialize(json, "f.json")).Config;
            Assert.Equal(json, ConfigFile.Serialize(back));
            Assert.Equal(original.Environment, back.Environment);
            Assert.Equal(original.CvmfsRepository, back.CvmfsRepository);
        }

        [Fact]
        public void An_inline_token_is_not_written()
        {
            string jwt = TestTokens.Jwt();
            OsgPilotConfig c = PilotConfigBuilder.Build(new PilotConfigRequest { Site = "S", ResourceName = "R", Token = TestTokens.Secure(jwt) }).Config;
            string json = ConfigFile.Serialize(c);
            foreach (string part in jwt.Split('.')) Assert.DoesNotContain(part, json);
            Assert.Null(ConfigFile.Deserialize(json, "f").TokenPath);
        }

        [Theory]
        [InlineData("{", ErrorIds.ConfigFileInvalidJson)]
        [InlineData("[]", ErrorIds.ConfigFileInvalidValue)]
        [InlineData("{\"SchemaVersion\": 3}", ErrorIds.ConfigFileUnsupported)]
        [InlineData("{\"SchemaVersion\": 0}", ErrorIds.ConfigFileUnsupported)]
        [InlineData("{\"Cpus\": \"4\"}", ErrorIds.ConfigFileInvalidValue)]
        [InlineData("{\"Cpus\": 4.5}", ErrorIds.ConfigFileInvalidValue)]
        [InlineData("{\"Gpu\": \"yes\"}", ErrorIds.ConfigFileInvalidValue)]
        [InlineData("{\"CvmfsMode\": \"1\"}", ErrorIds.ConfigFileInvalidValue)]
        [InlineData("{\"Environment\": {\"A\": 1}}", ErrorIds.ConfigFileInvalidValue)]
        [InlineData("{\"CvmfsRepository\": \"a.b.org\"}", ErrorIds.ConfigFileInvalidValue)]
        [InlineData("{\"Token\": \"secret-text\"}", ErrorIds.ConfigFileInvalidValue)]
        [InlineData("{\"Unknown\": 1}", ErrorIds.ConfigFileInvalidValue)]
        public void Bad_files_are_refused_with_the_file_named(string json, string errorId)
        {
            OsgPilotException e = Assert.Throws<OsgPilotException>(() => ConfigFile.Deserialize(json, "/etc/osg/pilot.json"));
            Assert.Equal(errorId, e.ErrorId);
            Assert.Contains("/etc/osg/pilot.json", e.Message);
            Assert.DoesNotContain("secret-text", e.Message);
        }

        [Fact]
        public void Invalid_JSON_names_line_and_position()
        {
            OsgPilotException e = Assert.Throws<OsgPilotException>(() => ConfigFile.Deserialize("{\n  \"Site\": \"x\",\n  oops\n}", "p.json"));
            Assert.Contains("line 3", e.Message);
        }

        [Fact]
        public void Comments_and_trailing_commas_are_tolerated_in_hand_edited_files()
        {
            PilotConfigRequest r = ConfigFile.Deserialize("{ // site\n \"Site\": \"S\", \"ResourceName\": \"R\", }", "p");
            Assert.Equal("S", r.Site);
        }
    }
}

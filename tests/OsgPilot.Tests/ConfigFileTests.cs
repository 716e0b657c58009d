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

        [Theory]
        [InlineData("{\n \"Site\": \"S\",\n \"ResourceName\": \"R\",\n}", "line 4", "trailing comma")]
        [InlineData("{ // site\n \"Site\": \"S\", \"ResourceName\": \"R\" }", "line 1", "a comment")]
        [InlineData("{ \"Site\": \"S\" /* x */ }", "line 1", "a comment")]
        public void Config_files_are_strict_JSON_as_jq_reads_them(string json, string line, string why)
        {
            // jq and Ansible refuse both; a file OsgPilot accepted and they did not would break a playbook.
            OsgPilotException e = Assert.Throws<OsgPilotException>(() => ConfigFile.Deserialize(json, "/etc/osg/p.json"));
            Assert.Equal(ErrorIds.ConfigFileInvalidJson, e.ErrorId);
            Assert.Contains("/etc/osg/p.json", e.Message);
            Assert.Contains(line, e.Message);
            Assert.Contains(why, e.Message);
        }

        [Fact]
        public void A_bad_value_in_a_file_names_the_file_the_setting_and_its_line()
        {
            string path = Path.Combine(Path.GetTempPath(), "osgpilot-xunit-" + Guid.NewGuid().ToString("N") + ".json");
            File.WriteAllText(path, "{\n  \"SchemaVersion\": 2,\n  \"Site\": \"X/U\",\n  \"ResourceName\": \"R\",\n  \"TokenPath\": \"" + _token + "\"\n}\n");
            try
            {
                OsgPilotException e = Assert.Throws<OsgPilotException>(() => ConfigFile.Build(path));
                Assert.StartsWith($"The config file '{path}', setting 'Site' (line 3): -Site", e.Message);
                Assert.Equal(ErrorIds.InvalidSite, e.ErrorId);
                // The same error as New-OsgPilotConfig's, with the file said first.
                OsgPilotException direct = Assert.Throws<OsgPilotException>(() => PilotConfigBuilder.Build(ConfigFile.Load(path)));
                Assert.Equal(direct.Category, e.Category);
                Assert.EndsWith(direct.Message, e.Message);
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void A_setting_given_on_the_command_line_is_not_blamed_on_the_file()
        {
            string path = Path.Combine(Path.GetTempPath(), "osgpilot-xunit-" + Guid.NewGuid().ToString("N") + ".json");
            File.WriteAllText(path, "{ \"Site\": \"S\", \"ResourceName\": \"R\", \"TokenPath\": \"" + _token + "\" }");
            try
            {
                OsgPilotException e = Assert.Throws<OsgPilotException>(() => ConfigFile.Build(path, r => r.TokenPath = "/nonexistent/token", "TokenPath"));
                Assert.StartsWith($"The config file '{path}': ", e.Message);
                Assert.DoesNotContain("(line", e.Message);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }
}

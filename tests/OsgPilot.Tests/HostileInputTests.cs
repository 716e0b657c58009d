using System.Collections.Generic;
using OsgPilot.Config;
using OsgPilot.Errors;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>Input that is almost right: exact forms and bounded sizes.</summary>
    public sealed class HostileInputTests
    {
        private static PilotConfigRequest Request() => new PilotConfigRequest { Site = "Lancium", ResourceName = "Lancium-Backfill", TokenPath = TestTokens.File() };

        [Fact]
        public void A_variable_name_ending_in_a_newline_cannot_slip_past_the_reserved_names()
        {
            PilotConfigRequest r = Request();
            r.Environment = new Dictionary<string, string> { ["GLIDEIN_Site\n"] = "x" };
            var e = Assert.Throws<OsgPilotException>(() => PilotConfigBuilder.Build(r));
            Assert.Equal(ErrorIds.InvalidEnvironment, e.ErrorId);
        }

        [Fact]
        public void A_project_name_ending_in_a_newline_is_refused()
        {
            PilotConfigRequest r = Request();
            r.ProjectName = "p\n";
            Assert.Equal(ErrorIds.InvalidProjectName, Assert.Throws<OsgPilotException>(() => PilotConfigBuilder.Build(r)).ErrorId);
        }

        [Theory]
        [InlineData("/dev/zero", ErrorIds.TokenEmpty)]
        [InlineData("big", ErrorIds.TokenFileTooLarge)]
        public void A_token_file_that_is_far_too_large_or_endless_is_refused_without_reading_it_whole(string which, string errorId)
        {
            string path = which;
            if (which == "big")
            {
                path = System.IO.Path.GetTempFileName();
                System.IO.File.WriteAllBytes(path, new byte[10 * 1024 * 1024]);
            }
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.Throws<OsgPilotException>(() => PilotConfigBuilder.Build(new PilotConfigRequest { Site = "S", ResourceName = "R", TokenPath = path }));
            Assert.Equal(errorId, e.ErrorId);
            Assert.True(watch.Elapsed.TotalSeconds < 2);
            if (which == "big") System.IO.File.Delete(path);
        }

        [Fact]
        public void A_start_expression_too_large_for_the_start_up_is_refused_without_echoing_it()
        {
            PilotConfigRequest r = Request();
            r.StartExtra = "TARGET.ProjectName == \"" + new string('x', 200_000) + "\"";
            var e = Assert.Throws<OsgPilotException>(() => PilotConfigBuilder.Build(r));
            Assert.Equal(ErrorIds.InvalidStartExtra, e.ErrorId);
            Assert.True(e.Message.Length < 300);
        }

        [Theory]
        [InlineData("1e300")]
        [InlineData("\"2030-01-01\"")]
        [InlineData("253402300800")]
        [InlineData("-1")]
        [InlineData("null")]
        public void An_expiry_that_is_not_a_time_is_a_defect_not_never(string exp)
        {
            string payload = "{\"sub\":\"s\",\"iss\":\"i\",\"exp\":" + exp + "}";
            string jwt = TestTokens.B64("{\"alg\":\"ES256\"}") + "." + TestTokens.B64(payload) + ".c2ln";
            var e = Assert.Throws<OsgPilotException>(() => OsgPilot.Token.IdTokenParser.Parse(jwt, "/t"));
            Assert.Equal(ErrorIds.TokenNotJwt, e.ErrorId);
            Assert.Contains("'exp' claim is not a time", e.Message);
        }

        [Fact]
        public void A_fractional_expiry_is_a_time()
        {
            string jwt = TestTokens.B64("{\"alg\":\"ES256\"}") + "." + TestTokens.B64("{\"exp\":1893456000.5}") + ".c2ln";
            Assert.Equal(new System.DateTime(2030, 1, 1, 0, 0, 0, System.DateTimeKind.Utc), OsgPilot.Token.IdTokenParser.Parse(jwt, null).Expires);
        }

        [Theory]
        [InlineData("{\"Site\":\"a\",\"Site\":\"b\"}", "'Site' appears more than once")]
        [InlineData("{\"Environment\":{\"A\":\"1\",\"A\":\"2\"}}", "'Environment.A' appears more than once")]
        public void A_config_file_that_names_a_setting_twice_is_refused(string json, string message)
        {
            var e = Assert.Throws<OsgPilotException>(() => ConfigFile.Deserialize(json, "/c.json"));
            Assert.Equal(ErrorIds.ConfigFileInvalidValue, e.ErrorId);
            Assert.Contains(message, e.Message);
        }

        [Fact]
        public void A_huge_config_file_is_refused_before_it_is_read()
        {
            string path = System.IO.Path.GetTempFileName();
            using (var f = System.IO.File.OpenWrite(path)) f.SetLength(300L * 1024 * 1024);
            var e = Assert.Throws<OsgPilotException>(() => ConfigFile.Load(path));
            Assert.Equal(ErrorIds.ConfigFileTooLarge, e.ErrorId);
            System.IO.File.Delete(path);
        }

        [Theory]
        [InlineData("/etc", "/etc")]
        [InlineData("/etc/osg-pilot", "/etc")]
        [InlineData("/", "/")]
        [InlineData("/var", "/var")]
        [InlineData("/var/lib/docker/volumes/x", "/var/lib/docker")]
        [InlineData("/usr/", "/usr")]
        [InlineData("/var/lib/osg-pilot", null)]
        [InlineData("/home/osg/pilot", null)]
        [InlineData("/etcetera", null)]
        [InlineData("/scratch", null)]
        public void System_directories_are_never_pilot_directories(string path, string system)
        {
            Assert.Equal(system, SystemDirectories.Containing(path));
        }

        [Theory]
        [InlineData("/var/lib/../../etc")]
        [InlineData("/var/./lib")]
        public void A_pilot_directory_with_dot_parts_is_refused(string path)
        {
            PilotConfigRequest r = Request();
            r.PilotDirectory = path;
            Assert.Equal(ErrorIds.InvalidPilotDirectory, Assert.Throws<OsgPilotException>(() => PilotConfigBuilder.Build(r)).ErrorId);
        }

        [Theory]
        [InlineData("plain", "\"plain\"")]
        [InlineData("ends\\", "\"ends\\\\\"")]
        [InlineData("a\\b", "\"a\\b\"")]
        [InlineData("q\"uote", "\"q\\\"uote\"")]
        [InlineData("b\\\"q", "\"b\\\\\\\"q\"")]
        [InlineData("with space", "\"with space\"")]
        public void Process_arguments_reach_the_program_exactly(string arg, string quoted)
        {
            Assert.Equal(quoted, OsgPilot.Preflight.ProcessArgument.Quote(arg));
        }
    }
}

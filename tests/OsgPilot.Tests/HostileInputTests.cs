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
        [InlineData("/dev/zero")]
        [InlineData("big")]
        public void A_token_file_that_is_far_too_large_is_refused_without_reading_it_whole(string which)
        {
            string path = which;
            if (which == "big")
            {
                path = System.IO.Path.GetTempFileName();
                System.IO.File.WriteAllBytes(path, new byte[10 * 1024 * 1024]);
            }
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.Throws<OsgPilotException>(() => PilotConfigBuilder.Build(new PilotConfigRequest { Site = "S", ResourceName = "R", TokenPath = path }));
            Assert.Equal(ErrorIds.TokenFileTooLarge, e.ErrorId);
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
    }
}

using System.Linq;
using OsgPilot.Launch;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class StartupDiagnosisTests
    {
        private const string Syslog = "<14>1 2026-11-26T02:16:14Z c0ffee osgvo-pilot 1 - [cat=\"D_ALWAYS\" GLIDEIN_ResourceName=\"R\" GLIDEIN_Site=\"S\"] ";

        [Theory]
        [InlineData("Creating LOCAL_DIR under /pilot failed", "chown 1000:1000")]
        [InlineData("cp: can't open '/etc/condor/tokens-orig.d/flock.opensciencegrid.org': Permission denied", "readable by uid 1000")]
        [InlineData("Please do not run me as root!", "as the user osg")]
        [InlineData("GLIDEIN_Site must be set", "-Site")]
        [InlineData("ACCEPT_JOBS_FOR_HOURS must be a positive integer", "positive whole numbers")]
        [InlineData("/bin/sh: argument list too long", "shorten")]
        public void Known_start_up_failures_come_with_their_fix(string message, string fix)
        {
            string found = StartupDiagnosis.Fix(new[] { Syslog + "Starting", Syslog + message });
            Assert.Contains(fix, found);
        }

        [Fact]
        public void Ordinary_lines_name_no_fix_although_they_carry_GLIDEIN_Site()
        {
            Assert.Null(StartupDiagnosis.Fix(new[] { Syslog + "This pilot will accept new jobs for 336 hours" }));
        }

        [Fact]
        public void Merging_keeps_order_drops_repeats_and_keeps_the_last_lines()
        {
            string[] docker = Enumerable.Range(1, 10).Select(i => "line " + i).ToArray();
            string[] startup = Enumerable.Range(5, 10).Select(i => "line " + i).ToArray();
            var merged = StartupDiagnosis.Merge(docker, startup, null);
            Assert.Equal(StartupDiagnosis.LinesShown, merged.Count);
            Assert.Equal("line 14", merged.Last());
            Assert.Equal("line 3", merged.First());
        }

        [Fact]
        public void The_token_and_anything_shaped_like_one_is_redacted()
        {
            string token = TestTokens.Jwt();
            string other = TestTokens.Jwt();
            var merged = StartupDiagnosis.Merge(new[] { "+ echo " + token, "+ TOKEN=" + other, "part " + token.Split('.')[2] }, null, token);
            foreach (string part in token.Split('.').Concat(other.Split('.')))
            {
                Assert.DoesNotContain(merged, l => l.Contains(part));
            }
            Assert.Equal("+ echo <token>", merged[0]);
        }
    }
}

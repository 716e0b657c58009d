using System.Management.Automation;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Squid;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>A token or a password given where something else belongs never comes back in an error.</summary>
    public sealed class RedactionTests
    {
        [Fact]
        public void A_token_given_as_a_token_path_is_not_echoed()
        {
            string jwt = TestTokens.Jwt();
            var e = Assert.Throws<OsgPilotException>(() => PilotConfigBuilder.Build(new PilotConfigRequest { Site = "S", ResourceName = "R", TokenPath = "/etc/osg/" + jwt }));
            foreach (string part in jwt.Split('.')) Assert.DoesNotContain(part, e.Message);
            Assert.DoesNotContain(jwt.Split('.')[1], e.ToErrorRecord().TargetObject as string ?? string.Empty);
            Assert.Contains("<token>", e.Message);
        }

        [Fact]
        public void A_token_given_as_a_site_is_not_echoed()
        {
            string jwt = TestTokens.Jwt();
            var e = Assert.Throws<OsgPilotException>(() => PilotConfigBuilder.Build(new PilotConfigRequest { Site = jwt, ResourceName = "R", TokenPath = TestTokens.File() }));
            Assert.DoesNotContain(jwt.Split('.')[1], e.Message);
        }

        [Theory]
        [InlineData("http://user:secret@squid.example.edu:3128", "http://user:***@squid.example.edu:3128")]
        [InlineData("user:secret@squid.example.edu:3128", "user:***@squid.example.edu:3128")]
        [InlineData("squid.example.edu:3128", "squid.example.edu:3128")]
        public void A_squid_password_is_never_shown(string location, string shown)
        {
            Assert.Equal(shown, SquidEndpoint.WithoutPassword(location));
            if (location.Contains("secret"))
            {
                var e = Assert.Throws<OsgPilotException>(() => SquidEndpoint.Parse(location));
                Assert.DoesNotContain("secret", e.Message);
                Assert.Equal(ErrorCategory.InvalidArgument, e.Category);
            }
        }
    }
}

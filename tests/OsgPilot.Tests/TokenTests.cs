using System;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Errors;
using OsgPilot.Token;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class TokenTests
    {
        [Fact]
        public void Decodes_an_IDTOKEN()
        {
            OsgPilotTokenInfo i = IdTokenParser.Parse(TestTokens.Jwt(expires: new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc)), "/etc/token");
            Assert.Equal("RESOURCE-test.example.edu@cm-1.ospool.osg-htc.org", i.Subject);
            Assert.Equal("cm-1.ospool.osg-htc.org", i.Issuer);
            Assert.Equal(new DateTime(2023, 11, 14, 22, 13, 20, DateTimeKind.Utc), i.IssuedAt);
            Assert.Equal(new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc), i.Expires);
            Assert.Equal(new[] { "condor:/READ", "condor:/ADVERTISE_MASTER", "condor:/ADVERTISE_STARTD" }, i.Scopes);
            Assert.Equal("POOL", i.KeyId);
            Assert.Equal("/etc/token", i.Path);
        }

        [Theory]
        [InlineData("not-a-jwt")]
        [InlineData("a.b")]
        [InlineData("a..c")]
        [InlineData("!!!.e30.sig")]
        [InlineData("bm90IGpzb24.e30.sig")]
        [InlineData("e30.e30.sig")]
        [InlineData("eyJhbGciOiJFUzI1NiJ9.WzFd.sig")]
        public void Refuses_what_is_not_an_IDTOKEN_without_quoting_it(string token)
        {
            OsgPilotException e = Assert.Throws<OsgPilotException>(() => IdTokenParser.Parse(token, null));
            Assert.Equal(ErrorIds.TokenNotJwt, e.ErrorId);
            Assert.Equal(ErrorCategory.InvalidData, e.Category);
            // Parts long enough to be recognisable ("sig" is inside "signing").
            foreach (string part in token.Split('.').Where(p => p.Length > 3)) Assert.DoesNotContain(part, e.Message);
        }

        [Fact]
        public void Expiry_is_an_error_and_near_expiry_a_warning()
        {
            DateTime now = new DateTime(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc);
            OsgPilotTokenInfo expired = IdTokenParser.Parse(TestTokens.Jwt(expires: now.AddSeconds(-1)), null);
            Assert.Equal(ErrorIds.TokenExpired, Assert.Throws<OsgPilotException>(() => TokenCheck.ThrowIfExpired(expired, now)).ErrorId);
            OsgPilotTokenInfo soon = IdTokenParser.Parse(TestTokens.Jwt(expires: now.AddDays(6)), null);
            Assert.Contains(TokenCheck.Warnings(soon, now), w => w.Contains("within 7 days"));
            OsgPilotTokenInfo later = IdTokenParser.Parse(TestTokens.Jwt(expires: now.AddDays(8)), null);
            Assert.Empty(TokenCheck.Warnings(later, now));
        }

        [Theory]
        [InlineData("condor:/READ condor:/ADVERTISE_MASTER", "ADVERTISE_STARTD")]
        [InlineData("condor:/READ condor:/ADVERTISE_STARTD", "ADVERTISE_MASTER")]
        public void Missing_pilot_scopes_warn(string scope, string missing) =>
            Assert.Contains(TokenCheck.Warnings(IdTokenParser.Parse(TestTokens.Jwt(scope: scope), null), DateTime.UtcNow), w => w.Contains(missing));

        [Fact]
        public void Base64url_round_trips_and_rejects_standard_base64()
        {
            Assert.Equal("héllo?>", System.Text.Encoding.UTF8.GetString(Base64Url.Decode(TestTokens.B64("héllo?>"))));
            Assert.Null(Base64Url.Decode("ab+/"));
            Assert.Null(Base64Url.Decode("a"));
        }
    }
}

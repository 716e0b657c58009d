using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Config;
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

        [Theory]
        [InlineData(0x180, null)]              // 0600
        [InlineData(0x100, null)]              // 0400
        [InlineData(0x1A4, "its group and by others")] // 0644
        [InlineData(0x1A0, "its group")]       // 0640
        [InlineData(0x184, "others")]          // 0604
        public void A_token_file_others_can_read_is_a_warning_naming_chmod_600(int mode, string who)
        {
            string warning = TokenCheck.FileWarning("/etc/osg/pilot.token", _ => mode);
            if (who == null) { Assert.Null(warning); return; }
            Assert.Contains("can be read by " + who + ":", warning);
            Assert.Contains("chmod 600 '/etc/osg/pilot.token'", warning);
            Assert.Contains("(mode 0" + Convert.ToString(mode, 8) + ")", warning);
        }

        [Fact]
        public void The_mode_of_a_real_file_is_read_from_the_host()
        {
            if (OperatingSystem.IsWindows()) return;
            string path = TestTokens.File();
            try
            {
                Assert.Null(PilotConfigBuilder.Build(new PilotConfigRequest { Site = "S", ResourceName = "R", TokenPath = path }).Warnings.FirstOrDefault(w => w.Contains("chmod")));
                System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                Assert.Contains(PilotConfigBuilder.Build(new PilotConfigRequest { Site = "S", ResourceName = "R", TokenPath = path }).Warnings, w => w.Contains("chmod 600"));
            }
            finally
            {
                System.IO.File.Delete(path);
            }
        }
    }
}

using System;
using System.IO;
using System.Security;
using System.Text;

namespace OsgPilot.Tests
{
    /// <summary>Builds syntactically real IDTOKENs (JWTs) and token files for tests.</summary>
    internal static class TestTokens
    {
        public static string Jwt(string scope = "condor:/READ condor:/ADVERTISE_MASTER condor:/ADVERTISE_STARTD", DateTime? expires = null,
            string subject = "RESOURCE-test.example.edu@cm-1.ospool.osg-htc.org")
        {
            string payload = $"{{\"sub\":\"{subject}\",\"iss\":\"cm-1.ospool.osg-htc.org\",\"iat\":1700000000,\"scope\":\"{scope}\"" +
                (expires.HasValue ? $",\"exp\":{new DateTimeOffset(expires.Value).ToUnixTimeSeconds()}" : "") + "}";
            return B64("{\"alg\":\"ES256\",\"kid\":\"POOL\"}") + "." + B64(payload) + "." + B64("signature-" + Guid.NewGuid());
        }

        public static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static string File(string text = null)
        {
            string path = Path.Combine(Path.GetTempPath(), "osgpilot-xunit-" + Guid.NewGuid().ToString("N"));
            System.IO.File.WriteAllText(path, (text ?? Jwt()) + "\n");
            // As sites keep it (root only): a looser mode is a warning of its own, tested by itself.
            if (!OperatingSystem.IsWindows()) System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return path;
        }

        public static SecureString Secure(string text)
        {
            var s = new SecureString();
            foreach (char c in text) s.AppendChar(c);
            return s;
        }
    }
}

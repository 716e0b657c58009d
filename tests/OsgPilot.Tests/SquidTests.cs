using System.Management.Automation;
using System.Text;
using OsgPilot.Errors;
using OsgPilot.Squid;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class SquidTests
    {
        [Theory]
        [InlineData("http://squid.example.edu:3128", "squid.example.edu", 3128)]
        [InlineData("squid.example.edu:8000", "squid.example.edu", 8000)]
        [InlineData("squid.example.edu", "squid.example.edu", 3128)]
        [InlineData(" 127.0.0.1:3128 ", "127.0.0.1", 3128)]
        [InlineData("[::1]:3128", "[::1]", 3128)]
        [InlineData("[::1]", "[::1]", 3128)]
        public void Parses_the_forms_OSG_documents(string text, string host, int port)
        {
            SquidEndpoint e = SquidEndpoint.Parse(text);
            Assert.Equal(host, e.Host);
            Assert.Equal(port, e.Port);
            Assert.Equal($"http://{host}:{port}", e.Uri);
        }

        [Theory]
        [InlineData("")]
        [InlineData(null)]
        [InlineData("https://squid.example.edu:3128")]
        [InlineData("socks5://squid:1080")]
        [InlineData("squid.example.edu:3128/path")]
        [InlineData("squid.example.edu:0")]
        [InlineData("squid.example.edu:65536")]
        [InlineData("squid.example.edu:31a")]
        [InlineData("user:pw@squid.example.edu:3128")]
        [InlineData("bad_host!:3128")]
        [InlineData("-leading.example.edu")]
        public void Refuses_everything_else(string text)
        {
            OsgPilotException e = Assert.Throws<OsgPilotException>(() => SquidEndpoint.Parse(text));
            Assert.Equal(ErrorIds.InvalidSquidLocation, e.ErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, e.Category);
        }

        private static HttpProbeResponse Response(string text)
        {
            byte[] b = Encoding.ASCII.GetBytes(text.Replace("\n", "\r\n"));
            return HttpProbeResponse.Parse(b, b.Length);
        }

        private static readonly SquidEndpoint Squid = SquidEndpoint.Parse("squid.example.edu");

        [Fact]
        public void A_squid_hit_is_recognised_from_X_Cache_and_Via()
        {
            HttpProbeResponse r = Response("HTTP/1.1 200 OK\nVia: 1.1 squid1 (squid/5.7)\nX-Cache: HIT from squid1\nContent-Length: 0\n\n");
            Assert.True(r.CameFromProxy);
            Assert.True(r.IsCacheHit);
            Assert.Equal("squid/5.7", r.ProxyVersion);
            Assert.Null(SquidProber.Judge(r, Squid, out _));
        }

        [Theory]
        [InlineData("Cache-Status: squid1;hit", true)]
        [InlineData("Cache-Status: squid1;fwd=miss;stored", false)]
        [InlineData("Cache-Status: upstream;fwd=miss, squid1;hit;ttl=20", true)]
        [InlineData("X-Cache: MISS from squid1", false)]
        public void Squid_6_Cache_Status_is_understood(string header, bool hit) =>
            Assert.Equal(hit, Response($"HTTP/1.1 200 OK\nVia: 1.1 s\n{header}\n\n").IsCacheHit);

        [Fact]
        public void Access_denied_names_the_acl()
        {
            HttpProbeResponse r = Response("HTTP/1.1 403 Forbidden\nServer: squid/5.7\nX-Squid-Error: ERR_ACCESS_DENIED 0\n\n<html>ERR_ACCESS_DENIED</html>");
            Assert.Equal("ERR_ACCESS_DENIED", r.SquidError);
            Assert.Contains("denies this client", SquidProber.Judge(r, Squid, out string message));
            Assert.Contains("ERR_ACCESS_DENIED", message);
        }

        [Theory]
        [InlineData(502, "ERR_READ_ERROR")]
        [InlineData(503, "ERR_CONNECT_FAIL")]
        [InlineData(504, "ERR_DNS_FAIL")]
        public void Origin_failures_are_told_apart_from_denials(int status, string error)
        {
            HttpProbeResponse r = Response($"HTTP/1.1 {status} Whatever\nServer: squid\nX-Squid-Error: {error} 111\n\n");
            string d = SquidProber.Judge(r, Squid, out _);
            Assert.Contains("cannot reach the origin", d);
            Assert.Contains(error, d);
        }

        [Fact]
        public void The_error_name_is_found_in_the_body_when_no_header_carries_it()
        {
            HttpProbeResponse r = Response("HTTP/1.0 403 Forbidden\nVia: 1.1 x\n\n<p>ERR_ACCESS_DENIED</p>");
            Assert.Equal("ERR_ACCESS_DENIED", r.SquidError);
        }

        [Fact]
        public void A_plain_web_server_is_not_a_proxy()
        {
            HttpProbeResponse r = Response("HTTP/1.0 404 File not found\nServer: SimpleHTTP/0.6 Python/3.11\n\n");
            Assert.False(r.CameFromProxy);
            Assert.Contains("not a proxy", SquidProber.Judge(r, Squid, out _));
        }

        [Fact]
        public void Bytes_that_are_not_HTTP_are_recognised()
        {
            byte[] ssh = Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.2\r\n");
            Assert.Null(HttpProbeResponse.Parse(ssh, ssh.Length));
            Assert.Contains("does not speak HTTP", SquidProber.Judge(null, Squid, out _));
        }

        [Fact]
        public void Proxy_authentication_is_reported() =>
            Assert.Contains("requires authentication", SquidProber.Judge(Response("HTTP/1.1 407 Proxy Authentication Required\nServer: squid\n\n"), Squid, out _));
    }
}

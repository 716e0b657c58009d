using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace OsgPilot.Squid
{
    /// <summary>The head of an HTTP response (status line, headers) and the first bytes of its body.</summary>
    internal sealed class HttpProbeResponse
    {
        private HttpProbeResponse(int status, string reason, Dictionary<string, string> headers, string bodyStart)
        {
            Status = status;
            Reason = reason;
            Headers = headers;
            BodyStart = bodyStart;
        }

        public int Status { get; }
        public string Reason { get; }
        public IReadOnlyDictionary<string, string> Headers { get; }
        public string BodyStart { get; }

        public string Header(string name) => Headers.TryGetValue(name, out string v) ? v : null;

        /// <summary>Squid's error page name (ERR_ACCESS_DENIED, ...), from X-Squid-Error or the body.</summary>
        public string SquidError
        {
            get
            {
                string header = Header("X-Squid-Error");
                if (!string.IsNullOrEmpty(header)) return header.Split(' ')[0];
                int at = BodyStart.IndexOf("ERR_", StringComparison.Ordinal);
                if (at < 0) return null;
                int end = at;
                while (end < BodyStart.Length && (char.IsLetterOrDigit(BodyStart[end]) || BodyStart[end] == '_')) end++;
                return BodyStart.Substring(at, end - at);
            }
        }

        /// <summary>Markers only a proxy adds: Via, X-Cache, Cache-Status, or a squid Server header.</summary>
        public bool CameFromProxy =>
            Header("Via") != null || Header("X-Cache") != null || Header("Cache-Status") != null ||
            (Header("Server") ?? string.Empty).StartsWith("squid", StringComparison.OrdinalIgnoreCase);

        public bool IsCacheHit
        {
            get
            {
                string xcache = Header("X-Cache") ?? string.Empty;
                string status = Header("Cache-Status") ?? string.Empty;
                return xcache.StartsWith("HIT", StringComparison.OrdinalIgnoreCase) ||
                       status.Split(',').Any(s => s.Split(';').Skip(1).Any(p => p.Trim().Equals("hit", StringComparison.OrdinalIgnoreCase)));
            }
        }

        /// <summary>"squid/5.7" from Via's comment or the Server header, when either names it.</summary>
        public string ProxyVersion
        {
            get
            {
                string via = Header("Via") ?? string.Empty;
                int open = via.IndexOf('(');
                int close = via.IndexOf(')', Math.Max(open, 0));
                if (open >= 0 && close > open) return via.Substring(open + 1, close - open - 1);
                string server = Header("Server");
                return server != null && server.StartsWith("squid", StringComparison.OrdinalIgnoreCase) ? server : null;
            }
        }

        /// <summary>Parses a response head; null when the bytes are not HTTP at all.</summary>
        public static HttpProbeResponse Parse(byte[] data, int length)
        {
            string text = Encoding.GetEncoding("ISO-8859-1").GetString(data, 0, length);
            int headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            string head = headEnd >= 0 ? text.Substring(0, headEnd) : text;
            string[] lines = head.Split(new[] { "\r\n" }, StringSplitOptions.None);
            string[] statusParts = lines[0].Split(new[] { ' ' }, 3);
            if (statusParts.Length < 2 || !statusParts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) ||
                !int.TryParse(statusParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int status))
            {
                return null;
            }
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string line in lines.Skip(1))
            {
                int colon = line.IndexOf(':');
                if (colon <= 0) continue;
                string name = line.Substring(0, colon).Trim();
                string value = line.Substring(colon + 1).Trim();
                headers[name] = headers.TryGetValue(name, out string prior) ? prior + ", " + value : value;
            }
            string body = headEnd >= 0 ? text.Substring(headEnd + 4) : string.Empty;
            return new HttpProbeResponse(status, statusParts.Length > 2 ? statusParts[2] : string.Empty, headers, body);
        }
    }
}

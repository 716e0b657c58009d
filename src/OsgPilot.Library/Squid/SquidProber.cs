using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace OsgPilot.Squid
{
    /// <summary>
    /// Probes one squid the way a site admin would by hand (resolve, connect, GET through it twice)
    /// and explains what it found. The whole probe shares one deadline, so it never hangs.
    /// </summary>
    internal sealed class SquidProber
    {
        /// <summary>
        /// A URL the pilots really fetch through the squid: the CVMFS stratum-1 manifest of the OSG
        /// config repository (small, cacheable, served by every stratum-1).
        /// </summary>
        public const string DefaultProbeUri = "http://cvmfs-s1fnal.opensciencegrid.org:8000/cvmfs/config-osg.opensciencegrid.org/.cvmfspublished";

        private const int MaxResponseBytes = 64 * 1024;

        private readonly Uri _probeUri;
        private readonly TimeSpan _timeout;

        public SquidProber(Uri probeUri, TimeSpan timeout)
        {
            _probeUri = probeUri;
            _timeout = timeout;
        }

        public async Task<OsgSquidTestResult> ProbeAsync(SquidEndpoint squid, CancellationToken ct)
        {
            var total = Stopwatch.StartNew();
            var checks = new List<OsgSquidCheck> { new OsgSquidCheck("Parse", true, TimeSpan.Zero, $"Squid location {squid.Uri}.") };
            var result = new OsgSquidTestResult { SquidLocation = squid.Uri, ProbeUri = _probeUri.AbsoluteUri, Addresses = new string[0] };
            var answered = new ProxyAnswer();
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                deadline.CancelAfter(_timeout);
                try
                {
                    result.Diagnosis = await RunAsync(squid, result, checks, answered, deadline.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    result.Diagnosis = TimedOut(squid, checks, answered.Version, total.Elapsed);
                }
                catch (SocketException e)
                {
                    // The squid went away between the steps (reset, refused on the second connection): a result, never a raw exception.
                    checks.Add(new OsgSquidCheck("Request", false, total.Elapsed, $"Connection failed: {e.SocketErrorCode}."));
                    result.Diagnosis = $"{squid.Host} port {squid.Port} accepted the first connection, then failed ({e.SocketErrorCode}); squid may be overloaded or restarting.";
                }
            }
            result.Checks = checks.AsReadOnly();
            result.Passed = checks.Where(c => c.Name != "Cache").All(c => c.Passed) && checks.Any(c => c.Name == "Request");
            result.DurationMs = OsgSquidCheck.Milliseconds(total.Elapsed);
            return result;
        }

        /// <summary>What answered the proxy's own question (null until a proxy did).</summary>
        private sealed class ProxyAnswer
        {
            public string Version;
        }

        private async Task<string> RunAsync(SquidEndpoint squid, OsgSquidTestResult result, List<OsgSquidCheck> checks, ProxyAnswer answered, CancellationToken ct)
        {
            // Resolve
            var watch = Stopwatch.StartNew();
            IPAddress[] addresses;
            if (IPAddress.TryParse(squid.Host.Trim('[', ']'), out IPAddress literal))
            {
                addresses = new[] { literal };
            }
            else
            {
                try
                {
                    addresses = await WithCancellation(Dns.GetHostAddressesAsync(squid.Host), ct);
                }
                catch (SocketException e)
                {
                    checks.Add(new OsgSquidCheck("Resolve", false, watch.Elapsed, $"'{squid.Host}' does not resolve: {e.Message}."));
                    return $"DNS failure: the host name '{squid.Host}' does not resolve; check the spelling and this machine's DNS.";
                }
            }
            result.Addresses = addresses.Select(a => a.ToString()).ToArray();
            checks.Add(new OsgSquidCheck("Resolve", true, watch.Elapsed, $"{squid.Host} is {string.Join(", ", result.Addresses)}."));

            // Connect
            watch.Restart();
            try
            {
                using (Socket probe = await ConnectAsync(addresses, squid.Port, ct))
                {
                    checks.Add(new OsgSquidCheck("Connect", true, watch.Elapsed, $"TCP connection to {probe.RemoteEndPoint} in {watch.Elapsed.TotalMilliseconds:0} ms."));
                }
            }
            catch (SocketException e)
            {
                bool refused = e.SocketErrorCode == SocketError.ConnectionRefused;
                checks.Add(new OsgSquidCheck("Connect", false, watch.Elapsed, refused ? "Connection refused." : $"Connection failed: {e.SocketErrorCode}."));
                return refused
                    ? $"Connection refused: nothing listens on {squid.Host} port {squid.Port}; is squid running, and on this port?"
                    : $"Cannot connect to {squid.Host} port {squid.Port} ({e.SocketErrorCode}); check routing and firewalls.";
            }

            // A request only the proxy itself can answer (origin-form: squid says 400 ERR_INVALID_URL at
            // once, reaching no origin), so a slow origin or DNS behind a live squid is told from a dead one.
            HttpProbeResponse self = await RequestAsync(addresses, squid, $"GET /osgpilot-squid-check HTTP/1.1\r\nHost: {squid.Host}:{squid.Port}\r\n", ct);
            if (self != null && self.CameFromProxy) answered.Version = self.ProxyVersion ?? "a proxy";

            // First request through the proxy
            watch.Restart();
            HttpProbeResponse first = await RequestAsync(addresses, squid, ct);
            string problem = Judge(first, squid, out string message);
            string firstCache = first?.Header("X-Cache") ?? first?.Header("Cache-Status");
            if (firstCache != null) message += $" Cache: {firstCache}.";
            checks.Add(new OsgSquidCheck("Request", problem == null, watch.Elapsed, message));
            if (first != null)
            {
                result.Via = first.Header("Via");
                result.ProxyVersion = first.ProxyVersion;
            }
            if (problem != null) return problem;

            // Second request: a working cache answers it from memory or disk.
            watch.Restart();
            HttpProbeResponse second = await RequestAsync(addresses, squid, ct);
            result.CacheHit = second != null && second.IsCacheHit;
            string cacheHeader = second?.Header("X-Cache") ?? second?.Header("Cache-Status") ?? "no cache header";
            checks.Add(new OsgSquidCheck("Cache", result.CacheHit, watch.Elapsed,
                result.CacheHit ? $"Second fetch was a cache hit ({cacheHeader})." : $"Second fetch was not a cache hit ({cacheHeader})."));
            return result.CacheHit
                ? $"The proxy at {squid.Uri} serves and caches: {result.ProxyVersion ?? "proxy"} answered, then hit its cache."
                : $"The proxy at {squid.Uri} serves but did not cache the probe URL ({cacheHeader}); check cache_dir/cache_mem and that the URL is cacheable.";
        }

        /// <summary>Null when the answer shows a working proxy; else the diagnosis.</summary>
        internal static string Judge(HttpProbeResponse r, SquidEndpoint squid, out string message)
        {
            if (r == null)
            {
                message = "The port answered, but not with HTTP.";
                return $"{squid.Host} port {squid.Port} accepts connections but does not speak HTTP; it is not a squid.";
            }
            string error = r.SquidError;
            message = $"HTTP {r.Status} {r.Reason}".Trim() + (error != null ? $" ({error})" : string.Empty) + ".";
            if (!r.CameFromProxy && error == null)
            {
                return $"{squid.Host} port {squid.Port} answers HTTP but is not a proxy (no Via or cache headers, HTTP {r.Status}); OSG_SQUID_LOCATION must name the squid's port.";
            }
            if (r.Status == 403 || error == "ERR_ACCESS_DENIED")
            {
                return $"The squid denies this client (HTTP 403, {error ?? "access denied"}): allow this host's address in squid's http_access rules (frontier-squid: SQUID_IPRANGE).";
            }
            if (r.Status == 502 || r.Status == 503 || r.Status == 504)
            {
                return $"The squid is up but cannot reach the origin (HTTP {r.Status}{(error != null ? ", " + error : string.Empty)}): check its outbound network, DNS and parent proxies.";
            }
            if (r.Status == 407)
            {
                return "The proxy requires authentication (HTTP 407); pilots cannot authenticate to a squid.";
            }
            if (r.Status >= 400)
            {
                return $"The proxy answered, but the probe URL failed with HTTP {r.Status}; check -Uri.";
            }
            return null;
        }

        private static async Task<Socket> ConnectAsync(IPAddress[] addresses, int port, CancellationToken ct)
        {
            SocketException last = null;
            foreach (IPAddress address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    using (ct.Register(() => socket.Dispose()))
                    {
                        await socket.ConnectAsync(address, port).ConfigureAwait(false);
                    }
                    ct.ThrowIfCancellationRequested();
                    return socket;
                }
                catch (Exception e) when (ct.IsCancellationRequested && (e is SocketException || e is ObjectDisposedException))
                {
                    // The deadline closed the socket under a connect that never completed (a full accept queue, a dropped SYN).
                    socket.Dispose();
                    throw new OperationCanceledException(ct);
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    last = e;
                }
            }
            throw last ?? new SocketException((int)SocketError.HostNotFound);
        }

        private Task<HttpProbeResponse> RequestAsync(IPAddress[] addresses, SquidEndpoint squid, CancellationToken ct) =>
            RequestAsync(addresses, squid, $"GET {_probeUri.AbsoluteUri} HTTP/1.1\r\nHost: {_probeUri.Authority}\r\n", ct);

        /// <summary>One request (its request line and Host header given), its response read to the end or to 64 KiB.</summary>
        private async Task<HttpProbeResponse> RequestAsync(IPAddress[] addresses, SquidEndpoint squid, string requestHead, CancellationToken ct)
        {
            using (Socket socket = await ConnectAsync(addresses, squid.Port, ct))
            using (ct.Register(() => socket.Dispose()))
            {
                try
                {
                    string request = requestHead +
                        $"User-Agent: OsgPilot/{ModuleVersion.Value} (squid check)\r\n" +
                        "Accept: */*\r\n" +
                        "Connection: close\r\n\r\n";
                    byte[] bytes = Encoding.ASCII.GetBytes(request);
                    await socket.SendAsync(new ArraySegment<byte>(bytes), SocketFlags.None).ConfigureAwait(false);

                    byte[] buffer = new byte[MaxResponseBytes];
                    int length = 0;
                    while (length < buffer.Length)
                    {
                        int n = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), SocketFlags.None).ConfigureAwait(false);
                        if (n == 0) break;
                        length += n;
                        if (HeadAndBodyComplete(buffer, length)) break;
                    }
                    return length == 0 ? null : HttpProbeResponse.Parse(buffer, length);
                }
                catch (Exception e) when (ct.IsCancellationRequested && (e is ObjectDisposedException || e is SocketException))
                {
                    throw new OperationCanceledException(ct);
                }
            }
        }

        /// <summary>True once the head is in and the body is complete per Content-Length (or absent).</summary>
        private static bool HeadAndBodyComplete(byte[] buffer, int length)
        {
            HttpProbeResponse head = HttpProbeResponse.Parse(buffer, length);
            if (head == null) return length >= 16; // not HTTP: no point in waiting for more
            string text = Encoding.GetEncoding("ISO-8859-1").GetString(buffer, 0, length);
            int headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd < 0) return false;
            return int.TryParse(head.Header("Content-Length"), out int contentLength) && length - headEnd - 4 >= contentLength;
        }

        private string TimedOut(SquidEndpoint squid, List<OsgSquidCheck> checks, string proxy, TimeSpan elapsed)
        {
            string step = checks.Any(c => c.Name == "Resolve") ? checks.Any(c => c.Name == "Connect") ? "Request" : "Connect" : "Resolve";
            if (step == "Request" && proxy != null)
            {
                checks.Add(new OsgSquidCheck(step, false, elapsed, $"The proxy ({proxy}) answers, but the probe URL had not come within {_timeout.TotalSeconds:0.#} s."));
                return $"Slow: the proxy at {squid.Uri} answers ({proxy}) but had not fetched {_probeUri.Host} within {_timeout.TotalSeconds:0.#} s: " +
                       "its DNS lookups or the origin are slow (pilots' first fetches will wait as long). Check squid's dns_nameservers and outbound network, or try a longer -TimeoutSec.";
            }
            checks.Add(new OsgSquidCheck(step, false, elapsed, $"No answer within {_timeout.TotalSeconds:0.#} s."));
            switch (step)
            {
                case "Resolve": return $"DNS did not answer within {_timeout.TotalSeconds:0.#} s.";
                case "Connect": return $"No answer to the TCP connection within {_timeout.TotalSeconds:0.#} s: a firewall may drop the traffic, or the host is down.";
                default: return $"The port accepted the connection but sent no HTTP answer within {_timeout.TotalSeconds:0.#} s; it is not a working squid (or it hangs).";
            }
        }

        private static async Task<T> WithCancellation<T>(Task<T> task, CancellationToken ct)
        {
            var cancelled = new TaskCompletionSource<bool>();
            using (ct.Register(() => cancelled.TrySetResult(true)))
            {
                if (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) != task) throw new OperationCanceledException(ct);
            }
            return await task.ConfigureAwait(false);
        }
    }
}

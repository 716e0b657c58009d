using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace OsgPilot.Docker
{
    /// <summary>
    /// Which engine serves a unix socket, from the headers of its /_ping: "Server: Docker/28.2.2
    /// (linux)" or "Server: Libpod/4.3.1 (linux)", and "Api-Version". One small request, where
    /// /version costs Podman over half a second (it asks conmon and the runtime for theirs). The
    /// library's transport gives no headers, so this is a plain HTTP/1.0 request of its own.
    /// </summary>
    internal static class EnginePing
    {
        private const int MaxHeaderBytes = 16 * 1024;

        /// <summary>The engine as its ping names it, or null when the headers do not say.</summary>
        public static EngineVersion Parse(string headers)
        {
            string server = null, api = null, os = null;
            foreach (string raw in headers.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                int colon = line.IndexOf(':');
                if (colon <= 0) continue;
                string name = line.Substring(0, colon).Trim(), value = line.Substring(colon + 1).Trim();
                if (name.Equals("Server", StringComparison.OrdinalIgnoreCase)) server = value;
                else if (name.Equals("Api-Version", StringComparison.OrdinalIgnoreCase)) api = value;
                else if (name.Equals("Ostype", StringComparison.OrdinalIgnoreCase)) os = value;
            }
            if (server == null) return null;
            int slash = server.IndexOf('/');
            if (slash <= 0) return null;
            string product = server.Substring(0, slash);
            string version = server.Substring(slash + 1).Split(' ')[0];
            if (version.Length == 0) return null;
            if (product.Equals("Libpod", StringComparison.OrdinalIgnoreCase)) product = EngineVersion.Podman;
            else if (product.Equals("Docker", StringComparison.OrdinalIgnoreCase)) product = EngineVersion.Docker;
            else return null;
            return new EngineVersion { Product = product, Version = version, ApiVersion = api, Os = os };
        }

        /// <summary>Pings the engine at a unix socket; null when it cannot be asked this way (the caller asks /version).</summary>
        public static async Task<EngineVersion> AskAsync(string socketPath, TimeSpan timeout, CancellationToken ct)
        {
            try
            {
                using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct))
                using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
                using (bounded.Token.Register(() => socket.Dispose()))
                {
                    bounded.CancelAfter(timeout);
                    await Task.Factory.FromAsync(socket.BeginConnect, socket.EndConnect, new UnixEndPoint(socketPath), null).ConfigureAwait(false);
                    byte[] request = Encoding.ASCII.GetBytes("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n");
                    await Task.Factory.FromAsync((cb, s) => socket.BeginSend(request, 0, request.Length, SocketFlags.None, cb, s), socket.EndSend, null).ConfigureAwait(false);
                    var received = new List<byte>();
                    var buffer = new byte[4096];
                    while (received.Count < MaxHeaderBytes)
                    {
                        int n = await Task.Factory.FromAsync((cb, s) => socket.BeginReceive(buffer, 0, buffer.Length, SocketFlags.None, cb, s), socket.EndReceive, null).ConfigureAwait(false);
                        if (n == 0) break;
                        for (int i = 0; i < n; i++) received.Add(buffer[i]);
                        string text = Encoding.ASCII.GetString(received.ToArray());
                        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                        if (end >= 0) return Parse(text.Substring(0, end));
                    }
                    return null;
                }
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException || e is OperationCanceledException || e is NotSupportedException || e is ArgumentException)
            {
                return null;
            }
        }

        /// <summary>sockaddr_un for netstandard2.0, which has no UnixDomainSocketEndPoint.</summary>
        private sealed class UnixEndPoint : EndPoint
        {
            private readonly string _path;

            public UnixEndPoint(string path) => _path = path;

            public override AddressFamily AddressFamily => AddressFamily.Unix;

            public override SocketAddress Serialize()
            {
                byte[] path = Encoding.UTF8.GetBytes(_path);
                var address = new SocketAddress(AddressFamily.Unix, 2 + path.Length + 1);
                for (int i = 0; i < path.Length; i++) address[2 + i] = path[i];
                address[2 + path.Length] = 0;
                return address;
            }

            public override EndPoint Create(SocketAddress socketAddress) => this;
        }
    }
}

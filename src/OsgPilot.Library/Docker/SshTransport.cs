using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Handler.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Client;
using OsgPilot.Preflight;

namespace OsgPilot.Docker
{
    /// <summary>Where an ssh:// endpoint leads, and what ssh last said when it failed.</summary>
    internal sealed class SshTransportOptions
    {
        public SshTransportOptions(DockerEndpoint endpoint, TimeSpan connectTimeout)
        {
            Target = endpoint.Uri;
            ConnectTimeout = connectTimeout;
        }

        public Uri Target { get; }
        public TimeSpan ConnectTimeout { get; }

        /// <summary>The last lines ssh wrote to stderr before it ended (null while it works).</summary>
        public string LastError { get; set; }

        /// <summary>
        /// The ssh command line, as the docker CLI runs it: the user's ssh configuration applies
        /// (keys, known hosts, jump hosts); BatchMode, because nobody is there to type a password.
        /// </summary>
        public IReadOnlyList<string> Arguments()
        {
            var args = new List<string> { "-o", "BatchMode=yes", "-o", $"ConnectTimeout={Math.Max(1, (int)ConnectTimeout.TotalSeconds)}", "-T" };
            string user = Uri.UnescapeDataString(Target.UserInfo.Split(':')[0]);
            if (user.Length > 0) args.AddRange(new[] { "-l", user });
            if (Target.Port > 0) args.AddRange(new[] { "-p", Target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            args.AddRange(new[] { "--", Target.Host, "docker", "system", "dial-stdio" });
            return args;
        }
    }

    /// <summary>
    /// The ssh:// transport: each connection is an `ssh HOST docker system dial-stdio` process whose
    /// stdin and stdout carry the engine's HTTP, as the docker CLI does it.
    /// </summary>
    internal sealed class SshHandlerFactory : IDockerHandlerFactory<SshTransportOptions>
    {
        public static SshHandlerFactory Instance { get; } = new SshHandlerFactory();

        public ResolvedTransport CreateHandler(SshTransportOptions options, ResolvedClientOptions client, ILogger logger)
        {
            var handler = new ManagedHandler(new ManagedHandler.StreamOpener((host, port, ct) => OpenAsync(options, ct)), logger);
            // The host in request URIs is never dialled; every connection is an ssh process.
            return new ResolvedTransport(handler, new Uri("http://docker.ssh"));
        }

        public ResolvedTransport CreateHandler(ResolvedClientOptions client, ILogger logger) =>
            throw new NotSupportedException("The ssh transport needs its options.");

        public Task<WriteClosableStream> HijackStreamAsync(HttpContent content) =>
            content is HttpConnectionResponseContent hijackable
                ? Task.FromResult(hijackable.HijackStream())
                : throw new NotSupportedException("This response cannot carry a hijacked stream.");

        private static Task<Stream> OpenAsync(SshTransportOptions options, CancellationToken ct)
        {
            var psi = new ProcessStartInfo("ssh", string.Join(" ", options.Arguments().Select(ProcessArgument.Quote)))
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            Process process;
            try
            {
                process = Process.Start(psi);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                options.LastError = $"ssh cannot be started ({e.Message}); install the OpenSSH client";
                throw new IOException(options.LastError, e);
            }
            return Task.FromResult<Stream>(new SshProcessStream(process, options));
        }
    }

    /// <summary>A connection that is an ssh process: reads its stdout, writes its stdin, ends it when closed.</summary>
    internal sealed class SshProcessStream : WriteClosableStream
    {
        private readonly Process _process;
        private readonly Stream _in;
        private readonly Stream _out;
        private readonly Task<string> _stderr;
        private readonly SshTransportOptions _options;

        public SshProcessStream(Process process, SshTransportOptions options)
        {
            _process = process;
            _options = options;
            _in = process.StandardOutput.BaseStream;
            _out = process.StandardInput.BaseStream;
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public override bool CanCloseWrite => true;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void CloseWrite() => _out.Close();

        public override int Read(byte[] buffer, int offset, int count) => Ended(_in.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            Ended(await _in.ReadAsync(buffer, offset, count, ct).ConfigureAwait(false));

        public override void Write(byte[] buffer, int offset, int count) => _out.Write(buffer, offset, count);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => _out.WriteAsync(buffer, offset, count, ct);

        public override void Flush() => _out.Flush();

        public override Task FlushAsync(CancellationToken ct) => _out.FlushAsync(ct);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        /// <summary>At the end of the output, keeps what ssh said when it failed (authentication, host key, no docker there).</summary>
        private int Ended(int read)
        {
            if (read == 0 && _process.WaitForExit(2000) && _process.ExitCode != 0)
            {
                string said = _stderr.Wait(1000) ? _stderr.Result.Trim() : null;
                _options.LastError = string.IsNullOrEmpty(said) ? $"ssh exited with {_process.ExitCode}" : said.TrimEnd('.');
            }
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                try
                {
                    if (!_process.HasExited) _process.Kill();
                }
                catch (InvalidOperationException)
                {
                }
                _process.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

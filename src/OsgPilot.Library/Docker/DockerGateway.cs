using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using Docker.DotNet.NativeHttp;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Launch;
using ContainerSpec = OsgPilot.Launch.ContainerSpec;

namespace OsgPilot.Docker
{
    /// <summary>
    /// The only class that talks to Docker.DotNet. Every call goes through <see cref="Call{T}"/>, which
    /// bounds it in time and turns library and transport failures into <see cref="OsgPilotException"/>s
    /// that name the endpoint, so no Docker.DotNet type or catch-all error reaches a cmdlet.
    /// </summary>
    internal sealed partial class DockerGateway : IDisposable
    {
        /// <summary>The default bound of one ordinary request (-TimeoutSec); streaming calls (pull, logs) run until cancelled.</summary>
        public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(EngineTimeouts.DefaultRequestSeconds);

        private readonly DockerClient _client;
        private readonly TlsCredentials _tls;
        private readonly SshTransportOptions _ssh;

        public DockerGateway(DockerEndpoint endpoint, TimeSpan? requestTimeout = null)
        {
            Endpoint = endpoint;
            RequestTimeout = requestTimeout ?? DefaultRequestTimeout;
            // Unversioned requests: the library's default API version, so new engines do not refuse us.
            DockerClientBuilder builder = new DockerClientBuilder().WithTimeout(Timeout.InfiniteTimeSpan);
            if (endpoint.Tls != null)
            {
                _tls = TlsCredentials.Load(endpoint, DateTime.UtcNow);
                _client = builder.WithEndpoint(endpoint.Uri).WithAuthProvider(_tls.Provider).WithTransportOptions(PooledTransport()).Build();
            }
            else if (endpoint.Uri.Scheme == "tcp")
            {
                _client = builder.WithEndpoint(endpoint.Uri).WithTransportOptions(PooledTransport()).Build();
            }
            else if (endpoint.IsSsh)
            {
                _ssh = new SshTransportOptions(endpoint, RequestTimeout);
                _client = builder.WithEndpoint(endpoint.Uri).WithTransportOptions(SshHandlerFactory.Instance, _ssh).Build();
            }
            else
            {
                _client = builder.WithEndpoint(endpoint.Uri).Build();
            }
        }

        /// <summary>
        /// TCP engines get the framework's pooled handler: keep-alive connections for the life of this
        /// gateway (one cmdlet call), so a TLS engine pays a handshake per connection, not per request.
        /// Streams the engine hijacks (exec, attach) still take a connection each. No proxy: the engine
        /// is reached directly, as before, whatever HTTPS_PROXY says.
        /// </summary>
        private static NativeHttpTransportOptions PooledTransport() =>
            new NativeHttpTransportOptions { ConfigureHandler = handler => handler.UseProxy = false };

        public DockerEndpoint Endpoint { get; }

        /// <summary>How long one ordinary request may take before the engine counts as not answering.</summary>
        public TimeSpan RequestTimeout { get; }

        public void Dispose() => _client.Dispose();

        public Task<EngineVersion> GetVersionAsync(CancellationToken ct, TimeSpan? timeout = null) =>
            Call("query the engine version", async t =>
            {
                VersionResponse v = await _client.System.GetVersionAsync(t).ConfigureAwait(false);
                return new EngineVersion
                {
                    Product = EngineVersion.ProductOf(v.Components?.Select(c => c.Name)),
                    Version = v.Version, ApiVersion = v.APIVersion, Os = v.Os, Arch = v.Arch,
                };
            }, ct, timeout);

        /// <summary>The engine's confinement (AppArmor, seccomp) and data root, from one /info request.</summary>
        public Task<EngineHostInfo> GetHostInfoAsync(CancellationToken ct) =>
            Call("query the engine's information", async t =>
            {
                SystemInfoResponse info = await _client.System.GetSystemInfoAsync(t).ConfigureAwait(false);
                return new EngineHostInfo(info.SecurityOptions, info.DockerRootDir);
            }, ct);

        private Task<EngineVersion> _engine;
        private readonly object _engineLock = new object();

        /// <summary>
        /// Which engine this is, asked once per gateway (one cmdlet call) however many steps need it,
        /// concurrent ones too: a unix socket's /_ping headers say it, else /version.
        /// </summary>
        public Task<EngineVersion> GetEngineAsync(CancellationToken ct)
        {
            lock (_engineLock) return _engine ??= AskEngineAsync(ct);
        }

        private async Task<EngineVersion> AskEngineAsync(CancellationToken ct)
        {
            EngineVersion pinged = Endpoint.Uri.Scheme == "unix"
                ? await EnginePing.AskAsync(Endpoint.Uri.LocalPath, RequestTimeout, ct).ConfigureAwait(false)
                : null;
            return pinged ?? await GetVersionAsync(ct).ConfigureAwait(false);
        }

        /// <summary>All OsgPilot pilots in one list call, filtered by label on the engine side.</summary>
        public Task<IReadOnlyList<PilotContainer>> ListPilotsAsync(bool all, CancellationToken ct, TimeSpan? timeout = null) =>
            ListAsync(all, new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [PilotLabels.ManagedFilter] = true },
            }, ct, timeout);

        /// <summary>Containers of any kind whose name is exactly one of <paramref name="names"/>, in one list call.</summary>
        public async Task<IReadOnlyList<PilotContainer>> ListByNamesAsync(IEnumerable<string> names, CancellationToken ct)
        {
            var wanted = new HashSet<string>(names, StringComparer.Ordinal);
            // The engine's name filter matches substrings; anchor it, then keep exact names only.
            // dockerd matches "/NAME", Podman "NAME": the slash is optional.
            var filter = wanted.ToDictionary(n => "^/?" + System.Text.RegularExpressions.Regex.Escape(n) + "$", _ => true);
            IReadOnlyList<PilotContainer> found = await ListAsync(true, new Dictionary<string, IDictionary<string, bool>> { ["name"] = filter }, ct, null).ConfigureAwait(false);
            return found.Where(c => wanted.Contains(c.Name)).ToList();
        }

        /// <summary>
        /// Containers of any kind named as the instances of a config (STEM, STEM-N, and the temporary
        /// names of a replacement), in one list call: a same-named container that is not ours shows too.
        /// </summary>
        public async Task<IReadOnlyList<PilotContainer>> ListInstancesAsync(string stem, CancellationToken ct)
        {
            var filter = new Dictionary<string, bool> { [PilotNames.InstanceFilter(stem)] = true };
            IReadOnlyList<PilotContainer> found = await ListAsync(true, new Dictionary<string, IDictionary<string, bool>> { ["name"] = filter }, ct, null).ConfigureAwait(false);
            return found.Where(c => PilotNames.IsInstanceOf(c.Name, stem)).ToList();
        }

        private Task<IReadOnlyList<PilotContainer>> ListAsync(bool all, IDictionary<string, IDictionary<string, bool>> filters, CancellationToken ct, TimeSpan? timeout) =>
            Call("list containers", async t =>
            {
                IList<ContainerListResponse> list = await _client.Containers.ListContainersAsync(
                    new ContainersListParameters { All = all, Filters = filters }, t).ConfigureAwait(false);
                return (IReadOnlyList<PilotContainer>)list.Select(ToPilotContainer).ToList();
            }, ct, timeout);

        /// <summary>The local image, or null when the engine does not have it.</summary>
        public Task<ImageInfo> InspectImageAsync(string image, CancellationToken ct) =>
            Call("inspect the image " + image, async t =>
            {
                try
                {
                    ImageInspectResponse r = await _client.Images.InspectImageAsync(image, t).ConfigureAwait(false);
                    return new ImageInfo { Id = r.ID, Created = r.Created };
                }
                catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
                {
                    return null;
                }
            }, ct);

        public Task PullImageAsync(string image, IProgress<PullProgress> progress, CancellationToken ct) =>
            Call("pull the image " + image, async t =>
            {
                string error = null;
                var relay = new Relay<JSONMessage>(m =>
                {
                    if (!string.IsNullOrEmpty(m.Error?.Message)) error = m.Error.Message;
                    if (!string.IsNullOrEmpty(m.ID) && m.Status != null)
                    {
                        progress?.Report(new PullProgress { LayerId = m.ID, Status = m.Status, Current = m.Progress?.Current, Total = m.Progress?.Total });
                    }
                });
                SplitReference(image, out string repository, out string tag);
                await _client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = tag }, null, relay, t).ConfigureAwait(false);
                if (error != null)
                {
                    // The engine reports pull failures inside the stream, with HTTP 200.
                    throw new OsgPilotException(ErrorIds.ImagePullFailed, ErrorCategory.ResourceUnavailable,
                        $"Pulling the image '{image}' failed: {error}", image);
                }
                return true;
            }, ct, Timeout.InfiniteTimeSpan, ErrorIds.ImagePullFailed);

        /// <summary>Pulls, then confirms the engine has the image: a pull stream can end without error yet without an image.</summary>
        public async Task<ImageInfo> PullAndInspectAsync(string image, IProgress<PullProgress> progress, CancellationToken ct)
        {
            await PullImageAsync(image, progress, ct).ConfigureAwait(false);
            return await InspectImageAsync(image, ct).ConfigureAwait(false)
                ?? throw new OsgPilotException(ErrorIds.ImagePullFailed, ErrorCategory.ResourceUnavailable,
                    $"The image '{image}' could not be pulled: the engine reported no error but does not have it.", image);
        }

        /// <summary>Creates the container of <paramref name="spec"/>, named <paramref name="name"/> (default: the spec's name).</summary>
        public async Task<string> CreateAsync(ContainerSpec spec, CancellationToken ct, string name = null)
        {
            bool podman = (await GetEngineAsync(ct).ConfigureAwait(false)).IsPodman;
            return await Call("create the container " + (name ?? spec.Name), async t =>
            {
                CreateContainerParameters parameters = CreateParametersFactory.Create(spec, podman);
                parameters.Name = name ?? spec.Name;
                return (await _client.Containers.CreateContainerAsync(parameters, t).ConfigureAwait(false)).ID;
            }, ct).ConfigureAwait(false);
        }

        public Task StartAsync(string id, CancellationToken ct) =>
            Call("start the container", t => _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), t), ct);

        public Task StopAsync(string id, int timeoutSeconds, CancellationToken ct)
        {
            // The library leaves out t=0, and the engine then waits the container's own stop timeout
            // (120 s for a pilot): "no grace" is a kill, as docker stop -t 0 amounts to.
            if (timeoutSeconds == 0) return KillAsync(id, ct);
            return Call("stop the container", t => _client.Containers.StopContainerAsync(id,
                new ContainerStopParameters { WaitBeforeKillSeconds = (uint)timeoutSeconds }, t), ct,
                TimeSpan.FromSeconds(timeoutSeconds) + RequestTimeout);
        }

        private Task KillAsync(string id, CancellationToken ct) =>
            Call("kill the container", async t =>
            {
                try
                {
                    await _client.Containers.KillContainerAsync(id, new ContainerKillParameters { Signal = "SIGKILL" }, t).ConfigureAwait(false);
                }
                catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
                {
                    // Not running any more: what a stop wants.
                }
                return true;
            }, ct);

        /// <summary>Renames a container (an -Force replacement takes its pilot's name only once it is built).</summary>
        public Task RenameAsync(string id, string newName, CancellationToken ct) =>
            Call($"rename the container to {newName}", t => _client.Containers.RenameContainerAsync(id, new ContainerRenameParameters { NewName = newName }, t), ct);

        public Task RemoveAsync(string id, bool force, CancellationToken ct) =>
            Call("remove the container", async t =>
            {
                await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = force }, t).ConfigureAwait(false);
                return true;
            }, ct);

        /// <summary>Streams log lines (stdout and stderr, demultiplexed) to <paramref name="onLine"/> until the log ends or ct fires.</summary>
        public Task StreamLogsAsync(string id, string tail, DateTime? since, bool follow, Action<string> onLine, CancellationToken ct) =>
            Call("read the container log", async t =>
            {
                var p = new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Follow = follow, Tail = tail ?? "all" };
                if (since.HasValue)
                {
                    p.Since = new DateTimeOffset(since.Value.ToUniversalTime()).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                using (MultiplexedStream stream = await _client.Containers.GetContainerLogsAsync(id, p, t).ConfigureAwait(false))
                {
                    var lines = new LineSplitter(onLine);
                    byte[] buffer = new byte[16 * 1024];
                    while (true)
                    {
                        MultiplexedStream.ReadResult r = await stream.ReadOutputAsync(buffer, 0, buffer.Length, t).ConfigureAwait(false);
                        if (r.EOF) break;
                        lines.Add(r.Target, buffer, r.Count);
                    }
                    lines.Flush();
                }
                return true;
            }, ct, Timeout.InfiniteTimeSpan);

        /// <summary>What an exec may print before the rest is dropped unread: a pilot's files feed some commands' output.</summary>
        public const int DefaultMaxExecOutput = 40 * 1024 * 1024;

        /// <summary>
        /// Runs a command in a running container; returns exit code and stdout, of which at most
        /// <paramref name="maxOutputBytes"/> are read (the stream is closed then, and the exit code is -1).
        /// </summary>
        public Task<(long ExitCode, string Output)> ExecAsync(string id, IList<string> command, string user, CancellationToken ct, TimeSpan? timeout = null,
            int maxOutputBytes = DefaultMaxExecOutput) =>
            Call("run a command in the container", async t =>
            {
                ContainerExecCreateResponse created = await _client.Exec.CreateContainerExecAsync(id,
                    new ContainerExecCreateParameters { Cmd = command, User = user, AttachStdout = true, AttachStderr = true }, t).ConfigureAwait(false);
                var stdout = new MemoryStream();
                bool whole = true;
                using (MultiplexedStream stream = await _client.Exec.StartContainerExecAsync(created.ID, new ContainerExecStartParameters(), t).ConfigureAwait(false))
                {
                    byte[] buffer = new byte[81920];
                    while (true)
                    {
                        MultiplexedStream.ReadResult r = await stream.ReadOutputAsync(buffer, 0, buffer.Length, t).ConfigureAwait(false);
                        if (r.EOF) break;
                        if (r.Target != MultiplexedStream.TargetStream.StandardOut) continue;
                        if (stdout.Length + r.Count > maxOutputBytes) { whole = false; break; }
                        stdout.Write(buffer, 0, r.Count);
                    }
                }
                string output = Encoding.UTF8.GetString(stdout.ToArray());
                if (!whole) return (-1L, output);
                ContainerExecInspectResponse inspect = await _client.Exec.InspectContainerExecAsync(created.ID, t).ConfigureAwait(false);
                return (inspect.ExitCode ?? -1L, output);
            }, ct, timeout);

        /// <summary>
        /// Sets the restart policy of an existing container (running or not). Podman before 5.1 has no
        /// container update in its Docker API (it answers 404 before reading the body): nothing is sent
        /// there, and the caller is told.
        /// </summary>
        public async Task<bool> SetRestartPolicyAsync(string id, PilotRestartPolicy policy, CancellationToken ct)
        {
            if (await RestartPolicyIsFixedAsync(ct).ConfigureAwait(false)) return false;
            await Call("change the restart policy", t => _client.Containers.UpdateContainerAsync(id,
                new ContainerUpdateParameters { RestartPolicy = new RestartPolicy { Name = CreateParametersFactory.RestartKind(policy) } }, t), ct).ConfigureAwait(false);
            return true;
        }

        public async Task<bool> RestartPolicyIsFixedAsync(CancellationToken ct) =>
            !(await GetEngineAsync(ct).ConfigureAwait(false)).CanChangeRestartPolicy;

        private async Task Call(string what, Func<CancellationToken, Task> action, CancellationToken ct, TimeSpan? timeout = null) =>
            await Call(what, async t => { await action(t).ConfigureAwait(false); return true; }, ct, timeout).ConfigureAwait(false);

        private async Task<T> Call<T>(string what, Func<CancellationToken, Task<T>> action, CancellationToken ct, TimeSpan? timeout = null, string apiErrorId = null)
        {
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                TimeSpan limit = timeout ?? RequestTimeout;
                if (limit != Timeout.InfiniteTimeSpan) linked.CancelAfter(limit);
                try
                {
                    // On the thread pool: a connection's synchronous start (a TLS handshake, an ssh
                    // process) must not hold the pipeline thread while other engines wait their turn.
                    return await Task.Run(() => action(linked.Token)).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested && linked.IsCancellationRequested)
                {
                    // An engine that never answers is as unreachable as one that refuses: same ErrorId and category.
                    throw new OsgPilotException(ErrorIds.DockerEngineUnreachable, ErrorCategory.ConnectionError,
                        $"The Docker engine at '{Endpoint}' did not answer within {limit.TotalSeconds:0} s while trying to {what}.", Endpoint.Display);
                }
                catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.BadRequest && (e.ResponseBody ?? "").Contains("HTTP request to an HTTPS server"))
                {
                    throw new OsgPilotException(ErrorIds.DockerTlsRequired, ErrorCategory.ProtocolError,
                        $"The Docker engine at '{Endpoint}' speaks TLS, but OsgPilot spoke plain HTTP to it: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH " +
                        "(a directory with ca.pem, cert.pem, key.pem), or use a docker context made with --docker \"host=...,ca=...,cert=...,key=...\".", Endpoint.Display, e);
                }
                catch (DockerApiException e)
                {
                    throw new OsgPilotException(apiErrorId ?? ErrorIds.DockerApiError, CategoryOf(e.StatusCode),
                        $"The Docker engine refused to {what}: {EngineMessage(e)}", Endpoint.Display, e);
                }
                catch (Exception e) when (IsTransportFailure(e))
                {
                    throw TlsFailure(e) ?? SshFailure(e) ?? (IsConnectFailure(Endpoint, e) ? Unreachable(Endpoint, e) : ConnectionLost(what, e));
                }
            }
        }

        internal static OsgPilotException Unreachable(DockerEndpoint endpoint, Exception e) =>
            new OsgPilotException(ErrorIds.DockerEngineUnreachable, ErrorCategory.ConnectionError,
                $"Cannot connect to the Docker engine at '{endpoint}': {Sentence(Why(endpoint, e))} (-DockerHost, -Context, DOCKER_HOST or DOCKER_CONTEXT choose the engine.)",
                endpoint.Display, e);

        /// <summary>
        /// The engine accepted the request and the connection ended before its whole answer came: the
        /// engine may have carried it out. Not fatal by itself; the next request tells whether the
        /// engine is gone.
        /// </summary>
        private OsgPilotException ConnectionLost(string what, Exception e) =>
            new OsgPilotException(ErrorIds.DockerConnectionLost, ErrorCategory.ConnectionError,
                $"The connection to the Docker engine at '{Endpoint}' ended before it answered the request to {what}; the engine may have carried it out " +
                $"(is dockerd restarting?) [{Innermost(e).Message.TrimEnd('.')}].", Endpoint.Display, e);

        /// <summary>A failed TLS handshake, said as what went wrong: our check of the engine, or the engine's refusal of us.</summary>
        private OsgPilotException TlsFailure(Exception e)
        {
            if (_tls == null || !(HasInner<System.Security.Authentication.AuthenticationException>(e) || RefusedAfterHandshake(e))) return null;
            if (_tls.ServerRejectedBecause != null)
            {
                return new OsgPilotException(ErrorIds.DockerTlsServerUntrusted, ErrorCategory.SecurityError,
                    $"The Docker engine at '{Endpoint}' is not trusted: {_tls.ServerRejectedBecause}. Is ca.pem the CA of this engine ({Endpoint.Tls.Origin})?", Endpoint.Display, e);
            }
            return new OsgPilotException(ErrorIds.DockerTlsClientRejected, ErrorCategory.AuthenticationError,
                $"The TLS handshake with the Docker engine at '{Endpoint}' failed: the engine refused this client's certificate ({Endpoint.Tls.CertPath}), " +
                $"or does not speak TLS on this port [{Innermost(e).Message.TrimEnd('.')}].", Endpoint.Display, e);
        }

        /// <summary>An ssh transport that ended with ssh's own complaint (authentication, host key, no docker on the far side).</summary>
        private OsgPilotException SshFailure(Exception e)
        {
            string said = _ssh?.LastError;
            if (said == null) return null;
            _ssh.LastError = null;
            return new OsgPilotException(ErrorIds.DockerSshFailed, ErrorCategory.ConnectionError,
                $"Cannot reach the Docker engine at '{Endpoint}' over ssh: {said}. (ssh runs `docker system dial-stdio` there with your ssh configuration; try `ssh {Endpoint.Uri.Host} docker version`.)", Endpoint.Display, e);
        }

        /// <summary>
        /// TLS 1.3 finishes the client's side of the handshake before the engine checks the client's
        /// certificate: a refusal then arrives as an alert on the first read, not as an authentication failure.
        /// </summary>
        private static bool RefusedAfterHandshake(Exception e) =>
            e != null && (System.Text.RegularExpressions.Regex.IsMatch(e.Message ?? "", @"alert (bad certificate|certificate required|unknown ca|certificate unknown|certificate expired|certificate revoked|unsupported certificate|access denied)")
                          || RefusedAfterHandshake(e.InnerException));

        private static bool HasInner<T>(Exception e) where T : Exception => e is T || (e.InnerException != null && HasInner<T>(e.InnerException));

        /// <summary>Socket errors of a connect that never succeeded (those <see cref="Why"/> explains, and one more).</summary>
        private static readonly HashSet<SocketError> ConnectErrors = new HashSet<SocketError>
        {
            SocketError.ConnectionRefused, SocketError.AccessDenied, SocketError.HostNotFound, SocketError.NoData, SocketError.TryAgain,
            SocketError.TimedOut, SocketError.NetworkUnreachable, SocketError.HostUnreachable, SocketError.AddressNotAvailable,
            SocketError.AddressFamilyNotSupported,
        };

        /// <summary>True when no connection was made at all (as opposed to one that broke mid-request).</summary>
        private static bool IsConnectFailure(DockerEndpoint endpoint, Exception e)
        {
            Exception inner = Innermost(e);
            if (endpoint.Uri.Scheme == "unix" && !File.Exists(endpoint.Uri.LocalPath) && !Directory.Exists(endpoint.Uri.LocalPath)) return true;
            if (inner is UnauthorizedAccessException) return true;
            return inner is SocketException socket && ConnectErrors.Contains(socket.SocketErrorCode);
        }

        /// <summary>A clause as the end of a sentence: a full stop unless it already ends one.</summary>
        private static string Sentence(string clause) => clause.EndsWith("?", StringComparison.Ordinal) || clause.EndsWith(".", StringComparison.Ordinal) ? clause : clause + ".";

        /// <summary>Why a connection failed, in the words of the fix; the library's own text only in brackets.</summary>
        internal static string Why(DockerEndpoint endpoint, Exception e)
        {
            Exception inner = Innermost(e);
            string raw = inner.Message.TrimEnd('.');
            if (endpoint.Uri.Scheme == "unix")
            {
                string socket = endpoint.Uri.LocalPath;
                if (!File.Exists(socket) && !Directory.Exists(socket)) return $"there is no socket at {socket}; is dockerd running, and is this its socket?";
            }
            switch ((inner as SocketException)?.SocketErrorCode)
            {
                case SocketError.ConnectionRefused: return $"nothing accepts connections there; is dockerd running? ({raw})";
                case SocketError.AccessDenied: return $"this user may not use it; run as root or as a member of the docker group ({raw})";
                case SocketError.HostNotFound:
                case SocketError.NoData:
                case SocketError.TryAgain: return $"the host name does not resolve ({raw})";
                case SocketError.TimedOut: return $"the connection timed out; is the address reachable? ({raw})";
                case SocketError.NetworkUnreachable:
                case SocketError.HostUnreachable: return $"the address cannot be reached from here ({raw})";
                case SocketError.AddressNotAvailable: return $"the endpoint is not available ({raw})";
            }
            return inner is UnauthorizedAccessException ? $"this user may not use it ({raw})" : $"the connection failed ({raw})";
        }

        private static bool IsTransportFailure(Exception e) =>
            e is HttpRequestException || e is SocketException || e is IOException || e is TimeoutException || e is System.Security.Authentication.AuthenticationException ||
            (e.InnerException != null && IsTransportFailure(e.InnerException));

        private static Exception Innermost(Exception e) => e.InnerException == null ? e : Innermost(e.InnerException);

        private static ErrorCategory CategoryOf(HttpStatusCode status)
        {
            switch ((int)status)
            {
                case 400: return ErrorCategory.InvalidArgument;
                case 401:
                case 403: return ErrorCategory.PermissionDenied;
                case 404: return ErrorCategory.ObjectNotFound;
                case 409: return ErrorCategory.ResourceExists;
                default: return ErrorCategory.ResourceUnavailable;
            }
        }

        /// <summary>The engine's own sentence from its JSON error body, else the body as text.</summary>
        private static string EngineMessage(DockerApiException e)
        {
            string body = e.ResponseBody?.Trim() ?? string.Empty;
            try
            {
                using (JsonDocument doc = JsonDocument.Parse(body))
                {
                    if (doc.RootElement.TryGetProperty("message", out JsonElement m)) return m.GetString();
                }
            }
            catch (JsonException)
            {
            }
            return body.Length > 0 ? body : e.StatusCode.ToString();
        }

        private static PilotContainer ToPilotContainer(ContainerListResponse c) => new PilotContainer
        {
            Id = c.ID,
            Name = (c.Names?.FirstOrDefault() ?? string.Empty).TrimStart('/'),
            State = EngineStates.Normalize(c.State),
            Status = c.Status,
            Image = c.Image,
            ImageId = c.ImageID,
            Created = c.Created,
            Labels = c.Labels == null ? new Dictionary<string, string>() : new Dictionary<string, string>(c.Labels),
        };

        /// <summary>Splits "repo[:tag][@digest]" for the pull API; a registry port is not a tag.</summary>
        internal static void SplitReference(string image, out string repository, out string tag)
        {
            int at = image.IndexOf('@');
            if (at >= 0)
            {
                repository = image.Substring(0, at);
                tag = image.Substring(at + 1);
                return;
            }
            int colon = image.LastIndexOf(':');
            if (colon > image.LastIndexOf('/'))
            {
                repository = image.Substring(0, colon);
                tag = image.Substring(colon + 1);
            }
            else
            {
                repository = image;
                tag = "latest";
            }
        }

        /// <summary>IProgress that runs its callback inline: stream messages arrive in order on the reading thread.</summary>
        private sealed class Relay<T> : IProgress<T>
        {
            private readonly Action<T> _handler;
            public Relay(Action<T> handler) => _handler = handler;
            public void Report(T value) => _handler(value);
        }

        /// <summary>Turns the byte chunks of a log stream into whole lines.</summary>
        private sealed class LineSplitter
        {
            private readonly Action<string> _onLine;
            private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
            private readonly StringBuilder _pending = new StringBuilder();

            public LineSplitter(Action<string> onLine) => _onLine = onLine;

            public void Add(MultiplexedStream.TargetStream target, byte[] buffer, int count)
            {
                char[] chars = new char[_decoder.GetCharCount(buffer, 0, count)];
                _decoder.GetChars(buffer, 0, count, chars, 0);
                foreach (char c in chars)
                {
                    if (c == '\n')
                    {
                        Emit();
                    }
                    else if (c != '\r')
                    {
                        _pending.Append(c);
                    }
                }
            }

            public void Flush()
            {
                if (_pending.Length > 0) Emit();
            }

            private void Emit()
            {
                _onLine(_pending.ToString());
                _pending.Clear();
            }
        }
    }
}

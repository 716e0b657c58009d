using System;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Errors;

namespace OsgPilot.Docker
{
    /// <summary>
    /// One engine to talk to: its address, the docker context it came from (if any) and the TLS
    /// material that authenticates it. <see cref="EndpointResolver"/> finds it as the docker CLI does.
    /// </summary>
    internal sealed class DockerEndpoint
    {
        public const string UnixDefault = "unix:///var/run/docker.sock";
        public const string WindowsDefault = "npipe://./pipe/docker_engine";

        private DockerEndpoint(Uri uri, string display, string context, TlsMaterial tls)
        {
            Uri = uri;
            Display = display;
            Context = context;
            Tls = tls;
        }

        public Uri Uri { get; }

        /// <summary>The endpoint as the user would write it (for -DockerHost); used in messages and output.</summary>
        public string Display { get; }

        /// <summary>The docker context the endpoint came from; null when it was given as an address.</summary>
        public string Context { get; }

        /// <summary>The TLS material of a tcp:// endpoint; null for plain HTTP (and for unix, npipe, ssh).</summary>
        public TlsMaterial Tls { get; }

        public bool IsSsh => Uri.Scheme == "ssh";

        /// <summary>True when the engine runs on this machine, so host paths can be checked here.</summary>
        public bool IsLocal => Uri.Scheme == "unix" || Uri.Scheme == "npipe" || (Uri.Scheme == "tcp" && Uri.IsLoopback);

        /// <summary>How messages name it: the context and its address, or the address.</summary>
        public override string ToString() => Context == null ? Display : $"{Display} (context {Context})";

        /// <summary>Parses an endpoint address (unix://, npipe://, tcp://, ssh://) as the docker CLI accepts it.</summary>
        public static DockerEndpoint Parse(string text, string context = null, TlsMaterial tls = null)
        {
            text = text?.Trim();
            if (!string.IsNullOrEmpty(text) && text.Any(char.IsControl))
            {
                throw Invalid(text, "it has a control character (a line break, say)");
            }
            if (string.IsNullOrEmpty(text) || !Uri.TryCreate(text, UriKind.Absolute, out Uri uri))
            {
                throw Invalid(text, "it is not a URI");
            }
            switch (uri.Scheme)
            {
                case "unix":
                    if (string.IsNullOrEmpty(uri.LocalPath) || uri.LocalPath == "/")
                        throw Invalid(text, "a unix:// endpoint needs a socket path, e.g. unix:///var/run/docker.sock");
                    if (!string.IsNullOrEmpty(uri.Host) || uri.LocalPath.IndexOfAny(UnsafeInPath) >= 0)
                        throw Invalid(text, "a unix:// socket path may not hold spaces, quotes, braces or the like (the engine's client cannot address it); use a path without them, e.g. unix:///run/docker.sock");
                    return new DockerEndpoint(uri, text, context, null);
                case "npipe":
                    return new DockerEndpoint(uri, text, context, null);
                case "tcp":
                case "http":
                case "https":
                    if (uri.Port <= 0 || string.IsNullOrEmpty(uri.Host))
                        throw Invalid(text, "a tcp:// endpoint needs host and port, e.g. tcp://docker.example.edu:2376");
                    if (uri.AbsolutePath != "/" || uri.Query.Length > 0)
                        throw Invalid(text, "a tcp:// endpoint is a host and port only");
                    return new DockerEndpoint(new Uri($"tcp://{uri.Authority}"), text, context, tls);
                case "ssh":
                    if (string.IsNullOrEmpty(uri.Host))
                        throw Invalid(text, "an ssh:// endpoint needs a host, e.g. ssh://admin@docker.example.edu");
                    if (uri.AbsolutePath != "/" && uri.AbsolutePath.Length > 0)
                        throw Invalid(text, "an ssh:// endpoint is user, host and port only (the remote side runs `docker system dial-stdio`)");
                    return new DockerEndpoint(uri, text, context, null);
                default:
                    throw Invalid(text, $"the scheme '{uri.Scheme}' is not one of unix, tcp, ssh or npipe");
            }
        }

        private static readonly char[] UnsafeInPath = { ' ', '"', '\'', '{', '}', '<', '>', '|', '\\', '^', '`', '%', '#', '?' };

        internal static OsgPilotException Invalid(string text, string why) =>
            new OsgPilotException(ErrorIds.InvalidDockerHost, ErrorCategory.InvalidArgument,
                $"The Docker endpoint '{text}' is not valid: {why}.", text);
    }
}

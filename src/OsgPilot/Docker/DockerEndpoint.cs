using System;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;
using OsgPilot.Errors;

namespace OsgPilot.Docker
{
    /// <summary>Which engine to talk to: -DockerHost, else DOCKER_HOST, else the platform default, like the docker CLI.</summary>
    internal sealed class DockerEndpoint
    {
        public const string UnixDefault = "unix:///var/run/docker.sock";
        public const string WindowsDefault = "npipe://./pipe/docker_engine";

        private DockerEndpoint(Uri uri, string display)
        {
            Uri = uri;
            Display = display;
        }

        public Uri Uri { get; }

        /// <summary>The endpoint as the user would write it; used in messages and output.</summary>
        public string Display { get; }

        /// <summary>True when the engine runs on this machine, so host paths can be checked here.</summary>
        public bool IsLocal => Uri.Scheme == "unix" || Uri.Scheme == "npipe" ||
            ((Uri.Scheme == "tcp" || Uri.Scheme == "http" || Uri.Scheme == "https") && (Uri.IsLoopback));

        public override string ToString() => Display;

        public static DockerEndpoint Resolve(string explicitHost) =>
            Resolve(explicitHost, Environment.GetEnvironmentVariable("DOCKER_HOST"), RuntimeInformation.IsOSPlatform(OSPlatform.Windows));

        internal static DockerEndpoint Resolve(string explicitHost, string environmentHost, bool windows)
        {
            string text = !string.IsNullOrWhiteSpace(explicitHost) ? explicitHost.Trim()
                : !string.IsNullOrWhiteSpace(environmentHost) ? environmentHost.Trim()
                : windows ? WindowsDefault : UnixDefault;
            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri uri))
            {
                throw Invalid(text, "it is not a URI");
            }
            switch (uri.Scheme)
            {
                case "unix":
                    if (string.IsNullOrEmpty(uri.LocalPath) || uri.LocalPath == "/")
                        throw Invalid(text, "a unix:// endpoint needs a socket path, e.g. unix:///var/run/docker.sock");
                    break;
                case "npipe":
                    break;
                case "tcp":
                case "http":
                case "https":
                    if (uri.Port <= 0 || string.IsNullOrEmpty(uri.Host))
                        throw Invalid(text, "a tcp:// endpoint needs host and port, e.g. tcp://127.0.0.1:2375");
                    break;
                default:
                    throw Invalid(text, $"the scheme '{uri.Scheme}' is not one of unix, tcp or npipe");
            }
            return new DockerEndpoint(uri, text);
        }

        private static OsgPilotException Invalid(string text, string why) =>
            new OsgPilotException(ErrorIds.InvalidDockerHost, ErrorCategory.InvalidArgument,
                $"The Docker endpoint '{text}' is not valid: {why}.", text);
    }
}

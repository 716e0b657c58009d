using System;
using System.IO;
using System.Runtime.InteropServices;

namespace OsgPilot.Docker
{
    /// <summary>
    /// Finds the engine the way the docker CLI does, in its order: -DockerHost, -Context,
    /// DOCKER_HOST, DOCKER_CONTEXT, the current context of the docker configuration, then
    /// CONTAINER_HOST (Podman's own clients read it; the docker CLI does not), then the platform
    /// default. An address (not a context) uses TLS when DOCKER_TLS_VERIFY is set, with the
    /// certificates in DOCKER_CERT_PATH (default: the docker configuration directory).
    /// </summary>
    internal sealed class EndpointResolver
    {
        private readonly Func<string, string> _environment;
        private readonly bool _windows;

        public EndpointResolver(Func<string, string> environment, bool windows)
        {
            _environment = environment;
            _windows = windows;
        }

        /// <summary>The resolver of this process: its environment and platform.</summary>
        public static EndpointResolver Current { get; } =
            new EndpointResolver(Environment.GetEnvironmentVariable, RuntimeInformation.IsOSPlatform(OSPlatform.Windows));

        private DockerContextStore Store => new DockerContextStore(DockerContextStore.DefaultDirectory(_environment));

        /// <summary>The endpoint for an explicit address or context (either may be null).</summary>
        public DockerEndpoint Resolve(string host, string context)
        {
            if (!string.IsNullOrWhiteSpace(host)) return FromAddress(host.Trim());
            if (!string.IsNullOrWhiteSpace(context)) return FromContext(context.Trim());
            string envHost = _environment("DOCKER_HOST");
            if (!string.IsNullOrWhiteSpace(envHost)) return FromAddress(envHost.Trim());
            string envContext = _environment("DOCKER_CONTEXT");
            if (!string.IsNullOrWhiteSpace(envContext)) return FromContext(envContext.Trim());
            string current = Store.CurrentContext();
            if (current != null) return FromContext(current);
            string podmanHost = _environment("CONTAINER_HOST");
            return !string.IsNullOrWhiteSpace(podmanHost) ? DockerEndpoint.Parse(podmanHost.Trim()) : PlatformDefault();
        }

        private DockerEndpoint FromContext(string name) =>
            name == DockerContextStore.DefaultContext ? DefaultContext() : Store.Endpoint(name);

        /// <summary>The "default" context: DOCKER_HOST when set, else the platform's socket.</summary>
        private DockerEndpoint DefaultContext()
        {
            string envHost = _environment("DOCKER_HOST");
            return !string.IsNullOrWhiteSpace(envHost) ? FromAddress(envHost.Trim()) : PlatformDefault();
        }

        private DockerEndpoint PlatformDefault() => DockerEndpoint.Parse(_windows ? DockerEndpoint.WindowsDefault : DockerEndpoint.UnixDefault);

        private DockerEndpoint FromAddress(string text)
        {
            string verify = _environment("DOCKER_TLS_VERIFY");
            if (string.IsNullOrEmpty(verify) || !text.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase)) return DockerEndpoint.Parse(text);
            string certPath = _environment("DOCKER_CERT_PATH");
            string directory = string.IsNullOrWhiteSpace(certPath) ? DockerContextStore.DefaultDirectory(_environment) : certPath;
            return DockerEndpoint.Parse(text, null, new TlsMaterial(Path.GetFullPath(directory), true, "DOCKER_TLS_VERIFY/DOCKER_CERT_PATH"));
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using OsgPilot.Docker;

namespace OsgPilot.Schedule
{
    /// <summary>
    /// The engine a scheduled run must reach, fixed at registration: what the registering session
    /// would reach (-DockerHost, -Context, DOCKER_HOST, DOCKER_CONTEXT, the current context, CONTAINER_HOST), written
    /// out explicitly, because a scheduler starts its runs with none of that session's environment.
    /// Resolving it here also refuses an address or context every run would refuse.
    /// </summary>
    internal sealed class ScheduledEngine
    {
        private ScheduledEngine(string dockerHost, string context, IDictionary<string, string> environment)
        {
            DockerHost = dockerHost;
            Context = context;
            Environment = environment;
        }

        public string DockerHost { get; }
        public string Context { get; }
        /// <summary>What the run needs to find the engine's TLS material or context store.</summary>
        public IDictionary<string, string> Environment { get; }

        public static ScheduledEngine Choose(string host, string context, EndpointResolver resolver, Func<string, string> environment)
        {
            DockerEndpoint endpoint = resolver.Resolve(host, context);
            if (!string.IsNullOrWhiteSpace(host)) return ByHost(host.Trim(), environment);
            if (endpoint.Context != null) return ByContext(endpoint.Context, environment);
            string envHost = environment("DOCKER_HOST");
            if (!string.IsNullOrWhiteSpace(envHost)) return ByHost(envHost.Trim(), environment);
            // CONTAINER_HOST (Podman's): the address goes into the command, where no unit can lose it.
            if (endpoint.Display != DockerEndpoint.UnixDefault && endpoint.Display != DockerEndpoint.WindowsDefault) return ByHost(endpoint.Display, environment);
            // The platform's default socket: what every run reaches without being told.
            return new ScheduledEngine(null, null, new Dictionary<string, string>());
        }

        private static ScheduledEngine ByHost(string host, Func<string, string> environment)
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            string verify = environment("DOCKER_TLS_VERIFY");
            if (!string.IsNullOrEmpty(verify) && host.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
            {
                string certPath = environment("DOCKER_CERT_PATH");
                env["DOCKER_TLS_VERIFY"] = verify;
                env["DOCKER_CERT_PATH"] = Path.GetFullPath(string.IsNullOrWhiteSpace(certPath) ? DockerContextStore.DefaultDirectory(environment) : certPath);
            }
            return new ScheduledEngine(host, null, env);
        }

        private static ScheduledEngine ByContext(string context, Func<string, string> environment) =>
            new ScheduledEngine(null, context, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["DOCKER_CONFIG"] = Path.GetFullPath(DockerContextStore.DefaultDirectory(environment)),
            });
    }
}

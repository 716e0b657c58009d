using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;
using OsgPilot.Launch;
using OsgPilot.Reconcile;
using ContainerSpec = OsgPilot.Launch.ContainerSpec;

namespace OsgPilot.Docker
{
    /// <summary>The engine seams (EngineSeams.cs), where the gateway has no method of that shape already.</summary>
    internal sealed partial class DockerGateway : IPilotEngine, ISwarmEngine
    {
        public bool IsLocal => Endpoint.IsLocal;

        public string Display => Endpoint.Display;

        public string Context => Endpoint.Context;

        public Task UnpauseAsync(string id, CancellationToken ct) =>
            Call("unpause the container", t => _client.Containers.UnpauseContainerAsync(id, t), ct);

        public async Task<long> RunToCompletionAsync(ContainerSpec spec, TimeSpan timeout, CancellationToken ct) =>
            (await RunHelperAsync(spec, timeout, 0, ct).ConfigureAwait(false)).ExitCode;

        /// <summary>
        /// Creates, starts and waits for a short-lived helper container, and removes it, also after
        /// Ctrl+C; returns its exit code and the last <paramref name="outputLines"/> lines of its output.
        /// </summary>
        public async Task<(long ExitCode, IReadOnlyList<string> Output)> RunHelperAsync(ContainerSpec spec, TimeSpan timeout, int outputLines, CancellationToken ct)
        {
            string id = await CreateAsync(spec, ct).ConfigureAwait(false);
            try
            {
                await StartAsync(id, ct).ConfigureAwait(false);
                long code = await Call("wait for the helper container " + spec.Name, async t =>
                    (await _client.Containers.WaitContainerAsync(id, t).ConfigureAwait(false)).StatusCode, ct, timeout).ConfigureAwait(false);
                var lines = new List<string>();
                if (outputLines > 0)
                {
                    await StreamLogsAsync(id, outputLines.ToString(System.Globalization.CultureInfo.InvariantCulture), null, false, l => { lock (lines) lines.Add(l); }, ct).ConfigureAwait(false);
                }
                return (code, lines);
            }
            finally
            {
                // Not the caller's token: a helper is removed even after Ctrl+C.
                await RemoveAsync(id, true, CancellationToken.None).ConfigureAwait(false);
            }
        }

        Task<(long ExitCode, string Output)> IContainerFiles.ExecAsync(string id, IList<string> command, string user, CancellationToken ct, TimeSpan? timeout) =>
            ExecAsync(id, command, user, ct, timeout);

        Task<IReadOnlyList<string>> IContainerEngine.LastLinesAsync(string id, string token, CancellationToken ct) =>
            PilotLogs.LastLinesAsync(this, id, token, ct);
    }
}

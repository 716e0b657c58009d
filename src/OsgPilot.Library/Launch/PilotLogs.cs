using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;

namespace OsgPilot.Launch
{
    /// <summary>
    /// A pilot's own account of itself: docker logs, and the image's /tmp/startup.log, which keeps the
    /// last lines of a refused start that docker logs can miss. Both work on stopped containers.
    /// </summary>
    internal static class PilotLogs
    {
        public const string StartupLogPath = "/tmp/startup.log";
        private const int StartupLogTailBytes = 64 * 1024;

        public static async Task<IReadOnlyList<string>> StartupLogAsync(DockerGateway docker, string id, CancellationToken ct)
        {
            byte[] tail = await docker.ReadFileTailAsync(id, StartupLogPath, StartupLogTailBytes, ct).ConfigureAwait(false);
            if (tail == null) return new string[0];
            return Encoding.UTF8.GetString(tail).Replace("\r", string.Empty).Split('\n').Where(l => l.Length > 0).ToList();
        }

        public static async Task<IReadOnlyList<string>> DockerLogTailAsync(DockerGateway docker, string id, int lines, CancellationToken ct)
        {
            var result = new List<string>();
            await docker.StreamLogsAsync(id, lines.ToString(CultureInfo.InvariantCulture), null, false, l => { lock (result) result.Add(l); }, ct).ConfigureAwait(false);
            return result;
        }

        /// <summary>The last lines of both logs, merged and redacted (see <see cref="StartupDiagnosis"/>).</summary>
        public static async Task<IReadOnlyList<string>> LastLinesAsync(DockerGateway docker, string id, string token, CancellationToken ct)
        {
            Task<IReadOnlyList<string>> dockerLog = DockerLogTailAsync(docker, id, StartupDiagnosis.LinesShown, ct);
            Task<IReadOnlyList<string>> startupLog = StartupLogAsync(docker, id, ct);
            return StartupDiagnosis.Merge(await dockerLog.ConfigureAwait(false), await startupLog.ConfigureAwait(false), token);
        }
    }
}

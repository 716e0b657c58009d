using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Posix;

namespace OsgPilot.Activity
{
    /// <summary>
    /// Reads what a pilot's startd logged in its current start: StartLog and startd_history in
    /// /pilot/log (HTCondor's LOG), each after its rotated ".old" file. On a local engine the
    /// pilot's host directory is read, with no request. A running pilot on a remote engine is asked
    /// by one exec that prints only the lines activity needs (grep in the container), never the
    /// whole logs; a stopped one can only be read through the archive API, file by file.
    /// </summary>
    internal sealed class PilotLogReader
    {
        public const string LogDirectory = "/pilot/log";
        private static readonly string[] StartLogs = { "StartLog.old", "StartLog" };
        private static readonly string[] Histories = { "startd_history.old", "startd_history" };
        /// <summary>The most of one file the archive path keeps (its end): a runaway log must not fill memory.</summary>
        private const int ArchiveCap = 32 << 20;
        private const string Section = "==> ";

        // The StartLog lines StartLogAnalyzer reads and the history lines StartdHistory reads.
        private static readonly string FilterScript =
            "cd " + LogDirectory + " 2>/dev/null || exit 0\n" +
            "for f in " + string.Join(" ", StartLogs) + "; do [ -f \"$f\" ] && [ ! -h \"$f\" ] || continue; echo \"" + Section + "$f\"; " +
            "grep -E 'Changing (state|activity)|activate_claim|Remote job ID|Starter pid|starter exited|STARTING UP' \"$f\"; done\n" +
            "for f in " + string.Join(" ", Histories) + "; do [ -f \"$f\" ] && [ ! -h \"$f\" ] || continue; echo \"" + Section + "$f\"; " +
            "grep -E '^(" + string.Join("|", StartdHistory.Attributes) + ") = |^[*][*][*]' \"$f\"; done\n" +
            "exit 0\n";

        private readonly DockerGateway _docker;

        public PilotLogReader(DockerGateway docker) => _docker = docker;

        public async Task<PilotRun> ReadAsync(PilotContainer c, CancellationToken ct)
        {
            string shortId = c.Id.Length > 12 ? c.Id.Substring(0, 12) : c.Id;
            string hostDir = c.Label(PilotLabels.PilotDirectory);
            var warnings = new List<string>();
            Dictionary<string, IEnumerable<string>> files;
            if (_docker.Endpoint.IsLocal && hostDir != null && HostDirectory.Supported) files = ReadHost(c.Name, hostDir, warnings);
            // Exec needs a running process; a restarting (crash-looping) pilot is read like a stopped one.
            else if (c.IsUp) files = await ExecAsync(c, ct).ConfigureAwait(false);
            else files = await ArchiveAsync(c, ct).ConfigureAwait(false);
            PilotRun run = Analyze(files, shortId);
            run.Warnings.InsertRange(0, warnings);
            return run;
        }

        /// <summary>The run that the files (by name) describe.</summary>
        internal static PilotRun Analyze(IReadOnlyDictionary<string, IEnumerable<string>> files, string container)
        {
            var analyzer = new StartLogAnalyzer(container);
            foreach (string f in StartLogs)
            {
                if (files.TryGetValue(f, out IEnumerable<string> lines)) analyzer.Read(lines);
            }
            PilotRun run = analyzer.Result();
            var history = new List<PilotJob>();
            foreach (string f in Histories)
            {
                if (files.TryGetValue(f, out IEnumerable<string> lines)) history.AddRange(StartdHistory.Parse(lines, container, run.Warnings));
            }
            StartdHistory.Join(run, history);
            return run;
        }

        /// <summary>Who may own a log the host reads: the pilot user, or root (an admin's docker exec).</summary>
        private static readonly int[] LogOwners = { PilotContainerMapper.PilotUid, 0 };

        /// <summary>
        /// The logs in the pilot's host directory, which the pilot's jobs can write: reached without
        /// following a link, opened without blocking, only regular files of the pilot user, each at most
        /// its last 32 MiB. What is refused is a warning naming it; the rest is read.
        /// </summary>
        private static Dictionary<string, IEnumerable<string>> ReadHost(string pilot, string pilotDirectory, List<string> warnings)
        {
            var files = new Dictionary<string, IEnumerable<string>>(StringComparer.Ordinal);
            try
            {
                using (HostDirectory top = HostDirectory.Open(pilotDirectory))
                using (HostDirectory log = top?.OpenDirectory("log"))
                {
                    if (log == null) return files;
                    foreach (string f in StartLogs.Concat(Histories))
                    {
                        using (Stream stream = log.OpenFile(f, LogOwners, out HostEntry entry, out string refusal))
                        {
                            if (refusal != null) warnings.Add($"The pilot '{pilot}': {refusal}.");
                            if (stream == null) continue;
                            files[f] = BoundedLines.Tail(stream, entry.Size, ArchiveCap, BoundedLines.DefaultMaxLine, out int skipped);
                            if (skipped > 0) warnings.Add($"The pilot '{pilot}': {skipped} line(s) of {log.Path}/{f} longer than {BoundedLines.DefaultMaxLine / 1024} KiB were skipped.");
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new OsgPilotException(ErrorIds.ActivityReadFailed, ErrorCategory.ReadError,
                    $"Cannot read the logs of the pilot '{pilot}' in '{pilotDirectory}': {e.Message.TrimEnd('.')}.", pilot);
            }
            return files;
        }

        private async Task<Dictionary<string, IEnumerable<string>>> ExecAsync(PilotContainer c, CancellationToken ct)
        {
            (long code, string output) = await _docker.ExecAsync(c.Id, new[] { "/bin/sh", "-c", FilterScript }, PilotContainerMapper.PilotUser, ct).ConfigureAwait(false);
            if (code != 0)
            {
                throw new OsgPilotException(ErrorIds.ActivityReadFailed, ErrorCategory.ReadError,
                    $"Cannot read the logs of the pilot '{c.Name}': the filter in the container exited with code {code}.", c.Name);
            }
            var files = new Dictionary<string, IEnumerable<string>>(StringComparer.Ordinal);
            List<string> current = null;
            foreach (string line in (output ?? string.Empty).Split('\n'))
            {
                if (line.StartsWith(Section, StringComparison.Ordinal)) files[line.Substring(Section.Length).TrimEnd('\r')] = current = new List<string>();
                else current?.Add(line);
            }
            return files;
        }

        private async Task<Dictionary<string, IEnumerable<string>>> ArchiveAsync(PilotContainer c, CancellationToken ct)
        {
            var files = new Dictionary<string, IEnumerable<string>>(StringComparer.Ordinal);
            foreach (string f in StartLogs.Concat(Histories))
            {
                byte[] content = await _docker.ReadFileTailAsync(c.Id, LogDirectory + "/" + f, ArchiveCap, ct).ConfigureAwait(false);
                if (content != null) files[f] = Encoding.UTF8.GetString(content).Split('\n');
            }
            return files;
        }
    }
}

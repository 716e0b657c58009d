using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Activity;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Launch;

namespace OsgPilot.Metrics
{
    /// <summary>The outcome of the last Sync-OsgPilot of a config on an engine, and when the last good one was.</summary>
    internal sealed class SyncStatus
    {
        public string Config { get; set; }
        public string Engine { get; set; }
        public DateTime LastRun { get; set; }
        public bool Succeeded { get; set; }
        public DateTime? LastSuccess { get; set; }
        /// <summary>The schedule the run came from (Sync-OsgPilot -ScheduleName), or null for a run by hand.</summary>
        public string Schedule { get; set; }
    }

    /// <summary>
    /// Keeps each config's last sync outcome in STATE/sync/ENGINE-KEY/CONFIG.status (one line,
    /// replaced whole), so any later export, by any process, can say whether syncs work and since when.
    /// An outcome is a series only while something still runs the config (<see cref="Live"/>), and
    /// Unregister-OsgPilotSchedule retires the outcomes of its schedule (<see cref="Retire"/>).
    /// </summary>
    internal static class SyncStatusStore
    {
        private static string Dir(string stateDirectory, string engine) => Path.Combine(stateDirectory, "sync", LedgerStore.EngineKey(engine));

        public static SyncStatus Record(string stateDirectory, string engine, string config, bool succeeded, DateTime at, string schedule = null)
        {
            at = DateTimeOffset.FromUnixTimeMilliseconds(new DateTimeOffset(at.ToUniversalTime()).ToUnixTimeMilliseconds()).UtcDateTime; // as the file keeps it
            SyncStatus previous = ReadAll(stateDirectory, engine).FirstOrDefault(s => s.Config == config);
            var status = new SyncStatus
            {
                Config = config,
                Engine = engine,
                LastRun = at,
                Succeeded = succeeded,
                LastSuccess = succeeded ? at : previous?.LastSuccess,
                Schedule = schedule,
            };
            string dir = Dir(stateDirectory, engine);
            try
            {
                Directory.CreateDirectory(dir);
                AtomicFile.Write(Path.Combine(dir, config + ".status"), string.Join("\t", engine, config, Ms(status.LastRun),
                    succeeded ? "1" : "0", status.LastSuccess.HasValue ? Ms(status.LastSuccess.Value) : "-", schedule ?? "-") + "\n");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw Unavailable(dir, e);
            }
            return status;
        }

        public static IReadOnlyList<SyncStatus> ReadAll(string stateDirectory, string engine) =>
            ReadDirectory(Dir(stateDirectory, engine)).Select(f => f.Status).ToList();

        /// <summary>
        /// The outcomes that are still true of something: a config some schedule runs (its failures must
        /// alert even with no pilot left), or one with pilots on the engine. A config synced by hand
        /// whose pilots are gone has no series, so no alert fires on it forever.
        /// </summary>
        public static IReadOnlyList<SyncStatus> Live(IEnumerable<SyncStatus> statuses, IEnumerable<string> pilotNames)
        {
            List<string> names = pilotNames.ToList();
            return statuses.Where(s => s.Schedule != null || names.Any(n => PilotNames.IsInstanceOf(n, s.Config))).ToList();
        }

        /// <summary>Removes the outcomes the schedule <paramref name="schedule"/> recorded, on every engine; returns the files removed (or, with <paramref name="dryRun"/>, that would be).</summary>
        public static IReadOnlyList<string> Retire(string stateDirectory, string schedule, bool dryRun = false)
        {
            string root = Path.Combine(stateDirectory, "sync");
            var retired = new List<string>();
            if (!Directory.Exists(root)) return retired;
            foreach (string dir in Directory.GetDirectories(root).OrderBy(d => d, StringComparer.Ordinal))
            {
                foreach (string file in ReadDirectory(dir).Where(f => f.Status.Schedule == schedule).Select(f => f.File))
                {
                    try
                    {
                        if (!dryRun) File.Delete(file);
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        throw Unavailable(dir, e);
                    }
                    retired.Add(file);
                }
            }
            return retired;
        }

        private static IEnumerable<(string File, SyncStatus Status)> ReadDirectory(string dir)
        {
            if (!Directory.Exists(dir)) yield break;
            foreach (string file in Directory.GetFiles(dir, "*.status").OrderBy(f => f, StringComparer.Ordinal))
            {
                string[] f;
                try
                {
                    f = File.ReadAllText(file).TrimEnd('\n').Split('\t');
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw Unavailable(dir, e);
                }
                if (f.Length < 5 || !long.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out long run)) continue;
                yield return (file, new SyncStatus
                {
                    Engine = f[0],
                    Config = f[1],
                    LastRun = DateTimeOffset.FromUnixTimeMilliseconds(run).UtcDateTime,
                    Succeeded = f[3] == "1",
                    LastSuccess = long.TryParse(f[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out long ok) ? DateTimeOffset.FromUnixTimeMilliseconds(ok).UtcDateTime : (DateTime?)null,
                    // Written before schedules were recorded: by hand, as far as anyone can tell.
                    Schedule = f.Length > 5 && f[5] != "-" ? f[5] : null,
                });
            }
        }

        private static OsgPilotException Unavailable(string dir, Exception e) =>
            new OsgPilotException(ErrorIds.ActivityLedgerUnavailable, ErrorCategory.PermissionDenied,
                $"Cannot keep the sync outcome in '{dir}': {e.Message.TrimEnd('.')}. Give -StateDirectory (or set {StateDirectory.Variable}) a directory this account may write.", dir);

        private static string Ms(DateTime t) => new DateTimeOffset(t.ToUniversalTime()).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Activity;
using OsgPilot.Config;
using OsgPilot.Errors;

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
    }

    /// <summary>
    /// Keeps each config's last sync outcome in STATE/sync/ENGINE-KEY/CONFIG.status (one line,
    /// replaced whole), so any later export, by any process, can say whether syncs work and since when.
    /// </summary>
    internal static class SyncStatusStore
    {
        private static string Dir(string stateDirectory, string engine) => Path.Combine(stateDirectory, "sync", LedgerStore.EngineKey(engine));

        public static SyncStatus Record(string stateDirectory, string engine, string config, bool succeeded, DateTime at)
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
            };
            string dir = Dir(stateDirectory, engine);
            try
            {
                Directory.CreateDirectory(dir);
                AtomicFile.Write(Path.Combine(dir, config + ".status"), string.Join("\t", engine, config, Ms(status.LastRun),
                    succeeded ? "1" : "0", status.LastSuccess.HasValue ? Ms(status.LastSuccess.Value) : "-") + "\n");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw Unavailable(dir, e);
            }
            return status;
        }

        public static IReadOnlyList<SyncStatus> ReadAll(string stateDirectory, string engine)
        {
            string dir = Dir(stateDirectory, engine);
            var all = new List<SyncStatus>();
            if (!Directory.Exists(dir)) return all;
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
                all.Add(new SyncStatus
                {
                    Engine = f[0],
                    Config = f[1],
                    LastRun = DateTimeOffset.FromUnixTimeMilliseconds(run).UtcDateTime,
                    Succeeded = f[3] == "1",
                    LastSuccess = long.TryParse(f[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out long ok) ? DateTimeOffset.FromUnixTimeMilliseconds(ok).UtcDateTime : (DateTime?)null,
                });
            }
            return all;
        }

        private static OsgPilotException Unavailable(string dir, Exception e) =>
            new OsgPilotException(ErrorIds.ActivityLedgerUnavailable, ErrorCategory.PermissionDenied,
                $"Cannot keep the sync outcome in '{dir}': {e.Message.TrimEnd('.')}. Give -StateDirectory (or set {StateDirectory.Variable}) a directory this account may write.", dir);

        private static string Ms(DateTime t) => new DateTimeOffset(t.ToUniversalTime()).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Errors;

namespace OsgPilot.Activity
{
    /// <summary>
    /// The ledgers of one engine's pilots: STATE/activity/ENGINE-KEY/PILOT.ledger. A change holds
    /// PILOT.lock (an exclusive open the operating system drops with the process) while it reads,
    /// merges and replaces the file, so two processes harvesting the same pilot both count; readers
    /// need no lock, because the file is only ever replaced whole.
    /// </summary>
    internal sealed class LedgerStore
    {
        private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);
        private const string Extension = ".ledger";

        public LedgerStore(string stateDirectory, string engine)
        {
            Directory = Path.Combine(stateDirectory, "activity", EngineKey(engine));
        }

        public string Directory { get; }

        public string PathFor(string pilot) => Path.Combine(Directory, pilot + Extension);

        /// <summary>The pilot's ledger (empty when it has none yet).</summary>
        public ActivityLedger Read(string pilot)
        {
            try
            {
                string path = PathFor(pilot);
                return File.Exists(path) ? ActivityLedger.Parse(File.ReadAllText(path)) : new ActivityLedger();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw Unavailable(e);
            }
        }

        /// <summary>Reads, changes, prunes and replaces the pilot's ledger under its lock.</summary>
        public async Task UpdateAsync(string pilot, Action<ActivityLedger> change, DateTime now, CancellationToken ct)
        {
            using (await LockAsync(pilot, ct).ConfigureAwait(false))
            {
                ActivityLedger ledger = Read(pilot);
                string before = File.Exists(PathFor(pilot)) ? ledger.Serialize() : null;
                change(ledger);
                ledger.Prune(now);
                string after = ledger.Serialize();
                if (after == before) return; // a run with nothing new writes nothing
                try
                {
                    AtomicFile.Write(PathFor(pilot), after);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw Unavailable(e);
                }
            }
        }

        /// <summary>The pilots that have a ledger here.</summary>
        public IReadOnlyList<string> Pilots()
        {
            if (!System.IO.Directory.Exists(Directory)) return new string[0];
            return System.IO.Directory.GetFiles(Directory, "*" + Extension).Select(Path.GetFileNameWithoutExtension).OrderBy(n => n, StringComparer.Ordinal).ToList();
        }

        /// <summary>
        /// Removes the ledgers (and lock files) among <paramref name="candidates"/> of pilots that are
        /// gone and whose ledger nobody wrote for the retention time: nothing piles up.
        /// </summary>
        public void ForgetGone(IEnumerable<string> existing, Func<string, bool> candidates, DateTime now)
        {
            var keep = new HashSet<string>(existing, StringComparer.Ordinal);
            foreach (string pilot in Pilots().Where(p => !keep.Contains(p) && candidates(p)))
            {
                string path = PathFor(pilot);
                if (File.GetLastWriteTimeUtc(path) > now - ActivityLedger.Retention) continue;
                TryDelete(path);
                TryDelete(Path.Combine(Directory, pilot + ".lock"));
            }
        }

        private async Task<IDisposable> LockAsync(string pilot, CancellationToken ct)
        {
            string path = Path.Combine(Directory, pilot + ".lock");
            DateTime deadline = DateTime.UtcNow + LockTimeout;
            try
            {
                System.IO.Directory.CreateDirectory(Directory);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw Unavailable(e);
            }
            while (true)
            {
                try
                {
                    return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                }
                catch (UnauthorizedAccessException e)
                {
                    throw Unavailable(e);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100, ct).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    throw new OsgPilotException(ErrorIds.ActivityLedgerBusy, ErrorCategory.ResourceBusy,
                        $"Another OsgPilot process held the activity ledger of '{pilot}' for {LockTimeout.TotalSeconds:0} s (lock file {path}).", pilot);
                }
            }
        }

        private OsgPilotException Unavailable(Exception e) =>
            new OsgPilotException(ErrorIds.ActivityLedgerUnavailable, ErrorCategory.PermissionDenied,
                $"Cannot use the activity ledgers in '{Directory}': {e.Message.TrimEnd('.')}. Give -StateDirectory (or set {StateDirectory.Variable}) a directory this account may write.", Directory);

        /// <summary>A file name for an engine address: readable, and unique by its hash.</summary>
        internal static string EngineKey(string engine)
        {
            var readable = new StringBuilder();
            foreach (char c in engine) readable.Append(char.IsLetterOrDigit(c) || c == '.' || c == '-' ? c : '_');
            string text = readable.ToString().Trim('_');
            if (text.Length > 48) text = text.Substring(text.Length - 48);
            using (SHA256 sha = SHA256.Create())
            {
                byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(engine));
                return text + "-" + string.Concat(digest.Take(4).Select(b => b.ToString("x2")));
            }
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Errors;
using OsgPilot.Posix;
using OsgPilot.Threading;

namespace OsgPilot.Launch
{
    /// <summary>
    /// One run per engine and config at a time on this machine (Start-OsgPilot, Sync-OsgPilot and
    /// Set-OsgPilotService share it), so two runs firing together (two schedulers, a person and a
    /// timer) cannot both create, drain or make directories. An exclusive open of a lock file in
    /// <see cref="RuntimeDirectory"/>: the operating system releases it when the process ends,
    /// however it ends, and the holder removes the file when it releases it.
    /// </summary>
    internal sealed class ConfigRunLock : IDisposable
    {
        /// <summary>Overrides where lock files live (a directory; made when missing).</summary>
        internal const string RuntimeDirectoryVariable = "OSGPILOT_RUNTIME_DIR";

        private readonly FileStream _file;
        private readonly string _path;

        private ConfigRunLock(FileStream file, string path)
        {
            _file = file;
            _path = path;
        }

        public static Task<ConfigRunLock> AcquireAsync(string engine, string configName, TimeSpan timeout, IPipelineHost host, CancellationToken ct) =>
            AcquireAsync(PathFor(engine, configName), engine, configName, timeout, host, ct);

        /// <summary>The lock at <paramref name="path"/> (tests choose their own directory).</summary>
        internal static async Task<ConfigRunLock> AcquireAsync(string path, string engine, string configName, TimeSpan timeout, IPipelineHost host, CancellationToken ct)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            bool told = false;
            while (true)
            {
                try
                {
                    var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    // The previous holder may have removed the file between our open and our lock:
                    // then we hold a file nobody else can find, and must lock the one now at the path.
                    if (!StillLinked(file))
                    {
                        file.Dispose();
                        continue;
                    }
                    return new ConfigRunLock(file, path);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    if (!told) host.Verbose($"Another OsgPilot run (Start, Sync or Set-OsgPilotService) of '{configName}' on this engine holds its lock; waiting up to {timeout.TotalSeconds:0} s.");
                    told = true;
                    await Task.Delay(200, ct);
                }
                catch (IOException)
                {
                    throw new OsgPilotException(ErrorIds.ConfigRunInProgress, ErrorCategory.ResourceBusy,
                        $"Another OsgPilot run (Start, Sync or Set-OsgPilotService) of '{configName}' on {engine} still held its lock after {timeout.TotalSeconds:0} s (lock file {path}); nothing was changed.", configName);
                }
                catch (UnauthorizedAccessException e)
                {
                    throw Unavailable(path, e);
                }
            }
        }

        /// <summary>
        /// Where lock files live: $OSGPILOT_RUNTIME_DIR; else /run/osgpilot for root (a tmpfs, empty
        /// after a reboot), $XDG_RUNTIME_DIR/osgpilot for other accounts; else the temp directory's
        /// osgpilot folder. One place, so a site can see and clean them.
        /// </summary>
        internal static string RuntimeDirectory()
        {
            string dir = Environment.GetEnvironmentVariable(RuntimeDirectoryVariable);
            if (string.IsNullOrEmpty(dir))
            {
                string xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) dir = Path.Combine(Path.GetTempPath(), "osgpilot");
                else if (Account.IsRoot() && Directory.Exists("/run")) dir = "/run/osgpilot";
                else if (!string.IsNullOrEmpty(xdg) && Directory.Exists(xdg)) dir = Path.Combine(xdg, "osgpilot");
                else dir = Path.Combine(Path.GetTempPath(), "osgpilot-" + Environment.UserName);
            }
            try
            {
                Directory.CreateDirectory(dir);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw Unavailable(dir, e);
            }
            return dir;
        }

        private static OsgPilotException Unavailable(string path, Exception e) =>
            new OsgPilotException(ErrorIds.RunLockUnavailable, ErrorCategory.PermissionDenied,
                $"Cannot use the run lock '{path}': {e.Message.TrimEnd('.')}. Set {RuntimeDirectoryVariable} to a directory this account may write.", path);

        internal static string PathFor(string engine, string configName)
        {
            using (SHA256 sha = SHA256.Create())
            {
                byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(engine + "\n" + configName));
                return Path.Combine(RuntimeDirectory(), "run-" + string.Concat(digest.Take(8).Select(b => b.ToString("x2"))) + ".lock");
            }
        }

        public void Dispose()
        {
            // Remove before unlocking: a waiter that opened this file then finds it unlinked and retries.
            if (CanCheckLinks) TryDelete(_path);
            _file.Dispose();
        }

        /// <summary>Removing a held lock file is only safe where a waiter can tell it was removed (Linux's /proc).</summary>
        private static bool CanCheckLinks => RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && Directory.Exists("/proc/self/fd");

        internal static bool StillLinked(FileStream file)
        {
            if (!CanCheckLinks) return true;
            string target = LinkTarget.Of("/proc/self/fd/" + file.SafeFileHandle.DangerousGetHandle().ToInt64());
            return target == null || !target.EndsWith(" (deleted)", StringComparison.Ordinal);
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}

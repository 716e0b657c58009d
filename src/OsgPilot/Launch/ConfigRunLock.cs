using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Errors;
using OsgPilot.Threading;

namespace OsgPilot.Launch
{
    /// <summary>
    /// One run per engine and config at a time on this machine (Start-OsgPilot, Sync-OsgPilot and
    /// Set-OsgPilotService share it), so two runs firing together (two schedulers, a person and a
    /// timer) cannot both create, drain or make directories. An exclusive open of a lock file: the operating system releases it when the
    /// process ends, however it ends.
    /// </summary>
    internal sealed class ConfigRunLock : IDisposable
    {
        private readonly FileStream _file;

        private ConfigRunLock(FileStream file) => _file = file;

        public static async Task<ConfigRunLock> AcquireAsync(string engine, string configName, TimeSpan timeout, IPipelineHost host, CancellationToken ct)
        {
            string path = PathFor(engine, configName);
            DateTime deadline = DateTime.UtcNow + timeout;
            bool told = false;
            while (true)
            {
                try
                {
                    return new ConfigRunLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
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
            }
        }

        internal static string PathFor(string engine, string configName)
        {
            using (SHA256 sha = SHA256.Create())
            {
                byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(engine + "\n" + configName));
                return Path.Combine(Path.GetTempPath(), "osgpilot-run-" + string.Concat(digest.Take(8).Select(b => b.ToString("x2"))) + ".lock");
            }
        }

        public void Dispose() => _file.Dispose();
    }
}

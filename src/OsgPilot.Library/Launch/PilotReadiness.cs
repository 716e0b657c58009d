using System;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;

namespace OsgPilot.Launch
{
    /// <summary>
    /// Readiness the image's own way: /usr/local/sbin/startd_addr.sh waits for the MasterLog, the
    /// StartLog and condor_who, then prints the startd address. There is no HEALTHCHECK to ask instead.
    /// </summary>
    internal static class PilotReadiness
    {
        /// <summary>HTCondor's sinful string, "&lt;host:port?params&gt;", from the script's output; null for anything else.</summary>
        internal static string AddressIn(string output)
        {
            string a = output?.Trim();
            if (string.IsNullOrEmpty(a) || a.Length > MaxAddressLength || a[0] != '<' || a[a.Length - 1] != '>') return null;
            foreach (char c in a)
            {
                if (char.IsControl(c) || char.IsWhiteSpace(c)) return null;
            }
            return a;
        }

        public const string Script = "/usr/local/sbin/startd_addr.sh";
        /// <summary>An address is a short sinful string; the script prints a file of /pilot, which jobs can write.</summary>
        private const int MaxAddressLength = 1024;

        /// <summary>The startd address, or null when the pilot is not ready within <paramref name="timeout"/>.</summary>
        public static async Task<string> StartdAddressAsync(DockerGateway docker, string id, TimeSpan timeout, CancellationToken ct)
        {
            using (var budget = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                budget.CancelAfter(timeout);
                try
                {
                    // The script may wait for minutes by design: our budget, not the engine-call bound, ends it.
                    (long exitCode, string output) = await docker.ExecAsync(id, new[] { Script }, PilotContainerMapper.PilotUser, budget.Token, Timeout.InfiniteTimeSpan, MaxAddressLength * 4).ConfigureAwait(false);
                    return exitCode == 0 ? AddressIn(output) : null;
                }
                catch (OperationCanceledException) when (budget.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    return null;
                }
                catch (OsgPilotException e) when (e.ErrorId == ErrorIds.DockerApiError)
                {
                    // The container stopped (exec refused): not ready; the caller looks at why.
                    return null;
                }
            }
        }
    }
}

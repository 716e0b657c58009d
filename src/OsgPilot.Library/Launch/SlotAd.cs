using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;

namespace OsgPilot.Launch
{
    /// <summary>
    /// What the pilot's startd advertises about itself, read inside the pilot the way the image's own
    /// CI reads it: as the pilot user, `env _CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=FS condor_status
    /// -slot -direct ADDR -af ...`. Each value is null when the ad lacks it or it could not be read.
    /// </summary>
    internal sealed class SlotAd
    {
        /// <summary>The attributes asked for, in order; the one string (warnings, which may hold spaces) last.</summary>
        internal static readonly string[] Attributes = { "HAS_SINGULARITY", "OSG_NODE_VALIDATED", "SINGULARITY_DISK_IS_FULL", "OSG_NODE_WARNINGS" };
        /// <summary>A slot ad line is short; what a job could make condor_status print beyond this is not read.</summary>
        private const int MaxOutputBytes = 64 * 1024;
        private const int MaxWarningsLength = 1024;

        /// <summary>HAS_SINGULARITY: Apptainer works in the pilot, so the pool can send it container jobs.</summary>
        public bool? ContainerJobs { get; private set; }
        /// <summary>OSG_NODE_VALIDATED: the pilot's checks passed and it lets jobs in.</summary>
        public bool? Validated { get; private set; }
        /// <summary>SINGULARITY_DISK_IS_FULL: under 5 GB free where Apptainer keeps its cache.</summary>
        public bool? DiskIsFull { get; private set; }
        /// <summary>OSG_NODE_WARNINGS: what the pilot's checks found wrong.</summary>
        public string NodeWarnings { get; private set; }

        // One exec for both answers: the address startd_addr.sh prints (its first line), then the ad of that startd.
        private static readonly string Script =
            "a=$(" + PilotReadiness.Script + ") || exit 3\n" +
            "printf '%s\\n' \"$a\"\n" +
            "exec env _CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=FS condor_status -slot -direct \"$a\" -af " + string.Join(" ", Attributes) + "\n";

        /// <summary>
        /// Whether the pilot is ready (its startd address, or null) and its slot ad (null when unknown), in
        /// one exec as the pilot user, bounded by <paramref name="budget"/>: a startd that is not ready makes
        /// startd_addr.sh wait for minutes, by design.
        /// </summary>
        public static async Task<(string Address, SlotAd Ad)> ReadWithAddressAsync(DockerGateway docker, string id, TimeSpan budget, CancellationToken ct)
        {
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                limit.CancelAfter(budget);
                try
                {
                    (long code, string output) = await docker.ExecAsync(id, new[] { "/bin/sh", "-c", Script }, PilotContainerMapper.PilotUser, limit.Token, Timeout.InfiniteTimeSpan, MaxOutputBytes).ConfigureAwait(false);
                    int newline = (output ?? string.Empty).IndexOf('\n');
                    string address = PilotReadiness.AddressIn(newline < 0 ? output : output.Substring(0, newline));
                    SlotAd ad = address != null && code == 0 && newline >= 0 ? Parse(output.Substring(newline + 1)) : null;
                    return (address, ad);
                }
                catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    return (null, null);
                }
                catch (OsgPilotException e) when (e.ErrorId == ErrorIds.DockerApiError)
                {
                    // Stopped meanwhile (exec refused): not ready; the caller looks at why.
                    return (null, null);
                }
            }
        }

        /// <summary>Reads `-af` output (the first slot's line); never throws on what the pilot printed.</summary>
        internal static SlotAd Parse(string output)
        {
            if (string.IsNullOrEmpty(output)) return null;
            string line = null;
            foreach (string l in output.Split('\n'))
            {
                if (l.Trim().Length > 0) { line = l.Trim(); break; }
            }
            if (line == null) return null;
            string[] parts = line.Split(new[] { ' ' }, Attributes.Length);
            if (parts.Length < Attributes.Length - 1) return null;
            string warnings = parts.Length == Attributes.Length ? Clean(parts[3]) : null;
            return new SlotAd
            {
                ContainerJobs = Bool(parts[0]),
                Validated = Bool(parts[1]),
                DiskIsFull = Bool(parts[2]),
                NodeWarnings = warnings == "undefined" || warnings == string.Empty ? null : warnings,
            };
        }

        private static bool? Bool(string value)
        {
            if (string.Equals(value, "true", StringComparison.OrdinalIgnoreCase)) return true;
            if (string.Equals(value, "false", StringComparison.OrdinalIgnoreCase)) return false;
            return null;
        }

        /// <summary>Printable text only, bounded: the value is the pilot's word, shown to people and in JSON.</summary>
        private static string Clean(string value)
        {
            var b = new System.Text.StringBuilder();
            foreach (char c in value)
            {
                if (b.Length >= MaxWarningsLength) break;
                if (!char.IsControl(c) && !char.IsSurrogate(c)) b.Append(c);
            }
            return b.ToString().Trim();
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Reconcile;

namespace OsgPilot.Launch
{
    /// <summary>A started pilot that did not stay up, with its own last words.</summary>
    internal sealed class StartupFailure
    {
        public StartedPilot Pilot { get; set; }
        public long ExitCode { get; set; }
        public IReadOnlyList<string> Lines { get; set; }
        public string Fix { get; set; }
    }

    /// <summary>
    /// A start is not a success until the pilot's start-up has passed its checks: the real image
    /// refuses a bad token, a read-only /pilot or a missing variable within seconds, and a restart
    /// policy then hides it in a crash loop. This watches the engine's exit events for a window.
    /// </summary>
    internal static class StartupWatch
    {
        public static async Task<IReadOnlyList<StartupFailure>> WatchAsync(IPilotEngine docker, IReadOnlyList<StartedPilot> started,
            DateTime since, TimeSpan window, string token, CancellationToken ct)
        {
            if (started.Count == 0 || window <= TimeSpan.Zero) return new StartupFailure[0];
            IReadOnlyList<ContainerExit> exits = await docker.WatchExitsAsync(started.Select(p => p.Id), since, window, ct);
            var firstExit = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (ContainerExit e in exits) if (!firstExit.ContainsKey(e.Id)) firstExit[e.Id] = e.ExitCode;
            return await Task.WhenAll(started.Where(p => firstExit.ContainsKey(p.Id)).Select(p => ExplainAsync(docker, p, firstExit[p.Id], token, ct)));
        }

        public static async Task<StartupFailure> ExplainAsync(IPilotEngine docker, StartedPilot pilot, long exitCode, string token, CancellationToken ct)
        {
            IReadOnlyList<string> lines = await docker.LastLinesAsync(pilot.Id, token, ct);
            return new StartupFailure { Pilot = pilot, ExitCode = exitCode, Lines = lines, Fix = StartupDiagnosis.Fix(lines) };
        }

        public static OsgPilotException ToError(StartupFailure f, TimeSpan window) =>
            new OsgPilotException(ErrorIds.PilotStartupFailed, ErrorCategory.ResourceUnavailable,
                Describe($"The pilot '{f.Pilot.Spec.Name}' exited (code {f.ExitCode}) within {window.TotalSeconds:0} s of its start, so it was removed.", f),
                f.Pilot.Spec.Name);

        public static OsgPilotException NotReady(StartupFailure f, TimeSpan timeout, bool running, bool removed) =>
            new OsgPilotException(running ? ErrorIds.PilotNotReady : ErrorIds.PilotStartupFailed,
                running ? ErrorCategory.OperationTimeout : ErrorCategory.ResourceUnavailable,
                Describe(running
                    ? $"The pilot '{f.Pilot.Spec.Name}' did not report ready ({PilotReadiness.Script}) within {timeout.TotalSeconds:0} s. It is left running and may still become ready."
                    : $"The pilot '{f.Pilot.Spec.Name}' exited before it was ready" + (removed ? ", so it was removed." : "."), f),
                f.Pilot.Spec.Name);

        private static string Describe(string headline, StartupFailure f)
        {
            var b = new StringBuilder(headline);
            if (f.Lines.Count > 0)
            {
                b.Append(" Its last log lines:");
                foreach (string line in f.Lines) b.Append('\n').Append("  ").Append(line);
            }
            if (f.Fix != null) b.Append('\n').Append("Fix: ").Append(f.Fix);
            return b.ToString();
        }
    }
}

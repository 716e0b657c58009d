using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Launch;

namespace OsgPilot.Cmdlets
{
    /// <summary>Writes a pilot's log lines; -Follow streams until Ctrl+C.</summary>
    [Cmdlet(VerbsCommon.Get, "OsgPilotLog", DefaultParameterSetName = LogSet)]
    [OutputType(typeof(string))]
    public sealed class GetOsgPilotLogCommand : PilotTargetCmdlet
    {
        private const string LogSet = "Log";
        private const string StartupLogSet = "StartupLog";

        /// <summary>Only the last N lines.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int Tail { get; set; } = -1;

        /// <summary>Only lines logged at or after this time.</summary>
        [Parameter(ParameterSetName = LogSet)]
        public DateTime Since { get; set; }

        /// <summary>Keep streaming new lines until Ctrl+C.</summary>
        [Parameter(ParameterSetName = LogSet)]
        public SwitchParameter Follow { get; set; }

        /// <summary>Read the image's own /tmp/startup.log instead: it keeps the last lines of a refused start that docker logs can miss.</summary>
        [Parameter(Mandatory = true, ParameterSetName = StartupLogSet)]
        public SwitchParameter StartupLog { get; set; }

        internal override async Task ActAsync(DockerGateway docker, IReadOnlyList<PilotContainer> pilots)
        {
            bool prefix = pilots.Count > 1;
            if (StartupLog.IsPresent)
            {
                IReadOnlyList<string>[] logs = await Task.WhenAll(pilots.Select(p => PilotLogs.StartupLogAsync(docker, p.Id, CancelToken)));
                for (int i = 0; i < pilots.Count; i++)
                {
                    IEnumerable<string> lines = Tail >= 0 ? logs[i].Skip(Math.Max(0, logs[i].Count - Tail)) : logs[i];
                    foreach (string line in lines) WriteObject(prefix ? $"[{pilots[i].Name}] {line}" : line);
                }
                return;
            }
            string tail = Tail >= 0 ? Tail.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            DateTime? since = MyInvocation.BoundParameters.ContainsKey(nameof(Since)) ? Since : (DateTime?)null;
            SynchronizationContext pipeline = SynchronizationContext.Current;
            // Several pilots stream side by side; lines are handed to the pipeline thread as they come.
            IEnumerable<Task> streams = pilots.Select(p => docker.StreamLogsAsync(p.Id, tail, since, Follow.IsPresent,
                line => pipeline.Post(_ => WriteObject(prefix ? $"[{p.Name}] {line}" : line), null), CancelToken));
            await Task.WhenAll(streams);
        }
    }
}

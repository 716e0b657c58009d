using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;

namespace OsgPilot.Cmdlets
{
    /// <summary>Writes a pilot's log lines; -Follow streams until Ctrl+C.</summary>
    [Cmdlet(VerbsCommon.Get, "OsgPilotLog")]
    [OutputType(typeof(string))]
    public sealed class GetOsgPilotLogCommand : PilotTargetCmdlet
    {
        /// <summary>Only the last N lines.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int Tail { get; set; } = -1;

        /// <summary>Only lines logged at or after this time.</summary>
        [Parameter]
        public DateTime Since { get; set; }

        /// <summary>Keep streaming new lines until Ctrl+C.</summary>
        [Parameter]
        public SwitchParameter Follow { get; set; }

        internal override async Task ActAsync(DockerGateway docker, IReadOnlyList<PilotContainer> pilots)
        {
            bool prefix = pilots.Count > 1;
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

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Launch;
using OsgPilot.Activity;
using OsgPilot.Docker;
using OsgPilot.Reconcile;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// What pilots did: jobs started and finished (and how), busy time and core-hours, slots busy
    /// now, the last job's start, and whether each takes jobs now; read from the pilots' own HTCondor
    /// logs and the ledger that keeps them across restarts. Reads only: nothing is changed.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "OsgPilotActivity")]
    [OutputType(typeof(OsgPilotActivity))]
    public sealed class GetOsgPilotActivityCommand : DockerCmdlet
    {
        private readonly List<string> _names = new List<string>();
        private readonly Dictionary<string, EngineTarget> _targets = new Dictionary<string, EngineTarget>(StringComparer.Ordinal);
        private readonly List<OsgPilotActivity> _all = new List<OsgPilotActivity>();

        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PilotNameCompleter))]
        public string[] Name { get; set; }

        /// <summary>The start of the window (default: 24 hours ago). Jobs older than the ledger's 35 days are only in the totals of Export-OsgPilotMetrics.</summary>
        [Parameter]
        public DateTime Since { get; set; } = DateTime.Now.AddDays(-1);

        /// <summary>One object: the sum over every pilot asked about, on every engine.</summary>
        [Parameter]
        public SwitchParameter Total { get; set; }

        /// <summary>Where the activity ledgers are (default: $OSGPILOT_STATE_DIR, else /var/lib/osgpilot for root, ~/.local/state/osgpilot otherwise).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string StateDirectory { get; set; }

        protected override void ProcessRecord()
        {
            if (Name != null) _names.AddRange(Name);
            foreach (EngineTarget t in Targets()) _targets[t.Key] = t;
        }

        protected override void EndProcessing()
        {
            var selection = new PilotSelection(_names);
            var unmatched = new UnmatchedNames();
            string state = StatePath(StateDirectory);
            DateTime asOf = DateTime.UtcNow;
            DateTime since = Since.ToUniversalTime();
            RunOnEngines(_targets.Count > 0 ? _targets.Values.ToList() : Targets(), async (target, docker) =>
            {
                IReadOnlyList<PilotContainer> pilots = await docker.ListPilotsAsync(true, CancelToken);
                IReadOnlyList<PilotContainer> chosen = ActivityCollector.OnePerPilot(pilots.Where(p => selection.Matches(PilotNames.BaseName(p.Name))));
                var collector = new ActivityCollector(docker, state);
                var states = new List<PilotActivityState>(await collector.CollectAsync(chosen, false, CancelToken));
                states.AddRange(collector.Gone(pilots.Select(p => PilotNames.BaseName(p.Name)), selection.Matches));
                foreach (PilotActivityState s in states.OrderBy(s => s.Name, StringComparer.Ordinal))
                {
                    foreach (string w in s.Warnings) WriteWarning(w);
                    if (s.Error != null) WriteFailure(s.Error);
                    OsgPilotActivity a = ActivityReport.For(s, docker.Endpoint, since, asOf);
                    lock (_all) _all.Add(a);
                    if (!Total.IsPresent) WriteObject(a);
                }
                unmatched.Add(docker.Endpoint.ToString(), selection.UnmatchedLiterals(new string[0]), selection.UnmatchedLiterals(states.Select(s => s.Name)));
            });
            foreach (string missing in unmatched.Missing) WriteFailure(PilotSelection.NotFound(missing, true, unmatched.Engines));
            if (Total.IsPresent) WriteObject(ActivitySummary.Total(_all, since, asOf));
        }
    }
}

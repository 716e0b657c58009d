using System;
using System.Collections.Generic;
using System.Management.Automation;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Sync;
using OsgPilot.Threading;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Keeps a host right: the image fresh, Count pilots on it, older pilots drained and replaced a
    /// few at a time. Safe to run every few minutes, and from several schedulers at once.
    /// </summary>
    [Cmdlet(VerbsData.Sync, "OsgPilot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OsgPilotSyncResult))]
    public sealed class SyncOsgPilotCommand : DockerCmdlet, ISyncHost
    {
        private PullProgressView _pull;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public OsgPilotConfig Config { get; set; }

        /// <summary>How many pilots the host runs from this config.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int Count { get; set; } = 1;

        /// <summary>Pull the image when it is missing or was built longer ago than this (OSG asks for 72 hours at most).</summary>
        [Parameter]
        [ValidateRange(0, 10000)]
        public int MaxImageAgeHours { get; set; } = 72;

        /// <summary>At most this many pilots drain at once for a roll-out (default: a quarter of -Count, at least 1).</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int MaxDraining { get; set; }

        /// <summary>Replace pilots on an older image or config at once, without draining (their jobs are stopped).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Seconds to watch each pilot this run started (as Start-OsgPilot -WatchSeconds).</summary>
        [Parameter]
        [ValidateRange(0, 600)]
        public int WatchSeconds { get; set; } = 5;

        /// <summary>How long to wait for another sync of the same config on the same engine to finish.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int LockTimeoutSec { get; set; } = 300;

        protected override void ProcessRecord()
        {
            OsgPilotConfig config = Config;
            RunOnEngines(Targets(), async (target, docker) =>
            {
                var options = new SyncOptions
                {
                    Count = Count,
                    MaxImageAge = TimeSpan.FromHours(MaxImageAgeHours),
                    MaxDraining = MyInvocation.BoundParameters.ContainsKey(nameof(MaxDraining)) ? MaxDraining : SyncPlanner.DefaultMaxDraining(Count),
                    Force = Force.IsPresent,
                    Watch = TimeSpan.FromSeconds(WatchSeconds),
                };
                IReadOnlyList<OsgPilotSyncResult> results;
                bool whatIf = WhatIfRequested();
                // -WhatIf changes nothing, so it needs no lock and never waits for one; its "What if"
                // lines are its whole output.
                using (whatIf ? null : await ConfigRunLock.AcquireAsync(docker.Endpoint.Display, config.Name, TimeSpan.FromSeconds(LockTimeoutSec), WriteVerbose, CancelToken))
                {
                    results = await new PilotSynchronizer(docker, this).RunAsync(config, options, CancelToken);
                }
                if (!whatIf) foreach (OsgPilotSyncResult r in results) WriteObject(r);
            });
        }

        bool ISyncHost.ShouldProcess(string target, string action) => ShouldProcess(target, action);

        void ISyncHost.Verbose(string text) => WriteVerbose(text);

        void ISyncHost.Warning(string text) => WriteWarning(text);

        void ISyncHost.Failure(OsgPilotException e) => WriteFailure(e);

        IProgress<PullProgress> ISyncHost.PullProgress(string image)
        {
            _pull = new PullProgressView(this, image);
            return new PipelineProgress<PullProgress>(_pull.Report);
        }

        void ISyncHost.PullDone() => _pull?.Complete();
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using OsgPilot.Threading;
using OsgPilot.Activity;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Reconcile;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Stops pilots gracefully (SIGTERM, then SIGKILL after -Timeout seconds), all at once; or, with
    /// -Drain, tells them to finish their jobs, accept no new ones and exit.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "OsgPilot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = StopSet)]
    [OutputType(typeof(Pilot))]
    public sealed class StopOsgPilotCommand : PilotTargetCmdlet
    {
        private const string StopSet = "Stop";
        private const string DrainSet = "Drain";

        /// <summary>Seconds between SIGTERM and SIGKILL (OSG's launcher uses 120); the image ends its jobs about 10 s after SIGTERM whatever this says: use -Drain to let them finish.</summary>
        [Parameter(ParameterSetName = StopSet)]
        [ValidateRange(0, 3600)]
        public int Timeout { get; set; } = 120;

        /// <summary>Create stop-glidein.stamp in the pilot: it finishes running jobs, accepts no new ones, then exits.</summary>
        [Parameter(Mandatory = true, ParameterSetName = DrainSet)]
        public SwitchParameter Drain { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Where the activity ledgers are kept (see Get-OsgPilotActivity).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string StateDirectory { get; set; }

        private const int ProgressId = 200;
        /// <summary>The stops the engines were asked for and have not finished (several engines may be at it at once).</summary>
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _inFlight = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();

        internal override async Task ActAsync(DockerGateway docker, IReadOnlyList<PilotContainer> pilots)
        {
            string action = Drain.IsPresent
                ? "Drain pilot (finish running jobs, accept no new ones, then exit)"
                : $"Stop pilot (SIGTERM, SIGKILL after {Timeout} s; its running jobs end with it: -Drain lets them finish)";
            IReadOnlyList<PilotContainer> running = pilots.Where(p => p.IsRunning).ToList();
            if (Drain.IsPresent) running = await NotYetDrainingAsync(docker, running);
            List<PilotContainer> toStop = running.Where(p => ShouldProcess(p.Name, action)).ToList();
            // Concurrent: N pilots take one grace period, not N.
            string[] asked = toStop.Select(p => $"{p.Name} on {docker.Endpoint}").ToArray();
            foreach (string a in asked) _inFlight[a] = true;
            var policyKept = new System.Collections.Concurrent.ConcurrentBag<string>();
            Task<OsgPilotException>[] stops = toStop.Select(async p =>
            {
                try
                {
                    if (!Drain.IsPresent) await docker.StopAsync(p.Id, Timeout, CancelToken);
                    else if (!await PilotDrain.RequestAsync(docker, p, CancelToken)) policyKept.Add(p.Name);
                    return null;
                }
                catch (OsgPilotException e) when (!e.EndsTheRun)
                {
                    return e;
                }
            }).ToArray();
            await ReportProgressUntilAsync(Task.WhenAll(stops), toStop.Count);
            foreach (string a in asked) _inFlight.TryRemove(a, out _);
            OsgPilotException[] failed = await Task.WhenAll(stops);
            foreach (OsgPilotException e in failed.Where(e => e != null)) WriteFailure(e);
            if (!policyKept.IsEmpty) await WarnOfRestartsAsync(docker, toStop.Where(p => policyKept.Contains(p.Name)).ToList());
            if (!Drain.IsPresent) await HarvestAsync(docker, toStop.Where((p, i) => failed[i] == null).Select(p => p.Stopped()).ToList());

            if (!PassThru.IsPresent || pilots.Count == 0) return;
            var names = new HashSet<string>(pilots.Select(p => p.Name));
            EngineVersion engine = await docker.GetEngineAsync(CancelToken);
            foreach (PilotContainer c in (await docker.ListPilotsAsync(true, CancelToken)).Where(c => names.Contains(c.Name)).OrderBy(c => c.Name, System.StringComparer.Ordinal))
            {
                WriteObject(PilotFactory.From(c, docker.Endpoint, engine, toStop.Any(s => s.Id == c.Id)));
            }
        }
    
        /// <summary>
        /// On an engine that keeps restart policies fixed (Podman before 5.1), the drained pilots whose
        /// policy restarts a pilot that exited 0 (Always, UnlessStopped) will be started again, drained.
        /// </summary>
        private async Task WarnOfRestartsAsync(DockerGateway docker, IReadOnlyList<PilotContainer> drained)
        {
            ContainerRunState[] states = await Task.WhenAll(drained.Select(p => docker.InspectStateAsync(p.Id, CancelToken)));
            string[] restarting = drained.Where((p, i) => states[i].RestartPolicy == PilotRestartPolicy.Always || states[i].RestartPolicy == PilotRestartPolicy.UnlessStopped)
                .Select(p => p.Name).OrderBy(n => n, System.StringComparer.Ordinal).ToArray();
            if (restarting.Length == 0) return;
            EngineVersion engine = await docker.GetEngineAsync(CancelToken);
            WriteWarning($"{engine.Display} at {docker.Endpoint} cannot change a restart policy: once {string.Join(", ", restarting)} " +
                "finished its jobs and exited, the engine starts it again, still drained, so it takes no jobs; the next Start-OsgPilot or Sync-OsgPilot replaces it.");
        }

        /// <summary>Stopped pilots' logs say how their jobs ended, and their next start wipes them: keep their activity now.</summary>
        private async Task HarvestAsync(DockerGateway docker, IReadOnlyList<PilotContainer> stopped)
        {
            if (stopped.Count == 0) return;
            var collector = new ActivityCollector(docker, StatePath(StateDirectory));
            // What a harvest left out of a pilot's logs (a link, a FIFO) is said from whatever thread it ends on.
            IPipelineHost host = PipelineHostFor(ShouldProcess);
            foreach (OsgPilotException e in await Task.WhenAll(stopped.Select(p => collector.HarvestAsync(p, CancelToken, host.Warning))))
            {
                if (e != null) WriteWarning($"The activity of a stopped pilot was not kept: {e.Message}");
            }
        }

        /// <summary>A pilot that already has its stamp is draining: a second drain changes nothing.</summary>
        private async Task<IReadOnlyList<PilotContainer>> NotYetDrainingAsync(DockerGateway docker, IReadOnlyList<PilotContainer> running)
        {
            System.Action<string> warn = PipelineHostFor(ShouldProcess).Warning;
            bool?[] stamped = await Task.WhenAll(running.Select(p => DrainStamp.IsStampedAsync(docker, p, CancelToken, warn)));
            var left = new List<PilotContainer>();
            for (int i = 0; i < running.Count; i++)
            {
                if (stamped[i] == true) WriteVerbose($"{running[i].Name} is already draining.");
                else left.Add(running[i]);
            }
            return left;
        }

        /// <summary>A stop can take the whole grace period: say so once a second instead of staying silent.</summary>
        private async Task ReportProgressUntilAsync(Task done, int count)
        {
            if (count == 0 || Drain.IsPresent) return;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (!done.IsCompleted)
            {
                WriteProgress(new ProgressRecord(ProgressId, $"Stopping {count} OsgPilot pilot(s)",
                    $"{watch.Elapsed.TotalSeconds:0} s of at most {Timeout} s (then they are killed)")
                { PercentComplete = Timeout == 0 ? 0 : (int)System.Math.Min(99, watch.Elapsed.TotalSeconds * 100 / Timeout), SecondsRemaining = (int)System.Math.Max(0, Timeout - watch.Elapsed.TotalSeconds) });
                // Cancellable: Ctrl+C ends the wait even when the engine request itself does not notice it.
                await Task.WhenAny(done, Task.Delay(1000, CancelToken));
                CancelToken.ThrowIfCancellationRequested();
            }
            WriteProgress(new ProgressRecord(ProgressId, $"Stopping {count} OsgPilot pilot(s)", "Done") { RecordType = ProgressRecordType.Completed });
        }

        protected override void StopProcessing()
        {
            string[] pending = _inFlight.Keys.OrderBy(k => k, System.StringComparer.Ordinal).ToArray();
            if (pending.Length > 0)
            {
                TellHost($"Stop-OsgPilot was interrupted. The engine was already asked to stop {string.Join(", ", pending)} " +
                    $"and goes on doing so (SIGKILL after {Timeout} s at the latest); check with Get-OsgPilot -All.");
            }
            base.StopProcessing();
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Activity;
using OsgPilot.Metrics;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class ActivityLedgerTests
    {
        private static readonly DateTime T0 = new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

        private static string At(DateTime t) => t.ToString("MM/dd/yy HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) + " (pid:1) (D_ALWAYS) ";

        /// <summary>StartLog lines of one job: started at <paramref name="start"/>, ended after <paramref name="seconds"/> unless null.</summary>
        private static string[] Job(string slot, string id, DateTime start, int? seconds, string exit = "exited with status 0")
        {
            var lines = new[]
            {
                At(start) + slot + ": Got activate_claim request from shadow (127.0.0.1)",
                At(start) + slot + ": Remote job ID is " + id,
                At(start) + slot + ": Changing activity: Idle -> Busy",
            }.ToList();
            if (seconds.HasValue)
            {
                DateTime end = start.AddSeconds(seconds.Value);
                lines.Add(At(end) + "Starter pid 99 " + exit);
                lines.Add(At(end) + slot + ": State change: starter exited");
                lines.Add(At(end) + slot + ": Changing activity: Busy -> Idle");
            }
            return lines.ToArray();
        }

        private static PilotRun Run(params string[][] jobs)
        {
            var a = new StartLogAnalyzer("c1");
            a.Read(new[] { At(T0) + "** condor_startd (CONDOR_STARTD) STARTING UP" }.Concat(jobs.SelectMany(j => j)));
            return a.Result();
        }

        [Fact]
        public void Merging_the_same_logs_twice_counts_each_job_once()
        {
            var ledger = new ActivityLedger();
            ledger.Merge(Run(Job("slot1_1", "1.0", T0.AddSeconds(1), 10)), "c1", true);
            ledger.Merge(Run(Job("slot1_1", "1.0", T0.AddSeconds(1), 10), Job("slot1_2", "2.0", T0.AddSeconds(5), null)), "c1", true);
            Assert.Equal(2, ledger.Jobs.Count);
            Assert.Single(ledger.Jobs, j => j.IsOpen);
        }

        [Fact]
        public void A_restart_loses_the_jobs_its_logs_no_longer_have_and_a_stopped_pilot_runs_none()
        {
            var ledger = new ActivityLedger();
            ledger.Merge(Run(Job("slot1_1", "1.0", T0.AddSeconds(1), null)), "c1", true);
            // The image wiped /pilot/log at its next start: a new run, without job 1.0.
            var a = new StartLogAnalyzer("c1");
            a.Read(new[] { At(T0.AddMinutes(5)) + "** condor_startd (CONDOR_STARTD) STARTING UP" });
            ledger.Merge(a.Result(), "c1", true);
            PilotJob lost = Assert.Single(ledger.Jobs);
            Assert.Equal(JobOutcome.Lost, lost.Outcome);
            Assert.Equal(T0.AddSeconds(1), lost.Finished);

            var stopped = new ActivityLedger();
            stopped.Merge(Run(Job("slot1_1", "3.0", T0.AddSeconds(1), null)), "c1", false);
            Assert.Equal(JobOutcome.Lost, Assert.Single(stopped.Jobs).Outcome);
        }

        [Fact]
        public void The_file_round_trips_and_a_damaged_line_costs_one_job()
        {
            var ledger = new ActivityLedger();
            ledger.Merge(Run(Job("slot1_1", "1.0", T0.AddSeconds(1), 10), Job("slot1_2", "2.0", T0.AddSeconds(2), 3, "died on signal 9 (SIGKILL)"), Job("slot1_3", "3.0", T0.AddSeconds(3), null)), "c1", true);
            string text = ledger.Serialize();
            ActivityLedger back = ActivityLedger.Parse(text);
            Assert.Equal(text, back.Serialize());
            string damaged = text.Replace("\tKilled\t", "\tKiled\t");
            Assert.Equal(2, ActivityLedger.Parse(damaged).Jobs.Count);
            Assert.Empty(ActivityLedger.Parse("# from a newer OsgPilot\nX\tsomething\n").Jobs);
        }

        [Fact]
        public void Old_jobs_fold_into_totals_that_never_go_down()
        {
            var ledger = new ActivityLedger();
            ledger.Merge(Run(Job("slot1_1", "1.0", T0.AddSeconds(1), 10), Job("slot1_2", "2.0", T0.AddSeconds(2), 4, "died on signal 9 (SIGKILL)"), Job("slot1_3", "3.0", T0.AddSeconds(3), null)), "c1", true);
            string before = PilotMetrics.Render(new[] { new PilotSample { Name = "p", Engine = "e", Ledger = ledger } }, new string[0], new SyncStatus[0], new TokenSample[0], "1", T0.AddSeconds(20));
            ledger.Prune(T0.AddDays(40));
            Assert.Single(ledger.Jobs); // the running one stays
            Assert.Equal(2, ledger.Carried.Started);
            Assert.Equal(14, ledger.Carried.CoreSeconds);
            string after = PilotMetrics.Render(new[] { new PilotSample { Name = "p", Engine = "e", Ledger = ActivityLedger.Parse(ledger.Serialize()) } }, new string[0], new SyncStatus[0], new TokenSample[0], "1", T0.AddSeconds(20));
            Assert.Equal(before, after);
        }

        [Fact]
        public void A_window_clips_busy_time_and_counts_what_started_and_ended_in_it()
        {
            var ledger = new ActivityLedger();
            ledger.Merge(Run(Job("slot1_1", "1.0", T0.AddSeconds(10), 100), Job("slot1_2", "2.0", T0.AddSeconds(200), null)), "c1", true);
            var a = new OsgPilotActivity();
            ActivitySummary.Fill(a, ledger.Jobs, T0.AddSeconds(60), T0.AddSeconds(260));
            Assert.Equal(1, a.JobsStarted); // only 2.0 started in the window
            Assert.Equal(1, a.JobsFinished);
            Assert.Equal(1, a.SlotsBusy);
            Assert.Equal(50 + 60, a.BusySeconds);
            Assert.Equal(T0.AddSeconds(200), a.LastJobStart.Value.ToUniversalTime());
            Assert.Equal("exit 0", Assert.Single(a.Ends).How);
        }

        [Fact]
        public async Task Two_writers_at_once_both_count()
        {
            string dir = Path.Combine(Path.GetTempPath(), "osgpilot-ledger-" + Guid.NewGuid().ToString("N"));
            try
            {
                var store = new LedgerStore(dir, "unix:///run/test.sock");
                await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => store.UpdateAsync("p",
                    l => l.Merge(Run(Job("slot1_" + i, i + ".0", T0.AddSeconds(i), 1)), "c1", true), T0, CancellationToken.None))));
                Assert.Equal(20, store.Read("p").Jobs.Count);
                Assert.Equal(new[] { "p" }, store.Pilots());
                Assert.DoesNotContain(Directory.GetFiles(store.Directory), f => f.Contains(".tmp-"));
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}

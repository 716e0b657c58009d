using System;
using System.Collections.Generic;
using System.Linq;
using OsgPilot.Activity;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>The HTCondor log formats activity is read from (dprintf.cpp, ResState.cpp, command.cpp, startd_main.cpp, classadHistory.cpp).</summary>
    public sealed class ActivityParsingTests
    {
        private static DateTime Utc(int h, int m, int s, int ms = 0) => new DateTime(2026, 12, 4, h, m, s, ms, DateTimeKind.Utc);

        [Fact]
        public void A_line_with_sub_second_pid_and_category_is_read()
        {
            DaemonLogLine l = DaemonLogLine.Parse("12/04/26 17:16:30.123 (pid:4711) (D_ALWAYS) slot1_1: Changing activity: Idle -> Busy");
            Assert.Equal(Utc(17, 16, 30, 123), l.Time);
            Assert.Equal("slot1_1", l.Slot);
            Assert.Equal("Changing activity: Idle -> Busy", l.Message);
        }

        [Theory]
        [InlineData("12/04/26 17:16:30 slot1: Changing state: Owner -> Unclaimed")]
        [InlineData("12/04/26 17:16:30.000 (D_ALWAYS:2) slot1: Changing state: Owner -> Unclaimed")]
        [InlineData("12/04/26 17:16:30.000 (pid:7) (tid:9) (D_ERROR|D_EXCEPT) slot1: Changing state: Owner -> Unclaimed")]
        public void The_older_header_less_form_and_other_header_options_are_read(string text)
        {
            DaemonLogLine l = DaemonLogLine.Parse(text);
            Assert.Equal(Utc(17, 16, 30), l.Time);
            Assert.Equal("slot1", l.Slot);
            Assert.Equal("Changing state: Owner -> Unclaimed", l.Message);
        }

        [Fact]
        public void Rsyslog_copies_count_for_the_startd_only()
        {
            DaemonLogLine startd = DaemonLogLine.Parse("<14>1 2026-12-04T17:16:30.250Z host condor_startd 4711 - [cat=\"D_ALWAYS\" x=\"a]b\"] slot1_2: Remote job ID is 7.3");
            Assert.Equal(Utc(17, 16, 30, 250), startd.Time);
            Assert.Equal("slot1_2", startd.Slot);
            Assert.Equal("Remote job ID is 7.3", startd.Message);
            Assert.Null(DaemonLogLine.Parse("<14>1 2026-12-04T17:16:30.250Z host condor_master 4700 - - slot1_2: Remote job ID is 7.3"));
        }

        [Theory]
        [InlineData("")]
        [InlineData("    MyType = \"Machine\"")]
        [InlineData("13/45/26 17:16:30 slot1: Changing state: Owner -> Unclaimed")]
        [InlineData("Dec  4 17:16:30 host condor_startd[4711]: slot1: Changing state: Owner -> Unclaimed")]
        public void Continuations_and_foreign_lines_are_not_read(string text) => Assert.Null(DaemonLogLine.Parse(text));

        // A real StartLog excerpt (header-less, with lines of no interest in between).
        private static readonly string[] Sample =
        {
            "03/05/19 22:37:50 ******************************************************",
            "03/05/19 22:37:50 ** condor_startd (CONDOR_STARTD) STARTING UP",
            "03/05/19 22:37:51 slot1: Changing state: Owner -> Unclaimed",
            "03/05/19 22:37:54 slot1_1: Request accepted.",
            "03/05/19 22:37:54 slot1_1: Remote owner is bisque@bisquesvc",
            "03/05/19 22:37:54 slot1_1: State change: claiming protocol successful",
            "03/05/19 22:37:54 slot1_1: Changing state: Owner -> Claimed",
            "03/05/19 22:37:54 slot1_1: Got activate_claim request from shadow (10.42.0.15)",
            "03/05/19 22:37:54 /proc format unknown for kernel version 4.15.0",
            "03/05/19 22:37:54 slot1_1: Remote job ID is 11.0",
            "03/05/19 22:37:54 slot1_1: Got universe \"VANILLA\" (5) from request classad",
            "03/05/19 22:37:54 slot1_1: State change: claim-activation protocol successful",
            "03/05/19 22:37:54 slot1_1: Changing activity: Idle -> Busy",
            "03/05/19 22:38:09 slot1_1: Called deactivate_claim_forcibly()",
            "03/05/19 22:38:09 Starter pid 1141 exited with status 0",
            "03/05/19 22:38:09 slot1_1: State change: starter exited",
            "03/05/19 22:38:09 slot1_1: Changing activity: Busy -> Idle",
            "03/05/19 22:38:09 slot1_1: State change: received RELEASE_CLAIM command",
            "03/05/19 22:38:09 slot1_1: Changing state and activity: Claimed/Idle -> Preempting/Vacating",
        };

        private static PilotRun Analyze(IEnumerable<string> lines)
        {
            var a = new StartLogAnalyzer("c0ffee");
            a.Read(lines);
            return a.Result();
        }

        [Fact]
        public void A_real_StartLog_gives_one_job_with_its_busy_time_and_starter_exit()
        {
            PilotRun run = Analyze(Sample);
            PilotJob job = Assert.Single(run.Jobs);
            Assert.Equal("11.0", job.JobId);
            Assert.Equal("slot1_1", job.Slot);
            Assert.Equal(JobOutcome.Succeeded, job.Outcome);
            Assert.Equal(0, job.Code);
            Assert.Equal(15, job.BusySeconds(DateTime.MinValue, DateTime.MaxValue, DateTime.MaxValue));
            Assert.True(run.SlotsOpen);
        }

        [Fact]
        public void A_starter_that_died_on_a_signal_is_a_killed_job()
        {
            PilotRun run = Analyze(Sample.Take(13).Concat(new[]
            {
                "03/05/19 22:38:00 Starter pid 1141 died on signal 9 (SIGKILL)",
                "03/05/19 22:38:00 slot1_1: State change: starter exited",
                "03/05/19 22:38:00 slot1_1: Changing activity: Busy -> Idle",
            }));
            PilotJob job = Assert.Single(run.Jobs);
            Assert.Equal(JobOutcome.Killed, job.Outcome);
            Assert.Equal(9, job.Code);
            Assert.Equal(6, job.BusySeconds(DateTime.MinValue, DateTime.MaxValue, DateTime.MaxValue));
        }

        [Fact]
        public void A_running_job_stays_open_and_a_startd_restart_loses_it()
        {
            PilotRun running = Analyze(Sample.Take(13));
            Assert.True(Assert.Single(running.Jobs).IsOpen);

            PilotRun restarted = Analyze(Sample.Take(13).Concat(new[]
            {
                "03/05/19 22:40:00 slot1: Changing state: Unclaimed -> Owner",
                "03/05/19 22:41:00 ** condor_startd (CONDOR_STARTD) STARTING UP",
            }));
            PilotJob lost = Assert.Single(restarted.Jobs);
            Assert.Equal(JobOutcome.Lost, lost.Outcome);
            Assert.Equal(new DateTime(2019, 3, 5, 22, 40, 0, DateTimeKind.Utc), lost.Finished);
            Assert.Null(restarted.SlotsOpen); // the new startd has not said yet
        }

        [Fact]
        public void A_log_cut_at_the_front_reads_what_is_left_and_nothing_twice()
        {
            // MAX_DEFAULT_LOG rotation without the .old file: the job's start is gone, its end is not.
            PilotRun run = Analyze(Sample.Skip(10));
            Assert.Empty(run.Jobs);
            // The rotated .old first, then the current file: one job, read across the cut.
            PilotRun both = Analyze(Sample.Take(10).Concat(Sample.Skip(10)));
            Assert.Equal(JobOutcome.Succeeded, Assert.Single(both.Jobs).Outcome);
        }

        [Fact]
        public void A_drained_slot_takes_no_jobs()
        {
            PilotRun run = Analyze(Sample.Take(3).Concat(new[] { "03/05/19 22:39:00 slot1: Changing state: Unclaimed -> Owner" }));
            Assert.False(run.SlotsOpen);
        }

        private static readonly string[] History =
        {
            "ClusterId = 11", "ProcId = 0", "Owner = \"bisque\"", "RequestCpus = 1", "CpusProvisioned = 4",
            "JobCurrentStartDate = 1551825474", "CompletionDate = 1551825489", "ExitBySignal = false", "ExitCode = 3",
            "*** Offset = 0 ClusterId = 11 ProcId = 0 Owner = \"bisque\" CompletionDate = 1551825489",
            "ClusterId = 12", "ProcId = 1", "RequestCpus = 2", "JobCurrentStartDate = 1551825400", "CompletionDate = 1551825450",
            "ExitBySignal = true", "ExitSignal = 15",
            "*** Offset = 411 ClusterId = 12 ProcId = 1 Owner = \"bisque\" CompletionDate = 1551825450",
            "ClusterId = 13", "ProcId = 0", "CompletionDate = 1551825499",
        };

        [Fact]
        public void The_history_gives_cpus_and_the_jobs_own_exit_and_restores_jobs_the_StartLog_lost()
        {
            List<PilotJob> ads = StartdHistory.Parse(History, "c0ffee");
            Assert.Equal(2, ads.Count); // the last ad has no banner yet: still being written
            PilotRun run = Analyze(Sample);
            StartdHistory.Join(run, ads);
            PilotJob j11 = run.Jobs.Single(j => j.JobId == "11.0");
            Assert.Equal(4, j11.Cpus);
            Assert.Equal(JobOutcome.Failed, j11.Outcome); // the starter exited 0; the job exited 3
            Assert.Equal(3, j11.Code);
            PilotJob j12 = run.Jobs.Single(j => j.JobId == "12.1");
            Assert.Equal(JobOutcome.Killed, j12.Outcome);
            Assert.Equal(15, j12.Code);
            Assert.Equal(2, j12.Cpus);
            Assert.Equal(50, j12.BusySeconds(DateTime.MinValue, DateTime.MaxValue, DateTime.MaxValue));
        }

        [Fact]
        public void The_rotated_and_current_files_are_read_in_order()
        {
            var files = new Dictionary<string, IEnumerable<string>>
            {
                ["StartLog.old"] = Sample.Take(9),
                ["StartLog"] = Sample.Skip(9),
                ["startd_history"] = History,
            };
            PilotRun run = PilotLogReader.Analyze(files, "c0ffee");
            Assert.Equal(new[] { "11.0", "12.1" }, run.Jobs.Select(j => j.JobId).OrderBy(x => x));
            Assert.Equal(new DateTime(2019, 3, 5, 22, 37, 50, DateTimeKind.Utc), run.First);
        }
    }
}

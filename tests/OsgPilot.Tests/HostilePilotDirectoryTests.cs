using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using OsgPilot.Activity;
using OsgPilot.Posix;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>
    /// What a job can leave in its pilot directory, read and cleaned from the host as root: real files,
    /// FIFOs, links and devices in a temporary directory. (These run on Linux, where HostDirectory works.)
    /// </summary>
    public sealed class HostilePilotDirectoryTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "osgpilot-hostile-" + Guid.NewGuid().ToString("N"));
        private readonly string _outside = Path.Combine(Path.GetTempPath(), "osgpilot-outside-" + Guid.NewGuid().ToString("N"));
        private static readonly int[] Owners = { 1000, 0 };

        public HostilePilotDirectoryTests()
        {
            Directory.CreateDirectory(Path.Combine(_dir, "log"));
            Directory.CreateDirectory(_outside);
        }

        public void Dispose()
        {
            Directory.Delete(_dir, true);
            Directory.Delete(_outside, true);
        }

        [DllImport("libc", SetLastError = true)] private static extern int mkfifo(string path, uint mode);
        [DllImport("libc", SetLastError = true)] private static extern int symlink(string target, string path);
        [DllImport("libc", SetLastError = true)] private static extern int link(string target, string path);
        [DllImport("libc", SetLastError = true)] private static extern int chown(string path, int uid, int gid);

        private string Log(string name) => Path.Combine(_dir, "log", name);

        private (Stream Stream, string Refusal) Open(string name)
        {
            using (HostDirectory top = HostDirectory.Open(_dir))
            using (HostDirectory log = top.OpenDirectory("log"))
            {
                Stream s = log.OpenFile(name, Owners, out HostEntry _, out string refusal);
                return (s, refusal);
            }
        }

        [Fact]
        public void A_fifo_is_refused_at_once_instead_of_hanging_the_open()
        {
            Assert.Equal(0, mkfifo(Log("startd_history"), Convert.ToUInt32("666", 8)));
            var watch = Stopwatch.StartNew();
            (Stream s, string refusal) = Open("startd_history");
            Assert.Null(s);
            Assert.Contains("is not a regular file (a FIFO)", refusal);
            Assert.True(watch.Elapsed.TotalSeconds < 2);
        }

        [Theory]
        [InlineData("/dev/zero")]
        [InlineData("/etc/shadow")]
        [InlineData("/nonexistent")]
        public void A_symbolic_link_is_never_followed(string target)
        {
            Assert.Equal(0, symlink(target, Log("StartLog.old")));
            (Stream s, string refusal) = Open("StartLog.old");
            Assert.Null(s);
            Assert.Contains("symbolic link", refusal);
        }

        [Fact]
        public void A_hard_link_and_a_file_of_another_owner_are_not_read()
        {
            File.WriteAllText(Path.Combine(_outside, "secret"), "ClusterId = 1\n");
            Assert.Equal(0, link(Path.Combine(_outside, "secret"), Log("startd_history")));
            Assert.Contains("2 names", Open("startd_history").Refusal);
            File.WriteAllText(Log("StartLog"), "x\n");
            Assert.Equal(0, chown(Log("StartLog"), 1234, 1234));
            Assert.Contains("belongs to uid 1234", Open("StartLog").Refusal);
        }

        [Fact]
        public void A_directory_in_place_of_a_log_and_a_link_in_place_of_the_log_directory_are_refused()
        {
            Directory.CreateDirectory(Log("StartLog"));
            Assert.Contains("a directory", Open("StartLog").Refusal);
            Directory.Delete(Path.Combine(_dir, "log"), true);
            Assert.Equal(0, symlink("/etc", Path.Combine(_dir, "log")));
            using (HostDirectory top = HostDirectory.Open(_dir))
            {
                var e = Assert.Throws<IOException>(() => top.OpenDirectory("log"));
                Assert.Contains("not followed", e.Message);
            }
        }

        [Fact]
        public void A_regular_log_of_the_pilot_is_read_and_a_missing_one_is_no_error()
        {
            File.WriteAllText(Log("StartLog"), "a\nb\n");
            Assert.Equal(0, chown(Log("StartLog"), 1000, 1000));
            (Stream s, string refusal) = Open("StartLog");
            Assert.Null(refusal);
            using (s) Assert.Equal(new[] { "a", "b" }, BoundedLines.Tail(s, 4, 1024, 100, out int skipped));
            Assert.Equal((null, null), Open("StartLog.old"));
        }

        [Fact]
        public void Only_the_tail_is_read_and_a_line_beyond_the_bound_is_skipped_not_held()
        {
            string path = Log("StartLog");
            using (var f = new FileStream(path, FileMode.Create))
            {
                byte[] x = Enumerable.Repeat((byte)'x', 1 << 20).ToArray();
                for (int i = 0; i < 100; i++) f.Write(x, 0, x.Length);  // one 100 MB line
                byte[] tail = Encoding.UTF8.GetBytes("\nlast line\n");
                f.Write(tail, 0, tail.Length);
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            List<string> lines;
            int skipped;
            using (var s = new FileStream(path, FileMode.Open, FileAccess.Read)) lines = BoundedLines.Tail(s, s.Length, 32 << 20, 64 * 1024, out skipped);
            Assert.Equal(new[] { "last line" }, lines); // the 100 MB line began before the tail: dropped as cut
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8L << 20, "reading holds no more than a line's bound and a buffer");

            using (var s = new MemoryStream(Encoding.UTF8.GetBytes(new string('y', 70000) + "\nok\n")))
            {
                Assert.Equal(new[] { "ok" }, BoundedLines.Tail(s, s.Length, 1 << 20, 64 * 1024, out skipped));
                Assert.Equal(1, skipped);
            }
        }

        [Fact]
        public void Removing_a_stamp_of_any_kind_never_leaves_the_directory()
        {
            File.WriteAllText(Path.Combine(_outside, "keep"), "x");
            // A directory stamp holding a link to a directory outside, and a link to a file outside.
            Directory.CreateDirectory(Path.Combine(_dir, "stop-glidein.stamp", "sub"));
            Assert.Equal(0, symlink(_outside, Path.Combine(_dir, "stop-glidein.stamp", "sub", "out")));
            Assert.Equal(0, symlink(Path.Combine(_outside, "keep"), Path.Combine(_dir, "stop-glidein.stamp", "file")));
            using (HostDirectory top = HostDirectory.Open(_dir))
            {
                Assert.Equal(HostEntryKind.Directory, top.Stat("stop-glidein.stamp").Kind);
                Assert.True(top.Remove("stop-glidein.stamp"));
                Assert.Null(top.Stat("stop-glidein.stamp"));
                Assert.False(top.Remove("stop-glidein.stamp"));
                // A link stamp goes as a link; a FIFO stamp as a FIFO.
                Assert.Equal(0, symlink(_outside, Path.Combine(_dir, "stop-glidein.stamp")));
                Assert.Equal(HostEntryKind.Link, top.Stat("stop-glidein.stamp").Kind);
                Assert.True(top.Remove("stop-glidein.stamp"));
                Assert.Equal(0, mkfifo(Path.Combine(_dir, "stop-glidein.stamp"), Convert.ToUInt32("666", 8)));
                Assert.True(top.Remove("stop-glidein.stamp"));
                Assert.Throws<ArgumentException>(() => top.Remove("../x"));
            }
            Assert.True(File.Exists(Path.Combine(_outside, "keep")));
            Assert.True(Directory.Exists(_outside));
        }

        [Fact]
        public void A_link_planted_where_a_pilots_directory_goes_is_refused_and_not_followed()
        {
            // A pilot that had the parent as its /pilot (-Count 1 before -Count 3) could leave one.
            Assert.Equal(0, symlink(_outside, Path.Combine(_dir, "osgpilot-x-2")));
            var e = Assert.Throws<OsgPilot.Errors.OsgPilotException>(() => OsgPilot.Launch.HostPaths.EnsureForPilot(Path.Combine(_dir, "osgpilot-x-2")));
            Assert.Equal(OsgPilot.Errors.ErrorIds.PilotDirectoryNotCreated, e.ErrorId);
            Assert.Contains("symbolic link", e.Message);
            Assert.True(OsgPilot.Launch.HostPaths.EnsureForPilot(Path.Combine(_dir, "osgpilot-x-3")));
            Assert.False(OsgPilot.Launch.HostPaths.EnsureForPilot(Path.Combine(_dir, "osgpilot-x-3")));
            // Undo removes what the run made, and never what a link inside it points at.
            File.WriteAllText(Path.Combine(_outside, "keep"), "x");
            Assert.Equal(0, symlink(_outside, Path.Combine(_dir, "osgpilot-x-3", "out")));
            OsgPilot.Launch.HostPaths.RemoveCreated(Path.Combine(_dir, "osgpilot-x-3"));
            Assert.False(Directory.Exists(Path.Combine(_dir, "osgpilot-x-3")));
            Assert.True(File.Exists(Path.Combine(_outside, "keep")));
        }

        [Theory]
        [InlineData("08/01/26 10:00:00.000 (pid:1) (D_ALWAYS) Starter pid 5 exited with status 99999999999")]
        [InlineData("08/01/26 10:00:00.000 (pid:1) (D_ALWAYS) Starter pid 5 died on signal 99999999999")]
        [InlineData("08/01/26 10:00:00.000 (pid:1) (D_ALWAYS) Starter pid 5 died on signal 0")]
        [InlineData("08/01/26 10:00:00.000 (pid:1) (D_ALWAYS) Starter pid 5 exited with status 256")]
        public void Numbers_no_starter_gives_skip_the_line_with_a_warning(string line)
        {
            var analyzer = new StartLogAnalyzer("c");
            analyzer.Read(new[] { "08/01/26 09:59:59.000 (pid:1) (D_ALWAYS) slot1_1: Got activate_claim request from shadow (1.2.3.4)", line });
            PilotRun run = analyzer.Result();
            Assert.Contains(run.Warnings, w => w.Contains("exit status or signal"));
        }

        [Theory]
        [InlineData("CompletionDate = 99999999999999")]
        [InlineData("CompletionDate = 1e300")]
        [InlineData("CompletionDate = -5")]
        [InlineData("CpusProvisioned = 4294967295")]
        [InlineData("CpusProvisioned = 0")]
        [InlineData("ExitSignal = 99999999999")]
        [InlineData("ExitCode = 99999999999")]
        [InlineData("ClusterId = -1")]
        public void A_history_ad_out_of_range_is_skipped_with_a_warning_and_the_next_ad_still_counts(string bad)
        {
            string[] Ad(long cluster, string extra) => new[]
            {
                $"ClusterId = {cluster}", "ProcId = 0", "JobCurrentStartDate = 1785000000", "CompletionDate = 1785000600", "CpusProvisioned = 2",
                extra.StartsWith("ExitSignal") ? "ExitBySignal = true" : "ExitBySignal = false", "ExitCode = 0", "ExitSignal = 9", extra,
                $"*** Offset = 0 ClusterId = {cluster} ProcId = 0 Owner = \"osg\" CompletionDate = 1785000600",
            };
            var warnings = new List<string>();
            List<PilotJob> jobs = StartdHistory.Parse(Ad(1, bad).Concat(Ad(2, "ProcId = 0")), "c", warnings);
            PilotJob job = Assert.Single(jobs);
            Assert.Equal("2.0", job.JobId);
            Assert.Equal(2, job.Cpus);
            Assert.Contains(warnings, w => w.Contains("out of range"));
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Errors;
using OsgPilot.Launch;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>The run lock on the real file system (flock through FileShare.None), in a directory of the test's own.</summary>
    public sealed class ConfigRunLockTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "osgpilot-lock-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        private readonly string _path;

        public ConfigRunLockTests()
        {
            Directory.CreateDirectory(_dir);
            _path = Path.Combine(_dir, "run-test.lock");
        }

        public void Dispose() => Directory.Delete(_dir, true);

        private Task<ConfigRunLock> Acquire(TimeSpan timeout) =>
            ConfigRunLock.AcquireAsync(_path, "unix:///test.sock", "cfg", timeout, new RecordingHost(), CancellationToken.None);

        [Fact]
        public async Task A_thousand_runs_leave_no_lock_file()
        {
            for (int i = 0; i < 1000; i++)
            {
                using (await Acquire(TimeSpan.FromSeconds(5)))
                {
                    Assert.True(File.Exists(_path));
                }
            }
            Assert.Empty(Directory.GetFileSystemEntries(_dir));
        }

        [Fact]
        public void A_lock_on_a_file_removed_meanwhile_is_seen_as_lost_so_the_waiter_locks_the_new_one()
        {
            // The deterministic half of the race below: a waiter that opened the file just before its
            // holder removed it must not count that lock as the run lock.
            using (var held = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            {
                Assert.True(ConfigRunLock.StillLinked(held));
                File.Delete(_path);
                Assert.False(ConfigRunLock.StillLinked(held));
            }
        }

        [Fact]
        public async Task Stress_runs_racing_for_the_lock_never_hold_it_together_even_as_its_file_is_removed()
        {
            int holders = 0, most = 0, runs = 0;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                for (int i = 0; i < 100; i++)
                {
                    using (await Acquire(TimeSpan.FromSeconds(60)))
                    {
                        int now = Interlocked.Increment(ref holders);
                        InterlockedMax(ref most, now);
                        await Task.Yield();
                        Interlocked.Decrement(ref holders);
                        Interlocked.Increment(ref runs);
                    }
                }
            })));
            Assert.Equal(400, runs);
            Assert.Equal(1, most);
            Assert.Empty(Directory.GetFileSystemEntries(_dir));
        }

        [Fact]
        public async Task A_held_lock_makes_a_second_run_give_up_after_its_timeout_naming_the_lock()
        {
            using (await Acquire(TimeSpan.FromSeconds(5)))
            {
                var e = await Assert.ThrowsAsync<OsgPilotException>(() => Acquire(TimeSpan.FromMilliseconds(300)));
                Assert.Equal(ErrorIds.ConfigRunInProgress, e.ErrorId);
                Assert.Contains(_path, e.Message);
            }
        }

        [Fact]
        public void Lock_files_live_in_the_runtime_directory_the_variable_names()
        {
            string saved = Environment.GetEnvironmentVariable(ConfigRunLock.RuntimeDirectoryVariable);
            try
            {
                Environment.SetEnvironmentVariable(ConfigRunLock.RuntimeDirectoryVariable, Path.Combine(_dir, "run"));
                Assert.Equal(Path.Combine(_dir, "run"), Path.GetDirectoryName(ConfigRunLock.PathFor("unix:///x.sock", "cfg")));
                Assert.True(Directory.Exists(Path.Combine(_dir, "run")));
            }
            finally
            {
                Environment.SetEnvironmentVariable(ConfigRunLock.RuntimeDirectoryVariable, saved);
            }
        }

        [Fact]
        public void A_runtime_directory_that_cannot_be_made_is_a_clear_error()
        {
            string saved = Environment.GetEnvironmentVariable(ConfigRunLock.RuntimeDirectoryVariable);
            string file = Path.Combine(_dir, "a-file");
            File.WriteAllText(file, "not a directory");
            try
            {
                Environment.SetEnvironmentVariable(ConfigRunLock.RuntimeDirectoryVariable, Path.Combine(file, "run"));
                var e = Assert.Throws<OsgPilotException>(() => ConfigRunLock.PathFor("unix:///x.sock", "cfg"));
                Assert.Equal(ErrorIds.RunLockUnavailable, e.ErrorId);
                Assert.Contains(ConfigRunLock.RuntimeDirectoryVariable, e.Message);
            }
            finally
            {
                Environment.SetEnvironmentVariable(ConfigRunLock.RuntimeDirectoryVariable, saved);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
        }
    }
}

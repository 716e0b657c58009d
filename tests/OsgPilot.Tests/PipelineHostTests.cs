using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Errors;
using OsgPilot.Threading;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>The threading rule, in code: whatever thread a logic class is on, the pipeline is written from the pipeline thread.</summary>
    public sealed class PipelineHostTests
    {
        [Fact]
        public void Calls_from_the_thread_pool_run_on_the_pipeline_thread_and_ShouldProcess_answers_back()
        {
            var threads = new List<(string What, int Thread)>();
            int pipeline = 0;
            bool answer = false;
            PipelinePump.Run(async () =>
            {
                pipeline = Environment.CurrentManagedThreadId;
                void Note(string what) { lock (threads) threads.Add((what, Environment.CurrentManagedThreadId)); }
                var host = new PipelineHost((t, a) => { Note("should"); return t == "yes"; }, _ => Note("verbose"), _ => Note("warning"),
                    _ => Note("failure"), _ => Note("progress"));
                // Off the pipeline thread, as after an await that resumed on the pool (ConfigureAwait(false)).
                answer = await Task.Run(async () =>
                {
                    host.Verbose("v");
                    host.Warning("w");
                    host.Failure(new OsgPilotException(ErrorIds.PilotBusy, ErrorCategory.ResourceBusy, "f", "x"));
                    host.Progress(new ProgressRecord(1, "a", "b"));
                    return await host.ShouldProcessAsync("yes", "do it").ConfigureAwait(false);
                });
                host.Verbose("on the pipeline thread: at once");
            });
            Assert.True(answer);
            Assert.Equal(new[] { "verbose", "warning", "failure", "progress", "should", "verbose" }, threads.ConvertAll(t => t.What));
            Assert.All(threads, t => Assert.Equal(pipeline, t.Thread));
        }

        [Fact]
        public void A_host_is_made_on_the_pipeline_thread_only()
        {
            Assert.Throws<InvalidOperationException>(() => new PipelineHost((t, a) => true, _ => { }, _ => { }, _ => { }, _ => { }));
        }
    }
}

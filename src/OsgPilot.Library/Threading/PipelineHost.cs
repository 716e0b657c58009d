using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Errors;

namespace OsgPilot.Threading
{
    /// <summary>
    /// An <see cref="IPipelineHost"/> over a cmdlet's own methods. Made on the pipeline thread inside
    /// <see cref="PipelinePump.Run"/>; a call from that thread runs at once, a call from any other is
    /// posted to the pump (in order), and ShouldProcess's answer comes back as a task.
    /// </summary>
    internal sealed class PipelineHost : IPipelineHost
    {
        private readonly SynchronizationContext _pipeline;
        private readonly int _threadId;
        private readonly Func<string, string, bool> _shouldProcess;
        private readonly Action<string> _verbose;
        private readonly Action<string> _warning;
        private readonly Action<OsgPilotException> _failure;
        private readonly Action<ProgressRecord> _progress;
        private readonly Func<string, Action<Docker.PullProgress>> _pullStarted;
        private readonly Action _pullDone;

        public PipelineHost(Func<string, string, bool> shouldProcess, Action<string> verbose, Action<string> warning,
            Action<OsgPilotException> failure, Action<ProgressRecord> progress,
            Func<string, Action<Docker.PullProgress>> pullStarted = null, Action pullDone = null)
        {
            _pipeline = SynchronizationContext.Current as PipelinePump
                ?? throw new InvalidOperationException("A PipelineHost is made on the pipeline thread, inside PipelinePump.Run.");
            _threadId = Thread.CurrentThread.ManagedThreadId;
            _shouldProcess = shouldProcess;
            _verbose = verbose;
            _warning = warning;
            _failure = failure;
            _progress = progress;
            _pullStarted = pullStarted;
            _pullDone = pullDone;
        }

        private bool OnPipeline => Thread.CurrentThread.ManagedThreadId == _threadId;

        public Task<bool> ShouldProcessAsync(string target, string action)
        {
            if (OnPipeline) return Task.FromResult(_shouldProcess(target, action));
            var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pipeline.Post(_ =>
            {
                try
                {
                    answer.SetResult(_shouldProcess(target, action));
                }
                catch (Exception e)
                {
                    answer.SetException(e);
                }
            }, null);
            return answer.Task;
        }

        public void Verbose(string text) => OnPipelineThread(() => _verbose(text));

        public void Warning(string text) => OnPipelineThread(() => _warning(text));

        public void Failure(OsgPilotException e) => OnPipelineThread(() => _failure(e));

        public void Progress(ProgressRecord record) => OnPipelineThread(() => _progress(record));

        public IProgress<Docker.PullProgress> PullStarted(string image)
        {
            if (_pullStarted == null) return null;
            // The view is made by the first report, on the pipeline thread, where every report is posted.
            Action<Docker.PullProgress> report = null;
            return new PipelineProgress<Docker.PullProgress>(_pipeline, p => (report ?? (report = _pullStarted(image)))(p));
        }

        public void PullDone()
        {
            if (_pullDone != null) OnPipelineThread(_pullDone);
        }

        private void OnPipelineThread(Action write)
        {
            // After Ctrl+C the pipeline refuses output on its own thread too; the work (a cleanup in a
            // finally, say) must go on regardless.
            if (OnPipeline) Swallow(write);
            else _pipeline.Post(_ => Swallow(write), null);
        }

        private static void Swallow(Action write)
        {
            try
            {
                write();
            }
            catch (PipelineStoppedException)
            {
                // Ctrl+C: the pipeline takes no more writes, and a posted one has no caller to tell.
            }
        }
    }
}

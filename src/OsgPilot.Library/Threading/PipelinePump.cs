using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace OsgPilot.Threading
{
    /// <summary>
    /// Runs async work on the pipeline thread: continuations after <c>await</c> are queued back here,
    /// so WriteObject/WriteProgress/ShouldProcess stay legal. Callbacks from other threads use
    /// <see cref="SynchronizationContext.Post"/> on the captured context.
    /// </summary>
    internal sealed class PipelinePump : SynchronizationContext
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object State)> _queue =
            new BlockingCollection<(SendOrPostCallback, object)>();

        public static void Run(Func<Task> work)
        {
            SynchronizationContext previous = Current;
            var pump = new PipelinePump();
            SetSynchronizationContext(pump);
            try
            {
                Task task = work();
                task.ContinueWith(_ => pump._queue.CompleteAdding(), TaskScheduler.Default);
                foreach ((SendOrPostCallback callback, object state) in pump._queue.GetConsumingEnumerable())
                {
                    callback(state);
                }
                task.GetAwaiter().GetResult();
            }
            finally
            {
                SetSynchronizationContext(previous);
                pump._queue.Dispose();
            }
        }

        public override void Post(SendOrPostCallback d, object state)
        {
            try
            {
                _queue.Add((d, state));
            }
            catch (Exception e) when (e is InvalidOperationException || e is ObjectDisposedException)
            {
                // The work has finished; a late callback has nowhere to run, and nothing awaits it.
            }
        }

        public override void Send(SendOrPostCallback d, object state) =>
            throw new NotSupportedException("Synchronous send to the pipeline thread would deadlock.");

        public override SynchronizationContext CreateCopy() => this;
    }
}

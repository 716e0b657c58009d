using System;
using System.Threading;

namespace OsgPilot.Threading
{
    /// <summary>
    /// IProgress that hands each report to the pipeline thread. Progress&lt;T&gt; would capture no
    /// context in PowerShell and call back on the thread pool, where Write* throws.
    /// </summary>
    internal sealed class PipelineProgress<T> : IProgress<T>
    {
        private readonly SynchronizationContext _pipeline;
        private readonly Action<T> _handler;

        public PipelineProgress(Action<T> handler)
        {
            _pipeline = SynchronizationContext.Current ?? throw new InvalidOperationException("Create on the pipeline thread.");
            _handler = handler;
        }

        public PipelineProgress(SynchronizationContext pipeline, Action<T> handler)
        {
            _pipeline = pipeline;
            _handler = handler;
        }

        public void Report(T value) => _pipeline.Post(_ => _handler(value), null);
    }
}

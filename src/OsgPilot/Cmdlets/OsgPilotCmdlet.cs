using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Errors;
using OsgPilot.Threading;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Base of every OsgPilot cmdlet: owns the cancellation token (cancelled by Ctrl+C through
    /// StopProcessing) and runs async work on the pipeline thread.
    /// </summary>
    public abstract class OsgPilotCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        protected CancellationToken CancelToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>
        /// Runs <paramref name="work"/> to completion on this thread. An OsgPilotException becomes an
        /// ErrorRecord (terminating when the engine cannot be reached: nothing more can proceed);
        /// a cancellation by Ctrl+C ends quietly.
        /// </summary>
        protected void Run(Func<Task> work)
        {
            try
            {
                PipelinePump.Run(work);
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                // Ctrl+C: PowerShell is already stopping the pipeline.
            }
            catch (OsgPilotException e)
            {
                if (IsFatal(e)) ThrowTerminatingError(e.ToErrorRecord());
                WriteError(e.ToErrorRecord());
            }
        }

        protected static bool IsFatal(OsgPilotException e) =>
            e.ErrorId == ErrorIds.DockerEngineUnreachable || e.ErrorId == ErrorIds.InvalidDockerHost;

        protected void WriteFailure(OsgPilotException e) => WriteError(e.ToErrorRecord());

        public virtual void Dispose() => _stopping.Dispose();
    }
}

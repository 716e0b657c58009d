using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Errors;
using OsgPilot.Output;
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

        protected override void StopProcessing()
        {
            // The pipeline is stopping, so WriteWarning is no longer allowed; the host still shows a line.
            if (InterruptedMessage != null) TellHost(InterruptedMessage);
            _stopping.Cancel();
        }

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
                // Ctrl+C: PowerShell is already stopping the pipeline; StopProcessing said what happens to the work.
            }
            catch (OsgPilotException e)
            {
                OnRunFailure(e, mayTerminate: true);
            }
        }

        /// <summary>
        /// A failure that ended a call's work (on one engine, when <paramref name="mayTerminate"/> is
        /// false, the others going on): an ErrorRecord, terminating when the engine cannot be reached.
        /// </summary>
        protected void OnRunFailure(OsgPilotException e, bool mayTerminate)
        {
            bool fatal = mayTerminate && e.EndsTheRun;
            if (_report != null)
            {
                _report.Stopped(e);
                RunStopped |= fatal;
                return;
            }
            if (fatal) ThrowTerminatingError(e.ToErrorRecord());
            WriteError(e.ToErrorRecord());
        }

        /// <summary>A failure after which nothing of the call can proceed: terminating, or in a machine mode, the report's last word.</summary>
        protected void StopRun(OsgPilotException e)
        {
            if (_report == null) ThrowTerminatingError(e.ToErrorRecord());
            _report.Stopped(e);
            RunStopped = true;
        }

        private RunReport _report;

        /// <summary>
        /// The machine mode (-AsJson): from here on, results, warnings and errors go into one report
        /// (the second sink, beside the pipeline), written by <see cref="FinishReport"/> as one JSON document.
        /// </summary>
        protected void ReportAsJson(string command) => _report = new RunReport(command);

        /// <summary>In a machine mode, a failure ended the run: nothing more is attempted.</summary>
        protected bool RunStopped { get; private set; }

        /// <summary>A result: to the pipeline, or in a machine mode, into the report.</summary>
        protected void Emit(OsgPilotSyncResult result)
        {
            if (_report != null) _report.Add(result);
            else WriteObject(result);
        }

        /// <summary>In a machine mode, the report as the call's only output, and its exit code.</summary>
        protected void FinishReport()
        {
            if (_report == null) return;
            WriteObject(_report.ToJson());
            MachineMode.Finish(this, _report.ExitCode, _report.Errors);
        }

        /// <summary>What a cmdlet interrupted by Ctrl+C tells the user about the work it has begun (null: nothing to say).</summary>
        protected virtual string InterruptedMessage => null;

        /// <summary>A warning line through the host, for when the pipeline is stopping and WriteWarning is no longer allowed.</summary>
        protected void TellHost(string message)
        {
            try
            {
                Host.UI.WriteWarningLine(message);
            }
            catch (Exception e) when (e is PSInvalidOperationException || e is InvalidOperationException || e is NotImplementedException)
            {
                // A host without a UI: nothing more can be said.
            }
        }

        /// <summary>The type name of a pilot with its -Detailed facts: its own table view (Ready, Draining, Reason...).</summary>
        internal const string DetailedPilotType = "OsgPilot.Pilot#Detailed";

        /// <summary>A pilot whose detailed facts were read: the same object, shown in the detailed view.</summary>
        protected void WriteDetailed(Pilot pilot)
        {
            PSObject o = PSObject.AsPSObject(pilot);
            o.TypeNames.Insert(0, DetailedPilotType);
            WriteObject(o);
        }

        /// <summary>A failure of one item (a pilot, an image): the call goes on.</summary>
        protected void WriteFailure(OsgPilotException e)
        {
            if (_report != null) _report.Failed(e);
            else WriteError(e.ToErrorRecord());
        }

        /// <summary>The state directory (activity ledgers, sync outcomes): -StateDirectory resolved as PowerShell paths are, else the default.</summary>
        internal string StatePath(string given) => Config.StateDirectory.Resolve(given == null ? null : GetUnresolvedProviderPathFromPSPath(given));

        /// <summary>The warnings of logic classes (through <see cref="IPipelineHost"/>).</summary>
        protected void ReportWarning(string message)
        {
            if (_report != null) _report.Warn(message);
            else WriteWarning(message);
        }

        /// <summary>The verbose text of logic classes (through <see cref="IPipelineHost"/>): on standard error in a machine mode, never in front of its JSON.</summary>
        protected void ReportVerbose(string message)
        {
            if (_report != null) MachineMode.TellVerbose(this, message);
            else WriteVerbose(message);
        }

        /// <summary>
        /// The pipeline as logic classes see it (<see cref="IPipelineHost"/>): callable from any
        /// thread. Made inside <see cref="Run"/>, on the pipeline thread.
        /// </summary>
        internal IPipelineHost PipelineHostFor(Func<string, string, bool> shouldProcess)
        {
            PullProgressView pull = null;
            if (_report != null) return new ReportHost(_report, new PipelineHost(shouldProcess, ReportVerbose, ReportWarning, WriteFailure, _ => { }));
            return new PipelineHost(shouldProcess, ReportVerbose, ReportWarning, WriteFailure, WriteProgress,
                image => (pull = new PullProgressView(this, image)).Report,
                () => pull?.Complete());
        }

        /// <summary>
        /// ShouldProcess that -Force answers, as Remove-VM -Force does: no prompt, even under
        /// -NonInteractive or redirected input. -WhatIf still only describes, and an explicit
        /// -Confirm still asks.
        /// </summary>
        protected bool ShouldProcessUnlessForced(bool force, string target, string action)
        {
            bool asked = MyInvocation.BoundParameters.TryGetValue("Confirm", out object confirm) && ((SwitchParameter)confirm).IsPresent;
            if (!force || asked || WhatIfRequested()) return ShouldProcess(target, action);
            WriteVerbose($"Performing the operation \"{action}\" on target \"{target}\" (-Force: not asked).");
            return true;
        }

        protected bool WhatIfRequested() =>
            MyInvocation.BoundParameters.TryGetValue("WhatIf", out object whatIf)
                ? ((SwitchParameter)whatIf).IsPresent
                : LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));

        public virtual void Dispose() => _stopping.Dispose();
    }
}

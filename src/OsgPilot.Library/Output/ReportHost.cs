using System;
using System.Management.Automation;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Threading;

namespace OsgPilot.Output
{
    /// <summary>
    /// The pipeline host of a machine mode (-AsJson): warnings and failures go into the run's
    /// report, progress nowhere (nobody watches), and only ShouldProcess and verbose text go to the
    /// cmdlet, through <paramref name="cmdlet"/>. Callable from any thread.
    /// </summary>
    internal sealed class ReportHost : IPipelineHost
    {
        private readonly RunReport _report;
        private readonly IPipelineHost _cmdlet;

        public ReportHost(RunReport report, IPipelineHost cmdlet)
        {
            _report = report;
            _cmdlet = cmdlet;
        }

        public Task<bool> ShouldProcessAsync(string target, string action) => _cmdlet.ShouldProcessAsync(target, action);

        public void Verbose(string text) => _cmdlet.Verbose(text);

        public void Warning(string text) => _report.Warn(text);

        public void Failure(OsgPilotException e) => _report.Failed(e);

        public void Progress(ProgressRecord record)
        {
        }

        public IProgress<PullProgress> PullStarted(string image) => null;

        public void PullDone()
        {
        }
    }
}

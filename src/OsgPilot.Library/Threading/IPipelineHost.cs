using System;
using System.Management.Automation;
using OsgPilot.Errors;
using System.Threading.Tasks;

namespace OsgPilot.Threading
{
    /// <summary>
    /// The only way logic classes speak to their cmdlet's pipeline. Every member may be called from
    /// any thread: <see cref="PipelineHost"/> carries the call to the pipeline thread, so no
    /// correctness rests on where an <c>await</c> happened to resume.
    /// </summary>
    internal interface IPipelineHost
    {
        /// <summary>ShouldProcess, answered on the pipeline thread (a prompt or a -WhatIf line).</summary>
        Task<bool> ShouldProcessAsync(string target, string action);
        void Verbose(string text);
        void Warning(string text);
        void Failure(OsgPilotException e);
        void Progress(ProgressRecord record);
        /// <summary>Where pull progress of <paramref name="image"/> goes, until <see cref="PullDone"/>.</summary>
        IProgress<Docker.PullProgress> PullStarted(string image);
        void PullDone();
    }
}

using System;
using System.Collections.Generic;
using System.Linq;

namespace OsgPilot.Activity
{
    /// <summary>How a job on a pilot ended.</summary>
    public enum JobOutcome
    {
        /// <summary>Still running (its starter has not exited).</summary>
        Running,
        /// <summary>The starter exited with status 0.</summary>
        Succeeded,
        /// <summary>The starter exited with a status other than 0.</summary>
        Failed,
        /// <summary>The starter died on a signal.</summary>
        Killed,
        /// <summary>The pilot restarted or vanished under the job: its logs never said how it ended.</summary>
        Lost,
    }

    /// <summary>A span of time a slot was busy with a job (End null while it still is).</summary>
    internal struct BusySpan
    {
        public DateTime Start;
        public DateTime? End;

        public BusySpan(DateTime start, DateTime? end)
        {
            Start = start;
            End = end;
        }

        /// <summary>Seconds of this span inside [from, to]; an open span counts up to <paramref name="openEnd"/>.</summary>
        public double SecondsWithin(DateTime from, DateTime to, DateTime openEnd)
        {
            DateTime end = End ?? openEnd;
            DateTime a = Start > from ? Start : from;
            DateTime b = end < to ? end : to;
            return b > a ? (b - a).TotalSeconds : 0;
        }
    }

    /// <summary>One job a pilot ran, as its StartLog and startd_history tell it.</summary>
    internal sealed class PilotJob
    {
        public string Slot { get; set; }
        /// <summary>"Cluster.Proc", or null when the log never named it.</summary>
        public string JobId { get; set; }
        public DateTime Started { get; set; }
        public DateTime? Finished { get; set; }
        public JobOutcome Outcome { get; set; } = JobOutcome.Running;
        /// <summary>The exit status (Succeeded, Failed) or the signal (Killed).</summary>
        public int? Code { get; set; }
        /// <summary>CPUs of the slot (from the history ad; 1 until it is known).</summary>
        public int Cpus { get; set; } = 1;
        public List<BusySpan> Busy { get; } = new List<BusySpan>();
        /// <summary>The last time its pilot's log said anything: where a lost job's open span ends.</summary>
        public DateTime LastSeen { get; set; }
        /// <summary>The container (short id) the job ran in.</summary>
        public string Container { get; set; }

        public bool IsOpen => Outcome == JobOutcome.Running;

        /// <summary>Ends the job as lost at <see cref="LastSeen"/>: its pilot restarted or is gone.</summary>
        public void MarkLost()
        {
            Outcome = JobOutcome.Lost;
            Finished = LastSeen > Started ? LastSeen : Started;
            CloseSpans(Finished.Value);
        }

        public void CloseSpans(DateTime at)
        {
            for (int i = 0; i < Busy.Count; i++)
            {
                if (Busy[i].End == null) Busy[i] = new BusySpan(Busy[i].Start, at > Busy[i].Start ? at : Busy[i].Start);
            }
        }

        public double BusySeconds(DateTime from, DateTime to, DateTime openEnd) => Busy.Sum(s => s.SecondsWithin(from, to, openEnd));

        /// <summary>The same job read twice (re-harvested, or once from the StartLog and once from the history after rotation).</summary>
        public bool SameAs(PilotJob other)
        {
            if (JobId != null && other.JobId != null)
            {
                return JobId == other.JobId && Math.Abs((Started - other.Started).TotalSeconds) <= SameStartSeconds;
            }
            return Slot == other.Slot && Started == other.Started;
        }

        /// <summary>The history ad's JobCurrentStartDate (whole seconds) and the StartLog's activation line differ by a moment.</summary>
        internal const double SameStartSeconds = 5;
    }
}

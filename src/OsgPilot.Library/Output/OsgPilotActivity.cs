using System;

namespace OsgPilot
{
    /// <summary>What a pilot (or, with -Total, every pilot asked about) did in a window of time.</summary>
    public sealed class OsgPilotActivity
    {
        /// <summary>The pilot's name; "(total)" for the sum of several.</summary>
        public string Name { get; set; }
        /// <summary>How many pilots the numbers are for (1 for a pilot).</summary>
        public int Pilots { get; set; }
        public string DockerHost { get; set; }
        public string Context { get; set; }
        public string Site { get; set; }
        public string ResourceName { get; set; }
        /// <summary>Engine state (running, exited, ...), or "removed" for a pilot only its ledger remembers.</summary>
        public string State { get; set; }
        /// <summary>Running, not draining, and its startd's slots let jobs in (validated): it can take a job now. Null when its log has not said yet.</summary>
        public bool? Accepting { get; set; }
        /// <summary>stop-glidein.stamp is in /pilot: it takes no new jobs and exits once idle.</summary>
        public bool? Draining { get; set; }

        /// <summary>The window: from Since to AsOf.</summary>
        public DateTime Since { get; set; }
        public DateTime AsOf { get; set; }

        public int JobsStarted { get; set; }
        /// <summary>Jobs whose starter ended in the window: JobsSucceeded + JobsFailed + JobsKilled.</summary>
        public int JobsFinished { get; set; }
        /// <summary>Exit status 0.</summary>
        public int JobsSucceeded { get; set; }
        /// <summary>An exit status other than 0.</summary>
        public int JobsFailed { get; set; }
        /// <summary>Died on a signal.</summary>
        public int JobsKilled { get; set; }
        /// <summary>The pilot restarted or vanished under them: no log says how they ended.</summary>
        public int JobsLost { get; set; }
        /// <summary>Slots running a job now.</summary>
        public int SlotsBusy { get; set; }
        /// <summary>Seconds slots were busy with jobs in the window (running jobs count up to AsOf).</summary>
        public double BusySeconds { get; set; }
        /// <summary>Busy time times each job's CPUs, in hours: what the pilot gave the pool.</summary>
        public double CoreHours { get; set; }
        public DateTime? LastJobStart { get; set; }
        /// <summary>Each finished job's end, e.g. "exit 0", "exit 1", "signal 9", with counts.</summary>
        public OsgPilotJobEnd[] Ends { get; set; }
        /// <summary>Busy seconds and jobs per slot name.</summary>
        public OsgPilotSlotActivity[] Slots { get; set; }

        public override string ToString() => Name;
    }

    /// <summary>How many jobs ended one way.</summary>
    public sealed class OsgPilotJobEnd
    {
        /// <summary>"exit N", "signal N" or "lost".</summary>
        public string How { get; set; }
        public int Count { get; set; }
        public override string ToString() => $"{How}: {Count}";
    }

    /// <summary>One slot's share of a pilot's activity.</summary>
    public sealed class OsgPilotSlotActivity
    {
        public string Slot { get; set; }
        public int JobsStarted { get; set; }
        public double BusySeconds { get; set; }
        public override string ToString() => $"{Slot}: {BusySeconds:0} s";
    }
}

using System;

namespace OsgPilot.Reconcile
{
    /// <summary>
    /// What a caller asks of the one planner. Start-OsgPilot: these pilots run, a drain is taken back,
    /// a different configuration is replaced only with -Force. Sync-OsgPilot: Count pilots on the
    /// current image and configuration, older ones drained a few at a time, surplus ones retired.
    /// </summary>
    internal sealed class ReconcilePolicy
    {
        public string Caller { get; private set; }
        /// <summary>Replace outdated pilots now, running ones too (their jobs stop).</summary>
        public bool Force { get; private set; }
        /// <summary>Pilots on another configuration are brought to this one (drained first unless Force); false: refused unless Force.</summary>
        public bool Converge { get; private set; }
        /// <summary>A running pilot on an image other than the tag's current one is outdated.</summary>
        public bool RollImage { get; private set; }
        /// <summary>A start means "take jobs": a drained pilot of the wanted spec is undrained.</summary>
        public bool Undrain { get; private set; }
        /// <summary>How many pilots may be unavailable (draining, or down) before a roll-out drains another.</summary>
        public int MaxDraining { get; private set; }
        /// <summary>Instances of the config beyond Count are drained, then removed.</summary>
        public bool RetireSurplus { get; private set; }
        /// <summary>Pull the image when older than this (null: only when missing).</summary>
        public TimeSpan? MaxImageAge { get; private set; }

        public static ReconcilePolicy ForStart(bool force) => new ReconcilePolicy
        {
            Caller = "Start-OsgPilot", Force = force, Converge = force, Undrain = true,
        };

        public static ReconcilePolicy ForSync(int maxDraining, bool force, TimeSpan maxImageAge) => new ReconcilePolicy
        {
            Caller = "Sync-OsgPilot", Force = force, Converge = true, RollImage = true, MaxDraining = maxDraining,
            RetireSurplus = true, MaxImageAge = maxImageAge,
        };

        /// <summary>A quarter of Count, at least 1.</summary>
        public static int DefaultMaxDraining(int count) => Math.Max(1, count / 4);
    }
}

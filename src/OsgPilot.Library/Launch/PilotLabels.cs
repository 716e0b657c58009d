namespace OsgPilot.Launch
{
    /// <summary>The labels that mark a container as an OsgPilot pilot and carry what listing needs.</summary>
    internal static class PilotLabels
    {
        private const string Prefix = "org.osg-htc.osgpilot.";
        public const string Managed = Prefix + "managed";
        public const string Site = Prefix + "site";
        public const string Resource = Prefix + "resource";
        public const string ConfigHash = Prefix + "config-hash";
        public const string ModuleVersion = Prefix + "version";
        public const string PilotDirectory = Prefix + "pilot-directory";

        // Swarm services. A task's container carries only Service, never Managed: the container
        // cmdlets must not list, sync or remove what Swarm owns.
        public const string Service = Prefix + "service";
        public const string PerNode = Prefix + "per-node";
        /// <summary>The preflight's short-lived probe jobs.</summary>
        public const string Probe = Prefix + "probe";
        /// <summary>When a probe job may be removed by any later run (ISO 8601, UTC): one its own run could not remove.</summary>
        public const string ProbeExpires = Prefix + "probe-expires";

        /// <summary>The Engine API filter value that selects OsgPilot pilots.</summary>
        public const string ManagedFilter = Managed + "=true";
    }
}

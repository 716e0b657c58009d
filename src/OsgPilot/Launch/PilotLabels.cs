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

        /// <summary>The Engine API filter value that selects OsgPilot pilots.</summary>
        public const string ManagedFilter = Managed + "=true";
    }
}

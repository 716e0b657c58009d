namespace OsgPilot.Errors
{
    /// <summary>The stable ErrorIds OsgPilot emits. Scripts may match on these; never rename one.</summary>
    public static class ErrorIds
    {
        // Configuration
        public const string InvalidSite = "InvalidSite";
        public const string InvalidResourceName = "InvalidResourceName";
        public const string InvalidContainerName = "InvalidContainerName";
        public const string TokenMissing = "TokenMissing";
        public const string TokenSourceConflict = "TokenSourceConflict";
        public const string TokenFileNotFound = "TokenFileNotFound";
        public const string TokenPathIsDirectory = "TokenPathIsDirectory";
        public const string TokenFileUnreadable = "TokenFileUnreadable";
        public const string TokenEmpty = "TokenEmpty";
        public const string TokenFileTooLarge = "TokenFileTooLarge";
        public const string TokenEnvironmentVariableNotSet = "TokenEnvironmentVariableNotSet";
        public const string InvalidTokenEnvironmentVariable = "InvalidTokenEnvironmentVariable";
        public const string TokenNotJwt = "TokenNotJwt";
        public const string TokenExpired = "TokenExpired";
        public const string InvalidSquidLocation = "InvalidSquidLocation";
        public const string InvalidPilotDirectory = "InvalidPilotDirectory";
        public const string InvalidImage = "InvalidImage";
        public const string InvalidCpus = "InvalidCpus";
        public const string InvalidMemory = "InvalidMemory";
        public const string InvalidHours = "InvalidHours";
        public const string InvalidEnvironment = "InvalidEnvironment";
        public const string ReservedEnvironment = "ReservedEnvironment";
        public const string CvmfsModeConflict = "CvmfsModeConflict";
        public const string InvalidCvmfsPath = "InvalidCvmfsPath";
        public const string InvalidCvmfsRepository = "InvalidCvmfsRepository";
        public const string InvalidStartExtra = "InvalidStartExtra";
        public const string InvalidProjectName = "InvalidProjectName";
        public const string SecurityProfileConflict = "SecurityProfileConflict";
        public const string InvalidSeccompProfile = "InvalidSeccompProfile";
        public const string InvalidAppArmorProfile = "InvalidAppArmorProfile";
        public const string InvalidNetwork = "InvalidNetwork";
        public const string InvalidPool = "InvalidPool";
        public const string InvalidCvmfsOption = "InvalidCvmfsOption";
        public const string InvalidExtraAttributes = "InvalidExtraAttributes";
        public const string InvalidContainerDistribution = "InvalidContainerDistribution";
        /// <summary>An ospool-ep.cfg that the RPM's own script would refuse, or that cannot be read.</summary>
        public const string InvalidOspoolEpConfig = "InvalidOspoolEpConfig";
        public const string ConfigFileNotFound = "ConfigFileNotFound";
        public const string ConfigPathIsDirectory = "ConfigPathIsDirectory";
        public const string ConfigFileUnreadable = "ConfigFileUnreadable";
        public const string ConfigFileTooLarge = "ConfigFileTooLarge";
        public const string ConfigFileInvalidJson = "ConfigFileInvalidJson";
        public const string ConfigFileUnsupported = "ConfigFileUnsupported";
        public const string ConfigFileExists = "ConfigFileExists";
        public const string ConfigFileInvalidValue = "ConfigFileInvalidValue";
        public const string ConfigFileWriteFailed = "ConfigFileWriteFailed";

        // Docker engine
        public const string InvalidDockerHost = "InvalidDockerHost";
        public const string DockerContextNotFound = "DockerContextNotFound";
        public const string DockerContextInvalid = "DockerContextInvalid";
        public const string DockerTlsCertificateMissing = "DockerTlsCertificateMissing";
        public const string DockerTlsCertificateInvalid = "DockerTlsCertificateInvalid";
        public const string DockerTlsCertificateExpired = "DockerTlsCertificateExpired";
        public const string DockerTlsServerUntrusted = "DockerTlsServerUntrusted";
        public const string DockerTlsClientRejected = "DockerTlsClientRejected";
        public const string DockerTlsRequired = "DockerTlsRequired";
        public const string DockerSshFailed = "DockerSshFailed";
        public const string DockerEngineUnreachable = "DockerEngineUnreachable";
        public const string DockerConnectionLost = "DockerConnectionLost";
        public const string DockerApiError = "DockerApiError";
        public const string ImagePullFailed = "ImagePullFailed";
        public const string PilotDirectoryNotFound = "PilotDirectoryNotFound";
        public const string PilotDirectoryNotCreated = "PilotDirectoryNotCreated";
        public const string CvmfsPathNotFound = "CvmfsPathNotFound";
        public const string PilotNameInUse = "PilotNameInUse";
        public const string PilotConfigMismatch = "PilotConfigMismatch";
        public const string PilotStartFailed = "PilotStartFailed";
        public const string PilotStartupFailed = "PilotStartupFailed";
        public const string PilotNotReady = "PilotNotReady";
        public const string PilotNotFound = "PilotNotFound";
        public const string PilotRunning = "PilotRunning";
        public const string PilotDrainFailed = "PilotDrainFailed";
        /// <summary>The ospool-ep RPM's container runs on the engine: a start would put two pilots on one scratch directory.</summary>
        public const string OspoolEpRunning = "OspoolEpRunning";
        public const string PreflightFailed = "PreflightFailed";
        /// <summary>Another run of the same config (Start, Sync or a service cmdlet) holds its lock.</summary>
        public const string ConfigRunInProgress = "ConfigRunInProgress";
        /// <summary>The run lock's directory or file cannot be made or opened by this account.</summary>
        public const string RunLockUnavailable = "RunLockUnavailable";
        /// <summary>The engine is busy with the container (removing it): a later run can act.</summary>
        public const string PilotBusy = "PilotBusy";
        public const string SyncFailed = "SyncFailed";
        public const string ScheduleExists = "ScheduleExists";
        public const string ScheduleWriteFailed = "ScheduleWriteFailed";
        /// <summary>A value given to Register-OsgPilotSchedule cannot be written into a unit as it is (a control character), or the command would not read back as given.</summary>
        public const string InvalidScheduleValue = "InvalidScheduleValue";
        /// <summary>A schedule would start a PowerShell that is not installed (one in a package cache).</summary>
        public const string ScheduleShellNotInstalled = "ScheduleShellNotInstalled";
        /// <summary>A schedule would import the module from outside its installed module directories.</summary>
        public const string ScheduleModuleNotInstalled = "ScheduleModuleNotInstalled";
        /// <summary>A unit or task of the schedule's name that Register-OsgPilotSchedule did not write: Unregister leaves it alone.</summary>
        public const string ScheduleNotOurs = "ScheduleNotOurs";
        /// <summary>The scheduler would not stop, disable or delete the schedule (systemctl, schtasks), or a unit file could not be removed.</summary>
        public const string ScheduleRemoveFailed = "ScheduleRemoveFailed";

        // Swarm services
        public const string SwarmNotActive = "SwarmNotActive";
        public const string SwarmNotManager = "SwarmNotManager";
        public const string SwarmApiTooOld = "SwarmApiTooOld";
        /// <summary>The engine has no swarm at all (Podman): pilot services cannot run there.</summary>
        public const string SwarmNotSupportedByEngine = "SwarmNotSupportedByEngine";
        public const string ServiceSettingUnsupported = "ServiceSettingUnsupported";
        public const string InvalidServiceName = "InvalidServiceName";
        public const string InvalidConstraint = "InvalidConstraint";
        public const string ServiceNotFound = "ServiceNotFound";
        public const string ServiceNotOurs = "ServiceNotOurs";
        public const string ServiceUpdateFailed = "ServiceUpdateFailed";
        public const string ServiceNotReady = "ServiceNotReady";

        // Activity and metrics
        /// <summary>The state directory (activity ledgers, the last sync's outcome) cannot be made, read or written.</summary>
        public const string ActivityLedgerUnavailable = "ActivityLedgerUnavailable";
        /// <summary>Another process held a pilot's activity ledger for too long.</summary>
        public const string ActivityLedgerBusy = "ActivityLedgerBusy";
        /// <summary>A pilot's logs could not be read (the engine refused or the host directory is unreadable).</summary>
        public const string ActivityReadFailed = "ActivityReadFailed";
        /// <summary>The metrics file cannot be written (missing directory, permissions, not a .prom name).</summary>
        public const string MetricsWriteFailed = "MetricsWriteFailed";
        public const string InvalidMetricsPath = "InvalidMetricsPath";

        // Squid
        public const string InvalidProbeUri = "InvalidProbeUri";
    }
}

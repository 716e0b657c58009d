using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using OsgPilot.Config;
using OsgPilot.Errors;

namespace OsgPilot.Cmdlets
{
    /// <summary>Builds a validated, immutable pilot configuration.</summary>
    [Cmdlet(VerbsCommon.New, "OsgPilotConfig", DefaultParameterSetName = TokenFileSet)]
    [OutputType(typeof(OsgPilotConfig))]
    public sealed class NewOsgPilotConfigCommand : OsgPilotCmdlet
    {
        private const string TokenFileSet = "TokenFile";
        private const string InlineTokenSet = "InlineToken";
        private const string TokenVariableSet = "TokenVariable";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string Site { get; set; }

        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string ResourceName { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = TokenFileSet, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string TokenPath { get; set; }

        /// <summary>The token as a SecureString, or a PSCredential whose password is the token.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InlineTokenSet)]
        [SecureToken]
        public SecureString Token { get; set; }

        /// <summary>An environment variable that holds the token, read at every start (a scheduler's secret store sets it).</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenVariableSet, ValueFromPipelineByPropertyName = true)]
        public string TokenEnvironmentVariable { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string SquidLocation { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string PilotDirectory { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string StartExtra { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ImageCompleter))]
        public string Image { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string Name { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public int Cpus { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public int MemoryMB { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string ProjectName { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public int AcceptJobsForHours { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public int RetirementHours { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public int AcceptIdleMinutes { get; set; }

        [Parameter]
        public Hashtable Environment { get; set; }

        // The enum parameters keep their values boxed. A field of an OsgPilot.Library value type would make
        // PowerShell's scan of this assembly load the library before ModuleInitializer says where it is.
        private object _restartPolicy, _cvmfsMode, _securityProfile;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public PilotRestartPolicy RestartPolicy
        {
            get => _restartPolicy is PilotRestartPolicy value ? value : default;
            set => _restartPolicy = value;
        }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public CvmfsMode CvmfsMode
        {
            get => _cvmfsMode is CvmfsMode value ? value : default;
            set => _cvmfsMode = value;
        }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string CvmfsPath { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string[] CvmfsRepository { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public SecurityProfile SecurityProfile
        {
            get => _securityProfile is SecurityProfile value ? value : default;
            set => _securityProfile = value;
        }

        /// <summary>A site's own seccomp profile for -SecurityProfile Minimal (OsgPilot's own by default).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string SeccompProfilePath { get; set; }

        /// <summary>The AppArmor profile: 'unconfined' or one loaded on the host; the engine's default when not given.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string AppArmorProfile { get; set; }

        /// <summary>The engine network the pilot joins (docker run --network): host, bridge or a network's name.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string Network { get; set; }

        /// <summary>The pool the pilot joins (POOL): prod-ospool (the image's default), itb-ospool, prod-path-facility, dev-path-facility, or a collector host.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(PoolCompleter))]
        public string Pool { get; set; }

        /// <summary>ENABLE_REMOTE_SYSLOG (on in the image unless given): the pilot sends its token to OSG's registry for a certificate, then its logs to OSG's syslog host.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public bool RemoteSyslog { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string CvmfsCachePath { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string CvmfsLogPath { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string CvmfsConfigPath { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public int CvmfsQuotaMB { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string CvmfsHttpProxy { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string ExtraAttributesPath { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string SingularityBindExtra { get; set; }

        [Parameter]
        public SwitchParameter RandomizeName { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string ContainerDistribution { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string GpuContainerDistribution { get; set; }

        [Parameter]
        public SwitchParameter Gpu { get; set; }

        protected override void ProcessRecord()
        {
            var request = new PilotConfigRequest
            {
                Site = Site,
                ResourceName = ResourceName,
                // An empty -TokenPath (an empty CSV column, say) means "no token" and is reported as TokenMissing.
                TokenPath = string.IsNullOrEmpty(TokenPath) ? null : GetUnresolvedProviderPathFromPSPath(TokenPath),
                Token = Token,
                TokenEnvironmentVariable = TokenEnvironmentVariable,
                SquidLocation = SquidLocation,
                PilotDirectory = PilotDirectory,
                StartExtra = StartExtra,
                Image = Image,
                Name = Name,
                Cpus = Given(nameof(Cpus)) ? Cpus : (int?)null,
                MemoryMB = Given(nameof(MemoryMB)) ? MemoryMB : (int?)null,
                ProjectName = ProjectName,
                AcceptJobsForHours = Given(nameof(AcceptJobsForHours)) ? AcceptJobsForHours : (int?)null,
                RetirementHours = Given(nameof(RetirementHours)) ? RetirementHours : (int?)null,
                AcceptIdleMinutes = Given(nameof(AcceptIdleMinutes)) ? AcceptIdleMinutes : (int?)null,
                Environment = ToDictionary(Environment),
                RestartPolicy = Given(nameof(RestartPolicy)) ? RestartPolicy : (PilotRestartPolicy?)null,
                CvmfsMode = Given(nameof(CvmfsMode)) ? CvmfsMode : (CvmfsMode?)null,
                CvmfsPath = CvmfsPath,
                CvmfsRepository = CvmfsRepository,
                SecurityProfile = Given(nameof(SecurityProfile)) ? SecurityProfile : (SecurityProfile?)null,
                SeccompProfilePath = string.IsNullOrEmpty(SeccompProfilePath) ? null : GetUnresolvedProviderPathFromPSPath(SeccompProfilePath),
                AppArmorProfile = AppArmorProfile,
                Network = string.IsNullOrEmpty(Network) ? null : Network,
                Pool = string.IsNullOrEmpty(Pool) ? null : Pool,
                RemoteSyslog = Given(nameof(RemoteSyslog)) ? RemoteSyslog : (bool?)null,
                CvmfsCachePath = Path(CvmfsCachePath),
                CvmfsLogPath = Path(CvmfsLogPath),
                CvmfsConfigPath = Path(CvmfsConfigPath),
                CvmfsQuotaMB = Given(nameof(CvmfsQuotaMB)) ? CvmfsQuotaMB : (int?)null,
                CvmfsHttpProxy = Given(nameof(CvmfsHttpProxy)) ? CvmfsHttpProxy : null,
                ExtraAttributesPath = Path(ExtraAttributesPath),
                SingularityBindExtra = string.IsNullOrEmpty(SingularityBindExtra) ? null : SingularityBindExtra,
                RandomizeName = RandomizeName.IsPresent,
                ContainerDistribution = string.IsNullOrEmpty(ContainerDistribution) ? null : ContainerDistribution,
                GpuContainerDistribution = string.IsNullOrEmpty(GpuContainerDistribution) ? null : GpuContainerDistribution,
                Gpu = Gpu.IsPresent,
            };
            try
            {
                PilotConfigResult result = PilotConfigBuilder.Build(request);
                foreach (string warning in result.Warnings) WriteWarning(warning);
                WriteVerbose($"Pilot configuration '{result.Config.Name}' for {result.Config.Site}/{result.Config.ResourceName}, token {result.Config.TokenSource.ToLowerInvariant()} (subject {result.TokenInfo.Subject}).");
                WriteObject(result.Config);
            }
            catch (OsgPilotException e)
            {
                WriteFailure(e);
            }
        }

        private bool Given(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        /// <summary>A host path as PowerShell resolves it (relative to the current location), or null.</summary>
        private string Path(string given) => string.IsNullOrEmpty(given) ? null : GetUnresolvedProviderPathFromPSPath(given);

        internal static IDictionary<string, string> ToDictionary(Hashtable table)
        {
            if (table == null) return null;
            var result = new Dictionary<string, string>();
            foreach (DictionaryEntry e in table)
            {
                result[e.Key?.ToString()] = e.Value is bool b ? (b ? "True" : "False") : LanguagePrimitives.ConvertTo<string>(e.Value);
            }
            return result;
        }
    }
}

using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using OsgPilot.Config;
using OsgPilot.Errors;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Reads a config file written by Export-OsgPilotConfig (or by hand), or the ospool-ep RPM's
    /// /etc/osg/ospool-ep.cfg, and validates it like New-OsgPilotConfig.
    /// </summary>
    [Cmdlet(VerbsData.Import, "OsgPilotConfig", DefaultParameterSetName = FileSet)]
    [OutputType(typeof(OsgPilotConfig))]
    public sealed class ImportOsgPilotConfigCommand : OsgPilotCmdlet
    {
        private const string FileSet = "File";
        private const string OspoolEpSet = "OspoolEp";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = FileSet)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>An ospool-ep.cfg of OSG's RPM launcher (/etc/osg/ospool-ep.cfg), read as the RPM runs it.</summary>
        [Parameter(Mandatory = true, ParameterSetName = OspoolEpSet)]
        [ValidateNotNullOrEmpty]
        public string OspoolEpPath { get; set; }

        /// <summary>Token file to use instead of the file's TokenPath.</summary>
        [Parameter]
        public string TokenPath { get; set; }

        /// <summary>Inline token (SecureString or PSCredential), for a config exported without one.</summary>
        [Parameter]
        [SecureToken]
        public SecureString Token { get; set; }

        protected override void ProcessRecord()
        {
            bool rpm = ParameterSetName == OspoolEpSet;
            string path = GetUnresolvedProviderPathFromPSPath(rpm ? OspoolEpPath : Path);
            try
            {
                PilotConfigResult result;
                if (rpm)
                {
                    var imported = new System.Collections.Generic.List<string>();
                    PilotConfigRequest request = OspoolEpFile.Load(path, imported);
                    foreach (string warning in imported) WriteWarning(warning);
                    result = PilotConfigBuilder.Build(WithToken(request, path));
                }
                else
                {
                    result = ConfigFile.Build(path, r => WithToken(r, path), TokenSettings);
                }
                foreach (string warning in result.Warnings) WriteWarning(warning);
                WriteObject(result.Config);
            }
            catch (OsgPilotException e)
            {
                WriteFailure(e);
            }
        }

        /// <summary>The settings -TokenPath and -Token take over from the file.</summary>
        private string[] TokenSettings => TokenPath != null || Token != null ? new[] { "TokenPath", "Token", "TokenEnvironmentVariable" } : new string[0];

        /// <summary>The token given here wins over the file's; a file with no token source needs one.</summary>
        private PilotConfigRequest WithToken(PilotConfigRequest request, string path)
        {
            if (TokenPath != null || Token != null)
            {
                request.TokenPath = TokenPath == null ? null : GetUnresolvedProviderPathFromPSPath(TokenPath);
                request.Token = Token;
                request.TokenEnvironmentVariable = null;
            }
            else if (request.TokenPath == null && request.TokenEnvironmentVariable == null)
            {
                throw new OsgPilotException(ErrorIds.TokenMissing, ErrorCategory.InvalidArgument,
                    $"The config file '{path}' names no token source (it was exported from an inline token); give -TokenPath or -Token.", path);
            }
            return request;
        }
    }
}

using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using OsgPilot.Config;
using OsgPilot.Errors;

namespace OsgPilot.Cmdlets
{
    /// <summary>Reads a config file written by Export-OsgPilotConfig (or by hand) and validates it like New-OsgPilotConfig.</summary>
    [Cmdlet(VerbsData.Import, "OsgPilotConfig")]
    [OutputType(typeof(OsgPilotConfig))]
    public sealed class ImportOsgPilotConfigCommand : OsgPilotCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>Token file to use instead of the file's TokenPath.</summary>
        [Parameter]
        public string TokenPath { get; set; }

        /// <summary>Inline token (SecureString or PSCredential), for a config exported without one.</summary>
        [Parameter]
        [SecureToken]
        public SecureString Token { get; set; }

        protected override void ProcessRecord()
        {
            string path = GetUnresolvedProviderPathFromPSPath(Path);
            try
            {
                PilotConfigRequest request = ConfigFile.Load(path);
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
                PilotConfigResult result = PilotConfigBuilder.Build(request);
                foreach (string warning in result.Warnings) WriteWarning(warning);
                WriteObject(result.Config);
            }
            catch (OsgPilotException e)
            {
                WriteFailure(e);
            }
        }
    }
}

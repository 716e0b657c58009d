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
                if (!File.Exists(path))
                {
                    throw new OsgPilotException(ErrorIds.ConfigFileNotFound, ErrorCategory.ObjectNotFound, $"The config file '{path}' does not exist.", path);
                }
                PilotConfigRequest request = ConfigFile.Deserialize(File.ReadAllText(path), path);
                // A relative token path in a file means: relative to that file, wherever the importer runs.
                if (request.TokenPath != null && !System.IO.Path.IsPathRooted(request.TokenPath))
                {
                    request.TokenPath = System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path), request.TokenPath));
                }
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
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                WriteFailure(new OsgPilotException(ErrorIds.ConfigFileNotFound, ErrorCategory.ReadError, $"Cannot read the config file '{path}': {e.Message}", path));
            }
        }
    }
}

using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using OsgPilot.Config;
using OsgPilot.Errors;

namespace OsgPilot.Cmdlets
{
    /// <summary>Writes a config to a JSON file (never the token), atomically (see <see cref="ConfigFileWriter"/>).</summary>
    [Cmdlet(VerbsData.Export, "OsgPilotConfig", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportOsgPilotConfigCommand : OsgPilotCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>The config; -InputObject, as Export-Csv and Export-Clixml call it, works too.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [Alias("InputObject")]
        public OsgPilotConfig Config { get; set; }

        /// <summary>Overwrite an existing file.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private bool _written;

        protected override void ProcessRecord()
        {
            string path = GetUnresolvedProviderPathFromPSPath(Path);
            if (_written)
            {
                WriteFailure(new OsgPilotException(ErrorIds.ConfigFileExists, ErrorCategory.InvalidOperation,
                    "Export-OsgPilotConfig writes one config per file; more than one config came down the pipeline.", path));
                return;
            }
            if (File.Exists(path) && !Force.IsPresent)
            {
                WriteFailure(new OsgPilotException(ErrorIds.ConfigFileExists, ErrorCategory.ResourceExists,
                    $"The file '{path}' exists; use -Force to overwrite it.", path));
                return;
            }
            if (Directory.Exists(path))
            {
                WriteFailure(new OsgPilotException(ErrorIds.ConfigFileExists, ErrorCategory.InvalidArgument,
                    $"'{path}' is a directory; give a file path.", path));
                return;
            }
            string directory = System.IO.Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
            {
                WriteFailure(new OsgPilotException(ErrorIds.ConfigFileWriteFailed, ErrorCategory.ObjectNotFound,
                    $"Cannot write '{path}': the directory '{directory}' does not exist.", path));
                return;
            }
            if (Config.TokenSource == "Inline")
            {
                WriteWarning("The config holds an inline token, which is not exported; Import-OsgPilotConfig will need -TokenPath or -Token (or build the config with -TokenEnvironmentVariable).");
            }
            if (!ShouldProcess(path, "Export OsgPilot config")) return;

            try
            {
                ConfigFileWriter.Write(path, ConfigFile.Serialize(Config), Force.IsPresent);
                _written = true;
            }
            catch (OsgPilotException e)
            {
                WriteFailure(e);
                return;
            }
            if (PassThru.IsPresent) WriteObject(new FileInfo(path));
        }
    }
}

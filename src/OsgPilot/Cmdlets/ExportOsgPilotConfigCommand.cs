using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using OsgPilot.Config;
using OsgPilot.Errors;

namespace OsgPilot.Cmdlets
{
    /// <summary>Writes a config to a JSON file (never the token), atomically.</summary>
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

            // Write beside the target, then move: an interrupted export never leaves a truncated file.
            string temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
            try
            {
                File.WriteAllText(temp, ConfigFile.Serialize(Config), new UTF8Encoding(false));
                if (File.Exists(path)) File.Replace(temp, path, null);
                else File.Move(temp, path);
                _written = true;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                if (File.Exists(temp)) File.Delete(temp);
                // The message names our temporary file; the user knows only the path they gave.
                WriteFailure(new OsgPilotException(ErrorIds.ConfigFileWriteFailed, ErrorCategory.WriteError, $"Cannot write '{path}': {e.Message.Replace(temp, path)}", path));
                return;
            }
            if (PassThru.IsPresent) WriteObject(new FileInfo(path));
        }
    }
}

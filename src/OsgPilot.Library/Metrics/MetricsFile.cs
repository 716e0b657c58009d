using System;
using System.IO;
using System.Management.Automation;
using OsgPilot.Config;
using OsgPilot.Errors;

namespace OsgPilot.Metrics
{
    /// <summary>Writes the metrics file where a textfile collector reads it: a *.prom name, replaced whole.</summary>
    internal static class MetricsFile
    {
        /// <summary>Refuses a path a textfile collector would never read, before any work is done.</summary>
        public static string Check(string path)
        {
            if (!path.EndsWith(".prom", StringComparison.Ordinal))
            {
                throw new OsgPilotException(ErrorIds.InvalidMetricsPath, ErrorCategory.InvalidArgument,
                    $"The metrics file '{path}' must end in .prom: node_exporter's and windows_exporter's textfile collectors read only *.prom files.", path);
            }
            string dir = Path.GetDirectoryName(path);
            if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir))
            {
                throw new OsgPilotException(ErrorIds.InvalidMetricsPath, ErrorCategory.ObjectNotFound,
                    $"The directory of the metrics file '{path}' does not exist; give the textfile collector's directory (node_exporter --collector.textfile.directory).", path);
            }
            return path;
        }

        public static void Write(string path, string text)
        {
            try
            {
                AtomicFile.Write(path, text);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new OsgPilotException(ErrorIds.MetricsWriteFailed, ErrorCategory.WriteError, $"Cannot write the metrics file '{path}': {e.Message.TrimEnd('.')}.", path);
            }
        }
    }
}

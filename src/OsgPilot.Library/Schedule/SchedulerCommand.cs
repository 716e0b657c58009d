using System.Diagnostics;
using System.Management.Automation;
using System.Threading.Tasks;
using OsgPilot.Errors;

namespace OsgPilot.Schedule
{
    /// <summary>The scheduler's own programs (systemctl, schtasks), run without a shell; a failure is an error naming the command and what it said.</summary>
    internal static class SchedulerCommand
    {
        /// <param name="errorId">The ErrorId of a failure (what the cmdlet was doing).</param>
        public static string Run(string errorId, string program, params string[] arguments)
        {
            // Every argument is a verb, a switch, a unit or task name (ScheduleNames.Pattern) or a path OsgPilot made: quoted for CommandLineToArgvW, which .NET's own split follows on Unix too.
            string line = program + " " + string.Join(" ", arguments);
            var psi = new ProcessStartInfo(program, string.Join(" ", System.Linq.Enumerable.Select(arguments, SyncSchedule.WindowsQuote)))
            {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            try
            {
                using (Process p = Process.Start(psi))
                {
                    Task<string> output = p.StandardOutput.ReadToEndAsync();
                    string error = p.StandardError.ReadToEnd().Trim();
                    p.WaitForExit();
                    if (p.ExitCode == 0) return output.Result;
                    throw new OsgPilotException(errorId, ErrorCategory.InvalidOperation, $"'{line}' failed (exit code {p.ExitCode}): {error}", line);
                }
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new OsgPilotException(errorId, ErrorCategory.NotInstalled, $"Could not run '{line}': {e.Message.TrimEnd('.')}.", line);
            }
        }
    }
}

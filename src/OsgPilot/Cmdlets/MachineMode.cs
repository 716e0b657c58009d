using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Errors;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// What -AsJson does beyond its document: text for people goes to standard error (never in front of
    /// the JSON), and the exit code reaches $LASTEXITCODE and, in a PowerShell process started to run
    /// one command non-interactively (a scheduler's), the process itself.
    /// </summary>
    internal static class MachineMode
    {
        /// <summary>
        /// Ends the run: the exit code in $LASTEXITCODE, and the errors where the caller reads them.
        /// A PowerShell process started to run one command non-interactively (a scheduler's) gets them
        /// as plain lines on standard error and ends with the code. Any other session keeps running
        /// (a cmdlet must never close it) and gets them as ErrorRecords, so $? is false there too.
        /// </summary>
        public static void Finish(PSCmdlet cmdlet, int code, IEnumerable<OsgPilotException> errors)
        {
            cmdlet.SessionState.PSVariable.Set("global:LASTEXITCODE", code);
            if (IsNonInteractiveProcess(Environment.GetCommandLineArgs()))
            {
                foreach (OsgPilotException e in errors) Console.Error.WriteLine($"OsgPilot: {e.ErrorId}: {e.Message}");
                cmdlet.Host.SetShouldExit(code);
            }
            else
            {
                foreach (OsgPilotException e in errors) cmdlet.WriteError(e.ToErrorRecord());
            }
        }

        /// <summary>
        /// True when PowerShell was started with -NonInteractive (any abbreviation PowerShell accepts,
        /// from -noni) and without -NoExit, before its -Command or -File, which end its own switches.
        /// </summary>
        internal static bool IsNonInteractiveProcess(string[] args)
        {
            bool nonInteractive = false;
            foreach (string arg in args.Skip(1))
            {
                string a = arg.TrimStart('-', '/').ToLowerInvariant();
                if (arg.Length == a.Length) continue; // not a switch: a value of the one before
                if (IsPrefixOf(a, "noexit", 4)) return false; // the session stays for a person
                if (IsPrefixOf(a, "noninteractive", 4)) nonInteractive = true;
                else if (IsPrefixOf(a, "command", 1) || IsPrefixOf(a, "file", 1) || IsPrefixOf(a, "encodedcommand", 1) || a == "ec") break;
            }
            return nonInteractive;
        }

        private static bool IsPrefixOf(string a, string word, int min) => a.Length >= min && word.StartsWith(a, StringComparison.Ordinal);

        public static void TellVerbose(PSCmdlet cmdlet, string message)
        {
            bool asked = cmdlet.MyInvocation.BoundParameters.TryGetValue("Verbose", out object v)
                ? ((SwitchParameter)v).IsPresent
                : (cmdlet.SessionState.PSVariable.GetValue("VerbosePreference") is ActionPreference p && p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore);
            if (asked) Console.Error.WriteLine("VERBOSE: " + message);
        }
    }
}

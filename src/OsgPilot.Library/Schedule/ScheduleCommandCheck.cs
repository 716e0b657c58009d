using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using OsgPilot.Errors;

namespace OsgPilot.Schedule
{
    /// <summary>
    /// Reads a schedule's command back with PowerShell's parser before any unit is written: exactly two
    /// statements, `Import-Module 'MODULE'` and `Sync-OsgPilot` with its known parameters, every argument
    /// a constant equal to what the schedule was given. A value that quoting failed to contain would show
    /// here as another statement, a variable, a subexpression or a changed argument.
    /// </summary>
    internal static class ScheduleCommandCheck
    {
        private static readonly HashSet<string> SyncParameters = new HashSet<string>(StringComparer.Ordinal)
        {
            "ConfigPath", "Count", "MaxImageAgeHours", "DockerHost", "Context", "MetricsPath", "StateDirectory", "ScheduleName", "AsJson",
        };

        public static void Verify(string command, SyncSchedule s)
        {
            ScriptBlockAst ast = Parser.ParseInput(command, out System.Management.Automation.Language.Token[] _, out ParseError[] errors);
            if (errors.Length > 0) throw Refused($"it does not parse ({errors[0].Message})");
            if (ast.ParamBlock != null || ast.BeginBlock != null || ast.ProcessBlock != null || ast.DynamicParamBlock != null || ast.EndBlock == null)
            {
                throw Refused("it is not a plain list of commands");
            }
            List<StatementAst> statements = ast.EndBlock.Statements.ToList();
            if (statements.Count != 2) throw Refused($"it has {statements.Count} statements, not 2");
            CommandAst import = Single(statements[0]);
            CommandAst sync = Single(statements[1]);

            if (import.GetCommandName() != "Import-Module" || import.CommandElements.Count != 2 || Constant(import.CommandElements[1]) != s.Module)
            {
                throw Refused("its first statement is not Import-Module of the module");
            }
            if (sync.GetCommandName() != "Sync-OsgPilot") throw Refused("its second statement is not Sync-OsgPilot");
            var given = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 1; i < sync.CommandElements.Count; i++)
            {
                if (!(sync.CommandElements[i] is CommandParameterAst p) || !SyncParameters.Contains(p.ParameterName) || p.Argument != null || given.ContainsKey(p.ParameterName))
                {
                    throw Refused($"Sync-OsgPilot is given '{sync.CommandElements[i].Extent.Text}'");
                }
                if (p.ParameterName == "AsJson") { given[p.ParameterName] = string.Empty; continue; }
                if (++i >= sync.CommandElements.Count) throw Refused($"-{p.ParameterName} has no value");
                string value = Constant(sync.CommandElements[i]);
                if (value == null) throw Refused($"-{p.ParameterName} is given '{sync.CommandElements[i].Extent.Text}', not a constant");
                given[p.ParameterName] = value;
            }
            var expected = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["ConfigPath"] = s.ConfigPath,
                ["Count"] = s.Count.ToString(CultureInfo.InvariantCulture),
                ["MaxImageAgeHours"] = s.MaxImageAgeHours.ToString(CultureInfo.InvariantCulture),
                ["ScheduleName"] = s.Name,
                ["AsJson"] = string.Empty,
            };
            if (!string.IsNullOrEmpty(s.DockerHost)) expected["DockerHost"] = s.DockerHost;
            if (!string.IsNullOrEmpty(s.Context)) expected["Context"] = s.Context;
            if (!string.IsNullOrEmpty(s.MetricsPath)) expected["MetricsPath"] = s.MetricsPath;
            if (!string.IsNullOrEmpty(s.StateDirectory)) expected["StateDirectory"] = s.StateDirectory;
            if (given.Count != expected.Count || expected.Any(kv => !given.TryGetValue(kv.Key, out string v) || v != kv.Value))
            {
                throw Refused("its arguments do not read back as the values given");
            }
        }

        private static CommandAst Single(StatementAst statement)
        {
            if (statement is PipelineAst pipeline && pipeline.PipelineElements.Count == 1 && pipeline.PipelineElements[0] is CommandAst command &&
                command.InvocationOperator == TokenKind.Unknown && command.Redirections.Count == 0)
            {
                return command;
            }
            throw Refused($"'{statement.Extent.Text}' is not one plain command");
        }

        /// <summary>A single-quoted string or a number, as text; null for anything that runs or expands.</summary>
        private static string Constant(CommandElementAst element)
        {
            if (element is StringConstantExpressionAst s && s.StringConstantType == StringConstantType.SingleQuoted) return s.Value;
            if (element is ConstantExpressionAst c && !(element is StringConstantExpressionAst) && c.Value is int n) return n.ToString(CultureInfo.InvariantCulture);
            return null;
        }

        private static OsgPilotException Refused(string why) =>
            new OsgPilotException(ErrorIds.InvalidScheduleValue, ErrorCategory.InvalidArgument,
                $"The schedule's command would not be what was asked ({why}), so no unit was written. A value given to Register-OsgPilotSchedule holds characters the command cannot carry.", null);
    }
}

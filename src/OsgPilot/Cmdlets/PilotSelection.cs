using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Errors;

namespace OsgPilot.Cmdlets
{
    /// <summary>Matches pilot names against -Name patterns (wildcards allowed). Case-sensitive, as Docker's names are: 'a' and 'A' are two pilots.</summary>
    internal sealed class PilotSelection
    {
        private readonly List<(string Text, WildcardPattern Pattern)> _patterns;

        public PilotSelection(IEnumerable<string> names)
        {
            _patterns = (names ?? Enumerable.Empty<string>())
                .Select(n => (n, WildcardPattern.Get(n, WildcardOptions.None)))
                .ToList();
        }

        public bool IsEmpty => _patterns.Count == 0;

        public bool Matches(string name) => IsEmpty || _patterns.Any(p => p.Pattern.IsMatch(name));

        /// <summary>Names given without wildcards that matched nothing: those are errors; empty wildcard matches are not.</summary>
        public IEnumerable<string> UnmatchedLiterals(IEnumerable<string> found)
        {
            string[] names = found.ToArray();
            return _patterns
                .Where(p => !WildcardPattern.ContainsWildcardCharacters(p.Text) && !names.Any(n => p.Pattern.IsMatch(n)))
                .Select(p => p.Text)
                .Distinct(StringComparer.Ordinal);
        }

        public static OsgPilotException NotFound(string name, bool includedStopped, string engine) =>
            new OsgPilotException(ErrorIds.PilotNotFound, ErrorCategory.ObjectNotFound,
                includedStopped
                    ? $"No OsgPilot pilot named '{name}' was found on {engine}."
                    : $"No running OsgPilot pilot named '{name}' was found on {engine} (use -All to include stopped pilots).",
                name);
    }
}

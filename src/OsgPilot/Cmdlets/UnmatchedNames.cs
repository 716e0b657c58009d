using System;
using System.Collections.Generic;
using System.Linq;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Literal -Name values that matched no pilot on any engine asked about them: with several
    /// engines a pilot is on one of them, so "not found" is said once, after all have answered.
    /// </summary>
    internal sealed class UnmatchedNames
    {
        private readonly Dictionary<string, int> _misses = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _asked = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly List<string> _engines = new List<string>();

        /// <summary>Records one engine's answer: the literals it was asked about and those it lacks.</summary>
        public void Add(string engine, IEnumerable<string> literalsAsked, IEnumerable<string> unmatched)
        {
            _engines.Add(engine);
            foreach (string n in literalsAsked) _asked[n] = _asked.TryGetValue(n, out int a) ? a + 1 : 1;
            foreach (string n in unmatched) _misses[n] = _misses.TryGetValue(n, out int m) ? m + 1 : 1;
        }

        /// <summary>The names every engine asked about lacked, with the engines that answered.</summary>
        public IEnumerable<string> Missing => _misses.Where(m => m.Value == _asked[m.Key]).Select(m => m.Key).OrderBy(n => n, StringComparer.Ordinal);

        /// <summary>The engines that answered, in a stable order (they answer in any order).</summary>
        public string Engines => string.Join(", ", _engines.OrderBy(e => e, StringComparer.Ordinal));
    }
}

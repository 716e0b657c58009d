using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace OsgPilot.Metrics
{
    /// <summary>
    /// The Prometheus text exposition format (version 0.0.4), as node_exporter's and
    /// windows_exporter's textfile collectors read it: each family once, with its HELP and TYPE,
    /// all its samples together; no timestamps (a collector skips files that have them).
    /// </summary>
    internal sealed class PrometheusText
    {
        private sealed class Family
        {
            public string Help;
            public string Type;
            public readonly List<string> Samples = new List<string>();
        }

        private readonly Dictionary<string, Family> _families = new Dictionary<string, Family>(StringComparer.Ordinal);
        private readonly List<string> _order = new List<string>();

        public void Declare(string name, string type, string help)
        {
            if (_families.ContainsKey(name)) return;
            _families[name] = new Family { Help = help, Type = type };
            _order.Add(name);
        }

        /// <summary>One sample of a declared family; labels as name/value pairs, in the order given.</summary>
        public void Add(string name, double value, params (string Name, string Value)[] labels)
        {
            if (!_families.TryGetValue(name, out Family f)) throw new InvalidOperationException($"metric family {name} is not declared");
            var sb = new StringBuilder(name);
            (string Name, string Value)[] present = labels.Where(l => l.Value != null).ToArray();
            if (present.Length > 0)
            {
                sb.Append('{');
                sb.Append(string.Join(",", present.Select(l => l.Name + "=\"" + Escape(l.Value) + "\"")));
                sb.Append('}');
            }
            sb.Append(' ').Append(Format(value));
            f.Samples.Add(sb.ToString());
        }

        public override string ToString()
        {
            var sb = new StringBuilder();
            foreach (string name in _order)
            {
                Family f = _families[name];
                if (f.Samples.Count == 0) continue;
                sb.Append("# HELP ").Append(name).Append(' ').Append(f.Help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n');
                sb.Append("# TYPE ").Append(name).Append(' ').Append(f.Type).Append('\n');
                foreach (string s in f.Samples) sb.Append(s).Append('\n');
            }
            return sb.ToString();
        }

        internal static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

        internal static string Format(double value)
        {
            if (double.IsNaN(value)) return "NaN";
            if (double.IsPositiveInfinity(value)) return "+Inf";
            if (double.IsNegativeInfinity(value)) return "-Inf";
            if (value == Math.Floor(value) && Math.Abs(value) < 1e15) return ((long)value).ToString(CultureInfo.InvariantCulture);
            return value.ToString("R", CultureInfo.InvariantCulture);
        }

        /// <summary>Seconds since the Unix epoch, as Prometheus's *_timestamp_seconds metrics count them (to the millisecond).</summary>
        internal static double Seconds(DateTime t) => new DateTimeOffset(t.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
    }
}

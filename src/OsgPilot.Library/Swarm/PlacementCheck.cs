using System;
using System.Collections.Generic;
using System.Linq;
using OsgPilot.Docker;

namespace OsgPilot.Swarm
{
    /// <summary>
    /// Which nodes placement constraints allow, matched as the swarm matches them (swarmkit's
    /// constraint package): attribute names and values compare case-insensitively, label names
    /// exactly; a missing label is the empty value, so != matches it; an attribute the swarm does
    /// not know matches no node. node.ip is not judged here (it takes CIDRs): such a set is assumed to match.
    /// </summary>
    internal static class PlacementCheck
    {
        private const string NodeLabels = "node.labels.";
        private const string EngineLabels = "engine.labels.";

        /// <summary>Null when some ready, active node may take the tasks; else what is wrong, for a warning.</summary>
        public static string Warning(IReadOnlyList<string> constraints, IReadOnlyList<NodeRecord> nodes)
        {
            if (constraints == null || constraints.Count == 0 || nodes.Count == 0) return null;
            List<NodeRecord> matching = nodes.Where(n => constraints.All(c => Matches(c, n) != false)).ToList();
            string set = string.Join(", ", constraints);
            if (matching.Count == 0)
            {
                return $"no node of the swarm's {nodes.Count} matches the placement constraints ({set}): the swarm accepts the service but runs no pilot. " +
                       "Check the constraints, or the node labels (docker node update --label-add).";
            }
            if (matching.All(n => n.State != "ready" || n.Availability != "active"))
            {
                return $"the {matching.Count} node(s) matching the placement constraints ({set}) are not ready and active (" +
                       string.Join(", ", matching.Select(n => $"{n.Hostname} {n.State}/{n.Availability}")) + "): no pilot runs until one is.";
            }
            return null;
        }

        /// <summary>Whether node <paramref name="n"/> satisfies <paramref name="constraint"/>; null when this cannot judge it.</summary>
        internal static bool? Matches(string constraint, NodeRecord n)
        {
            int op = constraint.IndexOf("==", StringComparison.Ordinal);
            int ne = constraint.IndexOf("!=", StringComparison.Ordinal);
            bool equal = op >= 0 && (ne < 0 || op < ne);
            int at = equal ? op : ne;
            if (at <= 0) return null;
            string key = constraint.Substring(0, at).Trim();
            string value = constraint.Substring(at + 2).Trim();
            string actual;
            if (Is(key, "node.id")) actual = n.Id;
            else if (Is(key, "node.hostname")) actual = n.Hostname;
            else if (Is(key, "node.role")) actual = n.Role;
            else if (Is(key, "node.platform.os")) actual = n.Os;
            else if (Is(key, "node.platform.arch")) actual = n.Architecture;
            else if (Is(key, "node.ip")) return null;
            else if (HasPrefix(key, NodeLabels)) actual = Label(n.Labels, key.Substring(NodeLabels.Length));
            else if (HasPrefix(key, EngineLabels)) actual = Label(n.EngineLabels, key.Substring(EngineLabels.Length));
            else return false;
            bool same = string.Equals(value, actual ?? "", StringComparison.OrdinalIgnoreCase);
            return equal ? same : !same;
        }

        private static bool Is(string key, string name) => string.Equals(key, name, StringComparison.OrdinalIgnoreCase);

        private static bool HasPrefix(string key, string prefix) =>
            key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);

        private static string Label(IDictionary<string, string> labels, string name) =>
            labels != null && labels.TryGetValue(name, out string v) ? v : "";
    }
}

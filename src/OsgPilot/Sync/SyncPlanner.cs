using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using OsgPilot.Docker;
using OsgPilot.Launch;

namespace OsgPilot.Sync
{
    /// <summary>What Sync-OsgPilot does to one pilot.</summary>
    internal enum SyncAction
    {
        None,
        Pulled,
        Created,
        Replaced,
        Draining,
        Removed,
        Failed,
    }

    internal sealed class SyncStep
    {
        public string Name { get; set; }
        /// <summary>The container this name should be; null for a surplus pilot.</summary>
        public ContainerSpec Spec { get; set; }
        public PilotContainer Existing { get; set; }
        public SyncAction Action { get; set; }
        /// <summary>True when the step changes the engine (a drain already under way changes nothing).</summary>
        public bool Changes { get; set; }
        public string Reason { get; set; }
    }

    /// <summary>
    /// Decides how to bring a host to Count pilots of a config on the current image. Pure: the
    /// engine's state comes in, steps come out, so every rule is tested without an engine.
    /// Rules: missing pilots are created; pilots that are not running are replaced on the current
    /// image; running pilots on an older image or config are drained (at most MaxDraining at a time,
    /// counting those already draining) and replaced once they exit, or replaced at once with
    /// Force; surplus pilots are drained, then removed.
    /// </summary>
    internal static class SyncPlanner
    {
        public static IReadOnlyList<SyncStep> Plan(IReadOnlyList<ContainerSpec> desired, IEnumerable<PilotContainer> pilots,
            string stem, string currentImageId, ISet<string> drainedIds, int maxDraining, bool force)
        {
            var byName = pilots.ToDictionary(p => p.Name, StringComparer.Ordinal);
            var wanted = new HashSet<string>(desired.Select(d => d.Name), StringComparer.Ordinal);
            var steps = new List<SyncStep>();
            int draining = desired.Count(d => byName.TryGetValue(d.Name, out PilotContainer p) && IsUp(p) && drainedIds.Contains(p.Id));
            foreach (ContainerSpec spec in desired)
            {
                byName.TryGetValue(spec.Name, out PilotContainer existing);
                var step = new SyncStep { Name = spec.Name, Spec = spec, Existing = existing };
                steps.Add(step);
                if (existing == null)
                {
                    Set(step, SyncAction.Created, true, "missing");
                }
                else if (existing.Label(PilotLabels.Managed) != "true")
                {
                    Set(step, SyncAction.Failed, false, $"A container named '{spec.Name}' exists and is not an OsgPilot pilot; OsgPilot will not touch it.");
                }
                else if (!IsUp(existing))
                {
                    Set(step, SyncAction.Replaced, true, $"{existing.State} ({existing.Status})");
                }
                else if (Outdated(existing, spec, currentImageId) is string why)
                {
                    if (force) Set(step, SyncAction.Replaced, true, why + "; -Force replaces it now");
                    else if (drainedIds.Contains(existing.Id)) Set(step, SyncAction.Draining, false, why + "; draining, replaced once it exits");
                    else if (draining < maxDraining)
                    {
                        draining++;
                        Set(step, SyncAction.Draining, true, why + "; drained now, replaced once it exits");
                    }
                    else Set(step, SyncAction.None, false, why + $"; waits for a drain slot (-MaxDraining {maxDraining})");
                }
                else
                {
                    Set(step, SyncAction.None, false, "running on the current image and configuration");
                }
            }
            foreach (PilotContainer extra in pilots.Where(p => !wanted.Contains(p.Name) && IsInstanceOf(p.Name, stem)).OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                var step = new SyncStep { Name = extra.Name, Existing = extra };
                steps.Add(step);
                if (!IsUp(extra)) Set(step, SyncAction.Removed, true, "surplus, not running");
                else if (drainedIds.Contains(extra.Id)) Set(step, SyncAction.Draining, false, "surplus; draining, removed once it exits");
                else Set(step, SyncAction.Draining, true, "surplus; drained now, removed once it exits");
            }
            return steps;
        }

        /// <summary>Running pilots whose image or config is not the current one: only these need the drain question asked.</summary>
        public static IEnumerable<PilotContainer> NeedingDrainState(IReadOnlyList<ContainerSpec> desired, IEnumerable<PilotContainer> pilots, string stem, string currentImageId)
        {
            var specs = desired.ToDictionary(d => d.Name, StringComparer.Ordinal);
            return pilots.Where(p => IsUp(p) && p.Label(PilotLabels.Managed) == "true" &&
                (specs.TryGetValue(p.Name, out ContainerSpec s) ? Outdated(p, s, currentImageId) != null : IsInstanceOf(p.Name, stem)));
        }

        /// <summary>Whether a container name is the config's own (stem) or one of its -Count instances (stem-N).</summary>
        public static bool IsInstanceOf(string name, string stem) =>
            name == stem || (name.StartsWith(stem + "-", StringComparison.Ordinal) &&
                             Regex.IsMatch(name.Substring(stem.Length + 1), "^[1-9][0-9]{0,2}$", RegexOptions.CultureInvariant));

        // A restarting pilot is crash-looping: it is not up, and replacing it is the repair.
        private static bool IsUp(PilotContainer p) => string.Equals(p.State, "running", StringComparison.OrdinalIgnoreCase);

        private static string Outdated(PilotContainer p, ContainerSpec spec, string currentImageId)
        {
            if (p.Label(PilotLabels.ConfigHash) != spec.ConfigHash) return "runs an older configuration";
            if (currentImageId != null && !string.Equals(p.ImageId, currentImageId, StringComparison.Ordinal)) return "runs an older image";
            return null;
        }

        private static void Set(SyncStep step, SyncAction action, bool changes, string reason)
        {
            step.Action = action;
            step.Changes = changes;
            step.Reason = reason;
        }

        public static int DefaultMaxDraining(int count) => Math.Max(1, count / 4);

        internal static string Describe(SyncStep s) => string.Format(CultureInfo.InvariantCulture, "{0}: {1}", s.Action, s.Reason);
    }
}

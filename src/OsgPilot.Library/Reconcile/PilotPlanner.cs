using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;

namespace OsgPilot.Reconcile
{
    /// <summary>What the planner is told about one engine: the wanted containers and what the engine has.</summary>
    internal sealed class PilotObservation
    {
        public IReadOnlyList<ContainerSpec> Desired { get; set; }
        /// <summary>The config's name: its instances are STEM or STEM-N.</summary>
        public string Stem { get; set; }
        /// <summary>The containers of those names, leftovers already repaired (<see cref="PilotPlanner.PlanLeftovers"/>).</summary>
        public IReadOnlyList<PilotContainer> Containers { get; set; }
        /// <summary>Ids of running or paused pilots with stop-glidein.stamp in /pilot.</summary>
        public ISet<string> Drained { get; set; } = new HashSet<string>(StringComparer.Ordinal);
        /// <summary>Ids of drained pilots whose restart policy would start them again (still drained) after they exit.</summary>
        public ISet<string> DrainRestarts { get; set; } = new HashSet<string>(StringComparer.Ordinal);
        /// <summary>
        /// Ids of drained pilots that an engine unable to change restart policies (Podman before 5.1)
        /// started again after their drain: drained since their start, they take no jobs, so they
        /// count as exited.
        /// </summary>
        public ISet<string> RestartedDrained { get; set; } = new HashSet<string>(StringComparer.Ordinal);
        /// <summary>The image id the tag names now (null: unknown, or the caller does not roll images).</summary>
        public string CurrentImageId { get; set; }
    }

    /// <summary>
    /// The one planner of Start-OsgPilot and Sync-OsgPilot. Pure: the engine's state and a policy
    /// come in, steps come out, so every row of the state table is tested without an engine.
    /// </summary>
    internal static class PilotPlanner
    {
        /// <summary>
        /// What an interrupted replacement left: a half-built replacement is removed; a replaced pilot
        /// whose replacement never took its name gets its name back (and is then planned like any
        /// pilot), one whose replacement did is removed. <paramref name="after"/> is the engine as the
        /// steps leave it.
        /// </summary>
        public static IReadOnlyList<PilotStep> PlanLeftovers(IReadOnlyList<PilotContainer> containers, out IReadOnlyList<PilotContainer> after)
        {
            var steps = new List<PilotStep>();
            var byName = containers.ToDictionary(c => c.Name, StringComparer.Ordinal);
            foreach (PilotContainer c in containers.Where(IsOurs).OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                if (c.Name.EndsWith(PilotNames.ReplacementSuffix, StringComparison.Ordinal))
                {
                    steps.Add(Step(c, PilotAction.RemoveLeftover, "the half-built replacement of an interrupted run"));
                    byName.Remove(c.Name);
                }
                else if (c.Name.EndsWith(PilotNames.PreviousSuffix, StringComparison.Ordinal))
                {
                    string name = c.Name.Substring(0, c.Name.Length - PilotNames.PreviousSuffix.Length);
                    byName.Remove(c.Name);
                    if (byName.ContainsKey(name))
                    {
                        steps.Add(Step(c, PilotAction.RemoveLeftover, "a replaced pilot whose replacement took its place"));
                    }
                    else
                    {
                        steps.Add(Step(c, PilotAction.RestoreName, "a replaced pilot whose replacement never took its place"));
                        byName[name] = Renamed(c, name);
                    }
                }
            }
            after = byName.Values.ToList();
            return steps;
        }

        /// <summary>The running (or paused) pilots whose drain stamp the plan depends on: only these are asked.</summary>
        public static IEnumerable<PilotContainer> NeedingDrainState(PilotObservation o, ReconcilePolicy policy)
        {
            var specs = o.Desired.ToDictionary(d => d.Name, StringComparer.Ordinal);
            return o.Containers.Where(c => IsOurs(c) && (IsUp(c) || IsPaused(c)) &&
                (specs.ContainsKey(c.Name) || (policy.RetireSurplus && PilotNames.IsInstanceOf(c.Name, o.Stem))));
        }

        public static IReadOnlyList<PilotStep> Plan(PilotObservation o, ReconcilePolicy policy)
        {
            var byName = o.Containers.ToDictionary(c => c.Name, StringComparer.Ordinal);
            var wanted = new HashSet<string>(o.Desired.Select(d => d.Name), StringComparer.Ordinal);
            var steps = new List<PilotStep>();

            // A roll-out drains another pilot only while fewer than MaxDraining are unavailable: the
            // ones draining and the ones not running now (their replacement has yet to prove itself).
            int unavailable = o.Desired.Count(d => !byName.TryGetValue(d.Name, out PilotContainer c) || !IsUp(c) || o.Drained.Contains(c.Id));
            foreach (ContainerSpec spec in o.Desired)
            {
                byName.TryGetValue(spec.Name, out PilotContainer c);
                var step = new PilotStep { Name = spec.Name, Spec = spec, Existing = c, Drained = c != null && o.Drained.Contains(c.Id) };
                steps.Add(step);
                PlanWanted(step, o, policy, ref unavailable);
            }
            if (policy.RetireSurplus)
            {
                foreach (PilotContainer c in o.Containers.Where(c => !wanted.Contains(c.Name) && PilotNames.IsInstanceOf(c.Name, o.Stem) && IsOurs(c))
                             .OrderBy(c => c.Name, StringComparer.Ordinal))
                {
                    var step = new PilotStep { Name = c.Name, Existing = c, Drained = o.Drained.Contains(c.Id) };
                    steps.Add(step);
                    PlanSurplus(step, o);
                }
            }
            return steps;
        }

        private static void PlanWanted(PilotStep s, PilotObservation o, ReconcilePolicy policy, ref int unavailable)
        {
            PilotContainer c = s.Existing;
            if (c == null)
            {
                Set(s, PilotAction.Create, "missing");
                return;
            }
            if (!IsOurs(c))
            {
                Refuse(s, ErrorIds.PilotNameInUse, ErrorCategory.ResourceExists,
                    $"A container named '{s.Name}' exists and is not an OsgPilot pilot; OsgPilot will not touch it. Choose another -Name.");
                return;
            }
            string state = (c.State ?? string.Empty).ToLowerInvariant();
            bool sameConfig = c.Label(PilotLabels.ConfigHash) == s.Spec.ConfigHash;
            string outdated = !sameConfig ? "runs an older configuration"
                : policy.RollImage && o.CurrentImageId != null && !string.Equals(c.ImageId, o.CurrentImageId, StringComparison.Ordinal) ? "runs an older image"
                : null;
            switch (state)
            {
                case "removing":
                    Refuse(s, ErrorIds.PilotBusy, ErrorCategory.ResourceBusy,
                        $"The engine is removing the container '{s.Name}'; run again once it is gone.");
                    return;
                case "created":
                    // Never started: a start that did not finish left it (without its token, perhaps).
                    Set(s, PilotAction.Replace, "created, never started");
                    return;
                case "dead":
                    Set(s, PilotAction.Replace, "dead (the engine could not remove or restart it)");
                    return;
                case "running":
                    PlanRunning(s, o, policy, sameConfig, outdated, ref unavailable);
                    return;
                case "paused":
                    if (outdated == null)
                    {
                        s.TakeBackDrain = s.Drained && policy.Undrain;
                        Set(s, PilotAction.Unpause, "paused" + (s.TakeBackDrain ? ", and drained" : string.Empty));
                    }
                    else if (!sameConfig && !policy.Converge) RefuseMismatch(s);
                    else Set(s, PilotAction.Replace, "paused, and " + outdated);
                    return;
                default:
                    // exited (with any code) and restarting (crash-looping): a fresh container, as OSG's
                    // own launcher makes at every start; the start-up watch then says whether it holds.
                    string how = state == "restarting" ? $"crash-looping ({c.Status})" : $"{state} ({c.Status})";
                    if (!sameConfig && !policy.Converge) RefuseMismatch(s);
                    else Set(s, PilotAction.Replace, outdated == null ? how : $"{how}, and {outdated}");
                    return;
            }
        }

        private const string RestartedDrainedReason = "drained, and started again by an engine that cannot change its restart policy (Podman before 5.1), so it takes no jobs";

        private static void PlanRunning(PilotStep s, PilotObservation o, ReconcilePolicy policy, bool sameConfig, string outdated, ref int unavailable)
        {
            // Start undrains instead (the reconciler does not even ask it then).
            if (o.RestartedDrained.Contains(s.Existing.Id) && !policy.Undrain)
            {
                if (!sameConfig && !policy.Converge) RefuseMismatch(s);
                else Set(s, PilotAction.Replace, outdated == null ? RestartedDrainedReason : $"{RestartedDrainedReason}, and {outdated}");
                return;
            }
            if (outdated == null)
            {
                if (!s.Drained) Set(s, PilotAction.Keep, "running on the current image and configuration");
                else if (policy.Undrain) Set(s, PilotAction.Undrain, "drained; a start takes the drain back");
                else if (o.DrainRestarts.Contains(s.Existing.Id)) Set(s, PilotAction.Drain, "drained by hand, and its restart policy would start it drained again: set to \"no\", replaced once it exits");
                else Set(s, PilotAction.AwaitExit, "drained; replaced once it exits");
                return;
            }
            if (!sameConfig && !policy.Converge)
            {
                RefuseMismatch(s);
            }
            else if (policy.Force)
            {
                Set(s, PilotAction.ReplaceRunning, outdated + "; -Force replaces it now");
            }
            else if (s.Drained)
            {
                if (o.DrainRestarts.Contains(s.Existing.Id)) Set(s, PilotAction.Drain, outdated + "; drained, and its restart policy set to \"no\"; replaced once it exits");
                else Set(s, PilotAction.AwaitExit, outdated + "; draining, replaced once it exits");
            }
            else if (unavailable < policy.MaxDraining)
            {
                unavailable++;
                Set(s, PilotAction.Drain, outdated + "; drained now, replaced once it exits");
            }
            else
            {
                Set(s, PilotAction.Hold, outdated + $"; waits until fewer than {policy.MaxDraining} pilot(s) are draining or down (-MaxDraining)");
            }
        }

        private static void PlanSurplus(PilotStep s, PilotObservation o)
        {
            PilotContainer c = s.Existing;
            string state = (c.State ?? string.Empty).ToLowerInvariant();
            if (state == "removing") Set(s, PilotAction.AwaitExit, "surplus; the engine is removing it");
            else if (state != "running") Set(s, PilotAction.Remove, $"surplus, {state}");
            else if (o.RestartedDrained.Contains(c.Id)) Set(s, PilotAction.Remove, "surplus; " + RestartedDrainedReason);
            else if (!s.Drained) Set(s, PilotAction.Drain, "surplus; drained now, removed once it exits");
            else if (o.DrainRestarts.Contains(c.Id)) Set(s, PilotAction.Drain, "surplus and drained; its restart policy set to \"no\"; removed once it exits");
            else Set(s, PilotAction.AwaitExit, "surplus; draining, removed once it exits");
        }

        /// <summary>The names a plan for these specs looks at: each, and its two temporary names.</summary>
        public static IEnumerable<string> NamesToList(IEnumerable<ContainerSpec> desired) =>
            PilotNames.WithTemporaryNames(desired.Select(s => s.Name));

        public static bool IsOurs(PilotContainer c) => c.Label(PilotLabels.Managed) == "true";

        private static bool IsUp(PilotContainer c) => string.Equals(c.State, "running", StringComparison.OrdinalIgnoreCase);

        private static bool IsPaused(PilotContainer c) => string.Equals(c.State, "paused", StringComparison.OrdinalIgnoreCase);

        private static PilotContainer Renamed(PilotContainer c, string name) => new PilotContainer
        {
            Id = c.Id, Name = name, State = c.State, Status = c.Status, Image = c.Image, ImageId = c.ImageId, Created = c.Created, Labels = c.Labels,
        };

        private static PilotStep Step(PilotContainer c, PilotAction action, string reason) =>
            new PilotStep { Name = c.Name, Existing = c, Action = action, Reason = reason };

        private static void Set(PilotStep s, PilotAction action, string reason)
        {
            s.Action = action;
            s.Reason = reason;
        }

        private static void RefuseMismatch(PilotStep s) =>
            Refuse(s, ErrorIds.PilotConfigMismatch, ErrorCategory.ResourceExists,
                $"The pilot '{s.Name}' exists with a different configuration. Use -Force to replace it (its running jobs are stopped), or choose another -Name.");

        private static void Refuse(PilotStep s, string errorId, ErrorCategory category, string message)
        {
            s.Action = PilotAction.Refuse;
            s.Reason = message;
            s.Error = new OsgPilotException(errorId, category, message, s.Name);
        }
    }
}

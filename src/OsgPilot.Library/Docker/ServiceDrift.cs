using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Docker.DotNet.Models;
using OsgPilot.Swarm;

namespace OsgPilot.Docker
{
    /// <summary>One part of a service that differs from what the config makes, said for people.</summary>
    internal sealed class ServiceDifference
    {
        public ServiceDifference(string part, string text)
        {
            Part = part;
            Text = text;
        }

        /// <summary>The part, as Set-OsgPilotService names it: "environment", "limits", "secrets", ...</summary>
        public string Part { get; }
        /// <summary>"environment: X added", "limits: cpus 0.5 instead of cpus 1".</summary>
        public string Text { get; }

        public override string ToString() => Text;
    }

    /// <summary>
    /// Compares the parts of a live service spec that OsgPilot owns with the spec a config makes, so
    /// a hand edit (docker service update --env-add, --limit-cpu, ...) is seen and restored, not
    /// hidden behind an unchanged config-hash label. Values the engine fills in when the spec leaves
    /// them out (a 5 s restart delay, empty reservations) count as left out. Environment values are
    /// never shown, only their names.
    /// </summary>
    internal static class ServiceDrift
    {
        /// <summary>How a secret the spec names but the swarm lost is said: "secrets: NAME missing from the swarm".</summary>
        public const string Missing = " missing from the swarm";

        private static readonly TimeSpan EngineRestartDelay = TimeSpan.FromSeconds(5);

        private static readonly (string Part, Func<ServiceSpec, IEnumerable<string>> Items)[] Parts =
        {
            ("mode", s => One(s.Mode?.Global != null ? "global" : s.Mode?.Replicated != null ? "replicated" : "other")),
            ("image", s => One(C(s)?.Image)),
            ("user", s => One(C(s)?.User)),
            ("command", s => One(string.Join(" ", C(s)?.Command ?? new string[0]) + " / " + string.Join(" ", C(s)?.Args ?? new string[0]))),
            ("hostname", s => One(C(s)?.Hostname)),
            ("container labels", s => (C(s)?.Labels ?? new Dictionary<string, string>()).Select(l => l.Key + "=" + l.Value)),
            ("mounts", s => (C(s)?.Mounts ?? new List<Mount>()).Select(m =>
                $"{m.Type} {m.Source} -> {m.Target}{(m.ReadOnly == true ? " ro" : "")}{(string.IsNullOrEmpty(m.BindOptions?.Propagation) ? "" : " " + m.BindOptions.Propagation)}")),
            ("capabilities", s => (C(s)?.CapabilityAdd ?? new List<string>()).Select(c => "add " + c)
                                  .Concat((C(s)?.CapabilityDrop ?? new List<string>()).Select(c => "drop " + c))),
            ("ulimits", s => (C(s)?.Ulimits ?? new List<Ulimit>()).Select(u => $"{u.Name} {u.Soft}:{u.Hard}")),
            ("stop grace period", s => One(Seconds(C(s)?.StopGracePeriod))),
            ("secrets", s => (C(s)?.Secrets ?? new List<SecretReference>()).Select(r =>
                $"{r.SecretName} -> {r.File?.Name} uid {r.File?.UID} gid {r.File?.GID} mode {Convert.ToString((long)(r.File?.Mode ?? 0), 8)}")),
            ("configs", s => (C(s)?.Configs ?? new List<SwarmConfigReference>()).Select(r => r.ConfigName)),
            ("limits", s => Resources(s.TaskTemplate?.Resources?.Limits?.NanoCPUs, s.TaskTemplate?.Resources?.Limits?.MemoryBytes)
                            .Concat(Some(s.TaskTemplate?.Resources?.Limits?.Pids, "pids"))),
            ("reservations", s => Resources(s.TaskTemplate?.Resources?.Reservations?.NanoCPUs, s.TaskTemplate?.Resources?.Reservations?.MemoryBytes)),
            ("placement", s => (s.TaskTemplate?.Placement?.Constraints ?? new List<string>()).Select(c => c.Trim())
                               .Concat((s.TaskTemplate?.Placement?.Preferences ?? new List<PlacementPreference>()).Select(p => "spread " + p.Spread?.SpreadDescriptor))
                               .Concat(Some((long?)s.TaskTemplate?.Placement?.MaxReplicas, "max replicas per node"))),
            ("restart policy", s => Restart(s.TaskTemplate?.RestartPolicy)),
            ("update policy", s => Update(s.UpdateConfig)),
            ("rollback policy", s => Update(s.RollbackConfig)),
            ("networks", s => (s.TaskTemplate?.Networks ?? new List<NetworkAttachmentConfig>()).Select(n => n.Target)),
            ("ports", s => (s.EndpointSpec?.Ports ?? new List<PortConfig>()).Select(p => $"{p.PublishedPort}:{p.TargetPort}/{p.Protocol}")),
            ("log driver", s => One(s.TaskTemplate?.LogDriver?.Name)),
        };

        /// <summary>
        /// What differs between <paramref name="live"/> and <paramref name="wanted"/>, part by part, and
        /// every secret the live spec names that the swarm no longer has (<paramref name="secretIds"/>):
        /// a task started from it would fail, and a roll-back to it would leave the node without a pilot.
        /// </summary>
        public static IReadOnlyList<ServiceDifference> Compare(ServiceSpec live, ServiceSpec wanted, ICollection<string> secretIds)
        {
            var found = new List<ServiceDifference>();
            foreach ((string part, Func<ServiceSpec, IEnumerable<string>> items) in Parts)
            {
                List<string> have = items(live).Where(i => i != null).Select(i => part == "image" ? WithoutPin(i, C(wanted)?.Image) : i).ToList();
                List<string> want = items(wanted).Where(i => i != null).ToList();
                string text = Describe(part, have, want);
                if (text != null) found.Add(new ServiceDifference(part, text));
            }
            string env = Environment(C(live)?.Env, C(wanted)?.Env);
            if (env != null) found.Add(new ServiceDifference("environment", env));
            List<string> missing = (C(live)?.Secrets ?? new List<SecretReference>())
                .Where(r => r.SecretID == null || !secretIds.Contains(r.SecretID)).Select(r => r.SecretName).ToList();
            if (missing.Count > 0) found.Add(new ServiceDifference("secrets", $"secrets: {string.Join(", ", missing)}{Missing}"));
            return found;
        }

        /// <summary>The differences between the live service and the spec <paramref name="desired"/> makes with the secret <paramref name="secretId"/>.</summary>
        public static IReadOnlyList<ServiceDifference> Find(ServiceRecord live, PilotServiceSpec desired, string secretId, ICollection<string> secretIds) =>
            live.Spec == null ? new ServiceDifference[0] : Compare(live.Spec, ServiceParametersFactory.Create(desired, secretId), secretIds);

        private static string Describe(string part, List<string> have, List<string> want)
        {
            var haveSet = new HashSet<string>(have, StringComparer.Ordinal);
            var wantSet = new HashSet<string>(want, StringComparer.Ordinal);
            if (haveSet.SetEquals(wantSet)) return null;
            List<string> extra = have.Where(i => !wantSet.Contains(i)).Distinct().ToList();
            List<string> lacking = want.Where(i => !haveSet.Contains(i)).Distinct().ToList();
            if (extra.Count > 0 && lacking.Count > 0) return $"{part}: {string.Join(", ", extra)} instead of {string.Join(", ", lacking)}";
            return extra.Count > 0 ? $"{part}: {string.Join(", ", extra)} added" : $"{part}: {string.Join(", ", lacking)} missing";
        }

        /// <summary>Names only: an environment value may be something a site would not print.</summary>
        private static string Environment(IEnumerable<string> live, IEnumerable<string> wanted)
        {
            Dictionary<string, string> have = Variables(live), want = Variables(wanted);
            var what = new List<string>();
            what.AddRange(have.Keys.Where(k => !want.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).Select(k => k + " added"));
            what.AddRange(want.Keys.Where(k => !have.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).Select(k => k + " missing"));
            what.AddRange(want.Keys.Where(k => have.TryGetValue(k, out string v) && v != want[k]).OrderBy(k => k, StringComparer.Ordinal).Select(k => k + " changed"));
            return what.Count == 0 ? null : "environment: " + string.Join(", ", what);
        }

        private static Dictionary<string, string> Variables(IEnumerable<string> env)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string e in env ?? new string[0])
            {
                int eq = e.IndexOf('=');
                if (eq > 0) result[e.Substring(0, eq)] = e.Substring(eq + 1);
                else result[e] = null;
            }
            return result;
        }

        /// <summary>The docker CLI pins the digest on every service update it makes (image:tag@sha256:...): the same image, not a change.</summary>
        private static string WithoutPin(string image, string wanted)
        {
            int at = image.IndexOf("@sha256:", StringComparison.Ordinal);
            return at > 0 && (wanted == null || wanted.IndexOf('@') < 0) ? image.Substring(0, at) : image;
        }

        private static IEnumerable<string> Resources(long? nanoCpus, long? memory) =>
            Some(nanoCpus.HasValue ? nanoCpus / 1e9 : null, "cpus").Concat(Some(memory.HasValue ? memory / (1024.0 * 1024) : null, "memory MiB"));

        private static IEnumerable<string> Restart(SwarmRestartPolicy r)
        {
            if (r == null) yield break;
            yield return "condition " + (r.Condition ?? "any");
            if (r.Delay.HasValue && r.Delay.Value != EngineRestartDelay) yield return "delay " + Seconds(r.Delay);
            if ((r.MaxAttempts ?? 0) != 0) yield return "max attempts " + r.MaxAttempts;
            if (Seconds(r.Window) != null) yield return "window " + Seconds(r.Window);
        }

        private static IEnumerable<string> Update(SwarmUpdateConfig u)
        {
            if (u == null) yield break;
            yield return "parallelism " + u.Parallelism;
            yield return "delay " + Seconds(u.Delay);
            yield return "order " + (u.Order ?? "stop-first");
            yield return "failure action " + (u.FailureAction ?? "pause");
            yield return "monitor " + Seconds(u.Monitor);
            if (u.MaxFailureRatio != 0) yield return "max failure ratio " + Convert.ToString(u.MaxFailureRatio, CultureInfo.InvariantCulture);
        }

        private static global::Docker.DotNet.Models.ContainerSpec C(ServiceSpec s) => s?.TaskTemplate?.ContainerSpec;

        private static IEnumerable<string> One(string value) => string.IsNullOrEmpty(value) ? new string[0] : new[] { value };

        /// <summary>A value the spec sets (0 counts as not set, as the engine reads it), with its name.</summary>
        private static IEnumerable<string> Some(double? value, string name) =>
            value.HasValue && value.Value != 0 ? new[] { name + " " + value.Value.ToString("0.###", CultureInfo.InvariantCulture) } : new string[0];

        private static string Seconds(TimeSpan? t) => t.HasValue && t.Value != TimeSpan.Zero ? t.Value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s" : null;
    }
}

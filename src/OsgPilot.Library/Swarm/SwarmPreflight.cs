using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Reconcile;
using OsgPilot.Preflight;

namespace OsgPilot.Swarm
{
    /// <summary>
    /// Preflight for a swarm: the manager, its nodes, and on every node the pilots would run on, what
    /// the API alone cannot show: whether /cvmfs is there as a shared mount and whether the pilot
    /// directories are there and writable by uid 1000. Those are asked of the nodes themselves, by
    /// two short global jobs of the pilot image that mount what a pilot would; their tasks' outcome,
    /// as the swarm reports it, is the answer. The jobs are removed before this returns.
    /// </summary>
    internal sealed class SwarmPreflight
    {
        private static readonly string[] Terminal = { "complete", "failed", "rejected", "shutdown", "orphaned" };
        /// <summary>How long after its own run's deadline a probe counts as left behind, and any run may remove it.</summary>
        private static readonly TimeSpan ProbeGrace = TimeSpan.FromMinutes(5);
        private readonly DockerGateway _docker;
        private readonly Action<string> _verbose;
        private readonly List<OsgPilotPreflightCheck> _checks = new List<OsgPilotPreflightCheck>();

        public SwarmPreflight(DockerGateway docker, Action<string> verbose = null)
        {
            _docker = docker;
            _verbose = verbose ?? (_ => { });
        }

        public async Task<OsgPilotPreflightResult> RunAsync(OsgPilotConfig config, ServiceOptions options, TimeSpan probeTimeout, CancellationToken ct)
        {
            try
            {
                ServiceSpecMapper.ThrowIfUnsupported(config);
                Pass("Settings", "Every setting of the config can be expressed in a Swarm service.");
            }
            catch (OsgPilotException e)
            {
                Fail("Settings", e.Message);
            }

            SwarmInfo info;
            try
            {
                info = await SwarmGuard.RequireManagerAsync(_docker, ct);
            }
            catch (OsgPilotException e) when (e.ErrorId != ErrorIds.DockerEngineUnreachable && e.ErrorId != ErrorIds.SwarmNotSupportedByEngine)
            {
                // An engine with no swarm at all (Podman) is refused outright, not listed as a failed check.
                Fail("Manager", e.Message);
                return Result(config);
            }
            Pass("Manager", $"'{_docker.Endpoint.Display}' manages an active swarm ({info.Managers} manager(s)), Engine API {info.ApiVersion}.");

            IReadOnlyList<NodeRecord> nodes = await _docker.ListNodesAsync(ct);
            List<NodeRecord> usable = nodes.Where(n => n.State == "ready" && n.Availability == "active").ToList();
            string others = string.Join(", ", nodes.Except(usable).Select(n => $"{Describe(n)} is {n.State}/{n.Availability}"));
            if (usable.Count == 0) Fail("Nodes", $"{nodes.Count} node(s), none ready and active" + (others.Length > 0 ? ": " + others : "") + ".");
            else if (others.Length > 0) Warn("Nodes", $"{nodes.Count} nodes, {usable.Count} ready and active; {others}: no pilot runs there.");
            else Pass("Nodes", $"{nodes.Count} node(s), all ready and active.");
            if (usable.Count == 0) return Result(config);

            await ProbeNodesAsync(config, options, nodes, probeTimeout, ct);
            return Result(config);
        }

        /// <summary>What Apptainer needs, tried on every node with the tasks' own capabilities and environment (see Preflight.ContainerJobsProbe).</summary>
        private static NodeProbe ContainerJobsProbe(OsgPilotConfig config, IReadOnlyList<string> constraints, string suffix)
        {
            ContainerSpec task = PilotContainerMapper.Map(config, 0, 1, ModuleVersion.Value);
            bool pid = JobPolicy.UsesPidNamespaces(task);
            var probe = new NodeProbe { Name = $"osgpilot-probe-jobs-{suffix}", Image = config.Image, User = PilotContainerMapper.PilotUser, Constraints = constraints };
            probe.CapAdd.AddRange(task.CapAdd);
            probe.Environment.AddRange(task.Environment);
            probe.Script = "unshare -U -r -m true || exit 10\n" + (pid ? "unshare -U -r -m -p -f --mount-proc true || exit 11\n" : string.Empty);
            string fix = config.Security == SecurityProfile.Default
                ? "-SecurityProfile Default runs no container jobs; use Capabilities"
                : "a Swarm service cannot be unconfined";
            probe.Meanings[10] = $"Apptainer cannot make its user and mount namespaces under -SecurityProfile {config.SecurityProfile} ({fix}), so the pilot would advertise HAS_SINGULARITY = false";
            probe.Meanings[11] = $"Apptainer can make its user and mount namespaces but not the PID namespace with a new /proc it uses by default ({fix}): " +
                "turn Apptainer's PID namespaces off with -Environment @{ SINGULARITY_DISABLE_PID_NAMESPACES = 'True' }, or the pilot advertises HAS_SINGULARITY = false";
            return probe;
        }

        /// <summary>Exit codes of the pilot-directory probe for a drain stamp: 100 + instance (at most 64 instances, so below 256).</summary>
        private const long StampExitBase = 100;

        private async Task ProbeNodesAsync(OsgPilotConfig config, ServiceOptions options, IReadOnlyList<NodeRecord> nodes, TimeSpan timeout, CancellationToken ct)
        {
            string suffix = Guid.NewGuid().ToString("N").Substring(0, 8);
            var probes = new List<(string Check, NodeProbe Probe)>();
            IReadOnlyList<string> constraints = options.Constraints ?? new string[0];
            if (config.Cvmfs == CvmfsMode.HostMount)
            {
                var cvmfs = new NodeProbe { Name = $"osgpilot-probe-cvmfs-{suffix}", Image = config.Image, User = PilotContainerMapper.PilotUser, Constraints = constraints, Script = "test -d /cvmfs -a -x /cvmfs || exit 10" };
                cvmfs.Binds.Add(new BindMount(config.CvmfsPath, "/cvmfs", propagation: "shared"));
                cvmfs.Meanings[10] = $"{config.CvmfsPath} cannot be entered by the pilot user";
                probes.Add(("CVMFS", cvmfs));
            }
            probes.Add((Preflight.ContainerJobsVerdict.CheckName, ContainerJobsProbe(config, constraints, suffix)));
            if (config.PilotDirectory != null)
            {
                var dirs = new NodeProbe { Name = $"osgpilot-probe-pilotdir-{suffix}", Image = config.Image, User = PilotContainerMapper.PilotUser, Constraints = constraints };
                var script = new List<string>();
                IReadOnlyList<string> names = PilotContainerMapper.InstanceNames(config, options.PerNode);
                for (int i = 0; i < names.Count; i++)
                {
                    string host = PilotContainerMapper.Map(config, i, options.PerNode, ModuleVersion.Value).HostPilotDirectory;
                    string target = "/probe/" + i.ToString(CultureInfo.InvariantCulture);
                    long code = 10 + i;
                    dirs.Binds.Add(new BindMount(host, target));
                    // mktemp -d as uid 1000: exactly what the start-up does ("Creating LOCAL_DIR under /pilot failed").
                    script.Add($"d=$(mktemp -d {target}/osgpilot-probe-XXXXXX) && rmdir \"$d\" || exit {code}");
                    dirs.Meanings[code] = $"{host} is not writable by the pilot user (uid {PilotContainerMapper.PilotUid}): mktemp -d there failed";
                    // A drain stamp left by a drained pilot: every task there would start drained and take no job.
                    long stamped = StampExitBase + i;
                    script.Add($"test ! -e {target}/{DrainStamp.FileName} || exit {stamped}");
                    dirs.Meanings[stamped] = $"{host} holds {DrainStamp.FileName}, left by a drained pilot: the service's pilots there would start drained and take no job (rm {host}/{DrainStamp.FileName})";
                }
                dirs.Script = string.Join("\n", script);
                probes.Add(("Pilot directory", dirs));
            }
            else
            {
                Pass("Pilot directory", "No -PilotDirectory: each pilot uses its container's own /pilot, nothing is needed on the nodes.");
            }
            if (probes.Count == 0) return;

            var ids = new List<string>();
            DateTime expires = DateTime.UtcNow + timeout + ProbeGrace;
            await RemoveExpiredProbesAsync(ct);
            try
            {
                foreach ((string _, NodeProbe p) in probes)
                {
                    p.Expires = expires;
                    ids.Add(await _docker.CreateProbeAsync(p, ct));
                    _verbose($"Created the probe '{p.Name}' on every eligible node");
                }
                IReadOnlyList<TaskRecord> tasks = await WaitForTasksAsync(ids, timeout, ct);
                Dictionary<string, NodeRecord> byId = nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
                for (int i = 0; i < probes.Count; i++)
                {
                    List<TaskRecord> mine = tasks.Where(t => t.ServiceId == ids[i]).ToList();
                    Report(probes[i].Check, probes[i].Probe, mine, byId, nodes.Count, timeout);
                }
            }
            finally
            {
                // Also when interrupted, and also a probe whose create was cut off before its answer
                // came back (so it is found by name); removing the service removes its containers.
                await RemoveProbesAsync(p => ids.Contains(p.Id) || probes.Any(x => x.Probe.Name == p.Name));
            }
        }

        /// <summary>Probes whose runs ended without removing them (killed, the engine gone meanwhile): past their expiry any run may.</summary>
        private Task RemoveExpiredProbesAsync(CancellationToken ct) =>
            RemoveProbesAsync(p => DateTime.TryParse(p.Label(PilotLabels.ProbeExpires), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTime at)
                                   && at.ToUniversalTime() < DateTime.UtcNow, ct);

        private async Task RemoveProbesAsync(Func<ServiceRecord, bool> which, CancellationToken ct = default(CancellationToken))
        {
            try
            {
                foreach (ServiceRecord probe in (await _docker.ListProbesAsync(ct)).Where(which))
                {
                    await _docker.RemoveServiceAsync(probe.Id, ct);
                    _verbose($"Removed the probe '{probe.Name}'");
                }
            }
            catch (OsgPilotException e)
            {
                // Labelled and expiring: the next run removes what this one could not.
                _verbose("Could not remove every probe now: " + e.Message);
            }
        }

        private async Task<IReadOnlyList<TaskRecord>> WaitForTasksAsync(IReadOnlyList<string> ids, TimeSpan timeout, CancellationToken ct)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                IReadOnlyList<TaskRecord> tasks = await _docker.ListTasksAsync(ids, ct);
                // A rejected job task is retried by the swarm: a node is done at its first outcome.
                bool done = ids.All(id => tasks.Any(t => t.ServiceId == id)) &&
                            tasks.GroupBy(t => (t.ServiceId, t.NodeId)).All(g => g.Any(t => Terminal.Contains(t.State)));
                if (done || DateTime.UtcNow >= deadline) return tasks;
                await Task.Delay(TimeSpan.FromMilliseconds(400), ct);
            }
        }

        private void Report(string check, NodeProbe probe, List<TaskRecord> tasks, IReadOnlyDictionary<string, NodeRecord> nodes, int nodeCount, TimeSpan timeout)
        {
            if (tasks.Count == 0)
            {
                Fail(check, $"No node took the probe within {timeout.TotalSeconds:0} s: no node is eligible under the constraints ({string.Join(", ", probe.Constraints)}).");
                return;
            }
            // Per node, its outcome: a completed probe if any, else the first that ended.
            List<TaskRecord> outcomes = tasks.GroupBy(t => t.NodeId, StringComparer.Ordinal)
                .Select(g => g.FirstOrDefault(t => t.State == "complete")
                             ?? g.Where(t => Terminal.Contains(t.State)).OrderBy(t => t.CreatedAt ?? DateTime.MaxValue).FirstOrDefault()
                             ?? g.First())
                .ToList();
            foreach (TaskRecord t in outcomes.OrderBy(t => nodes.TryGetValue(t.NodeId ?? "", out NodeRecord n) ? n.Hostname : "", StringComparer.Ordinal).ThenBy(t => t.NodeId, StringComparer.Ordinal))
            {
                string node = nodes.TryGetValue(t.NodeId ?? "", out NodeRecord n) ? Describe(n) : $"node {Short(t.NodeId)}";
                string name = $"{check} on {node}";
                if (t.State == "complete") Pass(name, $"Checked on the node as uid {PilotContainerMapper.PilotUid}: fine.");
                else if (!Terminal.Contains(t.State)) Warn(name, $"The probe was still '{t.State}' after {timeout.TotalSeconds:0} s" + (t.Error != null ? $": {t.Error}" : "") + " (an image pull on that node?).");
                else if (probe.Meanings.TryGetValue(t.ExitCode, out string meaning) && t.ContainerId != null) Fail(name, meaning + " on this node.");
                else Fail(name, Explain(t.Error ?? t.Message ?? t.State));
            }
            int reached = outcomes.Count;
            if (reached < nodeCount) Pass($"{check}: placement", $"{reached} of {nodeCount} nodes are eligible under the constraints; the others run no pilot and were not probed.");
        }

        /// <summary>The engine's mount errors, said as what to do on the node.</summary>
        internal static string Explain(string error)
        {
            string hint = TaskErrors.Hint(error);
            return hint == null ? "The probe failed there: " + error + "." : $"The swarm could not start the pilot there: {error}. {char.ToUpperInvariant(hint[0])}{hint.Substring(1)}.";
        }

        private static string Describe(NodeRecord n) => $"{n.Hostname} ({Short(n.Id)})";

        private static string Short(string id) => id == null ? "?" : id.Substring(0, Math.Min(12, id.Length));

        private OsgPilotPreflightResult Result(OsgPilotConfig config) =>
            new OsgPilotPreflightResult(config.Name, _checks, _checks.All(c => c.Passed || c.Level != CheckSeverity.Error), _docker.Endpoint.Display, _docker.Endpoint.Context);

        private void Pass(string name, string message) => _checks.Add(new OsgPilotPreflightCheck(name, true, CheckSeverity.Error, message));
        private void Fail(string name, string message) => _checks.Add(new OsgPilotPreflightCheck(name, false, CheckSeverity.Error, message));
        private void Warn(string name, string message) => _checks.Add(new OsgPilotPreflightCheck(name, false, CheckSeverity.Warning, message));
    }
}

using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Launch;

namespace OsgPilot.Preflight
{
    /// <summary>
    /// Can a pilot of this config run the pool's container jobs? A <see cref="PilotProbe"/> tries what
    /// Apptainer needs, as the pilot user under the pilot's own options: a user and a mount namespace,
    /// and (unless the config turns them off) a PID namespace with a new /proc, with the unshare line of
    /// the measurements. It also reads the free space of /tmp, where Apptainer keeps its cache. No network.
    /// </summary>
    internal static class ContainerJobsProbe
    {
        /// <summary>Suffix of the probe container's name (the pilot's name before it).</summary>
        public const string Suffix = ".osgpilot-probe";

        internal const string Script =
            "o=$(unshare -U -r -m true 2>&1); say userns $? \"$o\"\n" +
            "if [ \"$1\" = pid ]; then o=$(unshare -U -r -m -p -f --mount-proc true 2>&1); say pidns $? \"$o\"; fi\n" +
            "say tmpfree 0 \"$(df -Pk /tmp 2>/dev/null | awk 'NR==2 { print $4 }')\"\n";

        /// <summary>The probe container for <paramref name="config"/>: the pilot's spec with the script as its entrypoint.</summary>
        public static ContainerSpec SpecFor(OsgPilotConfig config, string moduleVersion)
        {
            bool pid = JobPolicy.UsesPidNamespaces(PilotContainerMapper.Map(config, 0, 1, moduleVersion));
            return PilotProbe.SpecFor(config, moduleVersion, Suffix, Script, new[] { pid ? "pid" : "nopid" }, "none");
        }

        /// <summary>Runs the probe and judges it; the checks are ContainerJobs and Job disk.</summary>
        public static async Task<IReadOnlyList<OsgPilotPreflightCheck>> RunAsync(DockerGateway docker, OsgPilotConfig config, string moduleVersion, CancellationToken ct)
        {
            ContainerSpec spec = SpecFor(config, moduleVersion);
            Task<EngineHostInfo> info = docker.GetHostInfoAsync(ct);
            Task<EngineVersion> engine = docker.GetEngineAsync(ct);
            ProbeOutcome outcome = await PilotProbe.RunAsync(docker, spec, ct).ConfigureAwait(false);
            return ContainerJobsVerdict.Judge(outcome, config, JobPolicy.UsesPidNamespaces(spec), await info.ConfigureAwait(false), (await engine.ConfigureAwait(false)).IsPodman);
        }
    }
}

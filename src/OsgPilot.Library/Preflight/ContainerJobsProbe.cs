using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;

namespace OsgPilot.Preflight
{
    /// <summary>
    /// Can a pilot of this config run the pool's container jobs? Runs, on the target engine, one
    /// short-lived container of the config's own image, as the pilot user, with the pilot's exact
    /// security options, devices, limits and environment, and tries what Apptainer needs: a user and a
    /// mount namespace, and (unless the config turns them off) a PID namespace with a new /proc. It
    /// also reads the free space of /tmp, where Apptainer keeps its cache. No network, no binds: the
    /// pilot directory and the token are never touched. The container is removed, also after Ctrl+C.
    /// </summary>
    internal static class ContainerJobsProbe
    {
        /// <summary>Suffix of the probe container's name (the pilot's name before it).</summary>
        public const string Suffix = ".osgpilot-probe";
        public const string LinePrefix = "osgpilot-probe";
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

        // POSIX sh (the real image's bash and the stand-in's busybox); the same unshare line as the measurements.
        // Each answer is one line: "osgpilot-probe KEY EXIT MESSAGE".
        internal const string Script =
            "say() { printf '%s %s %s %s\\n' " + LinePrefix + " \"$1\" \"$2\" \"$(printf '%s' \"$3\" | tr '\\n' ' ' | cut -c1-300)\"; }\n" +
            "o=$(unshare -U -r -m true 2>&1); say userns $? \"$o\"\n" +
            "if [ \"$1\" = pid ]; then o=$(unshare -U -r -m -p -f --mount-proc true 2>&1); say pidns $? \"$o\"; fi\n" +
            "say tmpfree 0 \"$(df -Pk /tmp 2>/dev/null | awk 'NR==2 { print $4 }')\"\n";

        /// <summary>The probe container for <paramref name="config"/>: the pilot's spec with the script as its entrypoint.</summary>
        public static ContainerSpec SpecFor(OsgPilotConfig config, string moduleVersion)
        {
            ContainerSpec pilot = PilotContainerMapper.Map(config, 0, 1, moduleVersion);
            bool pid = JobPolicy.UsesPidNamespaces(pilot);
            var probe = new ContainerSpec
            {
                Name = pilot.Name + Suffix,
                Image = pilot.Image,
                User = pilot.User,
                UnconfinedSystemPaths = pilot.UnconfinedSystemPaths,
                AllGpus = pilot.AllGpus,
                NanoCpus = pilot.NanoCpus,
                MemoryBytes = pilot.MemoryBytes,
                NoFileLimit = pilot.NoFileLimit,
                PidsLimit = pilot.PidsLimit,
                RestartPolicy = PilotRestartPolicy.No,
                StopTimeoutSeconds = 1,
                NetworkMode = "none",
                SeccompProfileSource = pilot.SeccompProfileSource,
                Entrypoint = new List<string> { "/bin/sh", "-c", Script, "sh", pid ? "pid" : "nopid" },
            };
            probe.CapAdd.AddRange(pilot.CapAdd);
            probe.SecurityOpt.AddRange(pilot.SecurityOpt);
            probe.Devices.AddRange(pilot.Devices);
            probe.Environment.AddRange(pilot.Environment);
            probe.Labels[PilotLabels.Probe] = "true";
            return probe;
        }

        /// <summary>Runs the probe and judges it; the checks are ContainerJobs and Job disk.</summary>
        public static async Task<IReadOnlyList<OsgPilotPreflightCheck>> RunAsync(DockerGateway docker, OsgPilotConfig config, string moduleVersion, CancellationToken ct)
        {
            ContainerSpec spec = SpecFor(config, moduleVersion);
            Task<EngineHostInfo> info = docker.GetHostInfoAsync(ct);
            Task<EngineVersion> engine = docker.GetEngineAsync(ct);
            try
            {
                // One left by a run that was killed outright: the name is ours, and it is removed first.
                await docker.RemoveAsync(spec.Name, true, ct).ConfigureAwait(false);
            }
            catch (OsgPilotException e) when (e.Category == System.Management.Automation.ErrorCategory.ObjectNotFound)
            {
            }
            ProbeOutcome outcome;
            try
            {
                (long code, IReadOnlyList<string> lines) = await docker.RunHelperAsync(spec, Timeout, 20, ct).ConfigureAwait(false);
                outcome = ProbeOutcome.Parse(code, lines);
            }
            catch (OsgPilotException e) when (e.ErrorId == ErrorIds.DockerApiError)
            {
                // The engine refused the container itself (a device it lacks, a profile it rejects): the pilot would fail the same way.
                outcome = ProbeOutcome.Refused(e.Message);
            }
            return ContainerJobsVerdict.Judge(outcome, config, JobPolicy.UsesPidNamespaces(spec), await info.ConfigureAwait(false), (await engine.ConfigureAwait(false)).IsPodman);
        }
    }
}

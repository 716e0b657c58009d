using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;

namespace OsgPilot.Preflight
{
    /// <summary>
    /// A short-lived container that is the pilot in all but its command: the config's own image, the
    /// pilot user, the pilot's security options, devices, limits and environment; no binds, so neither
    /// the pilot directory nor the token is touched. It runs a POSIX sh script (the real image's bash
    /// and the stand-in's busybox alike) whose answers are lines "osgpilot-probe KEY EXIT MESSAGE".
    /// Removed when done, also after Ctrl+C; one left by a run killed outright is removed by the next.
    /// </summary>
    internal static class PilotProbe
    {
        public const string LinePrefix = "osgpilot-probe";
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
        private const int OutputLines = 40;

        /// <summary>sh function that prints one answer line: say KEY EXIT MESSAGE (the message on one line, at most 300 characters).</summary>
        internal const string Say = "say() { printf '%s %s %s %s\\n' " + LinePrefix + " \"$1\" \"$2\" \"$(printf '%s' \"$3\" | tr '\\n' ' ' | cut -c1-300)\"; }\n";

        /// <summary>The probe container for <paramref name="config"/>, named pilot name + <paramref name="suffix"/>, running <paramref name="script"/> with <paramref name="arguments"/>.</summary>
        public static ContainerSpec SpecFor(OsgPilotConfig config, string moduleVersion, string suffix, string script, IEnumerable<string> arguments, string networkMode)
        {
            ContainerSpec pilot = PilotContainerMapper.Map(config, 0, 1, moduleVersion);
            var probe = new ContainerSpec
            {
                Name = pilot.Name + suffix,
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
                NetworkMode = networkMode,
                SeccompProfileSource = pilot.SeccompProfileSource,
                SeccompProfilePath = pilot.SeccompProfilePath,
                Entrypoint = new List<string> { "/bin/sh", "-c", Say + script, "sh" },
            };
            probe.Entrypoint.AddRange(arguments);
            probe.CapAdd.AddRange(pilot.CapAdd);
            probe.SecurityOpt.AddRange(pilot.SecurityOpt);
            probe.Devices.AddRange(pilot.Devices);
            probe.Environment.AddRange(pilot.Environment);
            probe.Labels[PilotLabels.Probe] = "true";
            return probe;
        }

        /// <summary>Runs the probe to its end and returns what it printed; an engine that refuses the container is an outcome, not an exception.</summary>
        public static async Task<ProbeOutcome> RunAsync(DockerGateway docker, ContainerSpec spec, CancellationToken ct)
        {
            try
            {
                await docker.RemoveAsync(spec.Name, true, ct).ConfigureAwait(false);
            }
            catch (OsgPilotException e) when (e.Category == ErrorCategory.ObjectNotFound)
            {
                // None left by a killed run: the usual case.
            }
            try
            {
                (long code, IReadOnlyList<string> lines) = await docker.RunHelperAsync(spec, Timeout, OutputLines, ct).ConfigureAwait(false);
                return ProbeOutcome.Parse(code, lines);
            }
            catch (OsgPilotException e) when (e.ErrorId == ErrorIds.DockerApiError || e.ErrorId == ErrorIds.SecurityProfileConflict)
            {
                // The engine refused the container itself (a device it lacks, a profile it rejects): the pilot would fail the same way.
                return ProbeOutcome.Refused(e.Message);
            }
        }
    }
}

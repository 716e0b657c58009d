using System.Collections.Generic;
using System.IO;
using System.Linq;
using OsgPilot.Config;
using OsgPilot.Docker;

namespace OsgPilot.Preflight
{
    /// <summary>
    /// What a Podman host does differently from dockerd that a config can trip over: no daemon to
    /// restart pilots after a reboot, capabilities that a non-root user holds for real, and (rootless)
    /// no shared mount propagation of the host's /cvmfs. Pure: the caller says what it found.
    /// </summary>
    internal static class PodmanChecks
    {
        public const string RestartUnit = "podman-restart.service";

        /// <param name="restartUnitEnabled">Whether podman-restart.service is enabled on the engine's host; null when that host is not this one.</param>
        /// <param name="rootless">The engine runs as an ordinary user (its socket is under /run/user/UID).</param>
        public static IEnumerable<OsgPilotPreflightCheck> For(OsgPilotConfig config, EngineVersion engine, bool? restartUnitEnabled, bool rootless)
        {
            if (!engine.IsPodman) yield break;
            yield return RestartAfterReboot(config, engine, restartUnitEnabled);
            if (config.Security == SecurityProfile.Capabilities)
            {
                yield return Warn("Capabilities",
                    $"{engine.Display} gives the capabilities added with --cap-add to a non-root user as effective and ambient ones, where dockerd keeps them in the bounding set: " +
                    "the pilot user (uid 1000) and every job it runs hold DAC_OVERRIDE, SYS_ADMIN and the rest. " +
                    "On Podman use -SecurityProfile Unconfined -CvmfsMode CvmfsExec, which adds no capabilities.");
            }
            if (config.Security == SecurityProfile.Minimal && config.SeccompProfilePath == null)
            {
                yield return new OsgPilotPreflightCheck("Seccomp profile", false, CheckSeverity.Error, CreateParametersFactory.PodmanNeedsProfileFile().Message);
            }
            if (rootless && config.Cvmfs == CvmfsMode.HostMount)
            {
                yield return new OsgPilotPreflightCheck("CVMFS", false, CheckSeverity.Error,
                    $"Rootless {engine.Display} runs containers in a user namespace, where the host's /cvmfs cannot be shared (its autofs mounts would not propagate): use -CvmfsMode CvmfsExec.");
            }
        }

        private static OsgPilotPreflightCheck RestartAfterReboot(OsgPilotConfig config, EngineVersion engine, bool? unitEnabled)
        {
            const string name = "Restart after reboot";
            if (config.Restart != PilotRestartPolicy.Always)
            {
                return Warn(name, $"{engine.Display} has no daemon: after a reboot only {RestartUnit} starts containers again, and only those with restart policy always. " +
                    $"Pilots with restart policy {config.Restart} stay down until the next Sync-OsgPilot (Register-OsgPilotSchedule runs one on a timer), " +
                    $"or use -RestartPolicy Always with {RestartUnit} enabled.");
            }
            if (unitEnabled == null) return Warn(name, $"Restart policy always: enable {RestartUnit} on the engine's host (systemctl enable {RestartUnit}) so the pilots start again after a reboot; it could not be checked from here.");
            if (unitEnabled == false) return Warn(name, $"{RestartUnit} is not enabled, so the pilots stay down after a reboot: systemctl enable {RestartUnit}.");
            return new OsgPilotPreflightCheck(name, true, CheckSeverity.Error, $"{RestartUnit} is enabled: pilots with restart policy always start again after a reboot.");
        }

        private static OsgPilotPreflightCheck Warn(string name, string message) => new OsgPilotPreflightCheck(name, false, CheckSeverity.Warning, message);

        /// <summary>Whether a unit is enabled in a systemd unit directory: a link in one of its *.wants directories.</summary>
        public static bool IsEnabledIn(string unitDirectory, string unit) =>
            Directory.Exists(unitDirectory) &&
            // Listed, not opened: a link whose target is missing still says the unit is enabled.
            Directory.EnumerateDirectories(unitDirectory, "*.wants").Any(d => Directory.EnumerateFileSystemEntries(d, unit).Any());

        /// <summary>A rootless Podman socket lives in its user's runtime directory, /run/user/UID.</summary>
        public static bool IsRootlessSocket(DockerEndpoint endpoint) =>
            endpoint.Uri.Scheme == "unix" && endpoint.Uri.AbsolutePath.StartsWith("/run/user/", System.StringComparison.Ordinal);
    }
}

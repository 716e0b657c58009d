using System;
using System.Collections.Generic;
using System.Globalization;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Launch;

namespace OsgPilot.Preflight
{
    /// <summary>
    /// Turns the probe's outcome into the ContainerJobs and Job disk checks, each message naming what
    /// would make it pass. Pure, so every row of the measured table is a unit test.
    /// </summary>
    internal static class ContainerJobsVerdict
    {
        public const string CheckName = "ContainerJobs";
        public const string DiskCheckName = "Job disk";
        /// <summary>Under 5 GB free where Apptainer keeps its cache, the image advertises SINGULARITY_DISK_IS_FULL.</summary>
        public const long MinimumFreeKiB = 5L * 1024 * 1024;

        public static IReadOnlyList<OsgPilotPreflightCheck> Judge(ProbeOutcome o, OsgPilotConfig config, bool pidNamespaces, EngineHostInfo engine, bool podman)
        {
            var checks = new List<OsgPilotPreflightCheck> { Jobs(o, config, pidNamespaces, engine, podman) };
            OsgPilotPreflightCheck disk = Disk(o, engine);
            if (disk != null) checks.Add(disk);
            return checks;
        }

        private static OsgPilotPreflightCheck Jobs(ProbeOutcome o, OsgPilotConfig config, bool pid, EngineHostInfo engine, bool podman)
        {
            string profile = $"-SecurityProfile {config.SecurityProfile}";
            // Default is a site's choice to run no container jobs: said, not failed.
            CheckSeverity level = config.Security == SecurityProfile.Default ? CheckSeverity.Warning : CheckSeverity.Error;
            string apparmor = engine != null && engine.AppArmor && config.AppArmorProfile == null
                ? " The engine applies AppArmor, whose docker-default profile denies mounts: add -AppArmorProfile unconfined, or a profile of your own that allows user namespaces, mount and ptrace."
                : string.Empty;
            string unmask = podman ? "unmasks /proc (Podman's unmask=ALL)" : "unmasks /proc (systempaths=unconfined)";

            if (o.RefusedBy != null)
            {
                return new OsgPilotPreflightCheck(CheckName, false, level, $"The engine would not run a container of this pilot's image with its options ({o.RefusedBy}), so neither would it run the pilot.");
            }
            if (o.UserNamespace == null)
            {
                return new OsgPilotPreflightCheck(CheckName, false, CheckSeverity.Warning,
                    $"Could not be checked: the probe container exited with code {o.ExitCode} before it answered" + (o.Other != null ? $" ({o.Other})." : "."));
            }
            if (o.UserNamespace == 127 || o.UserNamespace == 126)
            {
                return new OsgPilotPreflightCheck(CheckName, false, CheckSeverity.Warning,
                    $"Could not be checked: the image {config.Image} has no usable unshare ({o.UserNamespaceMessage}).");
            }
            if (o.UserNamespace != 0)
            {
                string fix = config.Security == SecurityProfile.Default
                    ? "This is what -SecurityProfile Default means; -SecurityProfile Unconfined (OSG's recommended level) runs container jobs."
                    : config.Security == SecurityProfile.Unconfined
                        ? "Even unconfined the kernel refuses: the host may forbid unprivileged user namespaces (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone)."
                        : "Use -SecurityProfile Unconfined (OSG's recommended level).";
                return new OsgPilotPreflightCheck(CheckName, false, level,
                    $"Apptainer cannot run in this pilot under {profile}: a user and mount namespace was refused ({o.UserNamespaceMessage}). " +
                    "The pilot would advertise HAS_SINGULARITY = false and get few or no jobs, most of the pool's jobs being container jobs. " + fix + apparmor);
            }
            if (pid && o.PidNamespace != 0)
            {
                string why = o.PidNamespace == null ? "it was not tried" : o.PidNamespaceMessage;
                return new OsgPilotPreflightCheck(CheckName, false, level,
                    $"Apptainer can make its user and mount namespaces under {profile}, but not the PID namespace with a new /proc it uses by default ({why}): " +
                    "the pilot would advertise HAS_SINGULARITY = false. Use -SecurityProfile Unconfined (OSG's recommended level, which " + unmask + "), " +
                    "or turn Apptainer's PID namespaces off: -Environment @{ SINGULARITY_DISABLE_PID_NAMESPACES = 'True' }." + apparmor);
            }
            string namespaces = pid ? "user, mount and PID namespaces with a new /proc" : "user and mount namespaces (PID namespaces off: SINGULARITY_DISABLE_PID_NAMESPACES)";
            return new OsgPilotPreflightCheck(CheckName, true, CheckSeverity.Error,
                $"As uid {PilotContainerMapper.PilotUid} under {profile}, Apptainer can make its {namespaces}: the pilot can run the pool's container jobs.");
        }

        private static OsgPilotPreflightCheck Disk(ProbeOutcome o, EngineHostInfo engine)
        {
            if (o.TmpFreeKiB == null) return null;
            double gb = o.TmpFreeKiB.Value / (1024.0 * 1024.0);
            string where = engine?.DataRoot != null ? $"the engine's data root {engine.DataRoot}" : "the engine's data root";
            string free = gb.ToString("0.0", CultureInfo.InvariantCulture);
            if (o.TmpFreeKiB.Value < MinimumFreeKiB)
            {
                return new OsgPilotPreflightCheck(DiskCheckName, false, CheckSeverity.Warning,
                    $"The pilot's /tmp (its writable layer, in {where}) has {free} GB free; under 5 GB the image advertises SINGULARITY_DISK_IS_FULL and is sent no container jobs. Free space there, or move the data root to a larger disk.");
            }
            return new OsgPilotPreflightCheck(DiskCheckName, true, CheckSeverity.Error, $"The pilot's /tmp (in {where}) has {free} GB free for Apptainer's cache.");
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Posix;

namespace OsgPilot.Reconcile
{
    /// <summary>
    /// No pilot OsgPilot starts may find a drain stamp. The pilot reads stop-glidein.stamp in its
    /// working directory and in /pilot. The working directory is new at every start (mktemp -d), so
    /// only /pilot can carry a stamp over from a drained predecessor: when /pilot is a host directory
    /// the stamp outlives the container, and a replacement would start drained, take no job and idle
    /// out, forever. (A container's own /pilot is new with the container.)
    /// </summary>
    internal static class DrainStamp
    {
        public const string FileName = "stop-glidein.stamp";
        /// <summary>Suffix of the helper container that removes a stamp on a remote engine.</summary>
        public const string HelperSuffix = ".osgpilot-unstamp";
        private static readonly TimeSpan HelperTimeout = TimeSpan.FromSeconds(60);

        /// <summary>
        /// Whether the pilot's /pilot holds the stamp. Where /pilot is a directory of this machine (a
        /// local engine) the host file answers, with no request; else a running pilot is asked (one
        /// HEAD request). A stopped pilot on a remote engine is not asked (null): asking the engine
        /// about a stopped container makes it mount the binds, creating a missing directory root-owned.
        /// </summary>
        /// <param name="warn">
        /// Where a pilot the engine will not look into is said; its answer is then unknown (null). Without
        /// it the refusal is thrown.
        /// </param>
        public static async Task<bool?> IsStampedAsync(IPilotEngine engine, PilotContainer c, CancellationToken ct, Action<string> warn = null)
        {
            string hostDir = c.Label(PilotLabels.PilotDirectory);
            // A stamp of any kind counts, as the pilot's own test (-e) counts it: a job may have made it a directory or a link.
            if (OnHost(engine, hostDir)) return StatOnHost(hostDir) != null;
            if (!c.IsRunning && hostDir != null) return null;
            return await AskEngineAsync(c, async () => (bool?)await engine.PathExistsAsync(c.Id, PilotDrain.StampPath, ct).ConfigureAwait(false), warn).ConfigureAwait(false);
        }

        /// <summary>When the pilot's stamp was written (UTC), or null when it has none; from the host where /pilot is local, else one HEAD request.</summary>
        public static async Task<DateTime?> StampedAtAsync(IPilotEngine engine, PilotContainer c, CancellationToken ct, Action<string> warn = null)
        {
            string hostDir = c.Label(PilotLabels.PilotDirectory);
            if (OnHost(engine, hostDir)) return StatOnHost(hostDir)?.Modified;
            return await AskEngineAsync(c, () => engine.PathModifiedAsync(c.Id, PilotDrain.StampPath, ct), warn).ConfigureAwait(false);
        }

        /// <summary>
        /// One pilot the engine will not look into must not fail a listing of all. Measured: Podman 4.3 answers
        /// a lasting 500 with no body for a container it still lists as running whose process is gone (one
        /// left over from before the engine itself restarted); a deleted bind source did not do it, on Podman or dockerd.
        /// </summary>
        private static async Task<T?> AskEngineAsync<T>(PilotContainer c, Func<Task<T?>> ask, Action<string> warn) where T : struct
        {
            try
            {
                return await ask().ConfigureAwait(false);
            }
            catch (OsgPilotException e) when (warn != null && !e.EndsTheRun)
            {
                warn(Unreadable(c, e));
                return null;
            }
        }

        internal static string Unreadable(PilotContainer c, OsgPilotException e) =>
            $"Whether '{c.Name}' is draining is unknown ({e.Message.TrimEnd('.')}). An engine answers so when it cannot enter the pilot's process " +
            $"(Podman still lists a container as running whose process is gone, after the engine itself restarted): Stop-OsgPilot '{c.Name}', then Start-OsgPilot its config (or Remove-OsgPilot it).";

        /// <summary>Removes the stamp from the /pilot of <paramref name="spec"/>, for the container <paramref name="id"/> (created, not yet started).</summary>
        public static async Task ClearBeforeStartAsync(IPilotEngine engine, ContainerSpec spec, string id, CancellationToken ct)
        {
            if (spec.HostPilotDirectory == null) return;
            if (OnHost(engine, spec.HostPilotDirectory))
            {
                DeleteOnHost(spec);
                return;
            }
            // A remote host's files are out of reach but for a container: ask the created one (one HEAD
            // request), and only when the stamp is there run a helper of the same image on the same bind.
            if (!await engine.PathExistsAsync(id, PilotDrain.StampPath, ct).ConfigureAwait(false)) return;
            ContainerSpec helper = HelperFor(spec);
            try
            {
                await engine.RemoveAsync(helper.Name, true, ct).ConfigureAwait(false);
            }
            catch (OsgPilotException e) when (e.Category == ErrorCategory.ObjectNotFound)
            {
                // No helper left over from an interrupted run: the usual case.
            }
            long code = await engine.RunToCompletionAsync(helper, HelperTimeout, ct).ConfigureAwait(false);
            if (code != 0) throw Failed(spec, $"the helper container exited with code {code}");
        }

        /// <summary>A one-shot container of the pilot's image that removes the stamp from the pilot's host directory, and nothing else.</summary>
        internal static ContainerSpec HelperFor(ContainerSpec spec)
        {
            var helper = new ContainerSpec
            {
                Name = spec.Name + HelperSuffix,
                Image = spec.Image,
                // Root in the container (default capabilities, no network): a stamp made by hand as root must go too.
                User = "0",
                // -r: a job may have made the stamp a directory; rm never follows a link it removes.
                Entrypoint = new List<string> { "/bin/rm", "-rf", PilotDrain.StampPath },
                NetworkMode = "none",
                NoFileLimit = 1024,
                PidsLimit = 16,
                RestartPolicy = Config.PilotRestartPolicy.No,
                StopTimeoutSeconds = 1,
                HostPilotDirectory = spec.HostPilotDirectory,
            };
            helper.Binds.Add(new BindMount(spec.HostPilotDirectory, PilotContainerMapper.PilotDirectoryInContainer));
            return helper;
        }

        /// <summary>The pilot directory is a directory of this machine, reached safely (Linux); else the engine is asked.</summary>
        private static bool OnHost(IPilotEngine engine, string hostDir) => engine.IsLocal && hostDir != null && HostDirectory.Supported;

        /// <summary>The stamp's entry in the pilot directory, not followed; null when there is none (or no directory).</summary>
        private static HostEntry StatOnHost(string hostDir)
        {
            try
            {
                using (HostDirectory dir = HostDirectory.Open(hostDir)) return dir?.Stat(FileName);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>Takes the stamp away whatever a job made of it (a file, a link, a FIFO, a directory tree), never following a link out of the pilot directory.</summary>
        private static void DeleteOnHost(ContainerSpec spec)
        {
            try
            {
                using (HostDirectory dir = HostDirectory.Open(spec.HostPilotDirectory)) dir?.Remove(FileName);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw Failed(spec, e.Message.TrimEnd('.'));
            }
        }

        private static OsgPilotException Failed(ContainerSpec spec, string why) =>
            new OsgPilotException(ErrorIds.PilotDrainFailed, ErrorCategory.WriteError,
                $"The drain stamp {FileName} in '{spec.HostPilotDirectory}' could not be removed before the pilot '{spec.Name}' starts ({why}); " +
                "it would start drained and take no job, so it was not started.", spec.Name);
    }
}

using System;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Posix;

namespace OsgPilot.Launch
{
    /// <summary>
    /// Host paths the pilot binds, when the engine is on this machine. The pilot directory must exist
    /// (a typo must not create a stray tree); per-pilot subdirectories are created for uid 1000,
    /// because Docker would otherwise create them root-owned and the pilot could not write.
    /// </summary>
    internal static class HostPaths
    {
        /// <summary>
        /// Checks a local engine's bind sources before anything is created: when a source is missing,
        /// Docker silently creates a directory in its place. (The token is copied in, never bound.)
        /// </summary>
        public static void RequireBindSources(OsgPilotConfig config)
        {
            if (config.Cvmfs == CvmfsMode.HostMount && !Directory.Exists(config.CvmfsPath))
            {
                throw new OsgPilotException(ErrorIds.CvmfsPathNotFound, ErrorCategory.ObjectNotFound,
                    $"The CVMFS path '{config.CvmfsPath}' does not exist on the Docker host; mount CVMFS there, or use -CvmfsMode CvmfsExec.", config.CvmfsPath);
            }
            foreach ((string path, bool directory, string what) in new[]
            {
                (config.CvmfsCachePath, true, "cvmfsexec's cache directory (-CvmfsCachePath)"), (config.CvmfsLogPath, true, "cvmfsexec's log directory (-CvmfsLogPath)"),
                (config.CvmfsConfigPath, false, "cvmfsexec's configuration file (-CvmfsConfigPath)"), (config.ExtraAttributesPath, false, "the extra attributes file (-ExtraAttributesPath)"),
            })
            {
                if (path != null && !(directory ? Directory.Exists(path) : File.Exists(path)))
                {
                    throw new OsgPilotException(path == config.ExtraAttributesPath ? ErrorIds.InvalidExtraAttributes : ErrorIds.InvalidCvmfsOption, ErrorCategory.ObjectNotFound,
                        $"{char.ToUpperInvariant(what[0])}{what.Substring(1)} '{path}' does not exist on the Docker host; Docker would create an empty directory in its place.", path);
                }
            }
            if (config.PilotDirectory != null)
            {
                RequireExists(config.PilotDirectory);
                // The name was checked when the config was built; a symbolic link can still lead into /etc.
                PilotConfigBuilder.RequireOwnDirectory(config.PilotDirectory, RealPath.Of(config.PilotDirectory));
            }
        }

        private static void RequireExists(string path)
        {
            if (!Directory.Exists(path))
            {
                throw new OsgPilotException(ErrorIds.PilotDirectoryNotFound, ErrorCategory.ObjectNotFound,
                    $"The pilot directory '{path}' does not exist on the Docker host. Create it (owned by uid {PilotContainerMapper.PilotUid}) first.", path);
            }
        }

        /// <summary>Creates <paramref name="path"/> for the pilot user; true when it did not exist before.</summary>
        public static bool EnsureForPilot(string path)
        {
            // A pilot that once had the parent as its /pilot may have left a link where a subdirectory goes.
            HostEntry entry = Entry(path);
            if (entry != null && entry.Kind != HostEntryKind.Directory)
            {
                throw new OsgPilotException(ErrorIds.PilotDirectoryNotCreated, ErrorCategory.WriteError,
                    $"Cannot create the pilot directory '{path}': a {(entry.Kind == HostEntryKind.Link ? "symbolic link" : entry.Kind == HostEntryKind.File ? "file" : "special file")} is in its place, and is not followed. Remove it, then start again.", path);
            }
            if (entry != null || Directory.Exists(path)) return false;
            try
            {
                Directory.CreateDirectory(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new OsgPilotException(ErrorIds.PilotDirectoryNotCreated, ErrorCategory.WriteError,
                    $"Cannot create the pilot directory '{path}': {e.Message.TrimEnd('.')}.", path);
            }
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                try
                {
                    // Owned by the pilot user, 0755; only when that cannot be (not root) open it to all, sticky.
                    bool owned = chown(path, PilotContainerMapper.PilotUid, PilotContainerMapper.PilotUid) == 0;
                    chmod(path, Convert.ToUInt32(owned ? "755" : "1777", 8));
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
                {
                    // No libc to call (an unusual host): Test-OsgPilotConfig reports the directory's permissions.
                }
            }
            return true;
        }

        /// <summary>Removes a directory this run created, with what a failed pilot start wrote into it (never following a link it left).</summary>
        public static void RemoveCreated(string path)
        {
            try
            {
                if (HostDirectory.Supported)
                {
                    using (HostDirectory parent = HostDirectory.Open(Path.GetDirectoryName(path))) parent?.Remove(Path.GetFileName(path));
                }
                else if (Directory.Exists(path)) Directory.Delete(path, true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        /// <summary>What is at <paramref name="path"/>, not followed; null when nothing is (or it cannot be told here).</summary>
        private static HostEntry Entry(string path)
        {
            if (!HostDirectory.Supported) return null;
            try
            {
                using (HostDirectory parent = HostDirectory.Open(Path.GetDirectoryName(path))) return parent?.Stat(Path.GetFileName(path));
            }
            catch (IOException)
            {
                return null;
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int chown(string path, int owner, int group);

        [DllImport("libc", SetLastError = true)]
        private static extern int chmod(string path, uint mode);
    }
}

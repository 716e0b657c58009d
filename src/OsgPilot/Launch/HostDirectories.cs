using System;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;
using OsgPilot.Errors;

namespace OsgPilot.Launch
{
    /// <summary>
    /// Host directories for /pilot when the engine is on this machine. The top directory must exist
    /// (a typo must not create a stray tree); per-pilot subdirectories are created for uid 1000,
    /// because Docker would otherwise create them root-owned and the pilot could not write.
    /// </summary>
    internal static class HostDirectories
    {
        public static void RequireExists(string path)
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
            if (Directory.Exists(path)) return false;
            Directory.CreateDirectory(path);
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                // Best effort: as non-root chown fails, and the 1777 mode still lets the pilot write.
                try
                {
                    chown(path, PilotContainerMapper.PilotUid, PilotContainerMapper.PilotUid);
                    chmod(path, Convert.ToUInt32("1777", 8));
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
                {
                    // No libc to call (an unusual host): Test-OsgPilotConfig reports the directory's permissions.
                }
            }
            return true;
        }

        /// <summary>Removes a directory this run created, if nothing was written to it.</summary>
        public static void RemoveIfEmpty(string path)
        {
            try
            {
                if (Directory.Exists(path) && Directory.GetFileSystemEntries(path).Length == 0) Directory.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int chown(string path, int owner, int group);

        [DllImport("libc", SetLastError = true)]
        private static extern int chmod(string path, uint mode);
    }
}

using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using OsgPilot.Errors;
using OsgPilot.Posix;

namespace OsgPilot.Config
{
    /// <summary>
    /// Writes a config file so that no reader ever sees half of one: the text goes to a temporary
    /// file beside the target, which then takes the target's place. Without overwrite the final step
    /// fails if the file appeared meanwhile (two exports never both "win"); with overwrite a symbolic
    /// link is written through, not replaced, and the file keeps its permissions (a 0600 file stays 0600).
    /// </summary>
    internal static class ConfigFileWriter
    {
        public static void Write(string path, string text, bool overwrite)
        {
            string target = overwrite && File.Exists(path) ? RealPath.Of(path) : path;
            string temp = target + ".tmp-" + Guid.NewGuid().ToString("N");
            try
            {
                File.WriteAllText(temp, text, new UTF8Encoding(false));
                if (overwrite && File.Exists(target))
                {
                    CopyMode(target, temp);
                    File.Replace(temp, target, null);
                }
                else
                {
                    MoveNoReplace(temp, target, path);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is OsgPilotException)
            {
                if (File.Exists(temp)) File.Delete(temp);
                if (e is OsgPilotException) throw;
                // The message names our temporary file; the user knows only the path they gave.
                throw new OsgPilotException(ErrorIds.ConfigFileWriteFailed, ErrorCategory.WriteError, $"Cannot write '{path}': {e.Message.Replace(temp, path)}", path);
            }
        }

        /// <summary>Gives <paramref name="temp"/> the name <paramref name="target"/> unless that exists, in one step.</summary>
        private static void MoveNoReplace(string temp, string target, string shownAs)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                if (File.Exists(target)) throw Exists(shownAs);
                File.Move(temp, target); // MoveFileEx without REPLACE_EXISTING: fails if it appeared meanwhile
                return;
            }
            // rename() would replace a file another export wrote a moment ago; link() fails instead.
            if (link(temp, target) != 0)
            {
                int errno = Marshal.GetLastWin32Error();
                if (errno == EEXIST) throw Exists(shownAs);
                if (errno != EPERM && errno != ENOSYS && errno != EOPNOTSUPP) throw new IOException($"link failed (errno {errno})");
                // A file system without hard links (vfat, some network mounts): the check and the move are two steps there.
                if (File.Exists(target)) throw Exists(shownAs);
                File.Move(temp, target);
                return;
            }
            File.Delete(temp);
        }

        private static OsgPilotException Exists(string path) =>
            new OsgPilotException(ErrorIds.ConfigFileExists, ErrorCategory.ResourceExists, $"The file '{path}' exists; use -Force to overwrite it.", path);

        /// <summary>Gives <paramref name="to"/> the permission bits of <paramref name="from"/> (.NET 7+ on Unix; elsewhere the default stays).</summary>
        private static void CopyMode(string from, string to)
        {
            MethodInfo get = typeof(File).GetMethod("GetUnixFileMode", new[] { typeof(string) });
            if (get == null || RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;
            MethodInfo set = typeof(File).GetMethod("SetUnixFileMode", new[] { typeof(string), get.ReturnType });
            set?.Invoke(null, new[] { to, get.Invoke(null, new object[] { from }) });
        }

        private const int EPERM = 1;
        private const int EEXIST = 17;
        private const int ENOSYS = 38;
        private const int EOPNOTSUPP = 95;

        [DllImport("libc", SetLastError = true)]
        private static extern int link(string oldPath, string newPath);
    }
}

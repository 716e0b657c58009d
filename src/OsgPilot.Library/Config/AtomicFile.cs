using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace OsgPilot.Config
{
    /// <summary>
    /// Writes a whole file or nothing: a temporary file beside it, then one rename over it. A reader
    /// (node_exporter's textfile collector, another OsgPilot process) sees the old file or the new
    /// one, never half of one. The temporary name does not end in the file's extension, so a
    /// collector that reads *.prom skips it.
    /// </summary>
    internal static class AtomicFile
    {
        public static void Write(string path, string text)
        {
            string temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
            try
            {
                File.WriteAllText(temp, text, new UTF8Encoding(false));
                if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    if (rename(temp, path) != 0) throw new IOException($"rename failed (errno {Marshal.GetLastWin32Error()})");
                }
                else if (File.Exists(path))
                {
                    File.Replace(temp, path, null);
                }
                else
                {
                    File.Move(temp, path);
                }
            }
            catch
            {
                try { File.Delete(temp); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
                throw;
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int rename(string oldPath, string newPath);
    }
}

using System;
using System.IO;
using System.Runtime.InteropServices;

namespace OsgPilot
{
    /// <summary>
    /// Where the module's own assemblies are looked for, in order. The ReadyToRun builds (native code
    /// for linux-x64, compiled against .NET 10) come first only where they can run: CoreCLR refuses
    /// such code on another OS or architecture with a BadImageFormatException, and .NET Framework
    /// cannot load it at all. A later .NET uses their native code or falls back to their IL.
    /// </summary>
    internal static class DependencyFolders
    {
        internal const string ReadyToRunFolder = "linux-x64";

        /// <param name="runtime">Environment.Version: 4.x on .NET Framework, the runtime's own version on .NET.</param>
        /// <param name="isLinux">Asked only on .NET 10 or later, so .NET Framework never loads RuntimeInformation.</param>
        /// <param name="process">Asked only on .NET 10 or later on Linux.</param>
        internal static string[] For(string dependencies, Version runtime, Func<bool> isLinux, Func<Architecture> process)
        {
            bool readyToRun = runtime.Major >= 10 && isLinux() && process() == Architecture.X64;
            return readyToRun ? new[] { Path.Combine(dependencies, ReadyToRunFolder), dependencies } : new[] { dependencies };
        }
    }
}

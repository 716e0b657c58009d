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

        internal static string[] For(string dependencies, bool isLinux, Architecture process, string frameworkDescription, Version runtime)
        {
            bool readyToRun = isLinux
                && process == Architecture.X64
                && !frameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal)
                && runtime.Major >= 10;
            return readyToRun ? new[] { Path.Combine(dependencies, ReadyToRunFolder), dependencies } : new[] { dependencies };
        }
    }
}

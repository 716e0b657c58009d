using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace OsgPilot
{
    /// <summary>
    /// Resolves OsgPilot.Library and the third-party assemblies from the module's dependencies/ folder,
    /// so they never sit where PowerShell or other modules would pick them up by accident. The host's own
    /// (newer) copies of shared framework assemblies still win: this handler runs only for what is missing.
    /// On PowerShell 7 on linux-x64 the ReadyToRun builds in dependencies/linux-x64 come first.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string DependencyDirectory =
            Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location), "dependencies");

        private static readonly string[] SearchOrder = DependencyFolders.For(
            DependencyDirectory,
            Environment.Version,
            () => RuntimeInformation.IsOSPlatform(OSPlatform.Linux),
            () => RuntimeInformation.ProcessArchitecture);

        public void OnImport()
        {
            AppDomain.CurrentDomain.AssemblyResolve += ResolveDependency;
            // Loaded now, from the chosen folder: the library's types are then known to scripts at once
            // ([OsgPilot.Pilot]), and no other resolver can bind the IL copy first.
            Assembly.Load(new AssemblyName("OsgPilot.Library"));
        }

        public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= ResolveDependency;

        private static Assembly ResolveDependency(object sender, ResolveEventArgs args)
        {
            string file = new AssemblyName(args.Name).Name + ".dll";
            foreach (string folder in SearchOrder)
            {
                string candidate = Path.Combine(folder, file);
                if (File.Exists(candidate)) return Assembly.LoadFrom(candidate);
            }
            return null;
        }
    }
}

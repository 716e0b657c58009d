using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace OsgPilot
{
    /// <summary>
    /// Resolves third-party assemblies from the module's dependencies/ folder, so they never sit
    /// where PowerShell or other modules would pick them up by accident. The host's own (newer)
    /// copies of shared framework assemblies still win: this handler runs only for what is missing.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string DependencyDirectory =
            Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location), "dependencies");

        public void OnImport() => AppDomain.CurrentDomain.AssemblyResolve += ResolveDependency;

        public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= ResolveDependency;

        private static Assembly ResolveDependency(object sender, ResolveEventArgs args)
        {
            string candidate = Path.Combine(DependencyDirectory, new AssemblyName(args.Name).Name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}

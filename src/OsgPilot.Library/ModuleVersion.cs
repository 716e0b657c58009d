using System.Reflection;

namespace OsgPilot
{
    /// <summary>The module's version, stamped into the assembly by build.ps1 from OsgPilot.psd1.</summary>
    internal static class ModuleVersion
    {
        public static readonly string Value =
            typeof(ModuleVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
            ?? typeof(ModuleVersion).Assembly.GetName().Version.ToString(3);
    }
}

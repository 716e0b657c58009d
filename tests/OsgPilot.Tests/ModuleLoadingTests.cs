using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class ModuleLoadingTests
    {
        private static readonly string Deps = Path.Combine("m", "dependencies");

        [Fact]
        public void PowerShell_7_on_linux_x64_looks_in_the_ReadyToRun_folder_first() =>
            Assert.Equal(new[] { Path.Combine(Deps, "linux-x64"), Deps }, Folders(new Version(10, 0, 12), true, Architecture.X64));

        [Fact]
        public void A_later_NET_takes_the_ReadyToRun_folder_too_as_it_runs_that_code_or_its_IL() =>
            Assert.Equal(2, Folders(new Version(11, 0), true, Architecture.X64).Length);

        [Theory]
        [InlineData(10, false, Architecture.X64)]  // Windows or macOS: native code for Linux is refused
        [InlineData(10, true, Architecture.Arm64)] // another architecture: refused too
        [InlineData(8, true, Architecture.X64)]    // PowerShell 7.4: code compiled against .NET 10
        public void Everywhere_else_only_the_IL_builds_are_looked_for(int major, bool linux, Architecture arch) =>
            Assert.Equal(new[] { Deps }, Folders(new Version(major, 0), linux, arch));

        [Fact]
        public void Windows_PowerShell_is_never_asked_for_its_platform_as_its_NET_Framework_may_lack_RuntimeInformation() =>
            Assert.Equal(new[] { Deps }, DependencyFolders.For(Deps, new Version(4, 0, 30319),
                () => throw new InvalidOperationException("asked"), () => throw new InvalidOperationException("asked")));

        private static string[] Folders(Version runtime, bool linux, Architecture arch) =>
            DependencyFolders.For(Deps, runtime, () => linux, () => arch);

        [Fact]
        public void The_cmdlet_assembly_names_no_library_type_that_PowerShell_must_load_before_the_module_initializer_runs()
        {
            // PowerShell lists the cmdlet assembly's public types before it runs ModuleInitializer.OnImport,
            // and loading a type loads its base types, interfaces and value-typed fields. Any of those from
            // OsgPilot.Library would be looked for before the resolver exists, and Import-Module would fail.
            Assembly cmdlets = typeof(ModuleInitializer).Assembly;
            Assembly library = typeof(OsgPilot.Config.PilotConfigBuilder).Assembly;
            Assert.NotEqual(cmdlets, library);

            var offenders = new List<string>();
            foreach (Type type in cmdlets.GetExportedTypes())
            {
                for (Type t = type.BaseType; t != null; t = t.BaseType)
                    if (Mentions(t, library)) offenders.Add($"{type.Name} derives from {t.Name}");
                foreach (Type i in type.GetInterfaces().Where(i => Mentions(i, library)))
                    offenders.Add($"{type.Name} implements {i.Name}");
                const BindingFlags all = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
                foreach (FieldInfo f in type.GetFields(all).Where(f => f.FieldType.IsValueType && Mentions(f.FieldType, library)))
                    offenders.Add($"{type.Name}.{f.Name} is a {f.FieldType.Name}");
            }
            Assert.Empty(offenders);
        }

        [Fact]
        public void The_test_above_can_see_a_value_typed_library_field()
        {
            Assembly library = typeof(OsgPilot.Config.PilotConfigBuilder).Assembly;
            Assert.True(Mentions(typeof(OsgPilot.Config.CvmfsMode?), library));
            Assert.False(Mentions(typeof(int?), library));
        }

        private static bool Mentions(Type type, Assembly assembly) =>
            type.Assembly == assembly || (type.IsGenericType && type.GetGenericArguments().Any(a => Mentions(a, assembly)));
    }
}

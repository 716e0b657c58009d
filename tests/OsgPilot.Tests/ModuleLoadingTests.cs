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
            Assert.Equal(
                new[] { Path.Combine(Deps, "linux-x64"), Deps },
                DependencyFolders.For(Deps, true, Architecture.X64, ".NET 10.0.12", new Version(10, 0, 12)));

        [Fact]
        public void A_later_NET_takes_the_ReadyToRun_folder_too_as_it_runs_that_code_or_its_IL() =>
            Assert.Equal(2, DependencyFolders.For(Deps, true, Architecture.X64, ".NET 11.0.0", new Version(11, 0)).Length);

        [Theory]
        [InlineData(false, Architecture.X64, ".NET 10.0.12", 10)]            // Windows or macOS: native code for Linux is refused
        [InlineData(true, Architecture.Arm64, ".NET 10.0.12", 10)]           // another architecture: refused too
        [InlineData(true, Architecture.X64, ".NET 8.0.22", 8)]               // PowerShell 7.4: code compiled against .NET 10
        [InlineData(false, Architecture.X64, ".NET Framework 4.8.9290.0", 4)] // Windows PowerShell 5.1
        public void Everywhere_else_only_the_IL_builds_are_looked_for(bool linux, Architecture arch, string framework, int major) =>
            Assert.Equal(new[] { Deps }, DependencyFolders.For(Deps, linux, arch, framework, new Version(major, 0)));

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

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Schedule;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class ScheduleInstallTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "osgpilot-xunit-" + Guid.NewGuid().ToString("N").Substring(0, 8));

        public ScheduleInstallTests() => Directory.CreateDirectory(_root);

        public void Dispose() => Directory.Delete(_root, true);

        private string Module(string version)
        {
            string dir = Path.Combine(_root, "modules", "OsgPilot", version);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "OsgPilot.psd1"), "@{}");
            return Path.Combine(dir, "OsgPilot.dll");
        }

        [Fact]
        public void An_installed_module_is_imported_by_name_and_runs_the_newest_version()
        {
            string dll = Module("0.1.0");
            Module("0.2.0");
            Module("0.10.0");
            InstalledModule m = InstalledModule.Of(dll, "/nowhere" + Path.PathSeparator + Path.Combine(_root, "modules") + "/");
            Assert.Equal("OsgPilot", m.ImportName);
            Assert.Equal(Path.Combine(_root, "modules"), m.SearchRoot);
            Assert.Equal(new Version(0, 1, 0), m.LoadedVersion);
            Assert.Equal(new Version(0, 10, 0), m.RunsVersion);
        }

        [Fact]
        public void A_module_outside_PSModulePath_is_refused_with_the_fix()
        {
            string dll = Path.Combine(_root, "out", "OsgPilot", "0.1.0", "OsgPilot.dll");
            var e = Assert.Throws<OsgPilotException>(() => InstalledModule.Of(dll, Path.Combine(_root, "modules")));
            Assert.Equal(ErrorIds.ScheduleModuleNotInstalled, e.ErrorId);
            Assert.Contains("build.ps1 -Task Install", e.Message);
        }

        [Theory]
        [InlineData("/root/.nuget/packages/powershell/7.6.9/tools/net10.0/any/pwsh.dll", true)]
        [InlineData("/usr/local/lib/osgpilot/pwsh/pwsh", false)]
        [InlineData("/usr/bin/pwsh", false)]
        public void PowerShell_in_the_NuGet_cache_is_not_installed(string path, bool cached) =>
            Assert.Equal(cached, ScheduledPowerShell.InPackageCache(path));

        [Fact]
        public void A_Podman_socket_named_only_by_CONTAINER_HOST_is_written_into_the_command()
        {
            var env = new Dictionary<string, string> { ["CONTAINER_HOST"] = "unix:///run/podman/podman.sock", ["DOCKER_CONFIG"] = _root };
            Func<string, string> lookup = n => env.TryGetValue(n, out string v) ? v : null;
            ScheduledEngine e = ScheduledEngine.Choose(null, null, new EndpointResolver(lookup, false), lookup);
            Assert.Equal("unix:///run/podman/podman.sock", e.DockerHost);
            Assert.Null(e.Context);
            env.Remove("CONTAINER_HOST");
            Assert.Null(ScheduledEngine.Choose(null, null, new EndpointResolver(lookup, false), lookup).DockerHost);
        }

        [Fact]
        public void Unit_files_are_written_all_or_nothing()
        {
            string service = Path.Combine(_root, "a.service");
            string timer = Path.Combine(_root, "a.timer");
            File.WriteAllText(service, "old service");
            Directory.CreateDirectory(timer);
            var files = new System.Collections.Generic.Dictionary<string, string> { [service] = "new service", [timer] = "new timer" };
            var e = Assert.Throws<OsgPilotException>(() => UnitFiles.WriteAll(files));
            Assert.Equal(ErrorIds.ScheduleWriteFailed, e.ErrorId);
            Assert.Equal("old service", File.ReadAllText(service));
            Assert.Equal(new[] { service, timer }, Directory.GetFileSystemEntries(_root).OrderBy(p => p));
        }
    }
}

using System.Management.Automation;
using System.Text.Json;
using OsgPilot.Cmdlets;
using OsgPilot.Errors;
using OsgPilot.Output;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class MachineModeTests
    {
        [Theory]
        [InlineData(new[] { "pwsh", "-NoProfile", "-NonInteractive", "-Command", "Sync-OsgPilot -AsJson" }, true)]
        [InlineData(new[] { "/usr/share/dotnet/dotnet", "-noni", "-c", "x" }, true)]
        [InlineData(new[] { "powershell.exe", "/NonInteractive", "-File", "x.ps1" }, true)]
        [InlineData(new[] { "pwsh", "-NONINTERACTIVE" }, true)]
        [InlineData(new[] { "pwsh" }, false)]
        [InlineData(new[] { "pwsh", "-NoProfile", "-Command", "Sync-OsgPilot -AsJson -NonInteractive" }, false)]
        [InlineData(new[] { "pwsh", "-NonInteractive", "-NoExit", "-Command", "x" }, false)]
        [InlineData(new[] { "pwsh", "-non", "-Command", "x" }, false)]
        [InlineData(new[] { "pwsh", "-NoProfile", "-File", "job.ps1", "-NonInteractive" }, false)]
        public void Only_a_process_started_non_interactively_is_ended_with_the_code(string[] args, bool expected) =>
            Assert.Equal(expected, MachineMode.IsNonInteractiveProcess(args));

        private static OsgPilotSyncResult Line(string action, bool changed = false) =>
            new OsgPilotSyncResult { Kind = "Pilot", Name = "p", Action = action, Reason = "it's <r>", Changed = changed };

        [Fact]
        public void A_clean_run_is_0_and_says_whether_it_changed_anything()
        {
            var report = new RunReport("Sync-OsgPilot");
            report.Add(Line("None"));
            report.Add(Line("Created", changed: true));
            report.Warn("The token expires soon.");
            report.Warn("The token expires soon.");
            Assert.Equal(0, report.ExitCode);
            using (JsonDocument doc = JsonDocument.Parse(report.ToJson()))
            {
                Assert.True(doc.RootElement.GetProperty("Succeeded").GetBoolean());
                Assert.True(doc.RootElement.GetProperty("Changed").GetBoolean());
                Assert.Equal(1, doc.RootElement.GetProperty("Warnings").GetArrayLength());
                Assert.Equal(2, doc.RootElement.GetProperty("Results").GetArrayLength());
            }
            Assert.DoesNotContain("\n", report.ToJson());
            Assert.Contains("it's <r>", report.ToJson());
        }

        [Fact]
        public void A_failed_pilot_is_1_and_a_run_stopped_before_acting_is_2()
        {
            var failed = new RunReport("Sync-OsgPilot");
            failed.Add(Line("Failed"));
            Assert.Equal(1, failed.ExitCode);
            failed.Failed(new OsgPilotException(ErrorIds.SyncFailed, ErrorCategory.InvalidResult, "refused"));
            Assert.Equal(1, failed.ExitCode);

            var stopped = new RunReport("Sync-OsgPilot");
            stopped.Stopped(new OsgPilotException(ErrorIds.TokenExpired, ErrorCategory.InvalidData, "expired", "/etc/osg/pilot.token"));
            Assert.Equal(2, stopped.ExitCode);
            using (JsonDocument doc = JsonDocument.Parse(stopped.ToJson()))
            {
                JsonElement e = doc.RootElement.GetProperty("Errors")[0];
                Assert.Equal("TokenExpired", e.GetProperty("ErrorId").GetString());
                Assert.Equal("InvalidData", e.GetProperty("Category").GetString());
                Assert.True(e.GetProperty("StoppedRun").GetBoolean());
                Assert.False(doc.RootElement.GetProperty("Succeeded").GetBoolean());
            }
        }
    }
}

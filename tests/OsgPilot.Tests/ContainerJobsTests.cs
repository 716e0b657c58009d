using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OsgPilot.Activity;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Launch;
using OsgPilot.Metrics;
using OsgPilot.Preflight;
using Xunit;
using ContainerSpec = OsgPilot.Launch.ContainerSpec;

namespace OsgPilot.Tests
{
    /// <summary>Can a pilot run the pool's container jobs: the probe, its verdict, the slot ad, the START-policy warnings.</summary>
    public sealed class ContainerJobsTests : IDisposable
    {
        private readonly string _token = TestTokens.File();

        public void Dispose() => File.Delete(_token);

        private OsgPilotConfig Config(Action<PilotConfigRequest> change = null)
        {
            var r = new PilotConfigRequest { Site = "Lancium", ResourceName = "Lancium-Backfill", TokenPath = _token };
            change?.Invoke(r);
            return PilotConfigBuilder.Build(r).Config;
        }

        private static readonly EngineHostInfo Plain = new EngineHostInfo(new[] { "name=seccomp,profile=default", "name=cgroupns" }, "/var/lib/docker");
        private static readonly EngineHostInfo WithAppArmor = new EngineHostInfo(new[] { "name=apparmor", "name=seccomp,profile=builtin" }, "/var/lib/docker");

        private static ProbeOutcome Outcome(int userns, int? pidns, long tmpKiB = 80L * 1024 * 1024) => ProbeOutcome.Parse(0, new List<string>
        {
            $"osgpilot-probe userns {userns} " + (userns == 0 ? "" : "unshare: unshare(0x10020000): Operation not permitted"),
        }.Concat(pidns.HasValue ? new[] { $"osgpilot-probe pidns {pidns} " + (pidns == 0 ? "" : "unshare: can't mount proc on /proc (flags:0xe): Operation not permitted") } : new string[0])
         .Concat(new[] { $"osgpilot-probe tmpfree 0 {tmpKiB}" }));

        private static OsgPilotPreflightCheck Jobs(IReadOnlyList<OsgPilotPreflightCheck> checks) => checks.Single(c => c.Name == ContainerJobsVerdict.CheckName);

        // The measured table, row by row (user + mount namespace, then the PID namespace with a new /proc).
        [Theory]
        [InlineData(SecurityProfile.Default, 1, 1, false, "Warning")]
        [InlineData(SecurityProfile.Unconfined, 0, 0, true, "Error")]
        [InlineData(SecurityProfile.Capabilities, 0, 1, false, "Error")]
        public void Each_row_of_the_table_is_judged(SecurityProfile profile, int userns, int pidns, bool passed, string severity)
        {
            OsgPilotPreflightCheck c = Jobs(ContainerJobsVerdict.Judge(Outcome(userns, pidns), Config(r => r.SecurityProfile = profile), true, Plain, false));
            Assert.Equal((passed, severity), (c.Passed, c.Severity));
        }

        [Fact]
        public void Minimal_passes_without_a_pid_namespace_because_it_turns_them_off()
        {
            OsgPilotPreflightCheck c = Jobs(ContainerJobsVerdict.Judge(Outcome(0, null), Config(r => r.SecurityProfile = SecurityProfile.Minimal), false, Plain, false));
            Assert.True(c.Passed);
            Assert.Contains("PID namespaces off", c.Message);
        }

        [Fact]
        public void A_refused_pid_namespace_names_both_fixes()
        {
            OsgPilotPreflightCheck c = Jobs(ContainerJobsVerdict.Judge(Outcome(0, 1), Config(r => r.SecurityProfile = SecurityProfile.Capabilities), true, Plain, false));
            Assert.Contains("-SecurityProfile Unconfined", c.Message);
            Assert.Contains("SINGULARITY_DISABLE_PID_NAMESPACES = 'True'", c.Message);
            Assert.Contains("can't mount proc", c.Message);
            Assert.DoesNotContain("AppArmor", c.Message);
            Assert.Contains("unmask=ALL", Jobs(ContainerJobsVerdict.Judge(Outcome(0, 1), Config(r => r.SecurityProfile = SecurityProfile.Capabilities), true, Plain, true)).Message);
        }

        [Fact]
        public void Apparmor_on_the_engine_is_named_unless_the_config_names_a_profile()
        {
            OsgPilotPreflightCheck c = Jobs(ContainerJobsVerdict.Judge(Outcome(1, 1), Config(), true, WithAppArmor, false));
            Assert.False(c.Passed);
            Assert.Contains("-AppArmorProfile unconfined", c.Message);
            OsgPilotPreflightCheck named = Jobs(ContainerJobsVerdict.Judge(Outcome(1, 1), Config(r => r.AppArmorProfile = "unconfined"), true, WithAppArmor, false));
            Assert.DoesNotContain("-AppArmorProfile unconfined", named.Message);
            Assert.True(WithAppArmor.AppArmor);
            Assert.False(Plain.AppArmor);
        }

        [Fact]
        public void Unconfined_refused_points_at_the_host_kernel()
        {
            OsgPilotPreflightCheck c = Jobs(ContainerJobsVerdict.Judge(Outcome(1, 1), Config(), true, Plain, false));
            Assert.Contains("user.max_user_namespaces", c.Message);
        }

        [Fact]
        public void Under_five_gigabytes_of_tmp_is_a_warning_naming_the_data_root()
        {
            OsgPilotPreflightCheck disk = ContainerJobsVerdict.Judge(Outcome(0, 0, 4L * 1024 * 1024), Config(), true, Plain, false).Single(c => c.Name == ContainerJobsVerdict.DiskCheckName);
            Assert.Equal((false, CheckSeverity.Warning), (disk.Passed, disk.Level));
            Assert.Contains("/var/lib/docker", disk.Message);
            Assert.Contains("SINGULARITY_DISK_IS_FULL", disk.Message);
            Assert.True(ContainerJobsVerdict.Judge(Outcome(0, 0), Config(), true, Plain, false).Single(c => c.Name == ContainerJobsVerdict.DiskCheckName).Passed);
        }

        [Fact]
        public void A_probe_that_could_not_answer_is_a_warning_not_a_verdict()
        {
            Assert.Equal(CheckSeverity.Warning, Jobs(ContainerJobsVerdict.Judge(ProbeOutcome.Parse(127, new[] { "/bin/sh: not found" }), Config(), true, Plain, false)).Level);
            OsgPilotPreflightCheck missing = Jobs(ContainerJobsVerdict.Judge(ProbeOutcome.Parse(0, new[] { "osgpilot-probe userns 127 sh: unshare: not found" }), Config(), true, Plain, false));
            Assert.Equal((false, CheckSeverity.Warning), (missing.Passed, missing.Level));
            OsgPilotPreflightCheck refused = Jobs(ContainerJobsVerdict.Judge(ProbeOutcome.Refused("error gathering device information"), Config(), true, Plain, false));
            Assert.Equal((false, CheckSeverity.Error), (refused.Passed, refused.Level));
        }

        [Theory]
        [InlineData("osgpilot-probe userns")]
        [InlineData("osgpilot-probe userns 99999999999999999999 x")]
        [InlineData("osgpilot-probe tmpfree 0 -5")]
        [InlineData("osgpilot-probe tmpfree 0 99999999999999999999999")]
        [InlineData("\u0000\u0001 garbage")]
        [InlineData("")]
        public void Probe_output_never_throws(string line)
        {
            ProbeOutcome o = ProbeOutcome.Parse(0, new[] { line, null });
            Assert.Null(o.UserNamespace);
            Assert.Null(o.TmpFreeKiB);
        }

        [Fact]
        public void The_probe_is_the_pilot_with_a_script_no_network_no_binds_and_no_managed_label()
        {
            OsgPilotConfig c = Config(r => { r.SecurityProfile = SecurityProfile.Minimal; r.PilotDirectory = "/var/lib/osg-pilot"; r.Cpus = 2; r.MemoryMB = 4000; });
            ContainerSpec pilot = PilotContainerMapper.Map(c, 0, 1, "1");
            ContainerSpec probe = ContainerJobsProbe.SpecFor(c, "1");
            Assert.Equal(pilot.Name + ContainerJobsProbe.Suffix, probe.Name);
            Assert.Equal((pilot.Image, pilot.User), (probe.Image, probe.User));
            Assert.Equal(pilot.SecurityOpt, probe.SecurityOpt);
            Assert.Equal(pilot.CapAdd, probe.CapAdd);
            Assert.Equal(pilot.Devices.Select(d => d.Path), probe.Devices.Select(d => d.Path));
            Assert.Equal(pilot.Environment, probe.Environment);
            Assert.Equal((pilot.NanoCpus, pilot.MemoryBytes, pilot.UnconfinedSystemPaths), (probe.NanoCpus, probe.MemoryBytes, probe.UnconfinedSystemPaths));
            Assert.Empty(probe.Binds);
            Assert.Null(probe.HostPilotDirectory);
            Assert.Equal("none", probe.NetworkMode);
            Assert.Equal(PilotRestartPolicy.No, probe.RestartPolicy);
            Assert.False(probe.Labels.ContainsKey(PilotLabels.Managed));
            Assert.Equal("nopid", probe.Entrypoint.Last()); // Minimal turns PID namespaces off
            Assert.Equal("pid", ContainerJobsProbe.SpecFor(Config(), "1").Entrypoint.Last());
        }

        [Theory]
        [InlineData("true false false undefined", true, false, false, null)]
        [InlineData("TRUE True undefined Shutting down due to stop-glidein file\n", true, true, null, "Shutting down due to stop-glidein file")]
        [InlineData("undefined undefined undefined undefined\ntrue true true x", null, null, null, null)]
        [InlineData("false true false { \"a\", \"b c\" }", false, true, false, "{ \"a\", \"b c\" }")]
        public void The_slot_ad_is_read_from_its_first_line(string output, bool? jobs, bool? validated, bool? full, string warnings)
        {
            SlotAd ad = SlotAd.Parse(output);
            Assert.Equal((jobs, validated, full, warnings), (ad.ContainerJobs, ad.Validated, ad.DiskIsFull, ad.NodeWarnings));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("true")]
        [InlineData("\n\n")]
        public void Output_that_is_no_slot_ad_is_unknown(string output) => Assert.Null(SlotAd.Parse(output));

        [Fact]
        public void Warnings_a_job_could_have_written_are_printable_and_bounded()
        {
            SlotAd ad = SlotAd.Parse("true true false " + new string('x', 5000) + "\u001b[31m\u0007");
            Assert.Equal(1024, ad.NodeWarnings.Length);
            Assert.DoesNotContain(ad.NodeWarnings, char.IsControl);
        }

        [Theory]
        [InlineData("<127.0.0.1:9618?sock=startd_1>\n", "<127.0.0.1:9618?sock=startd_1>")]
        [InlineData("127.0.0.1:9618", null)]
        [InlineData("<a b>", null)]
        [InlineData("", null)]
        [InlineData(null, null)]
        public void Only_a_sinful_string_is_an_address(string output, string address) => Assert.Equal(address, PilotReadiness.AddressIn(output));

        [Fact]
        public void A_very_long_address_is_none() => Assert.Null(PilotReadiness.AddressIn("<" + new string('a', 5000) + ">"));

        [Fact]
        public void Start_policy_warnings_name_what_starves_the_pilot()
        {
            Assert.Empty(JobPolicy.Warnings(Config()));
            Assert.Contains(JobPolicy.Warnings(Config(r => { r.AcceptJobsForHours = 24; r.RetirementHours = 16; })), w => w.Contains("40 hours") && w.Contains("long jobs"));
            Assert.Empty(JobPolicy.Warnings(Config(r => { r.AcceptJobsForHours = 24; r.RetirementHours = 17; })));
            Assert.Contains(JobPolicy.Warnings(Config(r => { r.Gpu = true; r.Cpus = 8; r.MemoryMB = 64000; })), w => w.Contains("CPU-only"));
            Assert.Contains(JobPolicy.Warnings(Config(r => { r.Gpu = true; r.Cpus = 16; r.MemoryMB = 32000; })), w => w.Contains("CPU-only"));
            Assert.Empty(JobPolicy.Warnings(Config(r => { r.Gpu = true; r.Cpus = 16; r.MemoryMB = 64000; })));
            Assert.Contains(JobPolicy.Warnings(Config(r => r.Environment = new Dictionary<string, string> { ["APPTAINER_REGISTRY_MIRROR"] = "https://m" })), w => w.Contains("Apptainer 1.3"));
            Assert.Contains(JobPolicy.Warnings(Config(r => r.SecurityProfile = SecurityProfile.Default)), w => w.Contains("no container jobs"));
            // New-OsgPilotConfig says the same.
            Assert.Contains(PilotConfigBuilder.Build(new PilotConfigRequest { Site = "S", ResourceName = "R", TokenPath = _token, AcceptJobsForHours = 1, RetirementHours = 1 }).Warnings, w => w.Contains("long jobs"));
        }

        [Fact]
        public void Metrics_carry_the_slot_ad_and_leave_out_what_is_unknown()
        {
            string text = PilotMetrics.Render(new[]
                {
                    new PilotSample { Name = "a", Engine = "e", Site = "S", Resource = "R", State = "running", ContainerJobs = false, Validated = true, Ledger = new ActivityLedger() },
                    new PilotSample { Name = "b", Engine = "e", Site = "S", Resource = "R", State = "running", Ledger = new ActivityLedger() },
                },
                new[] { "e" }, new SyncStatus[0], new TokenSample[0], "0.1.0", DateTime.UtcNow);
            Assert.Contains("osgpilot_pilot_container_jobs{pilot=\"a\",engine=\"e\",site=\"S\",resource=\"R\"} 0", text);
            Assert.Contains("osgpilot_pilot_validated{pilot=\"a\",engine=\"e\",site=\"S\",resource=\"R\"} 1", text);
            Assert.DoesNotContain("osgpilot_pilot_container_jobs{pilot=\"b\"", text);
            Assert.Contains("# TYPE osgpilot_pilot_container_jobs gauge", text);
        }
    }
}

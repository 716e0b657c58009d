using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OsgPilot.Config;
using OsgPilot.Errors;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>OSG's RPM launcher's /etc/osg/ospool-ep.cfg, read as its two readers read it, refused where its script refuses.</summary>
    public sealed class OspoolEpFileTests
    {
        private const string Site = "GLIDEIN_Site=Lancium\nGLIDEIN_ResourceName=Lancium-Backfill\nACCEPT_JOBS_FOR_HOURS=336\nRETIREMENT_HOURS=24\n";

        private static PilotConfigRequest Read(string text, List<string> warnings = null, bool tokenIsFile = true, bool scratchIsDirectory = true) =>
            OspoolEpFile.ToRequest(OspoolEpFile.Parse(text, "ospool-ep.cfg", warnings), "ospool-ep.cfg", warnings ?? new List<string>(),
                path => tokenIsFile && path.EndsWith(".tkn", StringComparison.Ordinal), path => scratchIsDirectory);

        private static OsgPilotException Refused(string text, bool tokenIsFile = true, bool scratchIsDirectory = true) =>
            Assert.Throws<OsgPilotException>(() => Read(text, null, tokenIsFile, scratchIsDirectory));

        [Fact]
        public void A_file_filled_in_as_a_site_would_gives_what_the_rpm_gives_docker()
        {
            var warnings = new List<string>();
            PilotConfigRequest r = Read(
                "# OSPool EP configuration\n" + Site +
                "OSG_SQUID_LOCATION=http://squid.example.edu:3128\nNUM_CPUS=8\nMEMORY=16000\nWORKER_TEMP_DIR=/scratch\n" +
                "BIND_MOUNT_CVMFS=Yes\nPROVIDE_NVIDIA_GPU=false\nOSG_PROJECT_NAME=\nGLIDEIN_Start_Extra=\nEXTRA_JOB_ENV=A=1\n_CONDOR_STARTD_DEBUG=D_FULLDEBUG\n", warnings);
            Assert.Equal(("Lancium", "Lancium-Backfill", "/etc/osg/ospool-ep.tkn"), (r.Site, r.ResourceName, r.TokenPath));
            Assert.Equal(("http://squid.example.edu:3128", 8, 16000, 336, 24), (r.SquidLocation, r.Cpus, r.MemoryMB, r.AcceptJobsForHours, r.RetirementHours));
            Assert.Equal("/scratch", r.PilotDirectory);
            Assert.Equal(CvmfsMode.HostMount, r.CvmfsMode);
            Assert.False(r.Gpu);
            Assert.Equal(SecurityProfile.Unconfined, r.SecurityProfile);
            Assert.Null(r.ProjectName);  // empty: the image takes it as unset
            Assert.Equal(new Dictionary<string, string> { ["EXTRA_JOB_ENV"] = "A=1", ["_CONDOR_STARTD_DEBUG"] = "D_FULLDEBUG" }, r.Environment);
            Assert.Empty(warnings);
            PilotConfigBuilder.Build(ValidToken(r));
        }

        private static PilotConfigRequest ValidToken(PilotConfigRequest r)
        {
            r.TokenPath = TestTokens.File();
            r.PilotDirectory = null;
            return r;
        }

        [Theory]
        [InlineData("GLIDEIN_Site")]
        [InlineData("GLIDEIN_ResourceName")]
        [InlineData("ACCEPT_JOBS_FOR_HOURS")]
        [InlineData("RETIREMENT_HOURS")]
        public void Each_variable_the_script_requires_is_named_when_missing_or_empty(string name)
        {
            string text = string.Join("\n", Site.Split('\n').Select(l => l.StartsWith(name + "=", StringComparison.Ordinal) ? name + "=" : l));
            OsgPilotException e = Refused(text);
            Assert.Equal(ErrorIds.InvalidOspoolEpConfig, e.ErrorId);
            Assert.Contains(name, e.Message);
        }

        [Fact]
        public void The_scripts_refusals_are_refused_naming_the_variable()
        {
            Assert.Contains("TOKEN_LOCATION must be a file", Refused(Site, tokenIsFile: false).Message);
            Assert.Contains("WORKER_TEMP_DIR must be empty or a directory", Refused(Site + "WORKER_TEMP_DIR=/nope\n", scratchIsDirectory: false).Message);
            Assert.Contains("only one of BIND_MOUNT_CVMFS and CVMFSEXEC_REPOS", Refused(Site + "BIND_MOUNT_CVMFS=on\nCVMFSEXEC_REPOS=oasis.opensciencegrid.org\n").Message);
            Assert.Contains("TOKEN", Refused(Site + "TOKEN=abc.def.ghi\n").Message);
            Assert.DoesNotContain("abc.def.ghi", Refused(Site + "TOKEN=abc.def.ghi\n").Message);
            Assert.Contains("line 5", Refused(Site + "not a variable\n").Message);
            Assert.Contains("NUM_CPUS on line 5 must be a whole number", Refused(Site + "NUM_CPUS=eight\n").Message);
        }

        [Theory]
        [InlineData("y", true)]
        [InlineData("YES", true)]
        [InlineData("t", true)]
        [InlineData("True", true)]
        [InlineData("on", true)]
        [InlineData("1", true)]
        [InlineData("0", false)]
        [InlineData("no", false)]
        [InlineData("", false)]
        public void Booleans_are_the_rpms(string value, bool gpu) => Assert.Equal(gpu, Read(Site + "PROVIDE_NVIDIA_GPU=" + value + "\n").Gpu);

        [Fact]
        public void Cvmfsexec_repositories_choose_cvmfsexec_and_say_that_old_rpms_ran_privileged()
        {
            var warnings = new List<string>();
            PilotConfigRequest r = Read(Site + "CVMFSEXEC_REPOS=oasis.opensciencegrid.org singularity.opensciencegrid.org\nCVMFS_HTTP_PROXY=http://squid:3128\n", warnings);
            Assert.Equal(CvmfsMode.CvmfsExec, r.CvmfsMode);
            Assert.Equal("http://squid:3128", r.Environment["CVMFS_HTTP_PROXY"]);
            Assert.Contains(warnings, w => w.Contains("--privileged"));
        }

        [Fact]
        public void Ignored_and_unknown_names_are_warned_of_by_name_and_left_out()
        {
            var warnings = new List<string>();
            PilotConfigRequest r = Read(Site + "ALLOW_CPUJOB_ON_GPUSLOT=true\nCONTAINER_PILOT_USE_JOB_HOOK=true\nANNEX_NAME=x\nGLIDEIN_SIte=Typo\nBIND_MOUNT_CVMFS=1\n", warnings);
            foreach (string name in new[] { "ALLOW_CPUJOB_ON_GPUSLOT", "CONTAINER_PILOT_USE_JOB_HOOK", "ANNEX_NAME" })
            {
                Assert.Contains(warnings, w => w.Contains(name) && w.Contains("does not read"));
                Assert.False(r.Environment.ContainsKey(name));
            }
            Assert.Contains(warnings, w => w.Contains("GLIDEIN_SIte") && w.Contains("did you mean GLIDEIN_Site?"));
        }

        [Fact]
        public void Quotes_are_read_as_each_reader_reads_them()
        {
            var warnings = new List<string>();
            PilotConfigRequest r = Read(Site + "TOKEN_LOCATION=\"/etc/osg/my.tkn\"\nEXTRA_JOB_ENV=\"A=1\"\n# comment\n; systemd comment\n  SYSLOG_HOST=log.example.edu\n", warnings);
            Assert.Equal("/etc/osg/my.tkn", r.TokenPath);            // the script's (systemd's) reading
            Assert.Equal("\"A=1\"", r.Environment["EXTRA_JOB_ENV"]);  // the container's (docker's) reading
            Assert.Contains(warnings, w => w.Contains("EXTRA_JOB_ENV is quoted"));
            Assert.Contains(warnings, w => w.Contains("line 8") && w.Contains("docker --env-file refuses it"));
            Assert.Equal("log.example.edu", r.Environment["SYSLOG_HOST"]);
        }
    }
}

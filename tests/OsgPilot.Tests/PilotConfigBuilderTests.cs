using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OsgPilot.Config;
using OsgPilot.Errors;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class PilotConfigBuilderTests : IDisposable
    {
        private readonly string _token = TestTokens.File();

        public void Dispose() => File.Delete(_token);

        private PilotConfigRequest Request(Action<PilotConfigRequest> change = null)
        {
            var r = new PilotConfigRequest { Site = "Lancium", ResourceName = "Lancium-Backfill", TokenPath = _token };
            change?.Invoke(r);
            return r;
        }

        private static OsgPilotException Refused(PilotConfigRequest r) =>
            Assert.Throws<OsgPilotException>(() => PilotConfigBuilder.Build(r));

        [Fact]
        public void Defaults_follow_the_OSG_documentation()
        {
            OsgPilotConfig c = PilotConfigBuilder.Build(Request()).Config;
            Assert.Equal("hub.opensciencegrid.org/osg-htc/ospool-ep:25-release", c.Image);
            Assert.Equal("osgpilot-Lancium-Backfill", c.Name);
            Assert.Equal(CvmfsMode.HostMount, c.Cvmfs);
            Assert.Equal("HostMount", c.CvmfsMode);
            Assert.Equal("/cvmfs", c.CvmfsPath);
            // OSG's recommended level: the only one under which Apptainer makes its PID namespace.
            Assert.Equal(SecurityProfile.Unconfined, c.Security);
            Assert.Null(c.AppArmorProfile);
            Assert.Null(c.SeccompProfilePath);
            Assert.Equal(PilotRestartPolicy.UnlessStopped, c.Restart);
            Assert.Equal("UnlessStopped", c.RestartPolicy);
            Assert.Equal("File", c.TokenSource);
            Assert.Null(c.StartExtra);
        }

        [Theory]
        [InlineData("squid.example.edu", "http://squid.example.edu:3128")]
        [InlineData("squid.example.edu:8080", "http://squid.example.edu:8080")]
        [InlineData("HTTP://Squid.Example.EDU:3128/", "http://squid.example.edu:3128")]
        [InlineData("10.0.0.1:3128", "http://10.0.0.1:3128")]
        public void Squid_location_is_normalised(string given, string expected) =>
            Assert.Equal(expected, PilotConfigBuilder.Build(Request(r => r.SquidLocation = given)).Config.SquidLocation);

        [Theory]
        [InlineData("", ErrorIds.InvalidSite)]
        [InlineData("Bad\"Site", ErrorIds.InvalidSite)]
        [InlineData("Site\nTwo", ErrorIds.InvalidSite)]
        public void Bad_sites_are_refused(string site, string errorId)
        {
            OsgPilotException e = Refused(Request(r => r.Site = site));
            Assert.Equal(errorId, e.ErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, e.Category);
        }

        [Fact]
        public void Resource_names_longer_than_a_host_label_are_refused()
        {
            Assert.Equal(ErrorIds.InvalidResourceName, Refused(Request(r => r.ResourceName = new string('r', 64))).ErrorId);
            Assert.NotNull(PilotConfigBuilder.Build(Request(r => r.ResourceName = new string('r', 63))).Config);
        }

        [Fact]
        public void Sites_with_spaces_are_accepted_as_Topology_names_have_them() =>
            Assert.Equal("University of Example", PilotConfigBuilder.Build(Request(r => r.Site = "University of Example")).Config.Site);

        [Fact]
        public void A_token_is_required_and_only_one_form()
        {
            Assert.Equal(ErrorIds.TokenMissing, Refused(Request(r => r.TokenPath = null)).ErrorId);
            Assert.Equal(ErrorIds.TokenSourceConflict, Refused(Request(r => r.Token = TestTokens.Secure(TestTokens.Jwt()))).ErrorId);
        }

        [Fact]
        public void Token_file_problems_have_their_own_errors()
        {
            Assert.Equal(ErrorIds.TokenFileNotFound, Refused(Request(r => r.TokenPath = _token + ".missing")).ErrorId);
            Assert.Equal(ErrorIds.TokenPathIsDirectory, Refused(Request(r => r.TokenPath = Path.GetTempPath())).ErrorId);
            string empty = TestTokens.File("");
            try { Assert.Equal(ErrorIds.TokenEmpty, Refused(Request(r => r.TokenPath = empty)).ErrorId); }
            finally { File.Delete(empty); }
        }

        [Fact]
        public void Expired_tokens_are_refused_and_soon_expiring_ones_warned()
        {
            string expired = TestTokens.File(TestTokens.Jwt(expires: DateTime.UtcNow.AddHours(-1)));
            string soon = TestTokens.File(TestTokens.Jwt(expires: DateTime.UtcNow.AddDays(3)));
            try
            {
                Assert.Equal(ErrorIds.TokenExpired, Refused(Request(r => r.TokenPath = expired)).ErrorId);
                Assert.Contains(PilotConfigBuilder.Build(Request(r => r.TokenPath = soon)).Warnings, w => w.Contains("within 7 days"));
            }
            finally
            {
                File.Delete(expired);
                File.Delete(soon);
            }
        }

        [Fact]
        public void Inline_tokens_are_copied_and_never_exposed()
        {
            string jwt = TestTokens.Jwt();
            var secure = TestTokens.Secure(jwt);
            OsgPilotConfig c = PilotConfigBuilder.Build(Request(r => { r.TokenPath = null; r.Token = secure; })).Config;
            secure.Dispose();
            Assert.Equal("Inline", c.TokenSource);
            Assert.Null(c.TokenPath);
            Assert.Equal(jwt.Length, c.Token.Length);
            Assert.True(c.Token.IsReadOnly());
            Assert.DoesNotContain(typeof(OsgPilotConfig).GetProperties(), p => p.PropertyType == typeof(System.Security.SecureString) && p.GetMethod.IsPublic);
        }

        [Theory]
        [InlineData(nameof(PilotConfigRequest.Cpus), 0, ErrorIds.InvalidCpus)]
        [InlineData(nameof(PilotConfigRequest.MemoryMB), 100, ErrorIds.InvalidMemory)]
        [InlineData(nameof(PilotConfigRequest.AcceptJobsForHours), 0, ErrorIds.InvalidHours)]
        [InlineData(nameof(PilotConfigRequest.RetirementHours), -5, ErrorIds.InvalidHours)]
        [InlineData(nameof(PilotConfigRequest.AcceptIdleMinutes), 0, ErrorIds.InvalidHours)]
        public void Numbers_out_of_range_are_refused(string property, int value, string errorId)
        {
            OsgPilotException e = Refused(Request(r => typeof(PilotConfigRequest).GetProperty(property).SetValue(r, (int?)value)));
            Assert.Equal(errorId, e.ErrorId);
            Assert.Equal(value, e.Target);
        }

        [Fact]
        public void CvmfsExec_cannot_be_combined_with_a_host_mount()
        {
            Assert.Equal(ErrorIds.CvmfsModeConflict, Refused(Request(r => { r.CvmfsMode = CvmfsMode.CvmfsExec; r.CvmfsPath = "/cvmfs"; })).ErrorId);
            Assert.Equal(ErrorIds.CvmfsModeConflict, Refused(Request(r => r.CvmfsRepository = new[] { "oasis.opensciencegrid.org" })).ErrorId);
            Assert.Equal(ErrorIds.CvmfsModeConflict, Refused(Request(r => r.Environment = new Dictionary<string, string> { ["CVMFSEXEC_REPOS"] = "x.y" })).ErrorId);
        }

        [Fact]
        public void CvmfsExec_defaults_to_the_documented_repositories_and_splits_lists()
        {
            OsgPilotConfig d = PilotConfigBuilder.Build(Request(r => { r.CvmfsMode = CvmfsMode.CvmfsExec; r.SecurityProfile = SecurityProfile.Unconfined; })).Config;
            Assert.Equal(new[] { "oasis.opensciencegrid.org", "singularity.opensciencegrid.org" }, d.CvmfsRepository);
            Assert.Null(d.CvmfsPath);
            OsgPilotConfig c = PilotConfigBuilder.Build(Request(r => { r.CvmfsMode = CvmfsMode.CvmfsExec; r.CvmfsRepository = new[] { "a.example.org, b.example.org", "a.example.org" }; })).Config;
            Assert.Equal(new[] { "a.example.org", "b.example.org" }, c.CvmfsRepository);
        }

        [Fact]
        public void CvmfsExec_with_the_capabilities_profile_is_warned()
        {
            PilotConfigResult r = PilotConfigBuilder.Build(Request(x => { x.CvmfsMode = CvmfsMode.CvmfsExec; x.SecurityProfile = SecurityProfile.Capabilities; }));
            Assert.Contains(r.Warnings, w => w.Contains("/dev/fuse"));
            Assert.DoesNotContain(PilotConfigBuilder.Build(Request(x => x.CvmfsMode = CvmfsMode.CvmfsExec)).Warnings, w => w.Contains("/dev/fuse"));
        }

        [Theory]
        [InlineData("TOKEN", ErrorIds.ReservedEnvironment)]
        [InlineData("GLIDEIN_Site", ErrorIds.ReservedEnvironment)]
        [InlineData("OSG_SQUID_LOCATION", ErrorIds.ReservedEnvironment)]
        [InlineData("1BAD", ErrorIds.InvalidEnvironment)]
        [InlineData("A-B", ErrorIds.InvalidEnvironment)]
        public void Environment_cannot_bypass_parameters(string name, string errorId) =>
            Assert.Equal(errorId, Refused(Request(r => r.Environment = new Dictionary<string, string> { [name] = "x" })).ErrorId);

        [Fact]
        public void Ignored_variables_and_the_old_image_warn()
        {
            PilotConfigResult r = PilotConfigBuilder.Build(Request(x =>
            {
                x.Environment = new Dictionary<string, string> { ["ANNEX_NAME"] = "a", ["GLIDEIN_Start"] = "True" };
                x.Image = "opensciencegrid/osgvo-docker-pilot:release";
            }));
            Assert.Contains(r.Warnings, w => w.Contains("does not read ANNEX_NAME"));
            Assert.Contains(r.Warnings, w => w.Contains("GLIDEIN_Start_Extra"));
            Assert.Contains(r.Warnings, w => w.Contains("old OSG pilot image"));
        }

        [Theory]
        [InlineData("hub.opensciencegrid.org/osg-htc/ospool-ep:25-release", true)]
        [InlineData("localhost:5000/pilot@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
        [InlineData("osgpilot/standin-pilot", true)]
        [InlineData("UPPER/case", false)]
        [InlineData("Registry.Example.org:5000/lower/path:Tag_1", true)]
        [InlineData("127.0.0.1:9/osgpilot/missing:1", true)]
        [InlineData("has space", false)]
        [InlineData("trailing:", false)]
        public void Image_references_are_checked(string image, bool valid)
        {
            if (valid) Assert.Equal(image, PilotConfigBuilder.Build(Request(r => r.Image = image)).Config.Image);
            else Assert.Equal(ErrorIds.InvalidImage, Refused(Request(r => r.Image = image)).ErrorId);
        }

        [Fact]
        public void Gpu_selects_the_cuda_image_unless_one_is_given()
        {
            Assert.EndsWith(":25-cuda_11_8_0-release", PilotConfigBuilder.Build(Request(r => r.Gpu = true)).Config.Image);
            Assert.Equal("my/image:1", PilotConfigBuilder.Build(Request(r => { r.Gpu = true; r.Image = "my/image:1"; })).Config.Image);
        }

        [Theory]
        [InlineData("relative/dir")]
        [InlineData("/with:colon")]
        [InlineData("/with,comma")]
        public void Pilot_directories_must_be_absolute_bind_paths(string dir) =>
            Assert.Equal(ErrorIds.InvalidPilotDirectory, Refused(Request(r => r.PilotDirectory = dir)).ErrorId);

        [Fact]
        public void Pilot_directory_trailing_slash_is_trimmed() =>
            Assert.Equal("/var/lib/osg-pilot", PilotConfigBuilder.Build(Request(r => r.PilotDirectory = "/var/lib/osg-pilot/")).Config.PilotDirectory);

        [Fact]
        public void The_request_is_not_modified()
        {
            PilotConfigRequest r = Request(x => x.SquidLocation = "squid:3128");
            PilotConfigBuilder.Build(r);
            Assert.Equal("squid:3128", r.SquidLocation);
            Assert.Null(r.Name);
        }
    }
}

using System.Linq;
using System.Text.Json;
using OsgPilot.Preflight;
using OsgPilot.Topology;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class PreflightLogicTests
    {
        private const string MountInfo =
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n" +
            "30 22 0:25 / /tmp rw,nosuid master:7 - tmpfs tmpfs rw\n" +
            "31 22 0:26 / /cvmfs rw shared:9 - autofs systemd-1 rw\n" +
            "40 22 0:27 / /data rw - ext4 /dev/vdb rw\n" +
            "41 40 0:28 / /data/with\\040space rw shared:12 - ext4 /dev/vdc rw\n";

        [Theory]
        [InlineData("/cvmfs", "/cvmfs", true, "shared")]
        [InlineData("/cvmfs/oasis.opensciencegrid.org", "/cvmfs", true, "shared")]
        [InlineData("/data/x", "/data", false, "private")]
        [InlineData("/tmp/cvmfs", "/tmp", false, "slave")]
        [InlineData("/datax", "/", true, "shared")]
        [InlineData("/data/with space/cvmfs", "/data/with space", true, "shared")]
        public void Finds_the_mount_of_a_path_and_its_propagation(string path, string mountPoint, bool shared, string propagation)
        {
            MountTable.Entry e = MountTable.Parse(MountInfo).MountOf(path);
            Assert.Equal(mountPoint, e.MountPoint);
            Assert.Equal(shared, e.Shared);
            Assert.Equal(propagation, e.Propagation);
        }

        [Fact]
        public void The_last_mount_on_a_mount_point_wins()
        {
            string info = MountInfo + "50 31 0:30 / /cvmfs rw - tmpfs tmpfs rw\n";
            Assert.False(MountTable.Parse(info).MountOf("/cvmfs").Shared);
        }

        [Theory]
        [InlineData("1000 1000 755", true)]
        [InlineData("0 0 755", false)]
        [InlineData("0 0 1777", true)]
        [InlineData("0 1000 775", true)]
        [InlineData("1000 1000 555", false)]
        [InlineData("0 0 773", true)]
        public void Writability_for_the_pilot_user(string stat, bool writable) =>
            Assert.Equal(writable, FileOwnership.Parse(stat).WritableBy(1000, 1000));

        private const string Topology = @"{
  ""Lancium-Backfill"": { ""Name"": ""Lancium-Backfill"", ""Site"": ""Lancium"", ""ResourceGroup"": ""Lancium-RG"", ""Active"": true,
                        ""Services"": { ""Execution Endpoint"": { ""Description"": ""x"" } } },
  ""ListForm"": { ""Site"": ""S"", ""ResourceGroup"": ""G"", ""Active"": true, ""Services"": [ { ""Name"": ""Execution Endpoint"" }, ""Squid"" ] },
  ""Inactive"": { ""Site"": ""S"", ""ResourceGroup"": ""G"", ""Active"": false, ""Services"": { ""Execution Endpoint"": {} } },
  ""SquidOnly"": { ""Site"": ""S"", ""ResourceGroup"": ""G"", ""Active"": true, ""Services"": { ""Squid"": {} } }
}";

        [Fact]
        public void A_registered_backfill_resource_passes_by_site_or_resource_group()
        {
            TopologyResource r = TopologyRegistration.Find(Topology, "Lancium-Backfill");
            Assert.Null(TopologyRegistration.Problem(r, "Lancium"));
            Assert.Null(TopologyRegistration.Problem(r, "Lancium-RG"));
            Assert.Contains("GLIDEIN_Site 'Other'", TopologyRegistration.Problem(r, "Other"));
        }

        [Fact]
        public void Services_may_be_a_list_and_the_key_names_the_resource()
        {
            TopologyResource r = TopologyRegistration.Find(Topology, "ListForm");
            Assert.Equal(new[] { "Execution Endpoint", "Squid" }, r.Services);
            Assert.Null(TopologyRegistration.Problem(r, "S"));
        }

        [Fact]
        public void Inactive_resources_and_other_services_are_problems()
        {
            Assert.Contains("inactive", TopologyRegistration.Problem(TopologyRegistration.Find(Topology, "Inactive"), "S"));
            Assert.Contains("Execution Endpoint", TopologyRegistration.Problem(TopologyRegistration.Find(Topology, "SquidOnly"), "S"));
            Assert.Null(TopologyRegistration.Find(Topology, "lancium-backfill"));
        }

        [Fact]
        public void Bad_topology_JSON_throws_JsonException()
        {
            Assert.ThrowsAny<JsonException>(() => TopologyRegistration.Find("[1,2]", "x"));
            Assert.ThrowsAny<JsonException>(() => TopologyRegistration.Find("{", "x"));
        }

        [Fact]
        public void A_result_passes_only_without_errors()
        {
            var warnOnly = new OsgPilotPreflightResult("p", new[] { new OsgPilotPreflightCheck("Image", false, CheckSeverity.Warning, "old") }, true, "unix:///run/x.sock", null);
            Assert.True(warnOnly.Passed);
            Assert.Equal("[warn] Image: old", warnOnly.Checks.Single().ToString());
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using OsgPilot.Cmdlets;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using Xunit;
using ContainerSpec = OsgPilot.Launch.ContainerSpec;

namespace OsgPilot.Tests
{
    public sealed class DockerPlumbingTests
    {
        [Theory]
        [InlineData(500, "{\"message\":\"open /proc/4242/ns/mnt: no such file or directory\"}", true)]
        [InlineData(500, "", true)]   // a HEAD: Podman's 500 without a body to say why
        [InlineData(500, "{\"message\":\"disk full\"}", false)]
        [InlineData(409, "", false)]
        public void An_archive_read_is_asked_again_only_when_Podman_lost_the_process_it_read_through(int status, string body, bool again) =>
            Assert.Equal(again, DockerGateway.ProcessGone((System.Net.HttpStatusCode)status, body));

        [Theory]
        [InlineData("hub.opensciencegrid.org/osg-htc/ospool-ep:25-release", "hub.opensciencegrid.org/osg-htc/ospool-ep", "25-release")]
        [InlineData("localhost:5000/pilot", "localhost:5000/pilot", "latest")]
        [InlineData("localhost:5000/pilot:1", "localhost:5000/pilot", "1")]
        [InlineData("a/b@sha256:abc", "a/b", "sha256:abc")]
        public void Image_references_split_for_the_pull_API(string image, string repo, string tag)
        {
            DockerGateway.SplitReference(image, out string r, out string t);
            Assert.Equal((repo, tag), (r, t));
        }

        [Fact]
        public void Tar_holds_one_file_with_owner_and_mode()
        {
            byte[] content = Encoding.UTF8.GetBytes("hello\n");
            byte[] tar = TarWriter.Write(new[] { new TarEntry("flock.opensciencegrid.org", content, 1000, 1000, Convert.ToInt32("600", 8)) });
            Assert.Equal(0, tar.Length % 512);
            Assert.Equal("flock.opensciencegrid.org", Encoding.ASCII.GetString(tar, 0, 25));
            Assert.Equal("0000600", Encoding.ASCII.GetString(tar, 100, 7));
            Assert.Equal("0001750", Encoding.ASCII.GetString(tar, 108, 7));
            Assert.Equal("00000000006", Encoding.ASCII.GetString(tar, 124, 11));
            Assert.Equal("hello\n", Encoding.UTF8.GetString(tar, 512, 6));
            long sum = tar.Take(512).Select((b, i) => i >= 148 && i < 156 ? (long)' ' : b).Sum();
            Assert.Equal(Convert.ToString(sum, 8).PadLeft(6, '0'), Encoding.ASCII.GetString(tar, 148, 6));
            Assert.All(tar.Skip(tar.Length - 1024), b => Assert.Equal(0, b));
        }

        [Fact]
        public async System.Threading.Tasks.Task A_token_archive_creates_the_directory_the_image_lacks()
        {
            byte[] tar = TarWriter.Write(new[]
            {
                new TarEntry("etc/condor/tokens-orig.d", null, 0, 0, Convert.ToInt32("755", 8)),
                new TarEntry("etc/condor/tokens-orig.d/flock.opensciencegrid.org", System.Text.Encoding.ASCII.GetBytes("abc\n"), 1000, 1000, Convert.ToInt32("400", 8)),
            });
            Assert.Equal(0, tar.Length % 512);
            Assert.Equal("etc/condor/tokens-orig.d/", System.Text.Encoding.ASCII.GetString(tar, 0, 25));
            Assert.Equal((byte)'5', tar[156]);
            Assert.Equal((byte)'0', tar[512 + 156]);
            Assert.Equal("0000400", System.Text.Encoding.ASCII.GetString(tar, 512 + 100, 7));
            Assert.Equal("0001750", System.Text.Encoding.ASCII.GetString(tar, 512 + 108, 7)); // uid 1000
            using (var ms = new System.IO.MemoryStream(tar))
            {
                // The reader skips the directory and returns the file, as docker cp's answer is read.
                byte[] file = await TarReader.FirstFileTailAsync(ms, 1024, default);
                Assert.Equal("abc\n", System.Text.Encoding.ASCII.GetString(file));
            }
        }

        [Fact]
        public async System.Threading.Tasks.Task The_tar_reader_keeps_only_the_tail_of_a_large_file()
        {
            byte[] content = System.Text.Encoding.ASCII.GetBytes(new string('x', 5000) + "last line\n");
            using (var ms = new System.IO.MemoryStream(TarWriter.Write(new[] { new TarEntry("startup.log", content, 0, 0, 420) })))
            {
                byte[] tail = await TarReader.FirstFileTailAsync(ms, 100, default);
                Assert.Equal(100, tail.Length);
                Assert.EndsWith("last line\n", System.Text.Encoding.ASCII.GetString(tail));
            }
        }

        [Fact]
        public void Name_selection_reports_unmatched_literals_only()
        {
            var sel = new PilotSelection(new[] { "osgpilot-*", "exact", "Missing" });
            Assert.True(sel.Matches("osgpilot-a"));
            Assert.True(sel.Matches("exact"));
            Assert.False(sel.Matches("EXACT"));   // Docker's names are case-sensitive
            Assert.False(sel.Matches("other"));
            Assert.Equal(new[] { "Missing" }, sel.UnmatchedLiterals(new[] { "exact" }));
            Assert.True(new PilotSelection(null).Matches("anything"));
        }

        [Theory]
        [InlineData(new[] { "Engine", "containerd", "runc" }, "20.10.24+dfsg1", "Docker 20.10.24+dfsg1", true)]
        [InlineData(new[] { "Podman Engine", "Conmon", "OCI Runtime (crun)" }, "4.3.1", "Podman 4.3.1", false)]
        [InlineData(new[] { "Podman Engine" }, "5.0.3", "Podman 5.0.3", false)]
        [InlineData(new[] { "Podman Engine" }, "5.1.0", "Podman 5.1.0", true)]
        [InlineData(new[] { "Podman Engine" }, "6.0.0-rc1", "Podman 6.0.0-rc1", true)]
        [InlineData(null, "28.2.2", "Docker 28.2.2", true)]
        public void The_engine_names_itself_in_its_version_components(string[] components, string version, string display, bool canChangePolicy)
        {
            var v = new EngineVersion { Product = EngineVersion.ProductOf(components), Version = version };
            Assert.Equal(display, v.Display);
            Assert.Equal(canChangePolicy, v.CanChangeRestartPolicy);
        }

        [Fact]
        public void A_ping_names_the_engine_by_its_Server_header()
        {
            EngineVersion docker = EnginePing.Parse("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nContent-Length: 2");
            Assert.Equal(("Docker 20.10.24+dfsg1", "1.41", "linux", true), (docker.Display, docker.ApiVersion, docker.Os, docker.CanChangeRestartPolicy));
            EngineVersion podman = EnginePing.Parse("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nLibpod-Api-Version: 4.3.1\r\nServer: Libpod/4.3.1 (linux)");
            Assert.Equal(("Podman 4.3.1", true, false), (podman.Display, podman.IsPodman, podman.CanChangeRestartPolicy));
            Assert.Null(EnginePing.Parse("HTTP/1.1 200 OK\r\nServer: nginx/1.22"));
            Assert.Null(EnginePing.Parse("HTTP/1.1 200 OK\r\nApi-Version: 1.41"));
            Assert.Null(EnginePing.Parse("HTTP/1.1 200 OK\r\nServer: Docker/"));
        }

        [Theory]
        [InlineData("stopped", "exited")]
        [InlineData("configured", "created")]
        [InlineData("initialized", "created")]
        [InlineData("stopping", "running")]
        [InlineData("exited", "exited")]
        [InlineData("restarting", "restarting")]
        [InlineData(null, null)]
        public void Podman_states_read_as_dockerd_names_them(string engine, string ours) => Assert.Equal(ours, EngineStates.Normalize(engine));

        [Fact]
        public void Pilot_reports_the_image_tag()
        {
            Assert.Equal("25-release", new Pilot { Image = "hub.opensciencegrid.org/osg-htc/ospool-ep:25-release" }.ImageTag);
            Assert.Equal("latest", new Pilot { Image = "localhost:5000/pilot" }.ImageTag);
        }
    }
}

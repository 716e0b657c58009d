using System.Linq;
using OsgPilot.Config;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class PublishedImagesTests
    {
        [Fact]
        public void The_defaults_come_first_and_every_documented_tag_is_there_once()
        {
            var all = PublishedImages.All();
            Assert.Equal(PilotConfigBuilder.DefaultImage, all[0]);
            Assert.Equal(PilotConfigBuilder.DefaultGpuImage, all[1]);
            // {24,25} x ({el9,cuda_11_8_0} and the el9 alias) x {development,testing,release}
            Assert.Equal(2 * 3 * 3, all.Count);
            Assert.Equal(all.Count, all.Distinct().Count());
            Assert.Contains("hub.opensciencegrid.org/osg-htc/ospool-ep:24-cuda_11_8_0-development", all);
        }

        [Theory]
        [InlineData("25-cu", 3)]
        [InlineData("'hub.opensciencegrid.org/osg-htc/ospool-ep:24-el9", 3)]
        [InlineData("", 18)]
        [InlineData("nosuch", 0)]
        public void Completion_matches_the_whole_reference_or_the_tag(string typed, int count) =>
            Assert.Equal(count, PublishedImages.Matching(typed).Count());
    }
}

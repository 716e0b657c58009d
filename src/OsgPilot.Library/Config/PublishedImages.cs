using System;
using System.Collections.Generic;
using System.Linq;

namespace OsgPilot.Config
{
    /// <summary>
    /// The pilot images OSG publishes, by its tag scheme ({24,25}-{el9,cuda_11_8_0}-{development,testing,release},
    /// with SERIES-release the el9 alias): what -Image completes to, with no registry or engine asked.
    /// </summary>
    internal static class PublishedImages
    {
        public const string Repository = "hub.opensciencegrid.org/osg-htc/ospool-ep";
        private static readonly string[] Series = { "25", "24" };
        private static readonly string[] Flavours = { "el9", "cuda_11_8_0" };
        private static readonly string[] Channels = { "release", "testing", "development" };

        /// <summary>The current default first, then newest series first, release before testing before development.</summary>
        public static IReadOnlyList<string> All()
        {
            var images = new List<string> { PilotConfigBuilder.DefaultImage, PilotConfigBuilder.DefaultGpuImage };
            foreach (string series in Series)
            {
                foreach (string channel in Channels)
                {
                    images.Add($"{Repository}:{series}-{channel}");
                    foreach (string flavour in Flavours) images.Add($"{Repository}:{series}-{flavour}-{channel}");
                }
            }
            return images.Distinct(StringComparer.Ordinal).ToList();
        }

        /// <summary>Those that start with what was typed, or whose tag does (so "25-cu" finds the GPU images).</summary>
        public static IEnumerable<string> Matching(string typed)
        {
            string word = (typed ?? string.Empty).Trim('\'', '"');
            return All().Where(i => i.StartsWith(word, StringComparison.OrdinalIgnoreCase) ||
                                    i.Substring(Repository.Length + 1).StartsWith(word, StringComparison.OrdinalIgnoreCase));
        }
    }
}

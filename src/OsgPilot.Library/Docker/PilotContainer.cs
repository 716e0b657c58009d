using System;
using System.Collections.Generic;

namespace OsgPilot.Docker
{
    /// <summary>One container as the engine's list call describes it, in our own terms.</summary>
    internal sealed class PilotContainer
    {
        public string Id { get; set; }
        public string Name { get; set; }
        public string State { get; set; }
        public string Status { get; set; }
        public string Image { get; set; }
        public string ImageId { get; set; }
        public DateTime Created { get; set; }
        public IReadOnlyDictionary<string, string> Labels { get; set; }

        public bool IsRunning => string.Equals(State, "running", StringComparison.OrdinalIgnoreCase) ||
                                 string.Equals(State, "restarting", StringComparison.OrdinalIgnoreCase);

        /// <summary>The same container as it is once stopped (a copy; the list call that found it said running).</summary>
        public PilotContainer Stopped() => new PilotContainer
        {
            Id = Id, Name = Name, State = "exited", Status = Status, Image = Image, ImageId = ImageId, Created = Created, Labels = Labels,
        };

        /// <summary>
        /// What a removed pilot left in its host directory, as a container to read the logs of: the
        /// next start in that directory wipes them.
        /// </summary>
        public static PilotContainer Removed(string name, string hostDirectory) => new PilotContainer
        {
            Id = "removed", Name = name, State = "removed",
            Labels = new Dictionary<string, string> { [Launch.PilotLabels.PilotDirectory] = hostDirectory },
        };

        /// <summary>Its process runs now: "running" only (a restarting pilot crashed and is between starts).</summary>
        public bool IsUp => string.Equals(State, "running", StringComparison.OrdinalIgnoreCase);

        public string Label(string key) => Labels != null && Labels.TryGetValue(key, out string v) ? v : null;
    }

    /// <summary>A pull progress report for one image layer.</summary>
    internal sealed class PullProgress
    {
        public string LayerId { get; set; }
        public string Status { get; set; }
        public long? Current { get; set; }
        public long? Total { get; set; }
    }

    internal sealed class ImageInfo
    {
        public string Id { get; set; }
        public DateTime? Created { get; set; }
    }
}

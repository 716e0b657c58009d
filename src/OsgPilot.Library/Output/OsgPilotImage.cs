using System;

namespace OsgPilot
{
    /// <summary>The state of a pilot image on an engine after Update-OsgPilotImage.</summary>
    public sealed class OsgPilotImage
    {
        public string Image { get; set; }
        public string Id { get; set; }
        /// <summary>When the image was built (UTC), as the engine reports it.</summary>
        public DateTime? Created { get; set; }
        /// <summary>True when this call pulled the image.</summary>
        public bool Pulled { get; set; }
        /// <summary>True when the pull brought a different image than the one the engine had.</summary>
        public bool Changed { get; set; }
        /// <summary>The image id before the pull, or null when the engine did not have the image.</summary>
        public string PreviousId { get; set; }
        public string DockerHost { get; set; }
        /// <summary>The docker context the engine came from; null when it was given as an address.</summary>
        public string Context { get; set; }

        public override string ToString() => Image;
    }
}

namespace OsgPilot
{
    /// <summary>
    /// One line of a Sync-OsgPilot run: the image, or one pilot. Every value is a string, number or
    /// bool, so ConvertTo-Json gives a scheduler or Ansible exactly what a person sees.
    /// </summary>
    public sealed class OsgPilotSyncResult
    {
        /// <summary>"Image" or "Pilot".</summary>
        public string Kind { get; set; }
        /// <summary>The image reference, or the pilot's container name.</summary>
        public string Name { get; set; }
        /// <summary>None, Pulled, Created, Replaced, Draining, Removed or Failed.</summary>
        public string Action { get; set; }
        public string Reason { get; set; }
        /// <summary>True when this run changed the engine for this line.</summary>
        public bool Changed { get; set; }
        /// <summary>The image id the pilot runs (or the image now has).</summary>
        public string ImageId { get; set; }
        public string DockerHost { get; set; }
        /// <summary>The docker context the engine came from; null when it was given as an address.</summary>
        public string Context { get; set; }
        /// <summary>The run's warnings (token expiry or scopes, image age), on every line, as data.</summary>
        public string[] Warnings { get; set; }

        public override string ToString() => Name;
    }
}

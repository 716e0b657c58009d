namespace OsgPilot.Docker
{
    /// <summary>
    /// Container states in dockerd's words. Podman's Docker API passes its own through: "stopped"
    /// (exited, and cleaned up), "configured" (created, not yet initialised), "initialized", "stopping".
    /// Everything above the Docker layer reads dockerd's.
    /// </summary>
    internal static class EngineStates
    {
        public static string Normalize(string state)
        {
            switch (state)
            {
                case "stopped": return "exited";
                case "configured":
                case "initialized": return "created";
                case "stopping": return "running";
                default: return state;
            }
        }

        /// <summary>The event a container's end is filtered by: Podman filters on its own "died", then reports it as "die".</summary>
        public static string DieEvent(bool podman) => podman ? "died" : "die";
    }
}

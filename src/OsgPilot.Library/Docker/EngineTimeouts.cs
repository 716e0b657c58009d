namespace OsgPilot.Docker
{
    /// <summary>
    /// The default bound of one engine request. Apart from DockerGateway on purpose: cmdlets read
    /// it while PowerShell binds parameters, and touching DockerGateway would load Docker.DotNet.
    /// </summary>
    internal static class EngineTimeouts
    {
        public const int DefaultRequestSeconds = 30;
    }
}

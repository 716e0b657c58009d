using OsgPilot.Launch;

namespace OsgPilot.Docker
{
    /// <summary>Turns a listed container into the public <see cref="Pilot"/>: all from labels, no inspect.</summary>
    internal static class PilotFactory
    {
        public static Pilot From(PilotContainer c, DockerEndpoint endpoint, EngineVersion engine, bool changed = false) => new Pilot
        {
            Name = c.Name,
            Id = c.Id,
            State = c.State,
            Status = c.Status,
            Image = c.Image,
            ImageId = c.ImageId,
            Site = c.Label(PilotLabels.Site),
            ResourceName = c.Label(PilotLabels.Resource),
            Created = c.Created.ToLocalTime(),
            Changed = changed,
            DockerHost = endpoint.Display,
            Context = endpoint.Context,
            Engine = engine?.Display,
            ConfigHash = c.Label(PilotLabels.ConfigHash),
            PilotDirectory = c.Label(PilotLabels.PilotDirectory),
            ModuleVersion = c.Label(PilotLabels.ModuleVersion),
        };
    }
}

using System;
using OsgPilot.Docker;
using OsgPilot.Launch;

namespace OsgPilot.Activity
{
    /// <summary>The public <see cref="OsgPilotActivity"/> of one pilot's collected state.</summary>
    internal static class ActivityReport
    {
        public static OsgPilotActivity For(PilotActivityState s, DockerEndpoint endpoint, DateTime since, DateTime asOf)
        {
            var a = new OsgPilotActivity
            {
                Name = s.Name,
                DockerHost = endpoint.Display,
                Context = endpoint.Context,
                Site = s.Container?.Label(PilotLabels.Site),
                ResourceName = s.Container?.Label(PilotLabels.Resource),
                State = s.Container?.State ?? "removed",
                Accepting = s.Accepting,
                Draining = s.Draining,
            };
            ActivitySummary.Fill(a, s.Ledger.Jobs, since, asOf);
            return a;
        }
    }
}

using System;
using System.Management.Automation;
using OsgPilot.Config;
using OsgPilot.Swarm;

namespace OsgPilot.Cmdlets
{
    /// <summary>Base of the cmdlets that take a config and place it on a swarm: the same placement for the preflight as for the service.</summary>
    public abstract class ServiceConfigCmdlet : DockerCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public OsgPilotConfig Config { get; set; }

        /// <summary>Pilots on each node: 1 is one global service named after the config; N is N services, NAME-1..NAME-N.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int PerNode { get; set; } = 1;

        /// <summary>Placement constraints, e.g. node.labels.osg-backfill==true: only matching nodes run pilots.</summary>
        [Parameter]
        [ValidateNotNull]
        public string[] Constraint { get; set; } = new string[0];

        internal ServiceOptions Placement() => new ServiceOptions { PerNode = PerNode, Constraints = Constraint };
    }
}

using System;

namespace OsgPilot
{
    /// <summary>One OsgPilot pilot container, as Start-OsgPilot and Get-OsgPilot report it.</summary>
    public sealed class Pilot
    {
        public string Name { get; set; }
        public string Id { get; set; }
        /// <summary>Engine state: created, running, restarting, exited, ...</summary>
        public string State { get; set; }
        /// <summary>Engine status text, e.g. "Up 5 minutes" or "Exited (0) 2 hours ago".</summary>
        public string Status { get; set; }
        public string Image { get; set; }
        /// <summary>The id of the image the container runs, to spot pilots on an outdated image.</summary>
        public string ImageId { get; set; }
        public string Site { get; set; }
        public string ResourceName { get; set; }
        public DateTime Created { get; set; }
        /// <summary>True when this call created, recreated or started the pilot.</summary>
        public bool Changed { get; set; }
        /// <summary>The engine the pilot runs on; binds by property name to -DockerHost downstream.</summary>
        public string DockerHost { get; set; }
        /// <summary>The docker context the engine came from (null when given as an address); binds to -Context downstream.</summary>
        public string Context { get; set; }
        /// <summary>The engine's product and version as it names itself: "Docker 28.2.2", "Podman 4.3.1".</summary>
        public string Engine { get; set; }
        public string ConfigHash { get; set; }
        public string PilotDirectory { get; set; }
        public string ModuleVersion { get; set; }

        // Filled by Start-OsgPilot -Wait and Get-OsgPilot -Detailed only: a list call cannot tell them.

        /// <summary>The pilot's startd answered (startd_addr.sh); null when not asked.</summary>
        public bool? Ready { get; set; }
        /// <summary>The startd address startd_addr.sh printed.</summary>
        public string StartdAddress { get; set; }
        /// <summary>stop-glidein.stamp is in /pilot: the pilot takes no new jobs and exits once idle.</summary>
        public bool? Draining { get; set; }
        public DateTime? StartedAt { get; set; }
        public DateTime? FinishedAt { get; set; }
        public long? ExitCode { get; set; }
        /// <summary>Restarts by the engine's restart policy since the container was created.</summary>
        public long? RestartCount { get; set; }
        /// <summary>Hours since the pilot's image was built (OSG asks for 72 at most).</summary>
        public double? ImageAgeHours { get; set; }
        /// <summary>The restart policy in force now (a drain sets it to No).</summary>
        public string RestartPolicy { get; set; }
        /// <summary>Why a pilot is not running: its exit, the engine's error, its last log line and the known fix.</summary>
        public string Reason { get; set; }
        /// <summary>The slot ad's HAS_SINGULARITY: Apptainer works in the pilot, so the pool sends it container jobs (most of its jobs); null while the startd is not ready.</summary>
        public bool? ContainerJobs { get; set; }
        /// <summary>The slot ad's OSG_NODE_VALIDATED: the pilot's own checks passed and it lets jobs in; null while the startd is not ready.</summary>
        public bool? Validated { get; set; }
        /// <summary>The slot ad's OSG_NODE_WARNINGS: what the pilot's checks found (a drain says so here); null when none.</summary>
        public string NodeWarnings { get; set; }

        /// <summary>The image tag alone (e.g. 25-release), for the table view.</summary>
        public string ImageTag
        {
            get
            {
                if (string.IsNullOrEmpty(Image)) return null;
                int at = Image.IndexOf('@');
                if (at >= 0) return Image.Substring(at + 1);
                int colon = Image.LastIndexOf(':');
                return colon > Image.LastIndexOf('/') ? Image.Substring(colon + 1) : "latest";
            }
        }

        public override string ToString() => Name;
    }
}

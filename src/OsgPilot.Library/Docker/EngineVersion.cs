using System;
using System.Collections.Generic;
using System.Linq;

namespace OsgPilot.Docker
{
    /// <summary>Which engine answers, and what it can do that OsgPilot leans on.</summary>
    internal sealed class EngineVersion
    {
        public const string Docker = "Docker";
        public const string Podman = "Podman";

        /// <summary>"Docker" or "Podman": Podman names its own component "Podman Engine" in /version.</summary>
        public string Product { get; set; } = Docker;
        public bool IsPodman => Product == Podman;

        /// <summary>
        /// Podman before 5.1 has no container update in its Docker API (podman update --restart came in 5.1),
        /// so a restart policy is fixed at creation there.
        /// </summary>
        public bool CanChangeRestartPolicy => !IsPodman || AtLeast(5, 1);

        /// <summary>What the objects show: "Docker 28.2.2", "Podman 4.3.1".</summary>
        public string Display => Product + " " + Version;

        public static string ProductOf(IEnumerable<string> componentNames) =>
            componentNames != null && componentNames.Any(n => n != null && n.StartsWith("Podman", StringComparison.OrdinalIgnoreCase)) ? Podman : Docker;

        private bool AtLeast(int major, int minor)
        {
            string[] parts = (Version ?? string.Empty).Split('.', '-', '+');
            if (parts.Length < 2 || !int.TryParse(parts[0], out int ma) || !int.TryParse(parts[1], out int mi)) return true;
            return ma > major || (ma == major && mi >= minor);
        }

        public string Version { get; set; }
        public string ApiVersion { get; set; }
        public string Os { get; set; }
        public string Arch { get; set; }
    }
}

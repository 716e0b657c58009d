using System.Collections.Generic;
using System.Globalization;
using OsgPilot.Launch;

namespace OsgPilot.Config
{
    /// <summary>
    /// Settings under which the pool's START policy (osg-flock's 50-main.config) or the image starves a
    /// pilot of jobs, though it starts and runs. Told at New-OsgPilotConfig and in Test-OsgPilotConfig.
    /// </summary>
    internal static class JobPolicy
    {
        public const int DefaultAcceptJobsForHours = 336;
        public const int DefaultRetirementHours = 24;
        /// <summary>"Long" jobs start only while GLIDEIN_ToDie is more than 144000 s (40 h) away.</summary>
        public const int LongJobHours = 40;
        /// <summary>A GPU pilot takes CPU-only jobs only with more than this per GPU.</summary>
        public const int GpuCpuOnlyCpus = 8;
        public const int GpuCpuOnlyMemoryMB = 32000;

        public static IReadOnlyList<string> Warnings(OsgPilotConfig c)
        {
            var w = new List<string>();
            int hours = (c.AcceptJobsForHours ?? DefaultAcceptJobsForHours) + (c.RetirementHours ?? DefaultRetirementHours);
            if (hours <= LongJobHours)
            {
                w.Add(string.Format(CultureInfo.InvariantCulture,
                    "AcceptJobsForHours + RetirementHours is {0} hours; the pool starts long jobs only on pilots with more than {1} hours to live, so this pilot never gets one. Raise -AcceptJobsForHours or -RetirementHours.",
                    hours, LongJobHours));
            }
            if (c.Gpu && ((c.Cpus.HasValue && c.Cpus.Value <= GpuCpuOnlyCpus) || (c.MemoryMB.HasValue && c.MemoryMB.Value <= GpuCpuOnlyMemoryMB)))
            {
                w.Add(string.Format(CultureInfo.InvariantCulture,
                    "A GPU pilot takes CPU-only jobs only with more than {0} CPUs and {1} MB per GPU; with -Cpus {2} and -MemoryMB {3} it runs GPU jobs alone.",
                    GpuCpuOnlyCpus, GpuCpuOnlyMemoryMB, c.Cpus?.ToString(CultureInfo.InvariantCulture) ?? "(all)", c.MemoryMB?.ToString(CultureInfo.InvariantCulture) ?? "(all)"));
            }
            if (c.Environment.ContainsKey("APPTAINER_REGISTRY_MIRROR"))
            {
                w.Add("APPTAINER_REGISTRY_MIRROR works only with Apptainer 1.3, which the current image no longer installs; the jobs' images are pulled as if it were not set.");
            }
            if (c.Security == SecurityProfile.Default)
            {
                w.Add("-SecurityProfile Default keeps the engine's confinement, under which Apptainer cannot run: the pilot runs no container jobs, and the pool sends it far fewer jobs. Use it only where site policy forbids nested containers.");
            }
            return w;
        }

        /// <summary>Whether Apptainer in this pilot makes a PID namespace: on unless SINGULARITY_DISABLE_PID_NAMESPACES is true.</summary>
        public static bool UsesPidNamespaces(ContainerSpec spec)
        {
            string disabled = null;
            foreach (KeyValuePair<string, string> kv in spec.Environment)
            {
                if (kv.Key == "SINGULARITY_DISABLE_PID_NAMESPACES") disabled = kv.Value; // the last one wins, as in docker run
            }
            return !ImageBoolean.IsTrue(disabled);
        }
    }
}

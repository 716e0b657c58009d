using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using OsgPilot.Config;

namespace OsgPilot.Launch
{
    /// <summary>
    /// Renders a spec as the equivalent docker CLI line, for -WhatIf and for people who want to
    /// compare with the OSG page. The token is shown as a placeholder, never as text: OsgPilot copies it
    /// into the created container (as a directory the image lacks) before starting it.
    /// </summary>
    internal static class DockerRunLine
    {
        /// <summary>A directory holding flock.opensciencegrid.org (uid 1000, mode 0400), as docker cp would copy it.</summary>
        public const string TokenPlaceholder = "<token-dir>";

        public static string Render(ContainerSpec s)
        {
            var args = new List<string> { "docker", "create" };
            void Add(string flag, string value) { args.Add(flag); args.Add(Quote(value)); }

            Add("--name", s.Name);
            Add("--user", s.User);
            if (s.NetworkMode != null) Add("--network", s.NetworkMode);
            foreach (string cap in s.CapAdd) Add("--cap-add", cap);
            // A profile's text is what the engine gets; the line names its file, as a person would type it.
            foreach (string opt in s.SecurityOpt) Add("--security-opt", opt.StartsWith("seccomp={", System.StringComparison.Ordinal) ? "seccomp=" + s.SeccompProfileSource : opt);
            if (s.UnconfinedSystemPaths) Add("--security-opt", "systempaths=unconfined");
            foreach (DeviceMount d in s.Devices) Add("--device", d.Path);
            if (s.AllGpus) Add("--gpus", "all");
            foreach (BindMount b in s.Binds) Add("-v", b.ToBindString());
            foreach (KeyValuePair<string, string> e in s.Environment) Add("-e", e.Key + "=" + e.Value);
            if (s.NanoCpus.HasValue) Add("--cpus", (s.NanoCpus.Value / 1e9).ToString(CultureInfo.InvariantCulture));
            if (s.MemoryBytes.HasValue) Add("--memory", (s.MemoryBytes.Value / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + "m");
            Add("--ulimit", $"nofile={s.NoFileLimit}:{s.NoFileLimit}");
            Add("--pids-limit", s.PidsLimit.ToString(CultureInfo.InvariantCulture));
            Add("--restart", RestartName(s.RestartPolicy));
            Add("--stop-timeout", s.StopTimeoutSeconds.ToString(CultureInfo.InvariantCulture));
            foreach (KeyValuePair<string, string> l in s.Labels) Add("--label", l.Key + "=" + l.Value);
            args.Add(Quote(s.Image));

            return string.Join(" ", args) +
                $" && docker cp {TokenPlaceholder} {Quote(s.Name + ":" + PilotContainerMapper.TokenDirectoryInContainer)} && docker start {Quote(s.Name)}";
        }

        public static string RestartName(PilotRestartPolicy policy)
        {
            switch (policy)
            {
                case PilotRestartPolicy.OnFailure: return "on-failure";
                case PilotRestartPolicy.UnlessStopped: return "unless-stopped";
                case PilotRestartPolicy.Always: return "always";
                default: return "no";
            }
        }

        /// <summary>POSIX shell quoting: bare when safe, else single quotes.</summary>
        internal static string Quote(string value)
        {
            if (value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || "-_./:=,@+%".IndexOf(c) >= 0))
            {
                return value;
            }
            var b = new StringBuilder("'");
            foreach (char c in value)
            {
                b.Append(c == '\'' ? "'\\''" : c.ToString());
            }
            return b.Append('\'').ToString();
        }
    }
}

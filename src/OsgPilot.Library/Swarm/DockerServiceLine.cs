using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using OsgPilot.Launch;

namespace OsgPilot.Swarm
{
    /// <summary>
    /// Renders a service as the docker CLI lines that would make it, for -WhatIf and for people who
    /// compare. The token is a placeholder file name, never text.
    /// </summary>
    internal static class DockerServiceLine
    {
        public const string TokenPlaceholder = "<token-file>";

        public static string RenderSecret(PilotServiceSpec s) =>
            $"docker secret create {Label(PilotLabels.Service, s.Group)} {DockerRunLine.Quote(s.SecretName)} {TokenPlaceholder}";

        public static string RenderCreate(PilotServiceSpec s) => "docker service create " + string.Join(" ", Arguments(s, "--name", "--mode global"));

        public static string RenderUpdate(PilotServiceSpec s) =>
            // An update sends the whole spec; the create line is the clearest picture of it.
            "docker service update (to the spec of: docker service create " + string.Join(" ", Arguments(s, "--name", "--mode global")) + ")";

        private static IEnumerable<string> Arguments(PilotServiceSpec s, string nameFlag, string mode)
        {
            ContainerSpec c = s.Container;
            var args = new List<string>();
            void Add(string flag, string value) { args.Add(flag); args.Add(DockerRunLine.Quote(value)); }

            Add(nameFlag, s.Name);
            args.Add(mode);
            Add("--user", c.User);
            foreach (string cap in c.CapAdd) Add("--cap-add", ServiceSpecMapper.CapabilityName(cap));
            foreach (BindMount b in c.Binds)
            {
                string mount = $"type=bind,source={b.Source},target={b.Target}" + (b.ReadOnly ? ",readonly" : "") +
                               (b.Propagation != null ? ",bind-propagation=" + b.Propagation : "");
                Add("--mount", mount);
            }
            Add("--secret", $"source={s.SecretName},target={PilotContainerMapper.TokenPathInContainer},uid={PilotContainerMapper.PilotUid},gid={PilotContainerMapper.PilotUid},mode=0400");
            foreach (KeyValuePair<string, string> e in c.Environment) Add("-e", e.Key + "=" + e.Value);
            if (c.NanoCpus.HasValue) Add("--limit-cpu", (c.NanoCpus.Value / 1e9).ToString(CultureInfo.InvariantCulture));
            if (c.MemoryBytes.HasValue) Add("--limit-memory", (c.MemoryBytes.Value / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + "M");
            Add("--ulimit", $"nofile={c.NoFileLimit}:{c.NoFileLimit}");
            Add("--limit-pids", c.PidsLimit.ToString(CultureInfo.InvariantCulture));
            Add("--restart-condition", s.RestartCondition);
            Add("--stop-grace-period", c.StopTimeoutSeconds.ToString(CultureInfo.InvariantCulture) + "s");
            foreach (string constraint in s.Constraints) Add("--constraint", constraint);
            Add("--update-parallelism", s.UpdateParallelism.ToString(CultureInfo.InvariantCulture));
            Add("--update-delay", ((long)s.UpdateDelay.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s");
            args.Add("--update-order stop-first --update-failure-action rollback --update-monitor 30s --rollback-order stop-first");
            foreach (KeyValuePair<string, string> l in s.Labels) args.Add(Label(l.Key, l.Value));
            foreach (KeyValuePair<string, string> l in c.Labels) Add("--container-label", l.Key + "=" + l.Value);
            args.Add(DockerRunLine.Quote(c.Image));
            return args;
        }

        private static string Label(string key, string value) => "--label " + DockerRunLine.Quote(key + "=" + value);
    }
}

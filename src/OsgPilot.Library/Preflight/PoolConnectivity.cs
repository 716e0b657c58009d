using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Launch;

namespace OsgPilot.Preflight
{
    /// <summary>
    /// Can a pilot of this config reach what it connects to? A <see cref="PilotProbe"/> on the pilot's
    /// own network opens a TCP connection to each of its <see cref="PoolEndpoints"/> (bash's /dev/tcp in
    /// the real image, nc where there is no bash), all at once, five seconds each.
    /// </summary>
    internal static class PoolConnectivity
    {
        public const string CheckName = "PoolConnectivity";
        public const string Suffix = ".osgpilot-netprobe";

        // tcp HOST PORT: 0 once a connection opens. nc -w bounds the connect; a connection the far end
        // holds open (a collector waits for a request) outlives `timeout`, whose 124/143 then means connected.
        internal const string Script =
            "tcp() {\n" +
            "  if command -v bash >/dev/null 2>&1; then timeout 5 bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' \"$1\" \"$2\" 2>&1; return $?; fi\n" +
            "  timeout 4 nc -w 3 \"$1\" \"$2\" </dev/null 2>&1; r=$?\n" +
            "  if [ $r -eq 124 ] || [ $r -eq 143 ]; then return 0; fi; return $r\n" +
            "}\n" +
            "while [ $# -ge 2 ]; do ( o=$(tcp \"$1\" \"$2\"); say tcp $? \"$1:$2 $o\" ) & shift 2; done\n" +
            "wait\n";

        public static ContainerSpec SpecFor(OsgPilotConfig config, string moduleVersion, IReadOnlyList<PoolEndpoint> endpoints) =>
            PilotProbe.SpecFor(config, moduleVersion, Suffix, Script, endpoints.SelectMany(e => new[] { e.Host, e.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) }), config.Network);

        public static async Task<OsgPilotPreflightCheck> RunAsync(DockerGateway docker, OsgPilotConfig config, string moduleVersion, CancellationToken ct)
        {
            // The variables the pilot gets (-Pool and -RemoteSyslog among them), as the image reads them.
            var env = new Dictionary<string, string>(System.StringComparer.Ordinal);
            foreach (KeyValuePair<string, string> kv in PilotContainerMapper.Map(config, 0, 1, moduleVersion).Environment) env[kv.Key] = kv.Value;
            IReadOnlyList<PoolEndpoint> endpoints = PoolEndpoints.For(env);
            ProbeOutcome outcome = await PilotProbe.RunAsync(docker, SpecFor(config, moduleVersion, endpoints), ct).ConfigureAwait(false);
            return Judge(outcome, endpoints, config.Network);
        }

        /// <summary>The verdict: an unreachable collector is an Error (the pilot cannot join the pool); syslog and the registry are Warnings (the image goes on without them).</summary>
        internal static OsgPilotPreflightCheck Judge(ProbeOutcome o, IReadOnlyList<PoolEndpoint> endpoints, string network)
        {
            string on = network == null ? "the engine's default network" : $"the network '{network}'";
            if (o.RefusedBy != null)
            {
                return new OsgPilotPreflightCheck(CheckName, false, CheckSeverity.Warning, $"Not checked: the engine would not run the probe on {on} ({o.RefusedBy}).");
            }
            var answers = new Dictionary<string, (int Code, string Message)>();
            foreach ((string key, int code, string message) in o.Answers.Where(a => a.Key == "tcp"))
            {
                int space = message.IndexOf(' ');
                string target = space < 0 ? message : message.Substring(0, space);
                answers[target] = (code, space < 0 ? string.Empty : message.Substring(space + 1).Trim());
            }
            if (answers.Count == 0)
            {
                return new OsgPilotPreflightCheck(CheckName, false, CheckSeverity.Warning,
                    $"Not checked: the probe container exited with code {o.ExitCode} before it answered" + (o.Other != null ? $" ({o.Other})." : "."));
            }
            string Why(PoolEndpoint e) => answers.TryGetValue(e.ToString(), out var a) ? (a.Message.Length > 0 ? a.Message : $"exit {a.Code}") : "no answer";
            bool Reached(PoolEndpoint e) => answers.TryGetValue(e.ToString(), out var a) && a.Code == 0;
            List<PoolEndpoint> failed = endpoints.Where(e => !Reached(e)).ToList();
            string List(IEnumerable<PoolEndpoint> es) => string.Join(", ", es.Select(e => $"{e.Role} {e}"));

            List<PoolEndpoint> required = failed.Where(e => e.Required).ToList();
            if (required.Count > 0)
            {
                return new OsgPilotPreflightCheck(CheckName, false, CheckSeverity.Error,
                    $"From {on} the pilot cannot reach " + string.Join("; ", required.Select(e => $"{e.Role} {e} ({Why(e)})")) +
                    ". It would never join the pool: open outbound TCP to these hosts and ports (HTCondor uses no HTTP proxy), or give the pilot another network (-Network)." +
                    (failed.Count > required.Count ? $" Also unreachable: {List(failed.Except(required))}." : string.Empty));
            }
            if (failed.Count > 0)
            {
                return new OsgPilotPreflightCheck(CheckName, false, CheckSeverity.Warning,
                    $"From {on} the pilot reaches its pool ({List(endpoints.Where(e => e.Required))}), but not " +
                    string.Join("; ", failed.Select(e => $"{e.Role} {e} ({Why(e)})")) +
                    ". The image then runs without remote syslog (it posts its token to the registry for a certificate, then sends its logs to the syslog host); ENABLE_REMOTE_SYSLOG=false turns that off.");
            }
            return new OsgPilotPreflightCheck(CheckName, true, CheckSeverity.Error, $"From {on} the pilot reaches {List(endpoints)}.");
        }
    }
}

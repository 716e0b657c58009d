using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace OsgPilot.Config
{
    /// <summary>One place a pilot connects to on its own: host, port and what it is for.</summary>
    internal sealed class PoolEndpoint
    {
        public PoolEndpoint(string role, string host, int port, bool required)
        {
            Role = role;
            Host = host;
            Port = port;
            Required = required;
        }

        /// <summary>"collector", "CCB", "syslog" or "registry".</summary>
        public string Role { get; }
        public string Host { get; }
        public int Port { get; }
        /// <summary>The pilot cannot work without it (the pool's collector); syslog and the registry are not fatal.</summary>
        public bool Required { get; }
        public override string ToString() => Host + ":" + Port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Where a pilot connects to, derived from its environment as the image's 10-setup-htcondor.sh
    /// derives it: POOL (ospool, the default, is prod-ospool, or itb-ospool with ITB true),
    /// prod-path-facility, dev-path-facility, or a collector host name; CONDOR_HOST overrides the
    /// collectors; with ENABLE_REMOTE_SYSLOG (on by default, off for a custom host) the pilot also
    /// posts its token to the registry (443) for a certificate and sends its logs to SYSLOG_HOST (6514).
    /// </summary>
    internal static class PoolEndpoints
    {
        public const int CollectorPort = 9618;
        public const int SyslogPort = 6514;
        public const int RegistryPort = 443;
        public const string DefaultPool = "ospool";
        public static readonly string[] KnownPools = { "ospool", "prod-ospool", "itb-ospool", "prod-path-facility", "dev-path-facility" };

        private sealed class Pool
        {
            public string[] Collectors;
            public string[] Ccbs = new string[0];
            public string Syslog;
        }

        private static Pool Known(string name)
        {
            switch (name)
            {
                case "itb-ospool": return new Pool { Collectors = new[] { "cm-1.ospool-itb.osg-htc.org", "cm-2.ospool-itb.osg-htc.org" }, Ccbs = new[] { "ccb-1.ospool-itb.osg-htc.org", "ccb-2.ospool-itb.osg-htc.org" }, Syslog = "syslog.osgdev.chtc.io" };
                case "prod-ospool": return new Pool { Collectors = new[] { "cm-1.ospool.osg-htc.org", "cm-2.ospool.osg-htc.org" }, Ccbs = new[] { "ccb-1.ospool.osg-htc.org", "ccb-2.ospool.osg-htc.org" }, Syslog = "syslog.osg.chtc.io" };
                case "prod-path-facility": return new Pool { Collectors = new[] { "cm-1.facility.path-cc.io", "cm-2.facility.path-cc.io" }, Syslog = "syslog.osg.chtc.io" };
                case "dev-path-facility": return new Pool { Collectors = new[] { "htcondor-cm-path.osgdev.chtc.io", "htcondor-cm-path.osg-dev.river.chtc.io" }, Syslog = "syslog.osgdev.chtc.io" };
                default: return null;
            }
        }

        /// <summary>Why the image would refuse this POOL at start ("POOL is blank", "Unknown pool"), or null when it takes it.</summary>
        public static string Problem(string pool)
        {
            if (pool == null) return null;
            if (pool.Length == 0) return "POOL is blank, and the image exits at start";
            if (KnownPools.Contains(pool, StringComparer.Ordinal) || pool.Contains(".")) return null;
            return $"POOL '{pool}' is not a pool the image knows, and it exits at start: use {string.Join(", ", KnownPools)}, or a collector host name";
        }

        public static IReadOnlyList<PoolEndpoint> For(IReadOnlyDictionary<string, string> env)
        {
            string Get(string key) => env != null && env.TryGetValue(key, out string v) ? v : null;
            string pool = Get("POOL") ?? DefaultPool;
            if (pool == DefaultPool) pool = ImageBoolean.IsTrue(Get("ITB")) ? "itb-ospool" : "prod-ospool";
            Pool known = Known(pool);
            bool remoteSyslog = Get("ENABLE_REMOTE_SYSLOG") == null || ImageBoolean.IsTrue(Get("ENABLE_REMOTE_SYSLOG"));
            if (known == null)
            {
                known = new Pool { Collectors = new[] { pool } };
                remoteSyslog = false; // the image turns remote syslog off for a pool of the site's own
            }

            var result = new List<PoolEndpoint>();
            string condorHost = Get("CONDOR_HOST");
            if (!string.IsNullOrWhiteSpace(condorHost))
            {
                foreach (string h in Regex.Split(condorHost.Trim(), @"[\s,]+")) result.Add(Parse(h, "collector"));
            }
            else
            {
                result.AddRange(known.Collectors.Select(h => new PoolEndpoint("collector", h, CollectorPort, true)));
                result.AddRange(known.Ccbs.Select(h => new PoolEndpoint("CCB", h, CollectorPort, true)));
            }
            if (remoteSyslog)
            {
                string syslog = NonEmpty(Get("SYSLOG_HOST")) ?? known.Syslog ?? "syslog.osg.chtc.io";
                string registry = NonEmpty(Get("REGISTRY_HOST")) ?? (syslog == "syslog.osgdev.chtc.io" ? "os-registry.osgdev.chtc.io" : "os-registry.opensciencegrid.org");
                result.Add(new PoolEndpoint("registry", registry, RegistryPort, false));
                result.Add(new PoolEndpoint("syslog", syslog, SyslogPort, false));
            }
            return result;
        }

        private static string NonEmpty(string v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();

        /// <summary>HOST, HOST:PORT or HOST:PORT?params (a sinful-string tail is not part of the address).</summary>
        private static PoolEndpoint Parse(string text, string role)
        {
            string h = text;
            int q = h.IndexOf('?');
            if (q >= 0) h = h.Substring(0, q);
            int port = CollectorPort;
            int colon = h.LastIndexOf(':');
            if (colon > 0 && int.TryParse(h.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p > 0 && p < 65536)
            {
                port = p;
                h = h.Substring(0, colon);
            }
            return new PoolEndpoint(role, h, port, true);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Docker;
using OsgPilot.Errors;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Base of the cmdlets that talk to Docker engines: -DockerHost and -Context (several of each,
    /// or by property name from the pipeline), one client per engine, and the run over all of them.
    /// </summary>
    public abstract class DockerCmdlet : OsgPilotCmdlet
    {
        /// <summary>Engines reached at once by one call; more wait their turn.</summary>
        private const int ParallelEngines = 16;

        private readonly Dictionary<string, DockerGateway> _gateways = new Dictionary<string, DockerGateway>(StringComparer.Ordinal);

        /// <summary>Engine endpoints (unix://, tcp://, ssh://, npipe://); default: as the docker CLI chooses (DOCKER_HOST, DOCKER_CONTEXT, the current context, the platform default).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string[] DockerHost { get; set; }

        /// <summary>Docker contexts (as `docker context ls` lists them) whose engines to use.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ContextNameCompleter))]
        public string[] Context { get; set; }

        /// <summary>Seconds one request to an engine may take before that engine counts as not answering.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec
        {
            get => _timeoutSec ?? DefaultTimeoutSec;
            set => _timeoutSec = value;
        }

        private int? _timeoutSec;

        /// <summary>The -TimeoutSec a cmdlet has when none is given.</summary>
        protected virtual int DefaultTimeoutSec => EngineTimeouts.DefaultRequestSeconds;

        protected override void BeginProcessing()
        {
            if (Present(DockerHost) && Present(Context))
            {
                // As the docker CLI: an address and a context at once is a contradiction, not a choice.
                OnEngineUnusable(new OsgPilotException(ErrorIds.InvalidDockerHost, ErrorCategory.InvalidArgument,
                    "Give -DockerHost or -Context, not both.", null));
            }
            base.BeginProcessing();
        }

        /// <summary>
        /// The engines the current record names: its contexts, else its addresses, else the default.
        /// (A piped pilot carries both; its context, which holds the TLS material, wins.)
        /// </summary>
        internal IReadOnlyList<EngineTarget> Targets()
        {
            string[] contexts = Clean(Context);
            if (contexts.Length > 0) return contexts.Select(EngineTarget.OfContext).ToList();
            string[] hosts = Clean(DockerHost);
            if (hosts.Length > 0) return hosts.Select(EngineTarget.OfHost).ToList();
            return new[] { EngineTarget.Default };
        }

        /// <summary>The gateway for one engine (resolved and connected once per call).</summary>
        internal DockerGateway Gateway(EngineTarget target)
        {
            lock (_gateways)
            {
                if (_gateways.TryGetValue(target.Key, out DockerGateway known)) return known;
            }
            DockerEndpoint endpoint = EndpointResolver.Current.Resolve(target.Host, target.Context);
            var gateway = new DockerGateway(endpoint, TimeSpan.FromSeconds(TimeoutSec));
            lock (_gateways)
            {
                if (_gateways.TryGetValue(target.Key, out DockerGateway raced))
                {
                    gateway.Dispose();
                    return raced;
                }
                _gateways[target.Key] = gateway;
            }
            return gateway;
        }

        /// <summary>
        /// Runs <paramref name="work"/> against every target, a bounded number at once, on the pipeline
        /// thread. With one engine its failures are what they always were (an engine that cannot be
        /// reached stops the cmdlet); with several, each engine's failure is a non-terminating error
        /// naming it, and the other engines complete.
        /// </summary>
        internal void RunOnEngines(IReadOnlyList<EngineTarget> targets, Func<EngineTarget, DockerGateway, Task> work)
        {
            if (targets.Count == 1)
            {
                DockerGateway only = GatewayOrFailure(targets[0]);
                if (only != null) Run(() => work(targets[0], only));
                return;
            }
            Run(async () =>
            {
                using (var gate = new SemaphoreSlim(ParallelEngines))
                {
                    await Task.WhenAll(targets.Select(async target =>
                    {
                        await gate.WaitAsync(CancelToken);
                        try
                        {
                            // Off the pipeline thread: resolving an engine and loading its certificates overlap too.
                            DockerGateway gateway = await Task.Run(() => Gateway(target));
                            await work(target, gateway);
                        }
                        catch (OsgPilotException e)
                        {
                            OnRunFailure(e, mayTerminate: false);
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }));
                }
            });
        }

        /// <summary>The one engine a call names cannot be used (its address, its context): nothing can proceed.</summary>
        private void OnEngineUnusable(OsgPilotException e) => StopRun(e);

        /// <summary>The gateway, or null after the failure to make it was reported.</summary>
        private DockerGateway GatewayOrFailure(EngineTarget target)
        {
            try
            {
                return Gateway(target);
            }
            catch (OsgPilotException e)
            {
                OnEngineUnusable(e);
                return null;
            }
        }

        private static bool Present(string[] values) => Clean(values).Length > 0;

        private static string[] Clean(string[] values) =>
            values?.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v.Trim()).Distinct(StringComparer.Ordinal).ToArray() ?? new string[0];

        public override void Dispose()
        {
            lock (_gateways)
            {
                foreach (DockerGateway g in _gateways.Values) g.Dispose();
                _gateways.Clear();
            }
            base.Dispose();
        }
    }

    /// <summary>One engine a call addresses: by address, by context, or the default.</summary>
    internal sealed class EngineTarget
    {
        private EngineTarget(string host, string context)
        {
            Host = host;
            Context = context;
        }

        public string Host { get; }
        public string Context { get; }
        public string Key => Context != null ? "context:" + Context : Host != null ? "host:" + Host : "";

        public static EngineTarget Default { get; } = new EngineTarget(null, null);
        public static EngineTarget OfHost(string host) => new EngineTarget(host, null);
        public static EngineTarget OfContext(string context) => new EngineTarget(null, context);
    }
}

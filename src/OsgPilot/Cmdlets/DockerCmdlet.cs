using System;
using System.Collections.Generic;
using System.Management.Automation;
using OsgPilot.Docker;
using OsgPilot.Errors;

namespace OsgPilot.Cmdlets
{
    /// <summary>Base of the cmdlets that talk to a Docker engine: -DockerHost and one client per endpoint.</summary>
    public abstract class DockerCmdlet : OsgPilotCmdlet
    {
        private readonly Dictionary<string, DockerGateway> _gateways = new Dictionary<string, DockerGateway>(StringComparer.Ordinal);

        /// <summary>Engine endpoint (unix://, tcp://, npipe://); default: DOCKER_HOST, then the platform default.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string DockerHost { get; set; }

        /// <summary>Seconds one request to the engine may take before the engine counts as not answering.</summary>
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

        /// <summary>The gateway for -DockerHost (or the default endpoint); an invalid endpoint stops the cmdlet.</summary>
        internal DockerGateway Gateway(string dockerHost = null)
        {
            string key = dockerHost ?? DockerHost ?? string.Empty;
            if (!_gateways.TryGetValue(key, out DockerGateway gateway))
            {
                DockerEndpoint endpoint;
                try
                {
                    endpoint = DockerEndpoint.Resolve(string.IsNullOrEmpty(key) ? null : key);
                }
                catch (OsgPilotException e)
                {
                    ThrowTerminatingError(e.ToErrorRecord());
                    throw; // unreachable: ThrowTerminatingError does not return
                }
                gateway = new DockerGateway(endpoint, TimeSpan.FromSeconds(TimeoutSec));
                _gateways[key] = gateway;
            }
            return gateway;
        }

        public override void Dispose()
        {
            foreach (DockerGateway g in _gateways.Values) g.Dispose();
            _gateways.Clear();
            base.Dispose();
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using OsgPilot.Errors;
using OsgPilot.Squid;

namespace OsgPilot.Cmdlets
{
    /// <summary>Tells whether a squid will serve the pilots: resolve, connect, fetch through it twice.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "OsgSquid")]
    [OutputType(typeof(OsgSquidTestResult), typeof(bool))]
    public sealed class TestOsgSquidCommand : OsgPilotCmdlet
    {
        private readonly List<SquidEndpoint> _squids = new List<SquidEndpoint>();

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [AllowEmptyString]
        public string[] SquidLocation { get; set; }

        /// <summary>The URL fetched through the proxy; default: the OSG config repository's CVMFS manifest on a stratum-1.</summary>
        [Parameter]
        public Uri Uri { get; set; } = new Uri(SquidProber.DefaultProbeUri);

        /// <summary>Seconds one proxy's whole probe may take.</summary>
        [Parameter]
        [ValidateRange(1, 120)]
        public int TimeoutSec { get; set; } = 10;

        /// <summary>Return only $true or $false per proxy.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void BeginProcessing()
        {
            if (!Uri.IsAbsoluteUri || Uri.Scheme != "http")
            {
                ThrowTerminatingError(new OsgPilotException(ErrorIds.InvalidProbeUri, ErrorCategory.InvalidArgument,
                    $"-Uri must be an absolute http:// URL (squid caches plain HTTP); '{Uri}' is not.", Uri).ToErrorRecord());
            }
        }

        protected override void ProcessRecord()
        {
            foreach (string location in SquidLocation ?? new string[] { null })
            {
                try
                {
                    _squids.Add(SquidEndpoint.Parse(location));
                }
                catch (OsgPilotException e)
                {
                    WriteFailure(e);
                }
            }
        }

        protected override void EndProcessing()
        {
            if (_squids.Count == 0) return;
            var prober = new SquidProber(Uri, TimeSpan.FromSeconds(TimeoutSec));
            Run(async () =>
            {
                WriteVerbose($"Probing {_squids.Count} squid(s) through {Uri} with a {TimeoutSec} s budget each, concurrently.");
                OsgSquidTestResult[] results = await Task.WhenAll(_squids.Select(s => prober.ProbeAsync(s, CancelToken)));
                foreach (OsgSquidTestResult r in results)
                {
                    foreach (OsgSquidCheck check in r.Checks) WriteVerbose($"{r.SquidLocation} {check}");
                    WriteObject(Quiet.IsPresent ? (object)r.Passed : r);
                }
            });
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Preflight;
using OsgPilot.Threading;

namespace OsgPilot.Cmdlets
{
    /// <summary>Starts pilots from a config, idempotently: what already runs as asked is left alone.</summary>
    [Cmdlet(VerbsLifecycle.Start, "OsgPilot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Pilot))]
    public sealed class StartOsgPilotCommand : PreflightCmdlet
    {
        private const int StartProgressId = 100;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public OsgPilotConfig Config { get; set; }

        /// <summary>How many pilots to run from this config (name-1 .. name-N, one pilot subdirectory each).</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int Count { get; set; } = 1;

        /// <summary>Replace a same-named pilot whose configuration differs.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Run Test-OsgPilotConfig's checks first and refuse to start on an error.</summary>
        [Parameter]
        public SwitchParameter Preflight { get; set; }

        protected override void ProcessRecord()
        {
            OsgPilotConfig config = Config;
            Run(async () =>
            {
                DockerGateway docker = Gateway();
                if (Preflight.IsPresent && !await PreflightPassesAsync(docker, config)) return;

                var launcher = new PilotLauncher(docker);
                IReadOnlyList<LaunchStep> plan = await launcher.PlanAsync(config, Count, Force.IsPresent, CancelToken);
                foreach (LaunchStep refused in plan.Where(s => s.Action == LaunchAction.Refuse)) WriteFailure(refused.Error);

                List<LaunchStep> approved = plan
                    .Where(s => s.Action != LaunchAction.None && s.Action != LaunchAction.Refuse)
                    .Where(s => ShouldProcess(Describe(s), $"Start OsgPilot pilot '{s.Spec.Name}'?", "Start-OsgPilot"))
                    .ToList();
                foreach (LaunchStep s in plan.Where(s => s.Action == LaunchAction.None))
                {
                    WriteVerbose($"Pilot '{s.Spec.Name}' already runs with this configuration; leaving it alone.");
                }

                var changed = new HashSet<string>(StringComparer.Ordinal);
                if (approved.Count > 0)
                {
                    if (docker.Endpoint.IsLocal) HostPaths.RequireBindSources(config);
                    if (approved.Any(s => s.Action != LaunchAction.StartExisting)) await PullIfMissingAsync(launcher, config.Image);
                    for (int i = 0; i < approved.Count; i++)
                    {
                        LaunchStep step = approved[i];
                        if (approved.Count > 1)
                        {
                            WriteProgress(new ProgressRecord(StartProgressId, "Starting OsgPilot pilots", $"{step.Spec.Name} ({i + 1} of {approved.Count})")
                            { PercentComplete = i * 100 / approved.Count });
                        }
                        WriteVerbose($"{step.Action} pilot '{step.Spec.Name}'.");
                        try
                        {
                            await launcher.ExecuteAsync(step, config, docker.Endpoint.IsLocal, CancelToken);
                            changed.Add(step.Spec.Name);
                        }
                        catch (OsgPilotException e) when (!IsFatal(e))
                        {
                            WriteFailure(e);
                        }
                    }
                    if (approved.Count > 1)
                    {
                        WriteProgress(new ProgressRecord(StartProgressId, "Starting OsgPilot pilots", "Done") { RecordType = ProgressRecordType.Completed });
                    }
                }

                // One list call reports every pilot of this config, changed or not.
                var reportable = new HashSet<string>(plan.Where(s => s.Action == LaunchAction.None).Select(s => s.Spec.Name).Concat(changed), StringComparer.Ordinal);
                if (reportable.Count == 0) return;
                IReadOnlyList<PilotContainer> now = await docker.ListByNamesAsync(reportable, CancelToken);
                foreach (PilotContainer c in now.OrderBy(c => c.Name, StringComparer.Ordinal))
                {
                    WriteObject(PilotFactory.From(c, docker.Endpoint, changed.Contains(c.Name)));
                }
            });
        }

        private async Task PullIfMissingAsync(PilotLauncher launcher, string image)
        {
            var view = new PullProgressView(this, image);
            try
            {
                await launcher.EnsureImageAsync(image, new PipelineProgress<PullProgress>(view.Report), CancelToken);
            }
            finally
            {
                view.Complete();
            }
        }

        private async Task<bool> PreflightPassesAsync(DockerGateway docker, OsgPilotConfig config)
        {
            OsgPilotPreflightResult result = await new PreflightRunner(docker, CreatePreflightOptions(null)).RunAsync(config, CancelToken);
            foreach (OsgPilotPreflightCheck check in result.Checks)
            {
                if (!check.Passed && check.Severity == CheckSeverity.Warning) WriteWarning($"Preflight {check.Name}: {check.Message}");
                else WriteVerbose($"Preflight {check.Name}: {(check.Passed ? "ok" : "FAILED")} - {check.Message}");
            }
            if (result.Passed) return true;
            string failed = string.Join("; ", result.Checks.Where(c => !c.Passed && c.Severity == CheckSeverity.Error).Select(c => $"{c.Name}: {c.Message}"));
            WriteFailure(new OsgPilotException(ErrorIds.PreflightFailed, ErrorCategory.InvalidOperation,
                $"Preflight checks failed for '{config.Name}', so no pilot was started: {failed}", config.Name));
            return false;
        }

        private static string Describe(LaunchStep s)
        {
            switch (s.Action)
            {
                case LaunchAction.StartExisting: return $"Start the stopped pilot '{s.Spec.Name}' (docker start {s.Spec.Name})";
                case LaunchAction.Recreate: return $"Replace pilot '{s.Spec.Name}', whose configuration differs: docker rm -f {s.Spec.Name} && {DockerRunLine.Render(s.Spec)}";
                default: return DockerRunLine.Render(s.Spec);
            }
        }
    }
}

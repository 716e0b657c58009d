using System;
using System.Management.Automation;
using OsgPilot.Docker;
using OsgPilot.Threading;

namespace OsgPilot.Cmdlets
{
    /// <summary>Pulls the pilot image when it is missing or older than -MaxAgeHours (OSG asks for at most 72 hours).</summary>
    [Cmdlet(VerbsData.Update, "OsgPilotImage", SupportsShouldProcess = true)]
    [OutputType(typeof(OsgPilotImage))]
    public sealed class UpdateOsgPilotImageCommand : DockerCmdlet
    {
        /// <summary>Image references; pilot configurations bind by their Image property.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ImageCompleter))]
        public string[] Image { get; set; }

        /// <summary>Pull when the local image was built longer ago than this.</summary>
        [Parameter]
        [ValidateRange(0, 10000)]
        public int MaxAgeHours { get; set; } = 72;

        /// <summary>Pull whatever the image's age.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string image in Image)
            {
                RunOnEngines(Targets(), async (target, docker) =>
                {
                    ImageInfo before = await docker.InspectImageAsync(image, CancelToken);
                    TimeSpan? age = before?.Created == null ? (TimeSpan?)null : DateTime.UtcNow - before.Created.Value.ToUniversalTime();
                    bool due = Force.IsPresent || before == null || (age.HasValue && age.Value > TimeSpan.FromHours(MaxAgeHours));
                    var result = new OsgPilotImage { Image = image, Id = before?.Id, Created = before?.Created, PreviousId = before?.Id, DockerHost = docker.Endpoint.Display, Context = docker.Endpoint.Context };
                    string why = before == null ? "not on the engine" : Force.IsPresent ? "forced" : $"built {age?.TotalHours:0} hours ago";
                    if (!due)
                    {
                        WriteVerbose($"{image} is fresh ({why}); not pulling.");
                    }
                    else if (ShouldProcess(image, $"Pull image ({why})"))
                    {
                        var view = new PullProgressView(this, image);
                        try
                        {
                            ImageInfo after = await docker.PullAndInspectAsync(image, new PipelineProgress<PullProgress>(view.Report), CancelToken);
                            result.Changed = after.Id != before?.Id;
                            result.Id = after.Id;
                            result.Created = after.Created;
                        }
                        finally
                        {
                            view.Complete();
                        }
                        result.Pulled = true;
                    }
                    else
                    {
                        return;
                    }
                    WriteObject(result);
                });
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Management.Automation;
using OsgPilot.Docker;

namespace OsgPilot.Cmdlets
{
    /// <summary>One progress bar per image layer under a parent "Pulling" bar, all cleared at the end.</summary>
    internal sealed class PullProgressView
    {
        private const int ParentId = 1;
        private readonly Cmdlet _cmdlet;
        private readonly string _image;
        private readonly Dictionary<string, int> _layerIds = new Dictionary<string, int>(StringComparer.Ordinal);

        public PullProgressView(Cmdlet cmdlet, string image)
        {
            _cmdlet = cmdlet;
            _image = image;
        }

        /// <summary>Must be called on the pipeline thread.</summary>
        public void Report(PullProgress p)
        {
            if (!_layerIds.TryGetValue(p.LayerId, out int id))
            {
                id = ParentId + 1 + _layerIds.Count;
                _layerIds[p.LayerId] = id;
                _cmdlet.WriteProgress(new ProgressRecord(ParentId, $"Pulling {_image}", $"{_layerIds.Count} layer(s)"));
            }
            var record = new ProgressRecord(id, $"Layer {p.LayerId}", p.Status) { ParentActivityId = ParentId };
            if (p.Total.HasValue && p.Total.Value > 0 && p.Current.HasValue)
            {
                record.PercentComplete = (int)Math.Min(100, p.Current.Value * 100 / p.Total.Value);
            }
            _cmdlet.WriteProgress(record);
        }

        public void Complete()
        {
            foreach (int id in _layerIds.Values)
            {
                _cmdlet.WriteProgress(new ProgressRecord(id, "Layer", "Done") { ParentActivityId = ParentId, RecordType = ProgressRecordType.Completed });
            }
            _cmdlet.WriteProgress(new ProgressRecord(ParentId, $"Pulling {_image}", "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}

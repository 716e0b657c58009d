using System;
using System.Collections.Generic;
using System.Linq;
using OsgPilot.Config;

namespace OsgPilot.Metrics
{
    /// <summary>What the metrics file of one Sync-OsgPilot is made of, gathered engine by engine (engines run at once).</summary>
    internal sealed class SyncMetrics
    {
        private readonly object _gate = new object();
        private readonly List<PilotSample> _samples = new List<PilotSample>();
        private readonly List<string> _engines = new List<string>();
        private readonly List<SyncStatus> _syncs = new List<SyncStatus>();
        private readonly List<TokenSample> _tokens = new List<TokenSample>();

        /// <summary>No engine was synced: there is nothing to write.</summary>
        public bool IsEmpty
        {
            get { lock (_gate) return _syncs.Count == 0; }
        }

        public int PilotCount
        {
            get { lock (_gate) return _samples.Count; }
        }

        /// <summary>One engine's outcome, and its pilots when it could list them (engine null: it could not).</summary>
        public void Add(SyncStatus status, OsgPilotConfig config, string engine, IEnumerable<PilotSample> samples)
        {
            TokenSample token = TokenExpiry.Of(config);
            lock (_gate)
            {
                _syncs.Add(status);
                if (!_tokens.Any(t => t.Config == config.Name)) _tokens.Add(token);
                if (engine != null) _engines.Add(engine);
                if (samples != null) _samples.AddRange(samples);
            }
        }

        public string Render(string moduleVersion, DateTime now)
        {
            lock (_gate) return PilotMetrics.Render(_samples, _engines, _syncs, _tokens, moduleVersion, now);
        }
    }
}

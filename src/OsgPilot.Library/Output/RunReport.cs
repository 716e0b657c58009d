using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OsgPilot.Errors;

namespace OsgPilot.Output
{
    /// <summary>
    /// What -AsJson writes: one JSON document for a whole run, with the process exit code it implies.
    /// Warnings and errors are data in it, so nothing else has to reach standard output.
    /// </summary>
    internal sealed class RunReport
    {
        /// <summary>The run did what it had to (warnings allowed).</summary>
        public const int Succeeded = 0;
        /// <summary>The run acted, and a pilot or the image pull failed.</summary>
        public const int PilotFailed = 1;
        /// <summary>The run was stopped by its input (config, token, parameters) or its engine (unreachable, unusable, locked by another run).</summary>
        public const int StoppedBeforeActing = 2;

        private readonly string _command;
        private readonly List<string> _warnings = new List<string>();
        private readonly List<(OsgPilotException Error, bool Stopped)> _errors = new List<(OsgPilotException, bool)>();
        private readonly List<OsgPilotSyncResult> _results = new List<OsgPilotSyncResult>();

        public RunReport(string command) => _command = command;

        // Engines report from their own threads: every change is under this lock.
        private readonly object _lock = new object();

        public void Warn(string message)
        {
            lock (_lock) if (!_warnings.Contains(message)) _warnings.Add(message);
        }

        /// <summary>A failure of one pilot or of the image pull: the run went on.</summary>
        public void Failed(OsgPilotException e)
        {
            lock (_lock) _errors.Add((e, false));
        }

        /// <summary>A failure that ended the run (or its work on one engine): usually before it acted.</summary>
        public void Stopped(OsgPilotException e)
        {
            lock (_lock) _errors.Add((e, true));
        }

        public void Add(OsgPilotSyncResult result)
        {
            lock (_lock) _results.Add(result);
        }

        public IEnumerable<OsgPilotException> Errors => _errors.Select(e => e.Error);

        public int ExitCode =>
            _errors.Any(e => e.Stopped) ? StoppedBeforeActing
            : _errors.Count > 0 || _results.Any(r => r.Action == "Failed") ? PilotFailed
            : Succeeded;

        /// <summary>One line of JSON (no indentation, so a log gets one line per run); no HTML escaping, it is no web page.</summary>
        public string ToJson()
        {
            using (var stream = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    w.WriteStartObject();
                    w.WriteString("Command", _command);
                    w.WriteNumber("ExitCode", ExitCode);
                    w.WriteBoolean("Succeeded", ExitCode == Succeeded);
                    w.WriteBoolean("Changed", _results.Any(r => r.Changed));
                    w.WriteStartArray("Warnings");
                    foreach (string s in _warnings) w.WriteStringValue(s);
                    w.WriteEndArray();
                    w.WriteStartArray("Errors");
                    foreach ((OsgPilotException e, bool stopped) in _errors)
                    {
                        w.WriteStartObject();
                        w.WriteString("ErrorId", e.ErrorId);
                        w.WriteString("Category", e.Category.ToString());
                        w.WriteString("Target", e.Target?.ToString());
                        w.WriteString("Message", e.Message);
                        w.WriteBoolean("StoppedRun", stopped);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteStartArray("Results");
                    foreach (OsgPilotSyncResult r in _results) WriteResult(w, r);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                return Encoding.UTF8.GetString(stream.ToArray());
            }
        }

        private static void WriteResult(Utf8JsonWriter w, OsgPilotSyncResult r)
        {
            w.WriteStartObject();
            w.WriteString("Kind", r.Kind);
            w.WriteString("Name", r.Name);
            w.WriteString("Action", r.Action);
            w.WriteString("Reason", r.Reason);
            w.WriteBoolean("Changed", r.Changed);
            w.WriteString("ImageId", r.ImageId);
            w.WriteString("DockerHost", r.DockerHost);
            w.WriteString("Context", r.Context);
            w.WriteEndObject();
        }
    }
}

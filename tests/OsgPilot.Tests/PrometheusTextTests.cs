using System;
using OsgPilot.Activity;
using OsgPilot.Metrics;
using Xunit;

namespace OsgPilot.Tests
{
    public sealed class PrometheusTextTests
    {
        [Fact]
        public void Families_come_once_with_help_and_type_and_all_their_samples_together()
        {
            var t = new PrometheusText();
            t.Declare("a_total", "counter", "A.");
            t.Declare("b", "gauge", "B.");
            t.Add("a_total", 1, ("x", "1"));
            t.Add("b", 2.5);
            t.Add("a_total", 3, ("x", "2"));
            Assert.Equal("# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 1\na_total{x=\"2\"} 3\n# HELP b B.\n# TYPE b gauge\nb 2.5\n", t.ToString());
        }

        [Theory]
        [InlineData("a\"b\\c\nd", "a\\\"b\\\\c\\nd")]
        [InlineData("plain", "plain")]
        public void Label_values_are_escaped(string value, string escaped) => Assert.Equal(escaped, PrometheusText.Escape(value));

        [Theory]
        [InlineData(1e3, "1000")]
        [InlineData(0.1, "0.1")]
        [InlineData(double.NaN, "NaN")]
        [InlineData(double.PositiveInfinity, "+Inf")]
        public void Values_use_the_invariant_format(double value, string text) => Assert.Equal(text, PrometheusText.Format(value));

        [Fact]
        public void The_file_has_no_timestamps_one_prefix_and_zero_states()
        {
            string text = PilotMetrics.Render(
                new[] { new PilotSample { Name = "p-1", Engine = "unix:///x", Site = "S", Resource = "R", State = "running", Accepting = true, Restarts = 2, Ledger = new ActivityLedger() } },
                new[] { "unix:///x" },
                new[] { new SyncStatus { Config = "c", Engine = "unix:///x", LastRun = DateTime.UtcNow, Succeeded = false } },
                new[] { new TokenSample { Config = "c", Expires = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc) } }, "0.1.0", DateTime.UtcNow);
            foreach (string line in text.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.StartsWith("#")) continue;
                Assert.StartsWith("osgpilot_", line);
                string[] afterLabels = line.Substring(line.LastIndexOf('}') + 1).Trim().Split(' ');
                Assert.Single(afterLabels); // the value alone: no timestamp
            }
            Assert.Contains("osgpilot_pilots{engine=\"unix:///x\",state=\"exited\"} 0", text);
            Assert.Contains("osgpilot_pilot_accepting{pilot=\"p-1\",engine=\"unix:///x\",site=\"S\",resource=\"R\"} 1", text);
            Assert.Contains("osgpilot_token_expiry_timestamp_seconds{config=\"c\"} 1798761600", text);
            Assert.Contains("osgpilot_sync_success{config=\"c\",engine=\"unix:///x\"} 0", text);
            Assert.DoesNotContain("osgpilot_sync_last_success_timestamp_seconds{", text); // never succeeded: absent, not 0
        }
    }
}

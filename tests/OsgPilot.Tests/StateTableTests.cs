using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Reconcile;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>
    /// Every row of the state table in docs/about_OsgPilot.md, for all four callers: the page is the
    /// specification, so a row changed there and not in the planner (or the reverse) fails here.
    /// </summary>
    public sealed class StateTableTests
    {
        private const string Current = "sha256:new", Older = "sha256:old";

        public static IEnumerable<object[]> Rows()
        {
            string page = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "about_OsgPilot.md"));
            string[] lines = page.Split('\n');
            int header = Array.FindIndex(lines, l => l.StartsWith("| State ", StringComparison.Ordinal));
            Assert.True(header > 0, "the state table is missing from about_OsgPilot.md");
            string[] callers = Cells(lines[header]).Skip(4).ToArray();
            Assert.Equal(new[] { "Start", "Start -Force", "Sync", "Sync -Force" }, callers);
            for (int i = header + 2; i < lines.Length && lines[i].StartsWith("|", StringComparison.Ordinal); i++)
            {
                string[] c = Cells(lines[i]);
                for (int k = 0; k < callers.Length; k++) yield return new object[] { c[0], c[1], c[2], c[3], callers[k], c[4 + k] };
            }
        }

        [Theory]
        [MemberData(nameof(Rows))]
        public void Each_row_is_what_the_planner_does(string state, string stamp, string config, string image, string caller, string expected)
        {
            PilotStep step = PlanOne(state, stamp, config, image, caller);
            Assert.Equal(expected, step.Action.ToString());
            Assert.Equal(expected != "Keep" && expected != "AwaitExit" && expected != "Hold" && expected != "Refuse", step.Changes);
            if (expected == "Refuse") Assert.NotNull(step.Error);
        }

        [Fact]
        public void The_table_covers_every_state_the_engine_reports()
        {
            var states = new HashSet<string>(Rows().Select(r => ((string)r[0]).Split(' ')[0]));
            foreach (string s in new[] { "missing", "not", "running", "paused", "restarting", "exited", "created", "dead", "removing" }) Assert.Contains(s, states);
        }

        [Fact]
        public void Start_and_Sync_agree_where_their_policies_do()
        {
            // With -Force both replace what differs and neither rolls images by itself: wherever the
            // image is the same and no stamp is involved, Start -Force and Sync -Force do the same.
            foreach (object[] r in Rows().Where(r => (string)r[3] != "older" && ((string)r[1] == "-" || (string)r[1] == "no")))
            {
                if ((string)r[4] != "Start -Force") continue;
                object[] sync = Rows().First(x => x.Take(4).SequenceEqual(r.Take(4)) && (string)x[4] == "Sync -Force");
                Assert.True((string)r[5] == (string)sync[5], $"{string.Join(" | ", r.Take(4))}: Start -Force {r[5]}, Sync -Force {sync[5]}");
            }
        }

        private static PilotStep PlanOne(string state, string stamp, string config, string image, string caller)
        {
            var spec = new ContainerSpec { Name = "p-1", ConfigHash = "h" };
            var o = new PilotObservation { Desired = new[] { spec }, Stem = "p", CurrentImageId = Current, Containers = new PilotContainer[0] };
            if (state != "missing")
            {
                string engineState = state == "not ours" ? "running" : state.Split(' ')[0];
                var c = new PilotContainer
                {
                    Id = "id1", Name = "p-1", State = engineState, Status = state, ImageId = image == "older" ? Older : Current,
                    Labels = state == "not ours" ? new Dictionary<string, string>()
                        : new Dictionary<string, string> { [PilotLabels.Managed] = "true", [PilotLabels.ConfigHash] = config == "other" ? "old" : "h" },
                };
                o.Containers = new[] { c };
                if (stamp.StartsWith("yes", StringComparison.Ordinal)) o.Drained.Add("id1");
                if (stamp == "yes, restarts") o.DrainRestarts.Add("id1");
                if (stamp == "yes, restarted") o.RestartedDrained.Add("id1");
            }
            ReconcilePolicy policy = caller.StartsWith("Start", StringComparison.Ordinal)
                ? ReconcilePolicy.ForStart(caller.EndsWith("-Force", StringComparison.Ordinal))
                : ReconcilePolicy.ForSync(1, caller.EndsWith("-Force", StringComparison.Ordinal), TimeSpan.FromHours(72));
            return Assert.Single(PilotPlanner.Plan(o, policy));
        }

        private static string[] Cells(string line) => line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();

        internal static string RepoRoot()
        {
            for (DirectoryInfo d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "OsgPilot.sln"))) return d.FullName;
            }
            throw new InvalidOperationException("OsgPilot.sln not found above " + AppContext.BaseDirectory);
        }
    }
}

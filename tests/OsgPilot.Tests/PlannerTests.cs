using System;
using System.Collections.Generic;
using System.Linq;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Reconcile;
using Xunit;

namespace OsgPilot.Tests
{
    /// <summary>The planner's rules across pilots: the drain budget, surplus, leftovers, and what it asks the engine.</summary>
    public sealed class PlannerTests
    {
        private const string A = "sha256:a", B = "sha256:b";

        private static ContainerSpec[] Desired(int count) =>
            Enumerable.Range(1, count).Select(i => new ContainerSpec { Name = "p-" + i, ConfigHash = "h" }).ToArray();

        internal static PilotContainer Pilot(int i, string state = "running", string image = A, string hash = "h", bool managed = true, string name = null) => new PilotContainer
        {
            Id = "id" + i, Name = name ?? "p-" + i, State = state, Status = state, ImageId = image,
            Labels = managed ? new Dictionary<string, string> { [PilotLabels.Managed] = "true", [PilotLabels.ConfigHash] = hash } : new Dictionary<string, string>(),
        };

        private static PilotObservation Observe(int count, string current, params PilotContainer[] pilots) =>
            new PilotObservation { Desired = Desired(count), Stem = "p", CurrentImageId = current, Containers = pilots };

        private static string[] Actions(IEnumerable<PilotStep> steps) => steps.Select(s => s.Name + "=" + s.Action).ToArray();

        private static ReconcilePolicy Sync(int maxDraining = 1, bool force = false) => ReconcilePolicy.ForSync(maxDraining, force, TimeSpan.FromHours(72));

        [Fact]
        public void A_roll_out_drains_at_most_MaxDraining_counting_those_draining()
        {
            PilotObservation o = Observe(4, B, Pilot(1), Pilot(2), Pilot(3, hash: "old"), Pilot(4));
            o.Drained.Add("id1");
            IReadOnlyList<PilotStep> steps = PilotPlanner.Plan(o, Sync(2));
            Assert.Equal(new[] { "p-1=AwaitExit", "p-2=Drain", "p-3=Hold", "p-4=Hold" }, Actions(steps));
            Assert.Contains("-MaxDraining", steps[2].Reason);
            Assert.Contains("older configuration", steps[2].Reason);
            Assert.Contains("older image", steps[3].Reason);
        }

        [Fact]
        public void Pilots_that_are_down_use_the_drain_budget_so_capacity_never_falls_below_Count_minus_MaxDraining()
        {
            // Four pilots on the old image, one exited: replacing it is the roll-out's one slot this run.
            PilotObservation o = Observe(4, B, Pilot(1, "exited"), Pilot(2), Pilot(3), Pilot(4));
            Assert.Equal(new[] { "p-1=Replace", "p-2=Hold", "p-3=Hold", "p-4=Hold" }, Actions(PilotPlanner.Plan(o, Sync(1))));
            // A missing pilot counts the same.
            Assert.Equal(new[] { "p-1=Create", "p-2=Hold" }, Actions(PilotPlanner.Plan(Observe(2, B, Pilot(2)), Sync(1))));
        }

        [Fact]
        public void Force_replaces_outdated_running_pilots_at_once()
        {
            Assert.Equal(new[] { "p-1=ReplaceRunning", "p-2=Keep" }, Actions(PilotPlanner.Plan(Observe(2, B, Pilot(1), Pilot(2, image: B)), Sync(1, true))));
        }

        [Fact]
        public void Surplus_pilots_are_drained_then_removed_and_Start_leaves_them_alone()
        {
            PilotObservation o = Observe(1, A, Pilot(1), Pilot(2), Pilot(3, "exited"), Pilot(4), Pilot(5, "paused"));
            o.Drained.Add("id4");
            Assert.Equal(new[] { "p-1=Keep", "p-2=Drain", "p-3=Remove", "p-4=AwaitExit", "p-5=Remove" }, Actions(PilotPlanner.Plan(o, Sync())));
            Assert.Equal(new[] { "p-1=Keep" }, Actions(PilotPlanner.Plan(o, ReconcilePolicy.ForStart(false))));
        }

        [Fact]
        public void A_surplus_pilot_drained_by_hand_that_would_restart_gets_policy_no()
        {
            PilotObservation o = Observe(1, A, Pilot(1), Pilot(2));
            o.Drained.Add("id2");
            o.DrainRestarts.Add("id2");
            PilotStep s = PilotPlanner.Plan(o, Sync())[1];
            Assert.Equal(PilotAction.Drain, s.Action);
            Assert.True(s.Drained);
        }

        [Fact]
        public void A_drained_pilot_started_again_by_an_engine_with_fixed_restart_policies_counts_as_exited()
        {
            PilotObservation o = Observe(1, A, Pilot(1), Pilot(2));
            foreach (string id in new[] { "id1", "id2" }) { o.Drained.Add(id); o.RestartedDrained.Add(id); }
            IReadOnlyList<PilotStep> steps = PilotPlanner.Plan(o, Sync());
            Assert.Equal(new[] { "p-1=Replace", "p-2=Remove" }, Actions(steps));
            Assert.All(steps, s => Assert.Contains("cannot change its restart policy", s.Reason));
        }

        [Fact]
        public void A_foreign_container_is_refused_and_never_touched_even_with_Force()
        {
            foreach (ReconcilePolicy p in new[] { Sync(1, true), ReconcilePolicy.ForStart(true) })
            {
                PilotStep s = Assert.Single(PilotPlanner.Plan(Observe(1, A, Pilot(1, managed: false)), p));
                Assert.Equal(PilotAction.Refuse, s.Action);
                Assert.Equal(ErrorIds.PilotNameInUse, s.Error.ErrorId);
                Assert.False(s.Changes);
            }
        }

        [Fact]
        public void Leftovers_of_an_interrupted_replacement_are_repaired_first()
        {
            PilotContainer[] engine =
            {
                Pilot(1, name: "p-1.osgpilot-new"), Pilot(2, "exited", name: "p-1.osgpilot-old"),
                Pilot(3, name: "p-2"), Pilot(4, "exited", name: "p-2.osgpilot-old"),
                Pilot(5, managed: false, name: "p-3.osgpilot-new"),
            };
            IReadOnlyList<PilotStep> steps = PilotPlanner.PlanLeftovers(engine, out IReadOnlyList<PilotContainer> after);
            Assert.Equal(new[] { "p-1.osgpilot-new=RemoveLeftover", "p-1.osgpilot-old=RestoreName", "p-2.osgpilot-old=RemoveLeftover" }, Actions(steps));
            Assert.Equal(new[] { "id2:p-1", "id3:p-2", "id5:p-3.osgpilot-new" }, after.Select(c => c.Id + ":" + c.Name).OrderBy(x => x));
            // The restored pilot is then planned like any other: exited, so replaced.
            Assert.Equal(new[] { "p-1=Replace", "p-2=Keep" }, Actions(PilotPlanner.Plan(Observe(2, A, after.ToArray()), Sync())));
        }

        [Fact]
        public void Only_running_or_paused_pilots_of_the_config_are_asked_about_their_stamp()
        {
            PilotObservation o = Observe(2, A, Pilot(1), Pilot(2, "paused"), Pilot(3), Pilot(4, "exited"), Pilot(5, managed: false));
            Assert.Equal(new[] { "p-1", "p-2", "p-3" }, PilotPlanner.NeedingDrainState(o, Sync()).Select(c => c.Name));
            Assert.Equal(new[] { "p-1", "p-2" }, PilotPlanner.NeedingDrainState(o, ReconcilePolicy.ForStart(false)).Select(c => c.Name));
        }

        [Theory]
        [InlineData("p", true)]
        [InlineData("p-1", true)]
        [InlineData("p-256", true)]
        [InlineData("p-1.osgpilot-old", true)]
        [InlineData("p.osgpilot-new", true)]
        [InlineData("p-0", false)]
        [InlineData("p-x", false)]
        [InlineData("p-1-2", false)]
        [InlineData("px", false)]
        [InlineData("p-1.osgpilot-unstamp", false)]
        public void Instances_are_the_stem_or_stem_dash_number_with_their_temporary_names(string name, bool expected) =>
            Assert.Equal(expected, PilotNames.IsInstanceOf(name, "p"));

        [Theory]
        [InlineData(1, 1)]
        [InlineData(4, 1)]
        [InlineData(8, 2)]
        [InlineData(20, 5)]
        public void The_default_drain_budget_is_a_quarter_of_the_count(int count, int expected) => Assert.Equal(expected, ReconcilePolicy.DefaultMaxDraining(count));

        [Fact]
        public void The_stamp_helper_is_a_bare_rm_of_the_stamp_of_any_kind_on_the_pilot_directory_only()
        {
            var spec = new ContainerSpec { Name = "p-1", Image = "img:1", HostPilotDirectory = "/var/lib/osg/p-1" };
            ContainerSpec h = DrainStamp.HelperFor(spec);
            Assert.Equal("p-1.osgpilot-unstamp", h.Name);
            Assert.Equal("img:1", h.Image);
            // -r: a job may have made the stamp a directory; rm removes a link, never what it points at.
            Assert.Equal(new[] { "/bin/rm", "-rf", "/pilot/stop-glidein.stamp" }, h.Entrypoint);
            Assert.Equal("none", h.NetworkMode);
            Assert.Equal("/var/lib/osg/p-1:/pilot", Assert.Single(h.Binds).ToBindString());
            Assert.Empty(h.CapAdd);
            Assert.Empty(h.Environment);
        }

        [Theory]
        [InlineData("osg")]
        [InlineData("osg.x-y")]
        public void The_engine_s_name_filter_is_the_planner_s_instance_rule(string stem)
        {
            // One rule: a name the engine's filter lets through is an instance, and every instance gets through it.
            string[] names =
            {
                stem, stem + "-1", stem + "-9", stem + "-10", stem + "-256", stem + "-999", stem + "-1000", stem + "-0", stem + "-01",
                stem + "-a", stem + "x", "x" + stem, stem + "-1.osgpilot-new", stem + ".osgpilot-old", stem + "-2.osgpilot-old",
                stem + "-2.osgpilot-older", stem + ".osgpilot-new.osgpilot-new", stem + "-1-2",
            };
            var filter = new System.Text.RegularExpressions.Regex(PilotNames.InstanceFilter(stem));
            foreach (string n in names)
            {
                Assert.True(PilotNames.IsInstanceOf(n, stem) == filter.IsMatch("/" + n), n);
                Assert.True(PilotNames.IsInstanceOf(n, stem) == filter.IsMatch(n), n);
            }
        }
    }
}

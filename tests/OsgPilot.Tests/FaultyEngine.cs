using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Reconcile;
using OsgPilot.Threading;

namespace OsgPilot.Tests
{
    /// <summary>
    /// An engine in memory behind the reconciler's seam that fails one chosen call, the way the
    /// real gateway fails (an OsgPilotException, or the request done but its answer lost). It keeps
    /// Docker's rules that matter to an undo: names are unique, a running container cannot be
    /// removed without force, a renamed container keeps its id, a stopped one its state.
    /// It stands in for the engine only in these undo tests; everything else runs against a real dockerd.
    /// </summary>
    internal sealed class FaultyEngine : IPilotEngine
    {
        public sealed class Box
        {
            public string Id;
            public string Name;
            public string State;
            public Dictionary<string, string> Labels = new Dictionary<string, string>();
            public bool HasToken;
            public PilotRestartPolicy Policy = PilotRestartPolicy.UnlessStopped;
            /// <summary>The host directory at /pilot (null: the container's own).</summary>
            public string Directory;
            public bool OwnStamp;
            public DateTime? StampedAt;
            public DateTime? StartedAt;
        }

        /// <summary>Like Podman before 5.1: a restart policy cannot change after creation.</summary>
        public bool FixedRestartPolicy { get; set; }

        // A clock of its own, so "started after the stamp" never depends on the machine's timing.
        private DateTime _clock = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        private DateTime Tick() => _clock = _clock.AddMinutes(1);

        /// <summary>The engine's restart policy starts a drained pilot again after it exited (the stamp stays).</summary>
        public void RestartedByEngine(Box b) { b.State = "running"; b.StartedAt = Tick(); }

        /// <summary>Host pilot directories that hold stop-glidein.stamp: it outlives the containers on them.</summary>
        public HashSet<string> StampedDirectories { get; } = new HashSet<string>();

        // On a "local" engine the pilot directories are real ones, and so is the stamp in them.
        private string StampFile(Box b) => System.IO.Path.Combine(b.Directory, DrainStamp.FileName);

        private bool Stamped(Box b) => b.Directory == null ? b.OwnStamp
            : IsLocal ? System.IO.File.Exists(StampFile(b)) : StampedDirectories.Contains(b.Directory);

        private void SetStamp(Box b, bool on)
        {
            b.StampedAt = on ? Tick() : (DateTime?)null;
            if (b.Directory == null) b.OwnStamp = on;
            else if (IsLocal && on) System.IO.File.WriteAllText(StampFile(b), "");
            else if (IsLocal) System.IO.File.Delete(StampFile(b));
            else if (on) StampedDirectories.Add(b.Directory);
            else StampedDirectories.Remove(b.Directory);
        }

        private int _next;
        public List<Box> Boxes { get; } = new List<Box>();
        public List<string> Calls { get; } = new List<string>();
        /// <summary>The call (e.g. "create", "rename#2") that fails, and how.</summary>
        public string FailAt { get; set; }
        /// <summary>The failing call is carried out, but its answer is lost (a connection that broke after the engine acted).</summary>
        public bool AnswerLost { get; set; }
        /// <summary>Ids that the start-up watch reports as exited with code 1.</summary>
        public HashSet<string> ExitsAtStartup { get; } = new HashSet<string>();
        public bool IsLocal { get; set; }
        public string Display => "fake://engine";
        public string Context => null;

        public Box Add(string name, string state, string hash = "h", string directory = null)
        {
            var b = new Box { Id = "c" + (++_next), Name = name, State = state, Directory = directory };
            b.Labels[PilotLabels.Managed] = "true";
            b.Labels[PilotLabels.ConfigHash] = hash;
            if (directory != null) b.Labels[PilotLabels.PilotDirectory] = directory;
            Boxes.Add(b);
            return b;
        }

        public Box Named(string name) => Boxes.SingleOrDefault(b => b.Name == name);

        private Box ById(string id) => Boxes.SingleOrDefault(b => b.Id == id || b.Name == id)
            ?? throw new OsgPilotException(ErrorIds.DockerApiError, ErrorCategory.ObjectNotFound, "No such container: " + id, id);

        /// <summary>Counts the call; throws before it is done, or (AnswerLost) after.</summary>
        private async Task Step(string call, Action act)
        {
            await Task.Yield();
            Calls.Add(call);
            int nth = Calls.Count(c => c == call);
            bool fails = FailAt == call || FailAt == call + "#" + nth;
            if (fails && !AnswerLost) throw Broken(call);
            act();
            if (fails) throw Broken(call);
        }

        private static OsgPilotException Broken(string call) =>
            new OsgPilotException(ErrorIds.DockerConnectionLost, ErrorCategory.ConnectionError, $"The connection to the engine broke while trying to {call}.", "fake");

        private PilotContainer View(Box b) => new PilotContainer { Id = b.Id, Name = b.Name, State = b.State, Status = b.State, ImageId = "sha256:img", Labels = new Dictionary<string, string>(b.Labels) };

        public Task<IReadOnlyList<PilotContainer>> ListPilotsAsync(bool all, CancellationToken ct, TimeSpan? timeout = null) =>
            Task.FromResult((IReadOnlyList<PilotContainer>)Boxes.Select(View).ToList());

        public Task<IReadOnlyList<PilotContainer>> ListByNamesAsync(IEnumerable<string> names, CancellationToken ct)
        {
            var wanted = new HashSet<string>(names);
            return Task.FromResult((IReadOnlyList<PilotContainer>)Boxes.Where(b => wanted.Contains(b.Name)).Select(View).ToList());
        }

        public Task<IReadOnlyList<PilotContainer>> ListInstancesAsync(string stem, CancellationToken ct) =>
            Task.FromResult((IReadOnlyList<PilotContainer>)Boxes.Where(b => PilotNames.IsInstanceOf(b.Name, stem)).Select(View).ToList());

        public Task<ImageInfo> InspectImageAsync(string image, CancellationToken ct) => Task.FromResult(new ImageInfo { Id = "sha256:img", Created = DateTime.UtcNow });

        public Task<ImageInfo> PullAndInspectAsync(string image, IProgress<PullProgress> progress, CancellationToken ct) => InspectImageAsync(image, ct);

        public Task<ContainerRunState> InspectStateAsync(string id, CancellationToken ct) =>
            Task.FromResult(new ContainerRunState { Status = ById(id).State, RestartPolicy = ById(id).Policy, StartedAt = ById(id).StartedAt });

        public async Task<string> CreateAsync(ContainerSpec spec, CancellationToken ct, string name = null)
        {
            Box made = null;
            await Step("create", () =>
            {
                string n = name ?? spec.Name;
                if (Boxes.Any(b => b.Name == n)) throw new OsgPilotException(ErrorIds.DockerApiError, ErrorCategory.ResourceExists, $"Conflict. The container name \"/{n}\" is already in use", n);
                made = Add(n, "created", spec.ConfigHash, spec.HostPilotDirectory);
                foreach (var label in spec.Labels) made.Labels[label.Key] = label.Value;
                made.Policy = spec.RestartPolicy;
            });
            return made.Id;
        }

        public Task PutFilesAsync(string id, IEnumerable<TarEntry> entries, CancellationToken ct) => Step("copy the token", () => ById(id).HasToken = true);

        /// <summary>Containers the engine will not look into, as Podman refuses one it lists as running whose process is gone.</summary>
        public HashSet<string> Unreadable { get; } = new HashSet<string>();

        private Box Readable(string id) => Unreadable.Contains(ById(id).Name)
            ? throw new OsgPilotException(ErrorIds.DockerApiError, ErrorCategory.NotSpecified, "The Docker engine refused to look for a file in the container: InternalServerError", id)
            : ById(id);

        public Task<bool> PathExistsAsync(string id, string path, CancellationToken ct) => Task.FromResult(path == PilotDrain.StampPath && Stamped(Readable(id)));

        public Task<DateTime?> PathModifiedAsync(string id, string path, CancellationToken ct) =>
            Task.FromResult(path == PilotDrain.StampPath && Stamped(Readable(id)) ? ById(id).StampedAt : null);

        public Task StartAsync(string id, CancellationToken ct) => Step("start", () =>
        {
            Box b = ById(id);
            if (Stamped(b)) StartedDrained.Add(b.Id);
            b.State = "running";
            b.StartedAt = Tick();
        });

        /// <summary>Containers that were started while their /pilot held the drain stamp: must stay empty.</summary>
        public HashSet<string> StartedDrained { get; } = new HashSet<string>();

        public Task StopAsync(string id, int timeoutSeconds, CancellationToken ct) => Step("stop", () => ById(id).State = "exited");

        public Task UnpauseAsync(string id, CancellationToken ct) => Step("unpause", () => ById(id).State = "running");

        public Task RenameAsync(string id, string newName, CancellationToken ct) => Step("rename", () =>
        {
            if (Boxes.Any(b => b.Name == newName)) throw new OsgPilotException(ErrorIds.DockerApiError, ErrorCategory.ResourceExists, "name in use: " + newName, newName);
            ById(id).Name = newName;
        });

        public Task RemoveAsync(string id, bool force, CancellationToken ct) => Step("remove", () =>
        {
            Box b = ById(id);
            if (b.State == "running" && !force) throw new OsgPilotException(ErrorIds.DockerApiError, ErrorCategory.ResourceExists, "running", id);
            Boxes.Remove(b);
        });

        public async Task<(long ExitCode, string Output)> ExecAsync(string id, IList<string> command, string user, CancellationToken ct, TimeSpan? timeout = null)
        {
            await Step("exec", () =>
            {
                Box b = ById(id);
                if (b.State != "running") throw new OsgPilotException(ErrorIds.DockerApiError, ErrorCategory.InvalidOperation, "container is not running", id);
                if (command.Last() == PilotDrain.StampPath) SetStamp(b, command[0] == "touch");
            });
            return (0, "");
        }

        public async Task<bool> SetRestartPolicyAsync(string id, PilotRestartPolicy policy, CancellationToken ct)
        {
            if (FixedRestartPolicy) return false;
            await Step("update", () => ById(id).Policy = policy);
            return true;
        }

        public Task<bool> RestartPolicyIsFixedAsync(CancellationToken ct) => Task.FromResult(FixedRestartPolicy);

        public Task<EngineVersion> GetEngineAsync(CancellationToken ct) => Task.FromResult(new EngineVersion { Product = EngineVersion.Docker, Version = "20.10.24" });

        public Task<EngineHostInfo> GetHostInfoAsync(CancellationToken ct) => Task.FromResult(new EngineHostInfo(new[] { "name=seccomp,profile=builtin" }, "/var/lib/docker"));

        /// <summary>The undo paths read no file back from a pilot: a call here is a test's mistake.</summary>
        public Task<byte[]> ReadFileTailAsync(string id, string path, int maxBytes, CancellationToken ct) =>
            throw new NotSupportedException("FaultyEngine keeps no files but the token and the stamp.");

        public async Task<long> RunToCompletionAsync(ContainerSpec spec, TimeSpan timeout, CancellationToken ct)
        {
            await Step("helper", () =>
            {
                // The helper mounts the pilot directory: the stamp goes for every container on it.
                StampedDirectories.Remove(spec.HostPilotDirectory);
            });
            return 0;
        }

        public async Task<IReadOnlyList<ContainerExit>> WatchExitsAsync(IEnumerable<string> ids, DateTime since, TimeSpan window, CancellationToken ct)
        {
            var exits = new List<ContainerExit>();
            await Step("watch", () =>
            {
                foreach (string id in ids.Where(ExitsAtStartup.Contains))
                {
                    ById(id).State = "exited";
                    exits.Add(new ContainerExit { Id = id, ExitCode = 1 });
                }
            });
            return exits;
        }

        public Task<IReadOnlyList<string>> LastLinesAsync(string id, string token, CancellationToken ct) =>
            Task.FromResult((IReadOnlyList<string>)new[] { "Please do not run me as root!" });
    }

    /// <summary>A pipeline host that says yes to everything (or, with Approve false, no) and keeps what it was told and asked.</summary>
    internal sealed class RecordingHost : IPipelineHost
    {
        public List<string> Lines { get; } = new List<string>();
        /// <summary>The ShouldProcess actions asked, in order.</summary>
        public List<string> Asked { get; } = new List<string>();
        public bool Approve { get; set; } = true;
        public Task<bool> ShouldProcessAsync(string target, string action) { lock (Lines) { Lines.Add("should " + target); Asked.Add(action); } return Task.FromResult(Approve); }
        public void Verbose(string text) { lock (Lines) Lines.Add(text); }
        public void Warning(string text) { lock (Lines) Lines.Add("WARNING " + text); }
        public void Failure(OsgPilotException e) { lock (Lines) Lines.Add("ERROR " + e.Message); }
        public void Progress(ProgressRecord record) { }
        public IProgress<PullProgress> PullStarted(string image) => null;
        public void PullDone() { }
    }
}

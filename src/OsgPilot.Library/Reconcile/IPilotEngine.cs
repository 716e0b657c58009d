using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Launch;

namespace OsgPilot.Reconcile
{
    /// <summary>
    /// The engine calls the reconciler makes, and nothing else. DockerGateway is the real one; the
    /// tests put an engine behind it that fails at any chosen call, to prove every undo path.
    /// </summary>
    internal interface IPilotEngine
    {
        /// <summary>The engine runs on this machine, so host paths (pilot directories) are ours to look at.</summary>
        bool IsLocal { get; }
        string Display { get; }
        /// <summary>Which engine it is (dockerd or Podman), asked once.</summary>
        Task<EngineVersion> GetEngineAsync(CancellationToken ct);

        Task<IReadOnlyList<PilotContainer>> ListPilotsAsync(bool all, CancellationToken ct, TimeSpan? timeout = null);
        Task<IReadOnlyList<PilotContainer>> ListByNamesAsync(IEnumerable<string> names, CancellationToken ct);
        /// <summary>The containers named as a config's instances (STEM, STEM-N, and their temporary names), ours or not.</summary>
        Task<IReadOnlyList<PilotContainer>> ListInstancesAsync(string stem, CancellationToken ct);
        Task<ImageInfo> InspectImageAsync(string image, CancellationToken ct);
        Task<ImageInfo> PullAndInspectAsync(string image, IProgress<PullProgress> progress, CancellationToken ct);
        Task<ContainerRunState> InspectStateAsync(string id, CancellationToken ct);

        Task<string> CreateAsync(ContainerSpec spec, CancellationToken ct, string name = null);
        Task PutFilesAsync(string id, IEnumerable<TarEntry> entries, CancellationToken ct);
        Task<bool> PathExistsAsync(string id, string path, CancellationToken ct);
        Task StartAsync(string id, CancellationToken ct);
        Task StopAsync(string id, int timeoutSeconds, CancellationToken ct);
        Task UnpauseAsync(string id, CancellationToken ct);
        Task RenameAsync(string id, string newName, CancellationToken ct);
        Task RemoveAsync(string id, bool force, CancellationToken ct);
        Task<(long ExitCode, string Output)> ExecAsync(string id, IList<string> command, string user, CancellationToken ct, TimeSpan? timeout = null);
        /// <summary>Changes a container's restart policy; false, and nothing sent, where the engine keeps it fixed (Podman before 5.1).</summary>
        Task<bool> SetRestartPolicyAsync(string id, PilotRestartPolicy policy, CancellationToken ct);
        /// <summary>The engine cannot change a restart policy after creation (Podman before 5.1).</summary>
        Task<bool> RestartPolicyIsFixedAsync(CancellationToken ct);
        /// <summary>When a file in the container was last written (one HEAD request), or null when it does not exist.</summary>
        Task<DateTime?> PathModifiedAsync(string id, string path, CancellationToken ct);
        /// <summary>Creates, starts and waits for a short-lived helper container, removes it, and returns its exit code.</summary>
        Task<long> RunToCompletionAsync(ContainerSpec spec, TimeSpan timeout, CancellationToken ct);

        Task<IReadOnlyList<ContainerExit>> WatchExitsAsync(IEnumerable<string> ids, DateTime since, TimeSpan window, CancellationToken ct);
        /// <summary>A container's last log lines (docker logs and the start-up log), redacted of <paramref name="token"/>.</summary>
        Task<IReadOnlyList<string>> LastLinesAsync(string id, string token, CancellationToken ct);
    }
}

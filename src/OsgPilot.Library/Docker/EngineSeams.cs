using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Launch;
using OsgPilot.Swarm;

namespace OsgPilot.Docker
{
    // The engine, cut by area. DockerGateway implements every one; each consumer takes the narrowest
    // it needs, so its decisions can be tested through a fake of that area alone.

    /// <summary>Which engine this is and where: the facts every area shares.</summary>
    internal interface IEngineInfo
    {
        /// <summary>The engine runs on this machine, so host paths (pilot directories) are ours to look at.</summary>
        bool IsLocal { get; }
        /// <summary>The engine as messages and results name it.</summary>
        string Display { get; }
        /// <summary>The docker context the engine was reached through, or null.</summary>
        string Context { get; }
        /// <summary>Which engine it is (dockerd or Podman), asked once.</summary>
        Task<EngineVersion> GetEngineAsync(CancellationToken ct);
        /// <summary>/info, as far as OsgPilot reads it (security options, data root, kernel).</summary>
        Task<EngineHostInfo> GetHostInfoAsync(CancellationToken ct);
    }

    /// <summary>Containers: list, inspect, create, change, remove, watch.</summary>
    internal interface IContainerEngine : IEngineInfo
    {
        Task<IReadOnlyList<PilotContainer>> ListPilotsAsync(bool all, CancellationToken ct, TimeSpan? timeout = null);
        Task<IReadOnlyList<PilotContainer>> ListByNamesAsync(IEnumerable<string> names, CancellationToken ct);
        /// <summary>The containers named as a config's instances (STEM, STEM-N, and their temporary names), ours or not.</summary>
        Task<IReadOnlyList<PilotContainer>> ListInstancesAsync(string stem, CancellationToken ct);
        Task<ContainerRunState> InspectStateAsync(string id, CancellationToken ct);
        Task<string> CreateAsync(ContainerSpec spec, CancellationToken ct, string name = null);
        Task StartAsync(string id, CancellationToken ct);
        Task StopAsync(string id, int timeoutSeconds, CancellationToken ct);
        Task UnpauseAsync(string id, CancellationToken ct);
        Task RenameAsync(string id, string newName, CancellationToken ct);
        Task RemoveAsync(string id, bool force, CancellationToken ct);
        /// <summary>Changes a container's restart policy; false, and nothing sent, where the engine keeps it fixed (Podman before 5.1).</summary>
        Task<bool> SetRestartPolicyAsync(string id, PilotRestartPolicy policy, CancellationToken ct);
        /// <summary>The engine cannot change a restart policy after creation (Podman before 5.1).</summary>
        Task<bool> RestartPolicyIsFixedAsync(CancellationToken ct);
        /// <summary>Creates, starts and waits for a short-lived helper container, removes it, and returns its exit code.</summary>
        Task<long> RunToCompletionAsync(ContainerSpec spec, TimeSpan timeout, CancellationToken ct);
        Task<IReadOnlyList<ContainerExit>> WatchExitsAsync(IEnumerable<string> ids, DateTime since, TimeSpan window, CancellationToken ct);
        /// <summary>A container's last log lines (docker logs and the start-up log), redacted of <paramref name="token"/>.</summary>
        Task<IReadOnlyList<string>> LastLinesAsync(string id, string token, CancellationToken ct);
    }

    /// <summary>Images: what is here, and pulls.</summary>
    internal interface IImageEngine : IEngineInfo
    {
        Task<ImageInfo> InspectImageAsync(string image, CancellationToken ct);
        Task<ImageInfo> PullAndInspectAsync(string image, IProgress<PullProgress> progress, CancellationToken ct);
    }

    /// <summary>Files and commands inside containers: the token copied in, stamps, logs read back, execs.</summary>
    internal interface IContainerFiles : IEngineInfo
    {
        Task PutFilesAsync(string id, IEnumerable<TarEntry> entries, CancellationToken ct);
        Task<bool> PathExistsAsync(string id, string path, CancellationToken ct);
        /// <summary>When a file in the container was last written (one HEAD request), or null when it does not exist.</summary>
        Task<DateTime?> PathModifiedAsync(string id, string path, CancellationToken ct);
        /// <summary>At most the last <paramref name="maxBytes"/> of a file in the container, or null when it does not exist.</summary>
        Task<byte[]> ReadFileTailAsync(string id, string path, int maxBytes, CancellationToken ct);
        Task<(long ExitCode, string Output)> ExecAsync(string id, IList<string> command, string user, CancellationToken ct, TimeSpan? timeout = null);
    }

    /// <summary>A swarm, through a manager: services, their tasks, nodes and secrets.</summary>
    internal interface ISwarmEngine : IEngineInfo
    {
        Task<SwarmInfo> GetSwarmInfoAsync(CancellationToken ct);
        Task<IReadOnlyList<ServiceRecord>> ListServicesAsync(CancellationToken ct);
        Task<IReadOnlyList<ServiceRecord>> ListServicesByNameAsync(IEnumerable<string> names, CancellationToken ct);
        Task<IReadOnlyList<TaskRecord>> ListTasksAsync(IEnumerable<string> serviceIds, CancellationToken ct);
        Task<IReadOnlyList<NodeRecord>> ListNodesAsync(CancellationToken ct);
        Task<string> CreateServiceAsync(PilotServiceSpec spec, string secretId, CancellationToken ct);
        Task UpdateServiceAsync(ServiceRecord read, PilotServiceSpec spec, string secretId, CancellationToken ct);
        Task RemoveServiceAsync(string id, CancellationToken ct);
        Task<IReadOnlyList<SecretRecord>> ListSecretsAsync(CancellationToken ct);
        Task<string> CreateSecretAsync(string name, IDictionary<string, string> labels, byte[] data, CancellationToken ct);
        Task DeleteSecretAsync(string id, CancellationToken ct);
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace OsgPilot.Docker
{
    /// <summary>Files inside containers, through the archive API (docker cp): it works on stopped containers too.</summary>
    internal sealed partial class DockerGateway
    {
        /// <summary>Unpacks <paramref name="entries"/> at the container's root; missing parent directories are created.</summary>
        public Task PutFilesAsync(string id, IEnumerable<TarEntry> entries, CancellationToken ct) =>
            Call("copy files into the container", async t =>
            {
                using (var tar = new MemoryStream(TarWriter.Write(entries)))
                {
                    await _client.Containers.ExtractArchiveToContainerAsync(id,
                        new CopyToContainerParameters { Path = "/", AllowOverwriteDirWithFile = false }, tar, t).ConfigureAwait(false);
                }
                return true;
            }, ct);

        /// <summary>Whether <paramref name="path"/> exists in the container (one HEAD request, no content).</summary>
        public async Task<bool> PathExistsAsync(string id, string path, CancellationToken ct) =>
            await PathModifiedAsync(id, path, ct).ConfigureAwait(false) != null;

        /// <summary>When a file in the container was last written (one HEAD request), or null when it does not exist.</summary>
        public Task<DateTime?> PathModifiedAsync(string id, string path, CancellationToken ct) =>
            Call("look for a file in the container", t => ReadArchiveAsync(async () =>
            {
                ContainerArchiveResponse r = await _client.Containers.GetArchiveFromContainerAsync(id, new ContainerPathStatParameters { Path = path }, true, t).ConfigureAwait(false);
                return (DateTime?)r.Stat.Mtime.ToUniversalTime();
            }, t), ct);

        /// <summary>The last <paramref name="maxBytes"/> of a file in the container, or null when it does not exist.</summary>
        public Task<byte[]> ReadFileTailAsync(string id, string path, int maxBytes, CancellationToken ct) =>
            Call("read a file from the container", t => ReadArchiveAsync(async () =>
            {
                ContainerArchiveResponse archive = await _client.Containers.GetArchiveFromContainerAsync(id,
                    new ContainerPathStatParameters { Path = path }, false, t).ConfigureAwait(false);
                using (Stream tar = archive.Stream)
                {
                    return await TarReader.FirstFileTailAsync(tar, maxBytes, t).ConfigureAwait(false);
                }
            }, t), ct);

        private const int ProcessGoneRetries = 5;

        /// <summary>
        /// An archive read: a missing path is null (default). Podman reads a running container's files
        /// through its process, which can end (and a restart policy start another) between its look
        /// and its read; that answer is asked again.
        /// </summary>
        private static async Task<T> ReadArchiveAsync<T>(Func<Task<T>> read, CancellationToken t)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return await read().ConfigureAwait(false);
                }
                catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
                {
                    return default(T);
                }
                catch (DockerApiException e) when (attempt < ProcessGoneRetries && ProcessGone(e))
                {
                    await Task.Delay(200, t).ConfigureAwait(false);
                }
            }
        }

        private static bool ProcessGone(DockerApiException e) => ProcessGone(e.StatusCode, e.ResponseBody);

        /// <summary>
        /// Podman's answer when the process it read through is gone. A HEAD (a file's stat) carries no
        /// body to say so, only the 500: that answer is asked again too, as a lasting fault stays one.
        /// </summary>
        internal static bool ProcessGone(HttpStatusCode status, string body) =>
            string.IsNullOrEmpty(body)
                ? status == HttpStatusCode.InternalServerError
                : System.Text.RegularExpressions.Regex.IsMatch(body, @"/proc/\d+/ns/\w+: no such file or directory");
    }
}

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
        public Task<bool> PathExistsAsync(string id, string path, CancellationToken ct) =>
            Call("look for a file in the container", async t =>
            {
                try
                {
                    await _client.Containers.GetArchiveFromContainerAsync(id, new ContainerPathStatParameters { Path = path }, true, t).ConfigureAwait(false);
                    return true;
                }
                catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
                {
                    return false;
                }
            }, ct);

        /// <summary>The last <paramref name="maxBytes"/> of a file in the container, or null when it does not exist.</summary>
        public Task<byte[]> ReadFileTailAsync(string id, string path, int maxBytes, CancellationToken ct) =>
            Call("read a file from the container", async t =>
            {
                try
                {
                    ContainerArchiveResponse archive = await _client.Containers.GetArchiveFromContainerAsync(id,
                        new ContainerPathStatParameters { Path = path }, false, t).ConfigureAwait(false);
                    using (Stream tar = archive.Stream)
                    {
                        return await TarReader.FirstFileTailAsync(tar, maxBytes, t).ConfigureAwait(false);
                    }
                }
                catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
                {
                    return null;
                }
            }, ct);
    }
}

using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace OsgPilot.Docker
{
    /// <summary>Reads the first regular file of a tar stream (what docker cp returns for one file), up to a size bound.</summary>
    internal static class TarReader
    {
        /// <summary>The file's bytes, at most its last <paramref name="maxBytes"/>; null when the archive holds no regular file.</summary>
        public static async Task<byte[]> FirstFileTailAsync(Stream tar, int maxBytes, CancellationToken ct)
        {
            var header = new byte[512];
            while (await FillAsync(tar, header, header.Length, ct).ConfigureAwait(false))
            {
                if (Array.TrueForAll(header, b => b == 0)) return null;
                long size = ParseOctal(header, 124, 12);
                char type = (char)header[156];
                long padded = (size + 511) / 512 * 512;
                if (type == '0' || type == '\0')
                {
                    // Skip what does not fit, then keep the tail: a log's last lines are what matter.
                    long skip = Math.Max(0, size - maxBytes);
                    await SkipAsync(tar, skip, ct).ConfigureAwait(false);
                    var content = new byte[size - skip];
                    if (!await FillAsync(tar, content, content.Length, ct).ConfigureAwait(false)) return null;
                    return content;
                }
                await SkipAsync(tar, padded, ct).ConfigureAwait(false);
            }
            return null;
        }

        private static long ParseOctal(byte[] buffer, int offset, int length)
        {
            long value = 0;
            for (int i = offset; i < offset + length; i++)
            {
                byte b = buffer[i];
                if (b == 0 || b == (byte)' ') continue;
                if (b < (byte)'0' || b > (byte)'7') throw new InvalidDataException("Malformed tar header.");
                value = value * 8 + (b - '0');
            }
            return value;
        }

        private static async Task<bool> FillAsync(Stream s, byte[] buffer, int count, CancellationToken ct)
        {
            int read = 0;
            while (read < count)
            {
                int n = await s.ReadAsync(buffer, read, count - read, ct).ConfigureAwait(false);
                if (n == 0) return false;
                read += n;
            }
            return true;
        }

        private static async Task SkipAsync(Stream s, long count, CancellationToken ct)
        {
            var buffer = new byte[16 * 1024];
            while (count > 0)
            {
                int n = await s.ReadAsync(buffer, 0, (int)Math.Min(buffer.Length, count), ct).ConfigureAwait(false);
                if (n == 0) return;
                count -= n;
            }
        }
    }
}

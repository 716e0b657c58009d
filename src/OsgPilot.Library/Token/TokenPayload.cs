using System;
using System.Collections.Generic;
using System.Text;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Launch;

namespace OsgPilot.Token
{
    /// <summary>
    /// The token as it goes into a pilot: read once per run as the caller (so a root-only file works),
    /// then copied into each container as the directory the image lacks plus a uid-1000, 0400 file.
    /// The bytes are wiped on Dispose.
    /// </summary>
    internal sealed class TokenPayload : IDisposable
    {
        private const int DirectoryMode = 0x1ED; // 0755
        private const int FileMode = 0x100;      // 0400: the start-up only reads it, then copies it as uid 1000

        private readonly byte[] _bytes;

        internal TokenPayload(string text)
        {
            Text = text;
            _bytes = Encoding.UTF8.GetBytes(text + "\n");
        }

        /// <summary>The token text, for redacting it from anything the pilot printed. Never output it.</summary>
        public string Text { get; }

        public static TokenPayload Read(OsgPilotConfig config) =>
            new TokenPayload(TokenSource.Of(config));

        /// <summary>Archive entries to unpack at the container's root.</summary>
        public IEnumerable<TarEntry> Entries()
        {
            string dir = PilotContainerMapper.TokenDirectoryInContainer.TrimStart('/');
            string file = PilotContainerMapper.TokenPathInContainer.TrimStart('/');
            yield return new TarEntry(dir, null, 0, 0, DirectoryMode);
            yield return new TarEntry(file, _bytes, PilotContainerMapper.PilotUid, PilotContainerMapper.PilotUid, FileMode);
        }

        public void Dispose() => Array.Clear(_bytes, 0, _bytes.Length);
    }
}

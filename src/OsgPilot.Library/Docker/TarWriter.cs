using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace OsgPilot.Docker
{
    /// <summary>One entry of an archive sent to the engine: a directory when <see cref="Content"/> is null.</summary>
    internal sealed class TarEntry
    {
        public TarEntry(string name, byte[] content, int uid, int gid, int mode)
        {
            Name = name;
            Content = content;
            Uid = uid;
            Gid = gid;
            Mode = mode;
        }

        public string Name { get; }
        public byte[] Content { get; }
        public int Uid { get; }
        public int Gid { get; }
        public int Mode { get; }
        public bool IsDirectory => Content == null;
    }

    /// <summary>A minimal ustar writer for directories and regular files: what docker cp sends to the engine.</summary>
    internal static class TarWriter
    {
        public static byte[] Write(IEnumerable<TarEntry> entries)
        {
            using (var ms = new MemoryStream())
            {
                foreach (TarEntry e in entries)
                {
                    byte[] content = e.Content ?? Array.Empty<byte>();
                    byte[] header = Header(e.IsDirectory ? e.Name.TrimEnd('/') + "/" : e.Name, content.Length, e.Uid, e.Gid, e.Mode, e.IsDirectory ? '5' : '0');
                    ms.Write(header, 0, header.Length);
                    ms.Write(content, 0, content.Length);
                    int pad = (512 - content.Length % 512) % 512;
                    ms.Write(new byte[pad], 0, pad);
                }
                ms.Write(new byte[1024], 0, 1024); // two zero blocks end the archive
                return ms.ToArray();
            }
        }

        private static byte[] Header(string name, int size, int uid, int gid, int mode, char type)
        {
            if (Encoding.ASCII.GetByteCount(name) > 100) throw new ArgumentException("name too long", nameof(name));
            var header = new byte[512];
            WriteText(header, 0, 100, name);
            WriteOctal(header, 100, 8, mode);
            WriteOctal(header, 108, 8, uid);
            WriteOctal(header, 116, 8, gid);
            WriteOctal(header, 124, 12, size);
            WriteOctal(header, 136, 12, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            header[156] = (byte)type;
            WriteText(header, 257, 6, "ustar");
            WriteText(header, 263, 2, "00");
            for (int i = 148; i < 156; i++) header[i] = (byte)' ';
            long sum = 0;
            foreach (byte b in header) sum += b;
            WriteOctal(header, 148, 7, sum);
            return header;
        }

        private static void WriteText(byte[] buffer, int offset, int length, string text)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            Array.Copy(bytes, 0, buffer, offset, Math.Min(bytes.Length, length));
        }

        private static void WriteOctal(byte[] buffer, int offset, int length, long value)
        {
            string octal = Convert.ToString(value, 8).PadLeft(length - 1, '0');
            WriteText(buffer, offset, length - 1, octal);
            buffer[offset + length - 1] = 0;
        }
    }
}

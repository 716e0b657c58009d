using System;
using System.IO;
using System.Text;

namespace OsgPilot.Docker
{
    /// <summary>A minimal ustar writer for one regular file: what docker cp sends to the engine.</summary>
    internal static class TarWriter
    {
        public static byte[] SingleFile(string name, byte[] content, int uid, int gid, int mode)
        {
            if (Encoding.ASCII.GetByteCount(name) > 100) throw new ArgumentException("name too long", nameof(name));
            var header = new byte[512];
            WriteText(header, 0, 100, name);
            WriteOctal(header, 100, 8, mode);
            WriteOctal(header, 108, 8, uid);
            WriteOctal(header, 116, 8, gid);
            WriteOctal(header, 124, 12, content.Length);
            WriteOctal(header, 136, 12, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            header[156] = (byte)'0';
            WriteText(header, 257, 6, "ustar");
            WriteText(header, 263, 2, "00");
            for (int i = 148; i < 156; i++) header[i] = (byte)' ';
            long sum = 0;
            foreach (byte b in header) sum += b;
            WriteOctal(header, 148, 7, sum);

            using (var ms = new MemoryStream())
            {
                ms.Write(header, 0, header.Length);
                ms.Write(content, 0, content.Length);
                int pad = (512 - content.Length % 512) % 512;
                ms.Write(new byte[pad + 1024], 0, pad + 1024); // padding, then two zero blocks end the archive
                return ms.ToArray();
            }
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

using System.Collections.Generic;
using System.IO;
using System.Text;

namespace OsgPilot.Activity
{
    /// <summary>
    /// The lines of a file a job could have written, read within bounds: at most the last
    /// <c>cap</c> bytes (a cut first line is dropped), and no line longer than <c>maxLine</c> bytes
    /// (such a line is skipped, and counted). Invalid UTF-8 becomes U+FFFD; nothing here throws on content.
    /// </summary>
    internal static class BoundedLines
    {
        public const int DefaultMaxLine = 64 * 1024;

        public static List<string> Tail(Stream stream, long size, long cap, int maxLine, out int skipped)
        {
            skipped = 0;
            var lines = new List<string>();
            long start = size > cap ? size - cap : 0;
            if (start > 0 && stream.CanSeek) stream.Seek(start, SeekOrigin.Begin);
            bool dropFirst = start > 0;
            var current = new MemoryStream();
            bool overlong = false;
            long left = cap;
            var buffer = new byte[64 * 1024];
            int n;
            while (left > 0 && (n = stream.Read(buffer, 0, (int)System.Math.Min(buffer.Length, left))) > 0)
            {
                left -= n;
                for (int i = 0; i < n; i++)
                {
                    byte b = buffer[i];
                    if (b == (byte)'\n')
                    {
                        if (dropFirst) dropFirst = false;
                        else if (overlong) skipped++;
                        else lines.Add(Decode(current));
                        current.SetLength(0);
                        overlong = false;
                        continue;
                    }
                    if (overlong) continue;
                    if (current.Length >= maxLine) { overlong = true; current.SetLength(0); continue; }
                    current.WriteByte(b);
                }
            }
            // A last line without its newline is still being written: kept, as a reader of the live log would.
            if (!dropFirst && current.Length > 0 && !overlong) lines.Add(Decode(current));
            else if (overlong) skipped++;
            return lines;
        }

        private static string Decode(MemoryStream line) =>
            new UTF8Encoding(false, false).GetString(line.GetBuffer(), 0, (int)line.Length).TrimEnd('\r');
    }
}

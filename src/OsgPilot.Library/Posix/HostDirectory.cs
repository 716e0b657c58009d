using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OsgPilot.Posix
{
    /// <summary>What one directory entry is, seen without following it (statx with AT_SYMLINK_NOFOLLOW, or of an open descriptor).</summary>
    internal sealed class HostEntry
    {
        public HostEntryKind Kind { get; set; }
        public int Uid { get; set; }
        public long Links { get; set; }
        public long Size { get; set; }
        public DateTime Modified { get; set; }
    }

    internal enum HostEntryKind { File, Directory, Link, Other }

    /// <summary>
    /// A directory of this machine held open, through which the entries below it are reached as a job
    /// in a pilot cannot redirect: every component below it is opened relative to its parent's
    /// descriptor with O_NOFOLLOW (a link is refused, not followed), files with O_NONBLOCK (a FIFO
    /// cannot hang the open) and checked by fstat on the open descriptor before a byte is read.
    /// Removal unlinks entries relative to the descriptor and never follows a link, so it cannot
    /// leave the directory. Linux only (<see cref="Supported"/>); elsewhere callers go through the engine.
    /// </summary>
    internal sealed class HostDirectory : IDisposable
    {
        private readonly SafeFileHandle _fd;

        private HostDirectory(SafeFileHandle fd, string path)
        {
            _fd = fd;
            Path = path;
        }

        /// <summary>The path it was opened as, for messages.</summary>
        public string Path { get; }

        public static bool Supported => RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        /// <summary>
        /// Opens <paramref name="path"/>, a directory the administrator named (links in that path are
        /// the administrator's and are followed); null when it does not exist.
        /// </summary>
        public static HostDirectory Open(string path)
        {
            int fd = Native.openat(Native.AT_FDCWD, path, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC, 0);
            if (fd < 0)
            {
                int errno = Marshal.GetLastWin32Error();
                if (errno == Native.ENOENT) return null;
                throw Error(path, errno, "cannot be opened as a directory");
            }
            return new HostDirectory(new SafeFileHandle((IntPtr)fd, true), path);
        }

        /// <summary>The subdirectory <paramref name="name"/>; null when missing. A link or anything but a directory there is refused (an IOException naming it).</summary>
        public HostDirectory OpenDirectory(string name)
        {
            RequireName(name);
            int fd = Native.openat(Raw, name, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0);
            if (fd < 0)
            {
                int errno = Marshal.GetLastWin32Error();
                if (errno == Native.ENOENT) return null;
                throw Error(Join(name), errno, errno == Native.ELOOP || errno == Native.ENOTDIR ? "is not a directory (a link, or another kind of file), so it is not followed" : "cannot be opened");
            }
            return new HostDirectory(new SafeFileHandle((IntPtr)fd, true), Join(name));
        }

        /// <summary>What <paramref name="name"/> is, without following it; null when it does not exist.</summary>
        public HostEntry Stat(string name)
        {
            RequireName(name);
            var buffer = new byte[Native.StatxSize];
            if (Native.statx(Raw, name, Native.AT_SYMLINK_NOFOLLOW, Native.STATX_BASIC_STATS, buffer) != 0)
            {
                int errno = Marshal.GetLastWin32Error();
                if (errno == Native.ENOENT) return null;
                throw Error(Join(name), errno, "cannot be examined");
            }
            return Native.Entry(buffer);
        }

        /// <summary>
        /// Opens the regular file <paramref name="name"/> for reading, or says why it will not: a link, a
        /// FIFO, a device, a directory, a file of another owner than <paramref name="owners"/>, or one with
        /// more than one name (a hard link to a file elsewhere). Null with <paramref name="refusal"/> null
        /// when there is no such entry.
        /// </summary>
        public Stream OpenFile(string name, IReadOnlyCollection<int> owners, out HostEntry entry, out string refusal)
        {
            RequireName(name);
            entry = null;
            refusal = null;
            int fd = Native.openat(Raw, name, Native.O_RDONLY | Native.O_NOFOLLOW | Native.O_NONBLOCK | Native.O_NOCTTY | Native.O_CLOEXEC, 0);
            if (fd < 0)
            {
                int errno = Marshal.GetLastWin32Error();
                if (errno == Native.ENOENT) return null;
                refusal = errno == Native.ELOOP ? $"{Join(name)} is a symbolic link; it is not followed" : $"{Join(name)} cannot be opened ({Native.Describe(errno)})";
                return null;
            }
            var handle = new SafeFileHandle((IntPtr)fd, true);
            var buffer = new byte[Native.StatxSize];
            if (Native.statx(fd, string.Empty, Native.AT_EMPTY_PATH, Native.STATX_BASIC_STATS, buffer) != 0)
            {
                int errno = Marshal.GetLastWin32Error();
                handle.Dispose();
                refusal = $"{Join(name)} cannot be examined ({Native.Describe(errno)})";
                return null;
            }
            entry = Native.Entry(buffer);
            string why = entry.Kind != HostEntryKind.File ? $"is not a regular file ({Native.KindName(buffer)})"
                : !Contains(owners, entry.Uid) ? $"belongs to uid {entry.Uid}, not to the pilot"
                : entry.Links != 1 ? $"has {entry.Links} names (a hard link to a file elsewhere)"
                : null;
            if (why != null)
            {
                handle.Dispose();
                refusal = $"{Join(name)} {why}; it is not read";
                return null;
            }
            return new FileStream(handle, FileAccess.Read, 1);
        }

        /// <summary>
        /// Removes <paramref name="name"/> whatever it is: a file, link, FIFO or socket is unlinked (a link,
        /// not what it points at); a directory is emptied the same way, depth first, and removed. True when
        /// something was there.
        /// </summary>
        public bool Remove(string name)
        {
            HostEntry entry = Stat(name);
            if (entry == null) return false;
            if (entry.Kind == HostEntryKind.Directory)
            {
                using (HostDirectory child = OpenDirectory(name))
                {
                    if (child != null)
                    {
                        foreach (string inner in child.Names()) child.Remove(inner);
                    }
                }
                Unlink(name, Native.AT_REMOVEDIR);
            }
            else
            {
                Unlink(name, 0);
            }
            return true;
        }

        /// <summary>The names in this directory (its own descriptor is listed, so no path is looked up again).</summary>
        public IReadOnlyList<string> Names()
        {
            var names = new List<string>();
            foreach (string p in Directory.EnumerateFileSystemEntries("/proc/self/fd/" + Raw.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                names.Add(System.IO.Path.GetFileName(p));
            }
            return names;
        }

        public void Dispose() => _fd.Dispose();

        private int Raw => (int)_fd.DangerousGetHandle();

        private void Unlink(string name, int flags)
        {
            if (Native.unlinkat(Raw, name, flags) != 0)
            {
                int errno = Marshal.GetLastWin32Error();
                if (errno != Native.ENOENT) throw Error(Join(name), errno, "cannot be removed");
            }
        }

        private string Join(string name) => Path.TrimEnd('/') + "/" + name;

        private static bool Contains(IReadOnlyCollection<int> owners, int uid)
        {
            foreach (int o in owners) if (o == uid) return true;
            return false;
        }

        /// <summary>One path component: never a separator, "." or "..", so nothing leaves the directory by name.</summary>
        private static void RequireName(string name)
        {
            if (string.IsNullOrEmpty(name) || name == "." || name == ".." || name.IndexOf('/') >= 0 || name.IndexOf('\0') >= 0)
            {
                throw new ArgumentException($"'{name}' is not a single directory entry.", nameof(name));
            }
        }

        /// <summary>
        /// A file's permission bits (mode and 0o7777), following links: for files an administrator
        /// names (a token file), not for anything in a pilot directory. Null off Linux or when it cannot be read.
        /// </summary>
        public static int? PermissionsOf(string path)
        {
            if (!Supported) return null;
            var buffer = new byte[Native.StatxSize];
            if (Native.statx(Native.AT_FDCWD, path, 0, Native.STATX_BASIC_STATS, buffer) != 0) return null;
            return BitConverter.ToUInt16(buffer, 28) & 0xFFF;
        }

        private static IOException Error(string path, int errno, string what) => new IOException($"{path} {what} ({Native.Describe(errno)})");

        /// <summary>libc, with the constants of Linux on x86-64 and the generic ones (arm64 and the rest) where they differ.</summary>
        private static class Native
        {
            public const int AT_FDCWD = -100;
            public const int O_RDONLY = 0;
            public const int O_NOCTTY = 0x100;
            public const int O_NONBLOCK = 0x800;
            public const int O_CLOEXEC = 0x80000;
            public static readonly int O_DIRECTORY = X64 ? 0x10000 : 0x4000;
            public static readonly int O_NOFOLLOW = X64 ? 0x20000 : 0x8000;
            public const int AT_SYMLINK_NOFOLLOW = 0x100;
            public const int AT_REMOVEDIR = 0x200;
            public const int AT_EMPTY_PATH = 0x1000;
            public const uint STATX_BASIC_STATS = 0x7ff;
            public const int StatxSize = 256;
            public const int ENOENT = 2, ENOTDIR = 20, ELOOP = 40;

            private static bool X64 => RuntimeInformation.ProcessArchitecture == Architecture.X64 || RuntimeInformation.ProcessArchitecture == Architecture.X86;

            [DllImport("libc", SetLastError = true)]
            public static extern int openat(int dirfd, string path, int flags, uint mode);

            [DllImport("libc", SetLastError = true)]
            public static extern int statx(int dirfd, string path, int flags, uint mask, byte[] buffer);

            [DllImport("libc", SetLastError = true)]
            public static extern int unlinkat(int dirfd, string path, int flags);

            [DllImport("libc")]
            private static extern IntPtr strerror(int errnum);

            public static string Describe(int errno)
            {
                try { return Marshal.PtrToStringAnsi(strerror(errno)) ?? $"errno {errno}"; }
                catch (EntryPointNotFoundException) { return $"errno {errno}"; }
            }

            // struct statx (linux/stat.h), the same on every architecture.
            private static ushort Mode(byte[] b) => BitConverter.ToUInt16(b, 28);

            public static HostEntry Entry(byte[] b)
            {
                int type = Mode(b) & 0xF000;
                return new HostEntry
                {
                    Kind = type == 0x8000 ? HostEntryKind.File : type == 0x4000 ? HostEntryKind.Directory : type == 0xA000 ? HostEntryKind.Link : HostEntryKind.Other,
                    Links = BitConverter.ToUInt32(b, 16),
                    Uid = (int)BitConverter.ToUInt32(b, 20),
                    Size = (long)BitConverter.ToUInt64(b, 40),
                    Modified = DateTimeOffset.FromUnixTimeSeconds(Math.Max(0, Math.Min(BitConverter.ToInt64(b, 112), 253402300799L))).UtcDateTime
                               .AddTicks(Math.Min(BitConverter.ToUInt32(b, 120), 999999999u) / 100),
                };
            }

            public static string KindName(byte[] b)
            {
                switch (Mode(b) & 0xF000)
                {
                    case 0x1000: return "a FIFO";
                    case 0x2000: return "a character device";
                    case 0x6000: return "a block device";
                    case 0xC000: return "a socket";
                    case 0x4000: return "a directory";
                    case 0xA000: return "a symbolic link";
                    default: return "an unknown kind";
                }
            }
        }
    }
}

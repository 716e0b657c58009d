using System;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using OsgPilot.Errors;

namespace OsgPilot.Token
{
    /// <summary>Reads token text from a file or a SecureString. Errors name the file, never the content.</summary>
    internal static class TokenSource
    {
        public static string ReadFile(string path)
        {
            if (Directory.Exists(path))
            {
                throw new OsgPilotException(ErrorIds.TokenPathIsDirectory, ErrorCategory.InvalidArgument,
                    $"The token path '{path}' is a directory. Give the token file itself (the file the OSG token registry issued).", path);
            }
            if (!File.Exists(path))
            {
                throw new OsgPilotException(ErrorIds.TokenFileNotFound, ErrorCategory.ObjectNotFound,
                    $"The token file '{path}' does not exist.", path);
            }
            // Sized before it is opened: a FIFO would block the open, and a device (or /dev/zero) never ends.
            long length = new FileInfo(path).Length;
            if (length == 0)
            {
                throw new OsgPilotException(ErrorIds.TokenEmpty, ErrorCategory.InvalidData,
                    $"The token file '{path}' is empty, or is not a regular file (a FIFO, device or process substitution is not read: " +
                    "it may block or never end; pass such a token with -TokenEnvironmentVariable or -Token instead).", path);
            }
            if (length > MaxTokenFileBytes) throw TooLarge(path);
            string text;
            try
            {
                text = ReadBounded(path);
            }
            catch (Exception e) when (e is UnauthorizedAccessException || e is IOException)
            {
                throw new OsgPilotException(ErrorIds.TokenFileUnreadable, ErrorCategory.PermissionDenied,
                    $"The token file '{path}' cannot be read: {e.GetType().Name}.", path);
            }
            return RequireText(text.Trim(), path);
        }

        /// <summary>The token of a config, from wherever the config says it comes.</summary>
        public static string Of(Config.OsgPilotConfig config) =>
            config.TokenPath != null ? ReadFile(config.TokenPath)
            : config.TokenEnvironmentVariable != null ? ReadVariable(config.TokenEnvironmentVariable)
            : Read(config.Token);

        /// <summary>The token from an environment variable, read when it is needed (a scheduler may rotate it).</summary>
        public static string ReadVariable(string name)
        {
            string text = Environment.GetEnvironmentVariable(name);
            if (text == null)
            {
                throw new OsgPilotException(ErrorIds.TokenEnvironmentVariableNotSet, ErrorCategory.ObjectNotFound,
                    $"The environment variable '{name}' that should hold the token is not set in this process.", name);
            }
            if (text.Trim().Length == 0)
            {
                throw new OsgPilotException(ErrorIds.TokenEmpty, ErrorCategory.InvalidData, $"The environment variable '{name}' is empty.", name);
            }
            return text.Trim();
        }

        /// <summary>An IDTOKEN is about a kilobyte; more than this is the wrong file (or /dev/zero), and is not read whole.</summary>
        public const int MaxTokenFileBytes = 64 * 1024;

        private static string ReadBounded(string path)
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                var buffer = new byte[MaxTokenFileBytes + 1];
                int total = 0, read;
                while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0) total += read;
                if (total > MaxTokenFileBytes) throw TooLarge(path);
                return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
            }
        }

        private static OsgPilotException TooLarge(string path) =>
            new OsgPilotException(ErrorIds.TokenFileTooLarge, ErrorCategory.InvalidData,
                $"The token file '{path}' holds more than {MaxTokenFileBytes / 1024} KiB; an OSG token is about 1 KiB. Is it the right file?", path);

        public static string Read(SecureString token)
        {
            if (token == null || token.Length == 0)
            {
                return RequireText(string.Empty, null);
            }
            IntPtr ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(token);
                return RequireText(Marshal.PtrToStringUni(ptr, token.Length).Trim(), null);
            }
            finally
            {
                if (ptr != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(ptr);
                }
            }
        }

        private static string RequireText(string text, string path)
        {
            if (text.Length == 0)
            {
                throw new OsgPilotException(ErrorIds.TokenEmpty, ErrorCategory.InvalidData,
                    path == null ? "The token given with -Token is empty." : $"The token file '{path}' is empty.", path);
            }
            return text;
        }
    }
}

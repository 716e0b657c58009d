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
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is UnauthorizedAccessException || e is IOException)
            {
                throw new OsgPilotException(ErrorIds.TokenFileUnreadable, ErrorCategory.PermissionDenied,
                    $"The token file '{path}' cannot be read: {e.GetType().Name}.", path);
            }
            return RequireText(text.Trim(), path);
        }

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

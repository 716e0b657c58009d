using System.Text;

namespace OsgPilot.Preflight
{
    /// <summary>
    /// Quotes one argument for ProcessStartInfo.Arguments, which .NET splits by the Windows rules on
    /// every platform: backslashes are literal except before a quote, so a path ending in '\' or
    /// holding '"' reaches the program exactly as given.
    /// </summary>
    internal static class ProcessArgument
    {
        public static string Quote(string arg)
        {
            var sb = new StringBuilder("\"");
            int backslashes = 0;
            foreach (char c in arg)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }
                // Backslashes before a quote are doubled, and the quote escaped.
                sb.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes);
                backslashes = 0;
                sb.Append(c);
            }
            // Backslashes before the closing quote are doubled, so they do not escape it.
            return sb.Append('\\', backslashes * 2).Append('"').ToString();
        }
    }
}

using System.Text.RegularExpressions;

namespace OsgPilot.Token
{
    /// <summary>
    /// Removes anything shaped like an IDTOKEN (a JWT: base64url header and payload, both starting
    /// "eyJ", and a signature) from text that may reach a user, a log or $Error, whatever argument
    /// the token was passed in by mistake.
    /// </summary>
    internal static class TokenRedactor
    {
        public const string Placeholder = "<token>";

        private static readonly Regex JwtShape = new Regex(@"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*", RegexOptions.CultureInvariant);

        public static string Redact(string text) => string.IsNullOrEmpty(text) ? text : JwtShape.Replace(text, Placeholder);
    }
}

using System;
using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;
using OsgPilot.Errors;

namespace OsgPilot.Squid
{
    /// <summary>
    /// A squid address as OSG_SQUID_LOCATION takes it: <c>http://host:port</c>, <c>host:port</c>
    /// or <c>host</c> (port 3128, frontier-squid's). Anything else is refused before any traffic.
    /// </summary>
    public sealed class SquidEndpoint
    {
        public const int DefaultPort = 3128;

        // A DNS name or IPv4 address, or an IPv6 literal in brackets.
        private static readonly Regex HostPattern = new Regex(
            @"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)$",
            RegexOptions.CultureInvariant);

        private SquidEndpoint(string host, int port)
        {
            Host = host;
            Port = port;
        }

        public string Host { get; }
        public int Port { get; }

        /// <summary>The normalised form, <c>http://host:port</c>.</summary>
        public string Uri => $"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

        public override string ToString() => Uri;

        public static SquidEndpoint Parse(string location)
        {
            string text = location?.Trim() ?? string.Empty;
            if (text.Length == 0)
            {
                throw Invalid(location, "it is empty");
            }
            int schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
            if (schemeEnd >= 0)
            {
                string scheme = text.Substring(0, schemeEnd);
                if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase))
                {
                    throw Invalid(location, $"the scheme '{scheme}' is not http (squid is an HTTP proxy)");
                }
                text = text.Substring(schemeEnd + 3);
            }
            if (text.EndsWith("/", StringComparison.Ordinal))
            {
                text = text.Substring(0, text.Length - 1);
            }
            if (text.IndexOfAny(new[] { '/', '?', '#' }) >= 0)
            {
                throw Invalid(location, "it has a path; give only host and port");
            }
            if (text.IndexOf('@') >= 0)
            {
                throw Invalid(location, "it has user information; OSG squids take no credentials");
            }

            string host = text;
            int port = DefaultPort;
            int colon = text.LastIndexOf(':');
            bool bracketed = text.StartsWith("[", StringComparison.Ordinal);
            if (colon >= 0 && (!bracketed || colon > text.IndexOf(']')))
            {
                host = text.Substring(0, colon);
                string portText = text.Substring(colon + 1);
                if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port < 1 || port > 65535)
                {
                    throw Invalid(location, $"the port '{portText}' is not a number from 1 to 65535");
                }
            }
            if (host.Length == 0 || host.Length > 253 || !HostPattern.IsMatch(host))
            {
                throw Invalid(location, $"'{host}' is not a valid host name or address");
            }
            return new SquidEndpoint(host.ToLowerInvariant(), port);
        }

        private static OsgPilotException Invalid(string location, string why)
        {
            string shown = WithoutPassword(location);
            return new OsgPilotException(ErrorIds.InvalidSquidLocation, ErrorCategory.InvalidArgument,
                $"The squid location '{shown}' is not valid: {why}. Use http://host:port, host:port or host.", shown);
        }

        /// <summary>A location as it may be shown: a password in user information becomes ***.</summary>
        internal static string WithoutPassword(string location) =>
            location == null ? null : System.Text.RegularExpressions.Regex.Replace(location, @"^((?:[A-Za-z][A-Za-z0-9+.-]*://)?[^/@:]*:)[^/@]*@", "$1***@");
    }
}

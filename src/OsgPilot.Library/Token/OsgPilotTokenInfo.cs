using System;
using System.Collections.Generic;

namespace OsgPilot.Token
{
    /// <summary>What an OSG IDTOKEN says about itself. Carries no part of the token text.</summary>
    public sealed class OsgPilotTokenInfo
    {
        internal OsgPilotTokenInfo(string subject, string issuer, DateTime? issuedAt, DateTime? expires,
            IReadOnlyList<string> scopes, string keyId, string path)
        {
            Subject = subject;
            Issuer = issuer;
            IssuedAt = issuedAt;
            Expires = expires;
            Scopes = scopes;
            KeyId = keyId;
            Path = path;
        }

        public string Subject { get; }
        public string Issuer { get; }
        public DateTime? IssuedAt { get; }
        /// <summary>UTC expiry, or null for a token that does not expire.</summary>
        public DateTime? Expires { get; }
        public IReadOnlyList<string> Scopes { get; }
        public string KeyId { get; }
        /// <summary>The file the token was read from, or null for an inline token.</summary>
        public string Path { get; }

        public override string ToString() => Subject ?? "(no subject)";
    }
}

using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Token;

namespace OsgPilot.Metrics
{
    /// <summary>A config's token expiry for the metrics; the token itself is read, parsed for its exp, and forgotten.</summary>
    internal static class TokenExpiry
    {
        public static TokenSample Of(OsgPilotConfig config)
        {
            try
            {
                using (TokenPayload token = TokenPayload.Read(config))
                {
                    return new TokenSample { Config = config.Name, Expires = IdTokenParser.Parse(token.Text, config.TokenPath).Expires };
                }
            }
            catch (OsgPilotException)
            {
                return new TokenSample { Config = config.Name }; // unreadable: the run that uses it says why
            }
        }
    }
}

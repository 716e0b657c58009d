using System;
using System.Management.Automation;
using System.Security;
using OsgPilot.Config;
using OsgPilot.Errors;
using OsgPilot.Token;

namespace OsgPilot.Cmdlets
{
    /// <summary>Decodes an OSG IDTOKEN and shows what it says (subject, issuer, expiry, scopes), never the token.</summary>
    [Cmdlet(VerbsCommon.Get, "OsgPilotToken", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(OsgPilotTokenInfo))]
    public sealed class GetOsgPilotTokenCommand : OsgPilotCmdlet
    {
        private const string PathSet = "Path";
        private const string InlineSet = "Inline";
        private const string ConfigSet = "Config";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string TokenPath { get; set; }

        /// <summary>The token as a SecureString, or a PSCredential whose password is the token.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InlineSet)]
        [SecureToken]
        public SecureString Token { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ConfigSet, ValueFromPipeline = true)]
        public OsgPilotConfig Config { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                string path = ParameterSetName == PathSet ? GetUnresolvedProviderPathFromPSPath(TokenPath)
                    : ParameterSetName == ConfigSet ? Config.TokenPath : null;
                string text = ParameterSetName == PathSet ? TokenSource.ReadFile(path)
                    : ParameterSetName == ConfigSet ? TokenSource.Of(Config) : TokenSource.Read(Token);
                OsgPilotTokenInfo info = IdTokenParser.Parse(text, path);
                TokenCheck.ThrowIfExpired(info, DateTime.UtcNow);
                foreach (string warning in TokenCheck.Warnings(info, DateTime.UtcNow)) WriteWarning(warning);
                WriteObject(info);
            }
            catch (OsgPilotException e)
            {
                WriteFailure(e);
            }
        }
    }
}

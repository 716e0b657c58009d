using System.Management.Automation;
using System.Security;

namespace OsgPilot.Cmdlets
{
    /// <summary>
    /// Lets -Token take a PSCredential as well as a SecureString: Get-Credential and most vault
    /// modules hand secrets out as credentials; the password is the token. Plain strings stay refused.
    /// </summary>
    public sealed class SecureTokenAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject ps ? ps.BaseObject : inputData;
            return value is PSCredential credential ? credential.Password : value;
        }
    }
}

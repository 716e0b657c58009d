using System.IO;

namespace OsgPilot.Docker
{
    /// <summary>
    /// Where a TLS endpoint's certificates are, as the docker CLI keeps them: ca.pem (the CA that
    /// signed the engine's certificate), cert.pem and key.pem (this client's certificate and key).
    /// </summary>
    internal sealed class TlsMaterial
    {
        public TlsMaterial(string directory, bool verifyServer, string origin)
        {
            Directory = directory;
            VerifyServer = verifyServer;
            Origin = origin;
        }

        /// <summary>The directory holding ca.pem, cert.pem and key.pem.</summary>
        public string Directory { get; }

        /// <summary>Check the engine's certificate against ca.pem (false: a context made with skip-tls-verify).</summary>
        public bool VerifyServer { get; }

        /// <summary>Where the material came from, for messages: "DOCKER_CERT_PATH", "context 'a'".</summary>
        public string Origin { get; }

        public string CaPath => Path.Combine(Directory, "ca.pem");
        public string CertPath => Path.Combine(Directory, "cert.pem");
        public string KeyPath => Path.Combine(Directory, "key.pem");
    }
}

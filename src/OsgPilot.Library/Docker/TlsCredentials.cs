using System;
using System.Collections.Concurrent;
using System.IO;
using System.Management.Automation;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Docker.DotNet.Handler.Abstractions;
using Docker.DotNet.X509;
using OsgPilot.Errors;

namespace OsgPilot.Docker
{
    /// <summary>
    /// Client-certificate authentication for a TLS endpoint (Docker.DotNet.Enhanced.X509), checked
    /// before any connection: a missing, unreadable or expired certificate is its own error naming
    /// the file, and the handshake records whether it was our check of the engine that failed.
    /// </summary>
    internal sealed class TlsCredentials
    {
        private TlsCredentials(IAuthProvider provider) => Provider = provider;

        public IAuthProvider Provider { get; }

        /// <summary>Set when the engine's certificate failed the check against ca.pem (or its name did not match).</summary>
        public string ServerRejectedBecause { get; private set; }

        /// <summary>
        /// Certificates already parsed in this session, by file and modification time: parsing a key
        /// costs tens of milliseconds, and every call (and every engine of a fleet) would pay it again.
        /// </summary>
        private static readonly ConcurrentDictionary<string, (X509Certificate2 Client, X509Certificate2 Ca)> Loaded =
            new ConcurrentDictionary<string, (X509Certificate2, X509Certificate2)>(StringComparer.Ordinal);

        private static string CacheKey(TlsMaterial tls) =>
            string.Join("|", tls.CertPath, File.GetLastWriteTimeUtc(tls.CertPath).Ticks, tls.KeyPath, File.GetLastWriteTimeUtc(tls.KeyPath).Ticks,
                tls.VerifyServer ? tls.CaPath + "|" + File.GetLastWriteTimeUtc(tls.CaPath).Ticks : "-");

        public static TlsCredentials Load(DockerEndpoint endpoint, DateTime now)
        {
            TlsMaterial tls = endpoint.Tls;
            if (!File.Exists(tls.CertPath) || !File.Exists(tls.KeyPath))
            {
                throw new OsgPilotException(ErrorIds.DockerTlsCertificateMissing, ErrorCategory.ObjectNotFound,
                    $"The engine at '{endpoint}' is reached with TLS ({tls.Origin}), but the client certificate is missing: {tls.Directory} needs cert.pem and key.pem " +
                    "(an engine started with --tlsverify accepts only clients with a certificate its CA signed).", endpoint.Display);
            }
            if (tls.VerifyServer && !File.Exists(tls.CaPath))
            {
                throw new OsgPilotException(ErrorIds.DockerTlsCertificateMissing, ErrorCategory.ObjectNotFound,
                    $"The engine at '{endpoint}' is reached with TLS ({tls.Origin}), but {tls.CaPath} is missing: without the CA the engine's certificate cannot be checked.", endpoint.Display);
            }
            X509Certificate2 client;
            X509Certificate2 ca;
            try
            {
                (client, ca) = Loaded.GetOrAdd(CacheKey(tls), _ => (
                    DockerTlsCertificates.LoadCertificateFromPemFiles(tls.CertPath, tls.KeyPath),
                    tls.VerifyServer ? DockerTlsCertificates.LoadCertificateAuthorityFromPemFile(tls.CaPath) : null));
            }
            catch (Exception e) when (e is CryptographicException || e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is FormatException || e is InvalidOperationException)
            {
                throw new OsgPilotException(ErrorIds.DockerTlsCertificateInvalid, ErrorCategory.InvalidData,
                    $"The TLS certificates for '{endpoint}' in {tls.Directory} cannot be loaded ({e.Message.TrimEnd('.')}): ca.pem, cert.pem and key.pem must be PEM files, the key an RSA key.", endpoint.Display);
            }
            if (client.NotAfter.ToUniversalTime() < now || client.NotBefore.ToUniversalTime() > now)
            {
                string when = client.NotAfter.ToUniversalTime() < now ? $"expired on {client.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC" : $"is not valid before {client.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC";
                throw new OsgPilotException(ErrorIds.DockerTlsCertificateExpired, ErrorCategory.SecurityError,
                    $"The client certificate {tls.CertPath} for '{endpoint}' {when}; the engine would refuse it. Issue a new one from the engine's CA.", endpoint.Display);
            }
            var credentials = new CertificateCredentials(client);
            var result = new TlsCredentials(credentials);
            RemoteCertificateValidationCallback check = ca == null ? (s, c, ch, errors) => true : DockerTlsCertificates.CreateCertificateAuthorityValidationCallback(ca);
            credentials.ServerCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                if (check(sender, certificate, chain, errors)) return true;
                result.ServerRejectedBecause = $"its certificate ({(certificate as X509Certificate2)?.Subject ?? certificate?.Subject}) is not signed by the CA in {tls.CaPath} or does not name this host ({errors})";
                return false;
            };
            return result;
        }
    }
}

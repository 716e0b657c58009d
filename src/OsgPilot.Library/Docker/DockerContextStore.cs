using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OsgPilot.Errors;

namespace OsgPilot.Docker
{
    /// <summary>
    /// The docker CLI's configuration directory ($DOCKER_CONFIG, else ~/.docker): its current context
    /// (config.json "currentContext") and its contexts, each under contexts/meta/&lt;sha256 of the
    /// name&gt;/meta.json with TLS material under contexts/tls/&lt;same&gt;/docker/, as `docker context
    /// create` writes them.
    /// </summary>
    internal sealed class DockerContextStore
    {
        public const string DefaultContext = "default";

        public DockerContextStore(string configDirectory) => ConfigDirectory = configDirectory;

        public string ConfigDirectory { get; }

        public static string DefaultDirectory(Func<string, string> environment)
        {
            string configured = environment("DOCKER_CONFIG");
            if (!string.IsNullOrWhiteSpace(configured)) return configured;
            string home = environment("HOME") ?? environment("USERPROFILE") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(home ?? ".", ".docker");
        }

        /// <summary>The context config.json names as current; null when none (or "default").</summary>
        public string CurrentContext()
        {
            string path = Path.Combine(ConfigDirectory, "config.json");
            if (!File.Exists(path)) return null;
            try
            {
                using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path)))
                {
                    string name = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("currentContext", out JsonElement c) && c.ValueKind == JsonValueKind.String
                        ? c.GetString() : null;
                    return string.IsNullOrWhiteSpace(name) || name == DefaultContext ? null : name;
                }
            }
            catch (Exception e) when (e is JsonException || e is IOException || e is UnauthorizedAccessException)
            {
                throw new OsgPilotException(ErrorIds.DockerContextInvalid, ErrorCategory.InvalidData,
                    $"The docker configuration '{path}' cannot be read ({e.Message.TrimEnd('.')}), so its current context is unknown.", path);
            }
        }

        /// <summary>The names of the contexts in the store (each meta.json's Name), "default" first, as `docker context ls` lists them.</summary>
        public IReadOnlyList<string> Names()
        {
            var names = new List<string> { DefaultContext };
            string metaRoot = Path.Combine(ConfigDirectory, "contexts", "meta");
            if (!Directory.Exists(metaRoot)) return names;
            foreach (string meta in Directory.GetFiles(metaRoot, "meta.json", SearchOption.AllDirectories))
            {
                try
                {
                    using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(meta)))
                    {
                        if (doc.RootElement.TryGetProperty("Name", out JsonElement n) && n.ValueKind == JsonValueKind.String) names.Add(n.GetString());
                    }
                }
                catch (Exception e) when (e is JsonException || e is IOException || e is UnauthorizedAccessException)
                {
                    // A context docker itself could not read either: not offered.
                }
            }
            return names;
        }

        /// <summary>The endpoint of context <paramref name="name"/>, with its TLS material when it has some.</summary>
        public DockerEndpoint Endpoint(string name)
        {
            string id = Id(name);
            string meta = Path.Combine(ConfigDirectory, "contexts", "meta", id, "meta.json");
            if (!File.Exists(meta))
            {
                throw new OsgPilotException(ErrorIds.DockerContextNotFound, ErrorCategory.ObjectNotFound,
                    $"The docker context '{name}' does not exist in {ConfigDirectory} (`docker context ls` lists the contexts; `docker context create` makes one).", name);
            }
            string host;
            bool skipVerify;
            try
            {
                using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(meta)))
                {
                    JsonElement docker = doc.RootElement.GetProperty("Endpoints").GetProperty("docker");
                    host = docker.GetProperty("Host").GetString();
                    skipVerify = docker.TryGetProperty("SkipTLSVerify", out JsonElement skip) && skip.ValueKind == JsonValueKind.True;
                }
            }
            catch (Exception e) when (e is JsonException || e is InvalidOperationException || e is IOException || e is System.Collections.Generic.KeyNotFoundException)
            {
                throw new OsgPilotException(ErrorIds.DockerContextInvalid, ErrorCategory.InvalidData,
                    $"The docker context '{name}' ({meta}) has no readable docker endpoint.", name);
            }
            string tls = Path.Combine(ConfigDirectory, "contexts", "tls", id, "docker");
            bool hasTls = Directory.Exists(tls) && (File.Exists(Path.Combine(tls, "ca.pem")) || File.Exists(Path.Combine(tls, "cert.pem")));
            return DockerEndpoint.Parse(host, name, hasTls ? new TlsMaterial(tls, !skipVerify, $"context '{name}'") : null);
        }

        /// <summary>The directory name the docker CLI gives a context: the SHA-256 of its name, in hex.</summary>
        public static string Id(string name)
        {
            using (SHA256 sha = SHA256.Create())
            {
                byte[] hash = sha.ComputeHash(Encoding.UTF8.GetBytes(name));
                var sb = new StringBuilder(64);
                foreach (byte b in hash) sb.Append(b.ToString("x2"));
                return sb.ToString();
            }
        }
    }
}

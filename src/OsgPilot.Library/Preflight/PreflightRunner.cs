using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OsgPilot.Config;
using OsgPilot.Docker;
using OsgPilot.Errors;
using OsgPilot.Launch;
using OsgPilot.Squid;
using OsgPilot.Token;
using OsgPilot.Topology;

namespace OsgPilot.Preflight
{
    /// <summary>
    /// Checks, before a start, the things that otherwise fail hours later: engine, image age, token,
    /// CVMFS propagation, the pilot directory, squid and Topology registration.
    /// </summary>
    internal sealed class PreflightRunner
    {
        private readonly DockerGateway _docker;
        private readonly PreflightOptions _options;
        private readonly List<OsgPilotPreflightCheck> _checks = new List<OsgPilotPreflightCheck>();

        public PreflightRunner(DockerGateway docker, PreflightOptions options)
        {
            _docker = docker;
            _options = options;
        }

        public async Task<OsgPilotPreflightResult> RunAsync(OsgPilotConfig config, CancellationToken ct)
        {
            _checks.Clear();
            // Network checks run alongside the engine checks: together they take the slowest one's time.
            Task<OsgSquidTestResult> squid = config.SquidLocation == null ? null
                : new SquidProber(_options.SquidProbeUri, _options.NetworkTimeout).ProbeAsync(SquidEndpoint.Parse(config.SquidLocation), ct);
            Task<(string Json, string Failure)> topology = LoadTopologyAsync(ct);

            EngineVersion version = await CheckEngineAsync(ct);
            bool engine = version != null;
            bool image = engine && await CheckImageAsync(config, ct);
            if (image && !_options.Probe)
            {
                Warn(ContainerJobsVerdict.CheckName, "Not checked (-NoProbe).");
                Warn(PoolConnectivity.CheckName, "Not checked (-NoProbe).");
            }
            else if (image)
            {
                // Two probe containers of the pilot's image, at once: its jobs' namespaces, and its network.
                Task<IReadOnlyList<OsgPilotPreflightCheck>> jobs = ContainerJobsProbe.RunAsync(_docker, config, "preflight", ct);
                Task<OsgPilotPreflightCheck> network = PoolConnectivity.RunAsync(_docker, config, "preflight", ct);
                await Task.WhenAll(jobs, network);
                _checks.AddRange(jobs.Result);
                _checks.Add(network.Result);
            }
            else
            {
                string why = engine
                    ? $"Not checked: {config.Image} is not on the engine (Update-OsgPilotImage pulls it; Start-OsgPilot -Preflight pulls it first)."
                    : "Not checked: the engine did not answer.";
                Warn(ContainerJobsVerdict.CheckName, why);
                Warn(PoolConnectivity.CheckName, why);
            }
            CheckJobPolicy(config);
            CheckToken(config);
            CheckCvmfs(config);
            await CheckPilotDirectoryAsync(config, engine, ct);
            CheckSquid(config, squid == null ? null : await squid);
            CheckTopology(config, await topology);
            if (engine) CheckPodman(config, version);

            bool passed = _checks.All(c => c.Passed || c.Level == CheckSeverity.Warning);
            return new OsgPilotPreflightResult(config.Name, _checks.ToList(), passed, _docker.Endpoint.Display, _docker.Endpoint.Context);
        }

        private void Pass(string name, string message) => _checks.Add(new OsgPilotPreflightCheck(name, true, CheckSeverity.Error, message));
        private void Fail(string name, string message) => _checks.Add(new OsgPilotPreflightCheck(name, false, CheckSeverity.Error, message));
        private void Warn(string name, string message) => _checks.Add(new OsgPilotPreflightCheck(name, false, CheckSeverity.Warning, message));

        private async Task<EngineVersion> CheckEngineAsync(CancellationToken ct)
        {
            try
            {
                EngineVersion v = await _docker.GetVersionAsync(ct, _options.NetworkTimeout);
                Pass("Docker engine", $"{v.Display} (API {v.ApiVersion}, {v.Os}/{v.Arch}) at {_docker.Endpoint}.");
                return v;
            }
            catch (OsgPilotException e)
            {
                Fail("Docker engine", e.Message);
                return null;
            }
        }

        private void CheckPodman(OsgPilotConfig config, EngineVersion engine)
        {
            bool rootless = PodmanChecks.IsRootlessSocket(_docker.Endpoint);
            bool? unitEnabled = null;
            if (engine.IsPodman && _docker.Endpoint.IsLocal)
            {
                // Rootful: the system's units; rootless: the socket owner's user units, in the home we run in.
                unitEnabled = rootless
                    ? PodmanChecks.IsEnabledIn(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config/systemd/user"), PodmanChecks.RestartUnit)
                    : PodmanChecks.IsEnabledIn(_options.SystemdUnitDirectory, PodmanChecks.RestartUnit);
            }
            _checks.AddRange(PodmanChecks.For(config, engine, unitEnabled, rootless));
        }

        /// <summary>Checks the image's age; true when the image is on the engine (pulled first with <see cref="PreflightOptions.PullMissingImage"/>).</summary>
        private async Task<bool> CheckImageAsync(OsgPilotConfig config, CancellationToken ct)
        {
            ImageInfo image = await _docker.InspectImageAsync(config.Image, ct);
            if (image == null && _options.PullMissingImage)
            {
                try
                {
                    image = await _docker.PullAndInspectAsync(config.Image, null, ct);
                }
                catch (OsgPilotException e)
                {
                    Fail("Image", e.Message);
                    return false;
                }
            }
            if (image == null)
            {
                Warn("Image", $"{config.Image} is not on the engine yet; Start-OsgPilot will pull it.");
                return false;
            }
            if (!image.Created.HasValue)
            {
                Pass("Image", $"{config.Image} is present (build date unknown).");
                return true;
            }
            TimeSpan age = DateTime.UtcNow - image.Created.Value.ToUniversalTime();
            string ageText = age.TotalHours < 48 ? $"{age.TotalHours:0} hours" : $"{age.TotalDays:0} days";
            if (age > _options.MaxImageAge)
                Warn("Image", $"{config.Image} was built {ageText} ago; OSG asks sites to pull a fresh image at least every 72 hours (docker pull {config.Image}).");
            else
                Pass("Image", $"{config.Image} is present, built {ageText} ago.");
            return true;
        }

        private void CheckJobPolicy(OsgPilotConfig config)
        {
            IReadOnlyList<string> warnings = JobPolicy.Warnings(config);
            if (warnings.Count > 0) Warn("Job policy", string.Join(" ", warnings));
            else Pass("Job policy", "Nothing in the config keeps the pool's START policy from sending this pilot jobs.");
        }

        private void CheckToken(OsgPilotConfig config)
        {
            try
            {
                string text = TokenSource.Of(config);
                OsgPilotTokenInfo info = IdTokenParser.Parse(text, config.TokenPath);
                TokenCheck.ThrowIfExpired(info, DateTime.UtcNow);
                string[] warnings = TokenCheck.Warnings(info, DateTime.UtcNow).Concat(new[] { TokenCheck.FileWarning(config.TokenPath) }).Where(w => w != null).ToArray();
                string expiry = info.Expires.HasValue ? $"expires {info.Expires.Value:u}" : "does not expire";
                if (warnings.Length > 0) Warn("Token", string.Join(" ", warnings));
                else Pass("Token", $"IDTOKEN for {info.Subject}, issued by {info.Issuer}, {expiry}; OsgPilot copies it into each pilot for uid {PilotContainerMapper.PilotUid} (mode 0400), so the file may stay readable by root only.");
            }
            catch (OsgPilotException e)
            {
                Fail("Token", e.Message);
            }
        }

        private void CheckCvmfs(OsgPilotConfig config)
        {
            bool local = _docker.Endpoint.IsLocal;
            // File.Exists is true for device nodes on Unix.
            if (config.Cvmfs == CvmfsMode.CvmfsExec)
            {
                if (!local) Warn("CVMFS", "cvmfsexec needs /dev/fuse on the Docker host; it could not be checked on a remote engine.");
                else if (File.Exists("/dev/fuse")) Pass("CVMFS", "cvmfsexec mode: /dev/fuse exists.");
                else Fail("CVMFS", "cvmfsexec mode needs /dev/fuse on the Docker host, and it does not exist (modprobe fuse).");
                return;
            }
            if (!local)
            {
                Warn("CVMFS", $"{config.CvmfsPath} must be a shared mount on the Docker host; it could not be checked on a remote engine.");
                return;
            }
            if (!Directory.Exists(config.CvmfsPath))
            {
                Fail("CVMFS", $"{config.CvmfsPath} does not exist on the Docker host; install CVMFS (or use -CvmfsMode CvmfsExec).");
                return;
            }
            MountTable.Entry mount = ReadMounts()?.MountOf(config.CvmfsPath);
            if (mount == null)
                Warn("CVMFS", $"{config.CvmfsPath} exists, but the mount table could not be read to check its propagation.");
            else if (mount.Shared)
                Pass("CVMFS", $"{config.CvmfsPath} is on the shared mount {mount.MountPoint}.");
            else
                Fail("CVMFS", $"{config.CvmfsPath} is on the {mount.Propagation} mount {mount.MountPoint}; Docker refuses :shared binds there. Run: mount --make-shared {mount.MountPoint} (or bind-mount {config.CvmfsPath} onto itself and make that shared).");
        }

        private async Task CheckPilotDirectoryAsync(OsgPilotConfig config, bool engine, CancellationToken ct)
        {
            if (config.PilotDirectory == null)
            {
                Pass("Pilot directory", "No host directory: /pilot lives in the container.");
                return;
            }
            var problems = new List<string>();
            if (_docker.Endpoint.IsLocal)
            {
                if (!Directory.Exists(config.PilotDirectory))
                {
                    problems.Add($"{config.PilotDirectory} does not exist");
                }
                else
                {
                    string problem = PilotUserCannotWrite(config.PilotDirectory);
                    if (problem != null) problems.Add(problem);
                }
            }
            if (engine)
            {
                // One list call: pilot directories are labels, so no inspect per container.
                IReadOnlyList<PilotContainer> running = await _docker.ListPilotsAsync(false, ct);
                string prefix = config.PilotDirectory + "/" + config.Name + "-";
                foreach (PilotContainer other in running)
                {
                    string dir = other.Label(PilotLabels.PilotDirectory);
                    bool ours = other.Name == config.Name || other.Name.StartsWith(config.Name + "-", StringComparison.Ordinal);
                    if (dir != null && !ours && (dir == config.PilotDirectory || dir.StartsWith(prefix, StringComparison.Ordinal)))
                    {
                        problems.Add($"the running pilot '{other.Name}' already uses {dir} (each start wipes /pilot/log, so pilots must not share a directory)");
                    }
                }
            }
            if (problems.Count > 0) Fail("Pilot directory", string.Join("; ", problems) + ".");
            else if (!_docker.Endpoint.IsLocal) Warn("Pilot directory", $"{config.PilotDirectory} is on a remote Docker host and could not be checked.");
            else Pass("Pilot directory", $"{config.PilotDirectory} exists, is writable by uid {PilotContainerMapper.PilotUid} and no other pilot uses it.");
        }

        /// <summary>Why uid 1000 cannot make its working directory there, or null when it can.</summary>
        private static string PilotUserCannotWrite(string dir)
        {
            int uid = PilotContainerMapper.PilotUid;
            string fix = $"run: chown {uid}:{uid} {dir}";
            bool? made = PilotUserProbe.CanCreateWorkingDirectory(dir, uid, out string error);
            if (made == true) return null;
            if (made == false) return $"the pilot user (uid {uid}) cannot create its working directory in {dir} ({error}), so the pilot would exit at start; {fix}";
            // Cannot act as uid 1000 here: judge by owner and mode, and say when even that is unknown.
            FileOwnership owner = FileOwnership.Read(dir);
            if (owner == null) return $"whether uid {uid} can write {dir} could not be checked (its owner and mode could not be read)";
            return owner.WritableBy(uid, uid) ? null
                : $"{dir} is not writable by uid {uid} (owner {owner.Uid}:{owner.Gid}, mode {Convert.ToString(owner.Mode, 8)}), so the pilot would exit at start; {fix}";
        }

        private void CheckSquid(OsgPilotConfig config, OsgSquidTestResult squid)
        {
            if (squid == null)
                Warn("Squid", "No -SquidLocation: OSG asks every site to give pilots a nearby HTTP caching proxy.");
            else if (squid.Passed)
                Pass("Squid", squid.Diagnosis);
            else
                Fail("Squid", squid.Diagnosis);
        }

        private void CheckTopology(OsgPilotConfig config, (string Json, string Failure) topology)
        {
            if (topology.Json == null)
            {
                Warn("Topology", $"Topology could not be read from {_options.TopologyPath ?? _options.TopologyUri.AbsoluteUri} ({topology.Failure}); registration was not checked.");
                return;
            }
            string json = topology.Json;
            TopologyResource resource;
            try
            {
                resource = TopologyRegistration.Find(json, config.ResourceName);
            }
            catch (JsonException e)
            {
                Warn("Topology", $"The Topology data is not valid JSON ({e.Message}); registration was not checked.");
                return;
            }
            if (resource == null)
            {
                Fail("Topology", $"No resource named '{config.ResourceName}' is registered in OSG Topology; register it (or fix -ResourceName).");
                return;
            }
            string problem = TopologyRegistration.Problem(resource, config.Site);
            if (problem != null) Fail("Topology", problem);
            else Pass("Topology", $"'{resource.Name}' is an active Execution Endpoint of {resource.Site} ({resource.ResourceGroup}).");
        }

        /// <summary>The Topology JSON text, or why it could not be had; runs alongside the other checks.</summary>
        private async Task<(string Json, string Failure)> LoadTopologyAsync(CancellationToken ct)
        {
            try
            {
                if (_options.TopologyPath != null) return (File.ReadAllText(_options.TopologyPath), null);
                using (var http = new HttpClient { Timeout = _options.NetworkTimeout })
                using (HttpResponseMessage response = await http.GetAsync(_options.TopologyUri, ct).ConfigureAwait(false))
                {
                    if (!response.IsSuccessStatusCode) return (null, $"HTTP {(int)response.StatusCode}");
                    return (await response.Content.ReadAsStringAsync().ConfigureAwait(false), null);
                }
            }
            catch (Exception e) when (e is HttpRequestException || e is IOException || e is UnauthorizedAccessException ||
                                      (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                return (null, e is OperationCanceledException ? "no answer in time" : e.Message);
            }
        }

        private static MountTable ReadMounts()
        {
            try { return MountTable.ReadCurrent(); }
            catch (IOException) { return null; }
            catch (UnauthorizedAccessException) { return null; }
        }
    }
}

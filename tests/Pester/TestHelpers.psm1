# Shared helpers for the Pester suite: tokens, engine access, host directories, cleanup.
Set-StrictMode -Version 3.0

$script:TestImage = if ($env:OSGPILOT_TEST_IMAGE) { $env:OSGPILOT_TEST_IMAGE } else { 'osgpilot/standin-pilot:latest' }

function Get-TestImage { $script:TestImage }

function Get-PwshCommand {
    <# The command line that starts a fresh pwsh like this one: the binary itself, or dotnet pwsh.dll when run as a dotnet tool. #>
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { , @($exe, (Join-Path $PSHOME 'pwsh.dll')) } else { , @($exe) }
}

function Get-ReadyToRunSize {
    <# The size of an assembly's ReadyToRun header: 0 for an IL-only assembly. #>
    param([string] $Path)
    $stream = [IO.File]::OpenRead($Path)
    try { [Reflection.PortableExecutable.PEReader]::new($stream).PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size } finally { $stream.Dispose() }
}

function Start-PwshProcess {
    <# Starts a fresh pwsh -NoProfile -NonInteractive running $Command, output redirected; returns the Process, so several can run at once. #>
    param([Parameter(Mandatory)] [string] $Command)
    $pwsh = Get-PwshCommand
    $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Command)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    [Diagnostics.Process]::Start($psi)
}

function Invoke-OnTerminal {
    <# Runs `Import-Module OsgPilot; $Command; 'finished'` in a fresh pwsh on a pseudo-terminal and types ^C when -When says (seconds, after:TEXT, after-file:PATH:TEXT; see tests/fixtures/ctrl-c.py); returns what the driver reports. #>
    param([Parameter(Mandatory)] [string] $When, [Parameter(Mandatory)] [string] $Command, [hashtable] $Environment = @{})
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
    try {
        $argv = @(Get-PwshCommand) + @('-NoProfile', '-Command', "Import-Module '$env:OSGPILOT_MODULE'; $Command; 'finished'")
        python3 (Join-Path $PSScriptRoot '../fixtures/ctrl-c.py') $When @argv | ConvertFrom-Json
    } finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    }
}

function ConvertTo-Base64Url([string] $Text) {
    [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Text)).TrimEnd('=').Replace('+', '-').Replace('/', '_')
}

function New-TestTokenText {
    <# A syntactically real IDTOKEN (JWT) with a random signature part, unique per call. #>
    param(
        [string] $Subject = 'RESOURCE-test.example.edu@cm-1.ospool.osg-htc.org',
        [string] $Scope = 'condor:/READ condor:/ADVERTISE_MASTER condor:/ADVERTISE_STARTD',
        [Nullable[DateTime]] $Expires
    )
    $payload = [ordered]@{ sub = $Subject; iss = 'cm-1.ospool.osg-htc.org'; iat = [DateTimeOffset]::UtcNow.AddDays(-1).ToUnixTimeSeconds(); scope = $Scope; jti = [guid]::NewGuid().ToString('N') }
    if ($Expires) { $payload.exp = [DateTimeOffset]::new(([DateTime]$Expires).ToUniversalTime()).ToUnixTimeSeconds() }
    $sig = [byte[]]::new(48); [Security.Cryptography.RandomNumberGenerator]::Fill($sig)
    (ConvertTo-Base64Url '{"alg":"ES256","kid":"POOL","typ":"JWT"}') + '.' + (ConvertTo-Base64Url ($payload | ConvertTo-Json -Compress)) + '.' +
        [Convert]::ToBase64String($sig).TrimEnd('=').Replace('+', '-').Replace('/', '_')
}

function New-TestTokenFile {
    param([string] $Directory, [string] $Text = (New-TestTokenText))
    $path = Join-Path $Directory ('token-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    Set-Content -Path $path -Value $Text -NoNewline
    chmod 600 $path   # as sites keep it; a looser mode is a warning of its own
    $path
}

function New-TestDirectory {
    <# A fresh directory under /tmp, owned by the pilot user (uid 1000). #>
    param([switch] $ForPilot)
    $dir = Join-Path ([IO.Path]::GetTempPath()) ('osgpilot-test-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
    New-Item -ItemType Directory $dir | Out-Null
    if ($ForPilot) { chown 1000:1000 $dir }
    $dir
}

function New-SharedMount {
    <# A directory that is its own shared mount point, as a host /cvmfs must be. #>
    $dir = New-TestDirectory
    mount --bind $dir $dir
    mount --make-shared $dir
    $dir
}

function Remove-TestMount([string] $Path) {
    if ($Path -and (Test-Path $Path)) { umount -l $Path 2>$null; Remove-Item -Recurse -Force $Path -ErrorAction Ignore }
}

function Test-EngineAvailable {
    <# True when the test engine answers. Under CI a missing engine must fail, never skip. #>
    if (-not $env:DOCKER_HOST) { return $false }
    docker version --format '{{.Server.Version}}' *> $null
    $ok = $LASTEXITCODE -eq 0
    if (-not $ok -and $env:CI -eq 'true') { throw "CI: the test Docker engine at $env:DOCKER_HOST is not reachable; integration tests must not skip." }
    $ok
}

function Get-ContainerNames {
    @(docker ps -a --format '{{.Names}}')
}

function Invoke-DockerInspect([string] $Name) {
    (docker inspect $Name | ConvertFrom-Json)[0]
}

function Wait-PilotAdvertised {
    <#
    The pilot's own word on whether it accepts jobs: what the stand-in advertised as OSG_NODE_VALIDATED
    ("True" or "False"), once it has advertised; 'exited' when it stopped first, 'silent' when it said
    nothing within -TimeoutSec. -DockerHost names another engine than DOCKER_HOST's.
    #>
    param([Parameter(Mandatory)] [string] $Container, [string] $DockerHost, [int] $TimeoutSec = 30)
    [string[]] $on = if ($DockerHost) { @('-H', $DockerHost) } else { @() }
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    do {
        $v = docker @on exec $Container cat /tmp/osg_node_validated 2>$null
        if ($LASTEXITCODE -eq 0 -and $v) { return $v.Trim() }
        if ((docker @on inspect -f '{{.State.Status}}' $Container 2>$null) -ne 'running') { return 'exited' }
        Start-Sleep -Milliseconds 200
    } while ([DateTime]::UtcNow -lt $deadline)
    'silent'
}

function Remove-TestPilots([string] $Prefix) {
    $names = @(docker ps -a --format '{{.Names}}' | Where-Object { $_ -like "$Prefix*" })
    if ($names.Count) { docker rm -f @names *> $null }
}

function New-TestScope {
    <# What an engine suite needs: a unique pilot-name prefix, a scratch directory, a shared-mount /cvmfs and a token file. #>
    param([Parameter(Mandatory)] [string] $Name)
    $work = New-TestDirectory
    $text = New-TestTokenText
    [pscustomobject]@{
        Prefix = "$Name-" + [guid]::NewGuid().ToString('N').Substring(0, 6)
        Work = $work; Cvmfs = New-SharedMount; TokenText = $text; TokenPath = New-TestTokenFile -Directory $work -Text $text
    }
}

function Remove-TestScope($Scope) {
    <# Removes the scope's pilots, unmounts its /cvmfs and deletes its scratch directory. #>
    if (-not $Scope) { return }
    Remove-TestPilots $Scope.Prefix
    Remove-TestMount $Scope.Cvmfs
    Remove-Item -Recurse -Force $Scope.Work -ErrorAction Ignore
}

function New-TestConfig {
    <# A config for the stand-in image with test-safe defaults; extra parameters pass through. #>
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $TokenPath, [Parameter(Mandatory)] [string] $CvmfsPath, [hashtable] $Extra = @{})
    $p = @{
        Site = 'Lancium'; ResourceName = 'Lancium-Backfill'; TokenPath = $TokenPath; Name = $Name
        Image = (Get-TestImage); CvmfsPath = $CvmfsPath; SquidLocation = 'http://127.0.0.1:3128'
        Environment = @{ STANDIN_IDLE_SECONDS = '600'; STANDIN_ADVERTISE_SECONDS = '1' }; RestartPolicy = 'No'
    }
    foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
    if ($p['CvmfsMode'] -eq 'CvmfsExec') { $p.Remove('CvmfsPath') }   # the pilot mounts CVMFS itself
    New-OsgPilotConfig @p
}

function Start-FaultProxy {
    <# A fault-injecting proxy (tests/fixtures/faultproxy.py) in front of the test engine; returns its DockerHost, log and process. Each -Fault is 'REGEX=ACTION[@N]'. #>
    param([string[]] $Fault = @())
    $dir = New-TestDirectory
    $socket = Join-Path $dir 'engine.sock'
    $upstream = $env:DOCKER_HOST -replace '^unix://', ''
    Start-ProxyProcess $dir $socket $upstream (@($Fault | ForEach-Object { '--fault'; $_ })) "unix://$socket"
}

function Start-LatencyForwarder {
    <# A loopback forwarder to a tcp engine that holds every chunk -DelayMs in each direction (a network with latency); TLS passes through. #>
    param([Parameter(Mandatory)] [string] $Upstream, [double] $DelayMs = 0)
    $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
    Start-ProxyProcess (New-TestDirectory) "tcp:127.0.0.1:$port" ('tcp:' + ($Upstream -replace '^tcp://', '')) @('--delay', $DelayMs) "tcp://127.0.0.1:$port"
}

function Start-ProxyProcess([string] $Dir, [string] $Listen, [string] $Upstream, [string[]] $Extra, [string] $DockerHost) {
    $log = Join-Path $Dir 'requests.log'
    $psi = [Diagnostics.ProcessStartInfo]::new('python3')
    foreach ($a in @((Join-Path $PSScriptRoot '../fixtures/faultproxy.py'), $Listen, $Upstream, $log) + $Extra) { $psi.ArgumentList.Add([string]$a) }
    $psi.RedirectStandardOutput = $true
    $proc = [Diagnostics.Process]::Start($psi)
    if ($proc.StandardOutput.ReadLine() -ne 'ready') { throw "the proxy did not start: exit $($proc.ExitCode)" }
    [pscustomobject]@{ DockerHost = $DockerHost; Log = $log; Process = $proc; Directory = $Dir }
}

function Get-FaultLog($Proxy) {
    <# The request lines the proxy saw, and 'FAULT ...' lines where a fault fired. #>
    @(if (Test-Path $Proxy.Log) { Get-Content $Proxy.Log })
}

function Stop-FaultProxy($Proxy) {
    if (-not $Proxy) { return }
    if (-not $Proxy.Process.HasExited) { $Proxy.Process.Kill(); $Proxy.Process.WaitForExit() }
    Remove-Item -Recurse -Force $Proxy.Directory -ErrorAction Ignore
}


function Wait-PilotExited {
    <#
    Waits until each named pilot has exited once and returns the exit codes, like `docker wait`.
    Podman starts a pilot with a restart policy again at once, and its own `wait` then waits for a
    stop that never comes: there a rising restart count is the exit, and inspect keeps its code.
    #>
    param([Parameter(Mandatory)] [string[]] $Name, [ValidateSet('docker', 'podman')] [string] $Engine = 'docker', [int] $TimeoutSec = 120)
    if ($Engine -eq 'docker') { return docker wait @Name }
    foreach ($n in $Name) {
        Wait-Until -What "$n to exit" -TimeoutSec $TimeoutSec -Condition {
            $state = docker inspect -f '{{.RestartCount}} {{.State.Status}}' $n
            $count, $status = "$state" -split ' '
            [int]$count -gt 0 -or $status -in 'exited', 'stopped'
        }
        docker inspect -f '{{.State.ExitCode}}' $n
    }
}

function Wait-Until {
    <# Polls -Condition until it is true; throws naming -What after -TimeoutSec. #>
    param([Parameter(Mandatory)] [scriptblock] $Condition, [Parameter(Mandatory)] [string] $What, [int] $TimeoutSec = 60)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSec s waiting for $What." }
        Start-Sleep -Milliseconds 250
    }
}

function Add-StandinJob {
    <# Feeds the stand-in pilot NAME one job (see tests/fixtures/standin/entrypoint.sh): "CLUSTER.PROC CPUS SECONDS END". #>
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Job, [string[]] $Docker = @())
    $file = ($Job -split ' ')[0]
    docker @Docker exec $Name sh -c "echo '$Job' > /tmp/standin-jobs.d/$file.tmp && mv /tmp/standin-jobs.d/$file.tmp /tmp/standin-jobs.d/$file.job"
    if ($LASTEXITCODE -ne 0) { throw "Could not feed $Job to $Name." }
}

function Get-StandinLogCount {
    <# How often PATTERN occurs in the pilot's /pilot/log/FILE (0 when the file is not there yet). #>
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $File, [Parameter(Mandatory)] [string] $Pattern, [string[]] $Docker = @())
    [int](docker @Docker exec $Name sh -c "grep -c -e '$Pattern' /pilot/log/$File 2>/dev/null || true")
}

function Invoke-KnownJobs {
    <#
    A stand-in pilot runs a known set of jobs with a restart between (Stop-OsgPilot, then
    Start-OsgPilot): before it, 1.0 (2 CPUs, 3 s, exit 0) and 2.0 (1 CPU, 2 s, killed by signal 9);
    after it, 3.0 (1 CPU, 4 s, exit 1) and 4.0 (1 CPU, still running). -Engine splats the engine
    parameters, -Docker the docker CLI's. Returns the pilot's activity.
    #>
    param([Parameter(Mandatory)] $Config, [hashtable] $Engine = @{}, [string[]] $Docker = @())
    $name = $Config.Name
    $Config | Start-OsgPilot -Wait @Engine | Out-Null
    Add-StandinJob $name '1.0 2 3 exit:0' $Docker
    Add-StandinJob $name '2.0 1 2 signal:9' $Docker
    Wait-Until { (Get-StandinLogCount $name startd_history '^\*\*\*' $Docker) -eq 2 } -What 'jobs 1.0 and 2.0 to finish'
    Stop-OsgPilot $name -Timeout 10 @Engine
    $Config | Start-OsgPilot -Wait @Engine | Out-Null
    Add-StandinJob $name '3.0 1 4 exit:1' $Docker
    Add-StandinJob $name '4.0 1 3600 run' $Docker
    Wait-Until { (Get-StandinLogCount $name startd_history '^\*\*\*' $Docker) -eq 1 -and (Get-StandinLogCount $name StartLog 'Remote job ID is 4.0' $Docker) -eq 1 } -What 'job 3.0 to finish and 4.0 to start'
    Get-OsgPilotActivity $name @Engine
}

function Start-NetnsListener {
    <#
    A TCP listener on 127.0.0.1:-Port inside the test engine's own network namespace (tests/fixtures/engine.sh),
    which a pilot on -Network host shares: it accepts and holds connections, as a collector that waits for
    a request does (tests/fixtures/blackhole.py). Returns the process; Stop-Process it after. Loopback only.
    #>
    param([Parameter(Mandatory)] [int] $Port)
    $netns = if ($env:OSGPILOT_TEST_NETNS) { $env:OSGPILOT_TEST_NETNS } else { 'osgpilot-test' }
    $proc = Start-Process nsenter -ArgumentList "--net=/run/netns/$netns", 'python3', (Join-Path $PSScriptRoot '../fixtures/blackhole.py'), $Port -PassThru
    Wait-Until { @(nsenter "--net=/run/netns/$netns" ss -Hltn "sport = :$Port").Count -gt 0 } -What "a listener on port $Port in $netns" -TimeoutSec 30
    $proc
}

Export-ModuleMember -Function *

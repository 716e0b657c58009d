# Test-OsgPilotConfig on real state: mounts, directories, pilots, squid, tokens and a Topology
# fixture served on 127.0.0.1. Each check has a passing and a failing case.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope pf
    $script:Prefix, $script:Work, $script:Shared, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath
    $script:Private = New-TestDirectory
    $script:PilotDir = New-TestDirectory -ForPilot
    $script:RootOnlyDir = New-TestDirectory
    chmod 755 $RootOnlyDir

    # Squid and Topology on loopback.
    $env:OSGPILOT_SQUID_BASE_PORT = '23228'
    bash (Join-Path $PSScriptRoot '../fixtures/squid.sh') start | Out-Null
    $script:Squid = 'http://127.0.0.1:23228'
    $script:ProbeUri = 'http://127.0.0.1:23230/cvmfs/.cvmfspublished'
    $script:TopologyPort = 23240
    $script:TopologyDir = Join-Path $PSScriptRoot '../fixtures/topology'
    $script:TopologyServer = Start-Process python3 -ArgumentList '-m', 'http.server', $TopologyPort, '--bind', '127.0.0.1', '--directory', $TopologyDir -PassThru -RedirectStandardOutput (Join-Path $Work 'topology.out') -RedirectStandardError (Join-Path $Work 'topology.err')
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while ([DateTime]::UtcNow -lt $deadline) { try { [Net.Sockets.TcpClient]::new('127.0.0.1', $TopologyPort).Dispose(); break } catch { Start-Sleep -Milliseconds 100 } }
    $script:TopologyUri = "http://127.0.0.1:$TopologyPort/miscresource.json"

    # The pool's collector, as a listener the pilots reach on the test engine's own network (-Network host).
    $script:CollectorPort = 23250
    $script:Collector = Start-NetnsListener $CollectorPort
    function New-PreflightConfig([hashtable] $Extra = @{}) {
        $p = @{ Site = 'Lancium'; ResourceName = 'Lancium-Backfill'; TokenPath = $TokenPath; SquidLocation = $Squid; CvmfsPath = $Shared
            PilotDirectory = $PilotDir; Image = (Get-TestImage); Name = "$Prefix-cfg"; RestartPolicy = 'No'; Network = 'host'
            Environment = @{ STANDIN_IDLE_SECONDS = '600'; CONDOR_HOST = "127.0.0.1:$CollectorPort"; ENABLE_REMOTE_SYSLOG = 'false' } }
        foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
        New-OsgPilotConfig @p -WarningAction SilentlyContinue
    }
    function Invoke-Preflight($cfg, [hashtable] $Extra = @{}) {
        # The probe containers have suites of their own (ContainerJobs.Tests.ps1): here they are skipped, but where a test asks for them.
        $p = @{ TopologyUri = $TopologyUri; SquidProbeUri = "$ProbeUri`?run=$([guid]::NewGuid().ToString('N'))"; TimeoutSec = 3; NoProbe = $true }
        foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
        $cfg | Test-OsgPilotConfig @p
    }
    function Get-Check($result, $name) { $result.Checks | Where-Object Name -EQ $name }
}

AfterAll {
    if ($script:Collector) { Stop-Process -Id $script:Collector.Id -ErrorAction Ignore }
    if ($script:TopologyServer) { Stop-Process -Id $script:TopologyServer.Id -ErrorAction Ignore }
    bash (Join-Path $PSScriptRoot '../fixtures/squid.sh') stop | Out-Null
    Remove-TestScope $script:Scope
    Remove-Item -Recurse -Force $script:Private, $script:PilotDir, $script:RootOnlyDir -ErrorAction Ignore
}

Describe 'Test-OsgPilotConfig' -Skip:$NoEngine {
    It 'passes a good config, every check reported' {
        $r = Invoke-Preflight (New-PreflightConfig) @{ NoProbe = $false }
        $r.Checks.Name | Should -Be @('Docker engine', 'Image', 'ContainerJobs', 'Job disk', 'PoolConnectivity', 'Job policy', 'Token', 'CVMFS', 'Pilot directory', 'Squid', 'Topology')
        foreach ($c in $r.Checks) { $c.Passed | Should -BeTrue -Because $c.Message }
        $r.Passed | Should -BeTrue
        (Get-Check $r 'Docker engine').Message | Should -Match 'API 1\.\d+'
    }

    It 'fails the CVMFS check when the path is not a shared mount, and says how to fix it' {
        $c = Get-Check (Invoke-Preflight (New-PreflightConfig @{ CvmfsPath = $Private })) 'CVMFS'
        $c.Passed | Should -BeFalse
        $c.Severity | Should -Be 'Error'
        $c.Message | Should -Match 'make-shared'
    }

    It 'fails the CVMFS check when the path does not exist' {
        $c = Get-Check (Invoke-Preflight (New-PreflightConfig @{ CvmfsPath = "$Work/no-cvmfs" })) 'CVMFS'
        $c.Passed | Should -BeFalse
        $c.Message | Should -Match 'does not exist'
    }

    It 'checks /dev/fuse in cvmfsexec mode' {
        $c = Get-Check (Invoke-Preflight (New-PreflightConfig @{ CvmfsMode = 'CvmfsExec'; CvmfsPath = $null; SecurityProfile = 'Unconfined' })) 'CVMFS'
        $c.Passed | Should -Be (Test-Path /dev/fuse)
    }

    It 'fails the pilot directory check when uid 1000 cannot write it' {
        $c = Get-Check (Invoke-Preflight (New-PreflightConfig @{ PilotDirectory = $RootOnlyDir })) 'Pilot directory'
        $c.Passed | Should -BeFalse
        $c.Message | Should -Match 'the pilot user \(uid 1000\) cannot create its working directory'
        $c.Message | Should -Match 'chown 1000:1000'
    }

    It 'fails the pilot directory check when another running pilot uses the directory' {
        New-PreflightConfig @{ Name = "$Prefix-other" } | Start-OsgPilot | Out-Null
        $c = Get-Check (Invoke-Preflight (New-PreflightConfig)) 'Pilot directory'
        $c.Passed | Should -BeFalse
        $c.Message | Should -Match "$Prefix-other"
        Remove-OsgPilot -Name "$Prefix-other" -Force -Confirm:$false
        (Get-Check (Invoke-Preflight (New-PreflightConfig)) 'Pilot directory').Passed | Should -BeTrue
    }

    It 'warns when the image is older than 72 hours, passes a fresh one, and warns when it is missing' {
        $old = "osgpilot/standin-aged:$Prefix"
        python3 (Join-Path $PSScriptRoot '../fixtures/age-image.py') (Get-TestImage) $old 5 | Out-Null
        $aged = Get-Check (Invoke-Preflight (New-PreflightConfig @{ Image = $old })) 'Image'
        docker rmi $old | Out-Null
        $aged.Passed | Should -BeFalse
        $aged.Severity | Should -Be 'Warning'
        $aged.Message | Should -Match '5 days ago'
        $aged.Message | Should -Match '72 hours'
        (Get-Check (Invoke-Preflight (New-PreflightConfig)) 'Image').Passed | Should -BeTrue
        $missing = Get-Check (Invoke-Preflight (New-PreflightConfig @{ Image = 'osgpilot/not-pulled:1' })) 'Image'
        $missing.Passed | Should -BeFalse
        $missing.Severity | Should -Be 'Warning'
        $missing.Message | Should -Match 'will pull it'
    }

    It 'fails the token check for a token that expired after the config was built' {
        $path = New-TestTokenFile -Directory $Work
        $cfg = New-PreflightConfig @{ TokenPath = $path }
        Set-Content $path (New-TestTokenText -Expires ([DateTime]::UtcNow.AddHours(-1))) -NoNewline
        $c = Get-Check (Invoke-Preflight $cfg) 'Token'
        $c.Passed | Should -BeFalse
        $c.Severity | Should -Be 'Error'
        $c.Message | Should -Match 'expired'
    }

    It 'warns about a token that expires within 7 days or lacks the startd scope' {
        $soon = New-TestTokenFile -Directory $Work -Text (New-TestTokenText -Expires ([DateTime]::UtcNow.AddDays(2)))
        $c = Get-Check (Invoke-Preflight (New-PreflightConfig @{ TokenPath = $soon })) 'Token'
        $c.Severity | Should -Be 'Warning'
        $c.Message | Should -Match 'within 7 days'
        $weak = New-TestTokenFile -Directory $Work -Text (New-TestTokenText -Scope 'condor:/READ')
        (Get-Check (Invoke-Preflight (New-PreflightConfig @{ TokenPath = $weak })) 'Token').Message | Should -Match 'ADVERTISE_STARTD'
    }

    It 'fails the squid check for a squid that denies us' {
        $c = Get-Check (Invoke-Preflight (New-PreflightConfig @{ SquidLocation = '127.0.0.1:23229' })) 'Squid'
        $c.Passed | Should -BeFalse
        $c.Message | Should -Match 'denies'
    }

    It 'fails Topology for an inactive resource, a resource without Execution Endpoint, an unknown one, and a site mismatch' {
        (Get-Check (Invoke-Preflight (New-PreflightConfig @{ ResourceName = 'Example-Retired'; Site = 'Example University' })) 'Topology').Message | Should -Match 'inactive'
        (Get-Check (Invoke-Preflight (New-PreflightConfig @{ ResourceName = 'Example-Squid'; Site = 'Example University' })) 'Topology').Message | Should -Match 'Execution Endpoint'
        (Get-Check (Invoke-Preflight (New-PreflightConfig @{ ResourceName = 'Nobody-Here' })) 'Topology').Message | Should -Match 'No resource named'
        $mismatch = Get-Check (Invoke-Preflight (New-PreflightConfig @{ Site = 'Elsewhere' })) 'Topology'
        $mismatch.Passed | Should -BeFalse
        $mismatch.Message | Should -Match "GLIDEIN_Site 'Elsewhere'"
    }

    It 'accepts the resource group name as GLIDEIN_Site, and a saved Topology file' {
        $r = New-PreflightConfig | Test-OsgPilotConfig -TopologyPath (Join-Path $TopologyDir 'miscresource.json') -SquidProbeUri "$ProbeUri`?x=1" -TimeoutSec 3
        (Get-Check $r 'Topology').Passed | Should -BeTrue
    }

    It 'only warns when Topology is unreachable' {
        $r = Invoke-Preflight (New-PreflightConfig) @{ TopologyUri = 'http://127.0.0.1:23299/miscresource/json' }
        $c = Get-Check $r 'Topology'
        $c.Passed | Should -BeFalse
        $c.Severity | Should -Be 'Warning'
        $r.Passed | Should -BeTrue
    }

    It 'fails the engine check for an unreachable engine, and returns -Quiet as a bool' {
        $r = Invoke-Preflight (New-PreflightConfig) @{ DockerHost = 'unix:///run/osgpilot-no-such.sock' }
        (Get-Check $r 'Docker engine').Passed | Should -BeFalse
        $r.Passed | Should -BeFalse
        Invoke-Preflight (New-PreflightConfig) @{ Quiet = $true } | Should -BeTrue
    }
}

Describe 'Start-OsgPilot -Preflight' -Skip:$NoEngine {
    It 'refuses to start when a check fails with an error, and starts nothing' {
        $cfg = New-PreflightConfig @{ CvmfsPath = $Private; Name = "$Prefix-refused" }
        $cfg | Start-OsgPilot -Preflight -TopologyUri $TopologyUri -SquidProbeUri $ProbeUri -ErrorVariable ev -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PreflightFailed,*'
        $ev[0].Exception.Message | Should -Match 'CVMFS'
        Get-ContainerNames | Should -Not -Contain "$Prefix-refused"
    }

    It 'starts when every check passes or only warns' {
        $cfg = New-PreflightConfig @{ Name = "$Prefix-ok"; PilotDirectory = $null }
        $p = $cfg | Start-OsgPilot -Preflight -TopologyUri $TopologyUri -SquidProbeUri "$ProbeUri`?ok=1" -WarningAction SilentlyContinue
        $p.State | Should -Be 'running'
        Remove-OsgPilot -Name "$Prefix-ok" -Force -Confirm:$false
    }
}

# Can the pilots run the pool's container jobs? The measured table of pilot-container-facts.md reproduced
# on the real engine, profile by profile, by the ContainerJobs preflight check; each started pilot then
# advertises (HAS_SINGULARITY, from the stand-in's own namespace test as uid 1000) what its probe said.
# Engine-parameterised: the blocks tagged Engines run on dockerd and on Podman.
param([ValidateSet('docker', 'podman')] [string] $Engine = 'docker')
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope cj
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath

    function New-JobsConfig([string] $Name, [hashtable] $Extra = @{}) {
        New-TestConfig -Name "$Prefix-$Name" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra $Extra -WarningAction SilentlyContinue
    }
    function Test-Jobs($cfg, [string] $DockerHost = $env:DOCKER_HOST) {
        # No Topology or squid here: those checks are others' tests.
        $r = $cfg | Test-OsgPilotConfig -DockerHost $DockerHost -TopologyPath (Join-Path $Work 'no-topology.json') -TimeoutSec 30
        $r.Checks | Where-Object Name -EQ 'ContainerJobs'
    }
    # This suite's probe containers (a run killed outright elsewhere may have left its own; the next run of its config removes them).
    function Get-ProbeContainers { @(Get-ContainerNames | Where-Object { $_ -like "$Prefix-*.osgpilot-*probe" }) }
    # The module's own Minimal profile as a file of this host: Podman reads a profile from its host's files.
    $script:ShippedSeccomp = Join-Path (Split-Path $env:OSGPILOT_MODULE) 'seccomp/osgpilot-minimal-seccomp.json'

}

AfterAll {
    Remove-TestScope $script:Scope
}

Describe 'ContainerJobs: the measured table, on the real engine' -Tag Engines -Skip:$NoEngine {
    AfterEach { Remove-TestPilots "$Prefix-t" }

    # Each row: the profile, whether Apptainer works as the pilot needs it, the severity of a failure,
    # and what the failure message must name. Capabilities: user + mount namespaces, but no PID namespace
    # with a new /proc (masked /proc paths); Default: no user namespace on dockerd (its seccomp profile),
    # while Podman's default profile allows it, and then it fails on the PID namespace like Capabilities.
    It '<Profile>: passes <Passes>' -TestCases @(
        @{ Profile = 'Unconfined'; Passes = $true; Severity = 'Error'; Names = 'user, mount and PID namespaces' }
        @{ Profile = 'Minimal'; Passes = $true; Severity = 'Error'; Names = 'PID namespaces off'; Seccomp = $true }
        @{ Profile = 'Capabilities'; Passes = $false; Severity = 'Error'; Names = "not the PID namespace.*SINGULARITY_DISABLE_PID_NAMESPACES = 'True'" }
        @{ Profile = 'Default'; Passes = $false; Severity = 'Warning'; Names = 'Default' }
    ) {
        $extra = @{ SecurityProfile = $Profile }
        if ($Seccomp) { $extra.SeccompProfilePath = $ShippedSeccomp }
        $cfg = New-JobsConfig "t-$($Profile.ToLower())" $extra
        $check = Test-Jobs $cfg
        $check.Passed | Should -Be $Passes -Because $check.Message
        $check.Severity | Should -Be $Severity
        $check.Message | Should -Match $Names
        if ($Engine -eq 'docker' -and $Profile -eq 'Default') { $check.Message | Should -Match 'user and mount namespace was refused' }

        # The pilot started from the same config advertises what the probe said.
        $p = $cfg | Start-OsgPilot -Wait -WaitTimeoutSec 60 -WatchSeconds 0
        $p.Ready | Should -BeTrue
        $p.ContainerJobs | Should -Be $Passes -Because "the probe said: $($check.Message)"
        $p.Validated | Should -BeTrue
        Get-ProbeContainers | Should -BeNullOrEmpty
    }

    It 'Capabilities with PID namespaces turned off runs container jobs, as OSG documents for reduced privileges' {
        $cfg = New-JobsConfig 't-capsnopid' @{ SecurityProfile = 'Capabilities'; Environment = @{ SINGULARITY_DISABLE_PID_NAMESPACES = 'True'; STANDIN_IDLE_SECONDS = '600'; STANDIN_ADVERTISE_SECONDS = '1' } }
        $check = Test-Jobs $cfg
        $check.Passed | Should -BeTrue -Because $check.Message
        ($cfg | Start-OsgPilot -Wait -WaitTimeoutSec 60 -WatchSeconds 0).ContainerJobs | Should -BeTrue
    }

    It 'reports the free space of the pilot''s /tmp, naming the engine''s data root' {
        $r = New-JobsConfig 't-disk' | Test-OsgPilotConfig -TopologyPath (Join-Path $Work 'none.json') -TimeoutSec 30
        $disk = $r.Checks | Where-Object Name -EQ 'Job disk'
        $disk | Should -Not -BeNullOrEmpty
        $disk.Message | Should -Match '\d+\.\d GB free'
        if ($Engine -eq 'docker') { $disk.Message | Should -Match ([regex]::Escape((docker info --format '{{.DockerRootDir}}'))) }
    }

    It 'runs one probe container of each kind per check (jobs, network) and leaves none behind' {
        $since = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() - 1
        $cfg = New-JobsConfig 't-count'
        Test-Jobs $cfg | Out-Null
        Test-Jobs $cfg | Out-Null
        @(Get-ContainerNames | Where-Object { $_ -like "$Prefix-t-count*" }) | Should -BeNullOrEmpty
        Get-ProbeContainers | Should -BeNullOrEmpty
        if ($Engine -eq 'docker') {
            $until = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + 1
            $made = @(docker events --since $since --until $until --filter type=container --filter event=create --format '{{.Actor.Attributes.name}}' | Where-Object { $_ -like "$Prefix-t-count*" })
            $made | Sort-Object | Should -Be @("$Prefix-t-count.osgpilot-netprobe", "$Prefix-t-count.osgpilot-netprobe", "$Prefix-t-count.osgpilot-probe", "$Prefix-t-count.osgpilot-probe")
        }
    }
}

Describe 'A config file of the previous version' {
    It 'keeps the profile it named, or the Capabilities of then when it named none: an upgrade rolls no pilot' {
        $old = Join-Path $Work 'v1.json'
        @{ SchemaVersion = 1; Site = 'Lancium'; ResourceName = 'Lancium-Backfill'; TokenPath = $TokenPath } | ConvertTo-Json | Set-Content $old
        (Import-OsgPilotConfig $old).SecurityProfile | Should -Be 'Capabilities'
        @{ SchemaVersion = 1; Site = 'Lancium'; ResourceName = 'Lancium-Backfill'; TokenPath = $TokenPath; SecurityProfile = 'Unconfined' } | ConvertTo-Json | Set-Content $old
        (Import-OsgPilotConfig $old).SecurityProfile | Should -Be 'Unconfined'
        $new = Join-Path $Work 'v2.json'
        New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -TokenPath $TokenPath | Export-OsgPilotConfig -Path $new
        (Get-Content -Raw $new | ConvertFrom-Json).SchemaVersion | Should -Be 2
        (Import-OsgPilotConfig $new).SecurityProfile | Should -Be 'Unconfined'
    }
}

Describe 'Minimal on Podman' -Tag PodmanOnly -Skip:$NoEngine {
    It 'needs the profile as a file on the Podman host: the preflight says so, and a start makes nothing' {
        $cfg = New-JobsConfig 'p-minimal' @{ SecurityProfile = 'Minimal' }
        $r = $cfg | Test-OsgPilotConfig -TopologyPath (Join-Path $Work 'none.json') -TimeoutSec 30
        $r.Passed | Should -BeFalse
        ($r.Checks | Where-Object Name -EQ 'Seccomp profile').Message | Should -Match '-SeccompProfilePath'
        ($r.Checks | Where-Object Name -EQ 'ContainerJobs').Passed | Should -BeFalse
        $err = $null
        try { $cfg | Start-OsgPilot -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^SecurityProfileConflict'
        @(Get-ContainerNames | Where-Object { $_ -like "$Prefix-p-minimal*" }) | Should -BeNullOrEmpty
    }
}

Describe 'Get-OsgPilot -Detailed: the slot ad of every pilot' -Tag Engines -Skip:$NoEngine {
    AfterAll { Remove-TestPilots "$Prefix-d" }

    It 'shows ContainerJobs, Validated and NodeWarnings read as the image''s CI reads them, and a drain in them' {
        $ok = New-JobsConfig 'd-ok'
        $seed = New-JobsConfig 'd-seed' @{ SecurityProfile = 'Capabilities' }
        $ok, $seed | Start-OsgPilot -Wait -WaitTimeoutSec 60 | Out-Null
        $pilots = Get-OsgPilot -Detailed | Where-Object Name -Like "$Prefix-d-*" | Sort-Object Name
        $pilots | Should -HaveCount 2
        ($pilots | Where-Object Name -EQ "$Prefix-d-ok").ContainerJobs | Should -BeTrue
        ($pilots | Where-Object Name -EQ "$Prefix-d-seed").ContainerJobs | Should -BeFalse
        foreach ($p in $pilots) { $p.Validated | Should -BeTrue; $p.NodeWarnings | Should -BeNullOrEmpty }
        # Serialises cleanly for schedulers.
        ($pilots | ConvertTo-Json -Depth 3 | ConvertFrom-Json)[0].PSObject.Properties.Name | Should -Contain 'ContainerJobs'

        # The same in the metrics: a gauge per pilot that a promtool accepts, and the alert rule's input.
        $prom = Join-Path $Work 'jobs.prom'
        Export-OsgPilotMetrics -Name "$Prefix-d-*" -Path $prom -StateDirectory (Join-Path $Work 'state')
        $text = Get-Content -Raw $prom
        $text | Should -Match "osgpilot_pilot_container_jobs\{pilot=`"$Prefix-d-ok`"[^}]*\} 1"
        $text | Should -Match "osgpilot_pilot_container_jobs\{pilot=`"$Prefix-d-seed`"[^}]*\} 0"
        $text | Should -Match "osgpilot_pilot_validated\{pilot=`"$Prefix-d-ok`"[^}]*\} 1"
        if (Get-Command promtool -ErrorAction Ignore) { $text | promtool check metrics 2>&1 | Should -BeNullOrEmpty }

        Get-OsgPilot -Name "$Prefix-d-ok" | Stop-OsgPilot -Drain
        Wait-Until { (Get-OsgPilot -Detailed -Name "$Prefix-d-ok").Validated -eq $false } -What 'the drained pilot to advertise itself not validated' -TimeoutSec 30
        $drained = Get-OsgPilot -Detailed -Name "$Prefix-d-ok"
        $drained.Draining | Should -BeTrue
        $drained.NodeWarnings | Should -Match 'stop-glidein'
        $drained.ContainerJobs | Should -BeTrue
    }

    It 'leaves the slot ad null for a pilot whose startd is not ready' {
        $slow = New-JobsConfig 'd-slow' @{ Environment = @{ STANDIN_READY_SECONDS = '600'; STANDIN_IDLE_SECONDS = '900' } }
        $slow | Start-OsgPilot | Out-Null
        $p = Get-OsgPilot -Detailed -Name "$Prefix-d-slow"
        $p.Ready | Should -BeFalse
        $p.ContainerJobs | Should -BeNullOrEmpty
        $p.Validated | Should -BeNullOrEmpty
    }
}

Describe 'PoolConnectivity: from the pilot''s own network, to listeners in the test engine''s namespace' -Skip:$NoEngine {
    BeforeAll {
        # The pool's collector, the token registry (443) and the syslog host (6514), all on 127.0.0.1 inside
        # the test engine's network namespace; a pilot reaches them with -Network host, and not without.
        $script:Listeners = @{}
        foreach ($port in 23261, 443, 6514) { $Listeners[$port] = Start-NetnsListener $port }
        function New-NetConfig([string] $Name, [hashtable] $Extra = @{}) {
            $p = @{ Network = 'host'; Environment = @{ STANDIN_IDLE_SECONDS = '600'; CONDOR_HOST = '127.0.0.1:23261'; SYSLOG_HOST = '127.0.0.1'; REGISTRY_HOST = '127.0.0.1' } }
            foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
            New-JobsConfig $Name $p
        }
        function Test-Network($cfg) {
            ($cfg | Test-OsgPilotConfig -TopologyPath (Join-Path $Work 'none.json') -TimeoutSec 30).Checks | Where-Object Name -EQ 'PoolConnectivity'
        }
    }
    AfterAll { foreach ($p in $script:Listeners.Values) { Stop-Process -Id $p.Id -ErrorAction Ignore } }

    It 'passes when the collector, the registry and the syslog host answer, naming each' {
        $check = Test-Network (New-NetConfig 'n-ok')
        $check.Passed | Should -BeTrue -Because $check.Message
        $check.Message | Should -Match "network 'host'"
        foreach ($t in 'collector 127.0.0.1:23261', 'registry 127.0.0.1:443', 'syslog 127.0.0.1:6514') { $check.Message | Should -Match ([regex]::Escape($t)) }
        Get-ProbeContainers | Should -BeNullOrEmpty
    }

    It 'warns, naming host:port, when only remote syslog is unreachable; ENABLE_REMOTE_SYSLOG=false asks nothing of it' {
        $cfg = New-NetConfig 'n-syslog' @{ Environment = @{ CONDOR_HOST = '127.0.0.1:23261'; SYSLOG_HOST = '127.0.0.1'; REGISTRY_HOST = '127.0.0.1'; STANDIN_IDLE_SECONDS = '600' } }
        Stop-Process -Id $Listeners[6514].Id
        try {
            $check = Test-Network $cfg
            ($check.Passed, $check.Severity) | Should -Be @($false, 'Warning')
            $check.Message | Should -Match 'syslog 127\.0\.0\.1:6514'
            $off = Test-Network (New-NetConfig 'n-nosyslog' @{ Environment = @{ CONDOR_HOST = '127.0.0.1:23261'; ENABLE_REMOTE_SYSLOG = 'false'; STANDIN_IDLE_SECONDS = '600' } })
            $off.Passed | Should -BeTrue -Because $off.Message
            $off.Message | Should -Not -Match 'syslog'
        }
        finally { $Listeners[6514] = Start-NetnsListener 6514 }
    }

    It 'fails naming the collector when the pilot''s network cannot reach it, and Start-OsgPilot -Preflight makes nothing' {
        # The engine's default network is a namespace of the pilot's own: the listener on the engine's loopback is not there.
        $cfg = New-JobsConfig 'n-default' @{ Environment = @{ CONDOR_HOST = '127.0.0.1:23261'; ENABLE_REMOTE_SYSLOG = 'false'; STANDIN_IDLE_SECONDS = '600' } }
        $check = Test-Network $cfg
        ($check.Passed, $check.Severity) | Should -Be @($false, 'Error')
        $check.Message | Should -Match "engine's default network the pilot cannot reach collector 127\.0\.0\.1:23261"
        $err = $null
        try { $cfg | Start-OsgPilot -Preflight -TopologyPath (Join-Path $Work 'none.json') -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^PreflightFailed'
        $err.Exception.Message | Should -Match 'PoolConnectivity'
        @(Get-ContainerNames | Where-Object { $_ -like "$Prefix-n-default*" }) | Should -BeNullOrEmpty
    }
}

Describe 'ContainerJobs on dockerd: AppArmor and interruption' -Skip:$NoEngine {
    AfterEach { Stop-FaultProxy $script:Proxy; $script:Proxy = $null }

    It 'names AppArmor when the engine applies it (the fault proxy adds it to /info), and not once the config names a profile' {
        $script:Proxy = Start-FaultProxy -Fault 'GET (/v[0-9.]+)?/info =apparmor'
        # The seed profile fails here for its own reason (the PID namespace); the message adds the AppArmor fix.
        $check = Test-Jobs (New-JobsConfig 'a-seed' @{ SecurityProfile = 'Capabilities' }) $Proxy.DockerHost
        @(Get-FaultLog $Proxy | Where-Object { $_ -like 'FAULT apparmor*' }) | Should -HaveCount 1
        $check.Passed | Should -BeFalse
        $check.Message | Should -Match 'AppArmor, whose docker-default profile denies mounts: add -AppArmorProfile unconfined'
        Stop-FaultProxy $Proxy

        $script:Proxy = Start-FaultProxy -Fault 'GET (/v[0-9.]+)?/info =apparmor'
        $named = Test-Jobs (New-JobsConfig 'a-named' @{ SecurityProfile = 'Capabilities'; AppArmorProfile = 'unconfined' }) $Proxy.DockerHost
        $named.Message | Should -Not -Match 'AppArmorProfile unconfined'
        # Without AppArmor on the engine nothing is said of it.
        (Test-Jobs (New-JobsConfig 'a-plain' @{ SecurityProfile = 'Capabilities' })).Message | Should -Not -Match 'AppArmor'
    }

    It 'Ctrl+C while the probe runs removes the probe container' {
        $cfgPath = Join-Path $Work 'ctrlc.json'
        New-JobsConfig 'c-ctrlc' | Export-OsgPilotConfig -Path $cfgPath
        # The probe's wait is the only one a preflight makes: its answer is held back, so ^C lands mid-probe.
        $script:Proxy = Start-FaultProxy -Fault 'POST (/v[0-9.]+)?/containers/[0-9a-f]+/wait=stall'
        $r = Invoke-OnTerminal "after-file:$($Proxy.Log):FAULT stall" "Import-OsgPilotConfig '$cfgPath' | Test-OsgPilotConfig -TopologyPath /nonexistent.json -TimeoutSec 600" @{ DOCKER_HOST = $Proxy.DockerHost }
        @(Get-FaultLog $Proxy | Where-Object { $_ -like 'FAULT stall*' }) | Should -HaveCount 1
        $r.ended | Should -BeTrue
        $r.seconds_after_ctrl_c | Should -BeLessThan 10
        $r.output | Should -Not -Match 'finished'
        Get-ProbeContainers | Should -BeNullOrEmpty
    }
}

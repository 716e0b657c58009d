# Where Podman differs from dockerd, and what OsgPilot does about it: it names the engine, refuses
# what Podman cannot do with an error of its own, and says in the preflight what a Podman host
# must know. Runs only in the Podman pass (tests/Invoke-PesterSuite.ps1 -Engine podman), on the
# test Podman of tests/fixtures/podman.sh; the suites shared with dockerd are tagged Engines.
param([ValidateSet('docker', 'podman')] [string] $Engine = 'podman')

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope pd
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath
    $script:Topology = Join-Path $PSScriptRoot '../fixtures/topology/miscresource.json'
    function Test-Preflight($cfg) {
        # Podman's /version runs conmon and the runtime for their versions: under load it can take
        # over a second, and a failed engine check would skip the Podman checks. The squid port
        # refuses at once, so the longer bound costs nothing.
        ($cfg | Test-OsgPilotConfig -TopologyPath $Topology -SquidProbeUri 'http://127.0.0.1:9/x' -TimeoutSec 10).Checks
    }
}

AfterAll {
    Remove-TestScope $script:Scope
}

Describe 'A Podman engine, named and refused where it cannot serve' -Tag PodmanOnly -Skip:$NoEngine {
    It 'is the engine under test: /version names Podman' {
        $Engine | Should -Be 'podman'
        docker version --format '{{.Server.Version}}' | Should -Match '^\d+\.\d+'
    }

    It 'Get-OsgPilot and Start-OsgPilot name the engine in their objects, and the name serialises' {
        $cfg = New-TestConfig -Name "$Prefix-named" -TokenPath $TokenPath -CvmfsPath $Cvmfs
        $started = $cfg | Start-OsgPilot -WatchSeconds 1
        $started.Engine | Should -Match '^Podman \d+\.\d+\.\d+'
        $p = Get-OsgPilot -Name "$Prefix-named"
        $p.Engine | Should -Be $started.Engine
        ($p | ConvertTo-Json | ConvertFrom-Json).Engine | Should -Be $p.Engine
        ($p | Format-List | Out-String) | Should -Match 'Engine\s+: Podman'
    }

    It 'every Swarm cmdlet refuses Podman with SwarmNotSupportedByEngine (NotImplemented), and creates nothing' {
        # A config a Swarm service could run (the seed capabilities): what is refused is the engine, not the config.
        $cfg = New-TestConfig -Name "$Prefix-svc" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ SecurityProfile = 'Capabilities' }
        $calls = @(
            @{ Name = 'GetOsgPilotServiceCommand'; Run = { Get-OsgPilotService -ErrorAction Stop } }
            @{ Name = 'SetOsgPilotServiceCommand'; Run = { $cfg | Set-OsgPilotService -ErrorAction Stop } }
            @{ Name = 'TestOsgPilotServiceCommand'; Run = { $cfg | Test-OsgPilotService -ErrorAction Stop } }
            @{ Name = 'RemoveOsgPilotServiceCommand'; Run = { Remove-OsgPilotService -Name "$Prefix-svc" -Force -ErrorAction Stop } }
        )
        foreach ($c in $calls) {
            $e = { & $c.Run } | Should -Throw -ErrorId "SwarmNotSupportedByEngine,OsgPilot.Cmdlets.$($c.Name)" -PassThru
            $e.CategoryInfo.Category | Should -Be 'NotImplemented'
            $e.Exception.Message | Should -Match "is Podman \d.*has no swarm.*Start-OsgPilot or Sync-OsgPilot"
        }
        @(docker secret ls --format '{{.Name}}') -like "$Prefix*" | Should -BeNullOrEmpty
        @(Get-ContainerNames) -like "$Prefix-svc*" | Should -BeNullOrEmpty
    }
}

Describe 'The preflight on a Podman host' -Tag PodmanOnly -Skip:$NoEngine {
    It 'names Podman as the engine it checked' {
        $checks = Test-Preflight (New-TestConfig -Name "$Prefix-pf" -TokenPath $TokenPath -CvmfsPath $Cvmfs)
        ($checks | Where-Object Name -EQ 'Docker engine').Message | Should -Match '^Podman \d'
    }

    It 'warns that a restart policy other than always does not survive a reboot, naming podman-restart.service and the Sync timer' {
        $check = Test-Preflight (New-TestConfig -Name "$Prefix-pf" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ RestartPolicy = 'UnlessStopped' }) |
            Where-Object Name -EQ 'Restart after reboot'
        $check.Passed | Should -BeFalse
        $check.Severity | Should -Be 'Warning'
        $check.Message | Should -Match 'only podman-restart.service .* restart policy always.*UnlessStopped stay down until the next Sync-OsgPilot \(Register-OsgPilotSchedule'
    }

    It 'with restart policy always, passes exactly when podman-restart.service is enabled on this host' {
        $enabled = @(Get-ChildItem /etc/systemd/system -Directory -Filter '*.wants' -ErrorAction Ignore |
            Where-Object { Test-Path -LiteralPath (Join-Path $_.FullName 'podman-restart.service') }).Count -gt 0
        $check = Test-Preflight (New-TestConfig -Name "$Prefix-pf" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ RestartPolicy = 'Always' }) |
            Where-Object Name -EQ 'Restart after reboot'
        $check.Passed | Should -Be $enabled
        if (-not $enabled) { $check.Message | Should -Match 'systemctl enable podman-restart.service' }
    }

    It 'warns that the capabilities profile gives the pilot user real capabilities on Podman, and not for the profile that adds none' {
        $caps = Test-Preflight (New-TestConfig -Name "$Prefix-pf" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ SecurityProfile = 'Capabilities' }) | Where-Object Name -EQ 'Capabilities'
        $caps.Severity | Should -Be 'Warning'
        $caps.Message | Should -Match 'effective and ambient.*-SecurityProfile Unconfined -CvmfsMode CvmfsExec'
        Test-Preflight (New-TestConfig -Name "$Prefix-pf" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ SecurityProfile = 'Unconfined'; CvmfsMode = 'CvmfsExec' }) |
            Where-Object Name -EQ 'Capabilities' | Should -BeNullOrEmpty
    }
}

Describe 'A drain on Podman, which cannot change a restart policy' -Tag PodmanOnly -Skip:$NoEngine {
    It 'Stop -Drain says the pilot will be started again drained, only where its policy restarts it' {
        $restarts = New-TestConfig -Name "$Prefix-dr1" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ RestartPolicy = 'UnlessStopped'; Environment = @{ STANDIN_IDLE_SECONDS = '600'; STANDIN_ADVERTISE_SECONDS = '600' } }
        $stays = New-TestConfig -Name "$Prefix-dr2" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Environment = @{ STANDIN_IDLE_SECONDS = '600'; STANDIN_ADVERTISE_SECONDS = '600' } }
        $restarts, $stays | Start-OsgPilot -WatchSeconds 1 | Out-Null
        Stop-OsgPilot -Name "$Prefix-dr1", "$Prefix-dr2" -Drain -WarningVariable warned -WarningAction SilentlyContinue
        $warned | Should -HaveCount 1
        "$warned" | Should -Match "Podman \d.*cannot change a restart policy: once $Prefix-dr1 finished its jobs.*starts it again, still drained.*next Start-OsgPilot or Sync-OsgPilot replaces it"
        "$warned" | Should -Not -Match "$Prefix-dr2"
        (Get-OsgPilot -Name "$Prefix-dr1", "$Prefix-dr2" -Detailed).Draining | Should -Be @($true, $true)
        (Get-OsgPilot -Name "$Prefix-dr1" -Detailed).RestartPolicy | Should -Be 'UnlessStopped'
    }
}

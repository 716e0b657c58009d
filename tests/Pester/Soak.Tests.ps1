# The short form of the soak (tests/Soak/Invoke-Soak.ps1; the long form is ./build.ps1 -Task Soak):
# Sync-OsgPilot run as a timer runs it, under seeded chaos, with the invariants checked after every
# cycle. It restarts its engine on purpose (SIGKILL to dockerd): an engine of its own, removed after.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Pwsh = Get-PwshCommand
}

Describe 'A compressed month of chaos (short form)' -Skip:$NoEngine {
    BeforeAll {
        # An engine of its own, started fresh. The shared one keeps a stale sandbox record for every
        # container the suite removed (dockerd 20.10 does so for containers on the default network when
        # it has no bridge, as in this fixture), and its first restart spends 0.1 s on each: 93 s in CI.
        $script:Saved = $env:DOCKER_HOST, $env:OSGPILOT_TEST_NETNS, $env:OSGPILOT_TEST_STATE, $env:OSGPILOT_TEST_DATA
        $env:OSGPILOT_TEST_NETNS, $env:OSGPILOT_TEST_STATE, $env:OSGPILOT_TEST_DATA = 'osgpilot-soak', '/run/osgpilot-soak', '/var/lib/osgpilot-soak'
        $env:DOCKER_HOST = 'unix:///run/osgpilot-soak/docker.sock'
        $script:Fixtures = Join-Path $PSScriptRoot '../fixtures'
        bash (Join-Path $Fixtures 'engine.sh') start | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'The soak''s own engine did not start.' }
        bash (Join-Path $Fixtures 'build-standin.sh') (Get-TestImage) | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'The stand-in image was not built on the soak''s engine.' }
    }
    AfterAll {
        bash (Join-Path $Fixtures 'engine.sh') stop | Out-Null
        # What the stopped engine leaves mounted under its exec root, then its data: nothing accumulates.
        Get-Content /proc/mounts | ForEach-Object { ($_ -split ' ')[1] } | Where-Object { $_ -like "$env:OSGPILOT_TEST_DATA/*" } |
            Sort-Object -Descending | ForEach-Object { umount -l $_ }
        Remove-Item $env:OSGPILOT_TEST_DATA, $env:OSGPILOT_TEST_STATE -Recurse -Force -ErrorAction Ignore
        $env:DOCKER_HOST, $env:OSGPILOT_TEST_NETNS, $env:OSGPILOT_TEST_STATE, $env:OSGPILOT_TEST_DATA = $Saved
    }

    It 'holds every invariant over 11 scheduled Sync runs with a pilot killed, stopped, removed, paused, drained by hand, attacked by its own job, roll-outs, a rotated token, an engine restart, killed and concurrent Syncs' {
        $log = Join-Path ([IO.Path]::GetTempPath()) "osgpilot-soak-$PID.log"
        # Seed 69 draws every kind of chaos within 11 cycles (the summary line shows the counts); quiet
        # cycles then follow until the last roll-out has completed.
        & $Pwsh[0] $Pwsh[1..9] -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../Soak/Invoke-Soak.ps1') `
            -ModulePath $env:OSGPILOT_MODULE -Image (Get-TestImage) -Cycles 11 -Seed 69 -ChaosBefore 0.95 -ChaosDuring 0.5 *> $log
        $exit = $LASTEXITCODE
        $lines = Get-Content $log
        Remove-Item $log
        $summary = $lines | Where-Object { $_ -like 'Soak: *' } | Select-Object -Last 1
        Write-Host $summary
        # When each cycle began and the chaos it met: where a slow run spent its time.
        Write-Host (($lines | Where-Object { $_ -match '^(quiet )?cycle \d+ \(at|^\s+(chaos: |sync: |invariants |\()' } | ForEach-Object Trim) -join '; ')
        $lines | Where-Object { $_ -like '*VIOLATION*' } | ForEach-Object { Write-Host $_ }
        $summary | Should -Match 'violations: 0$' -Because ($lines | Select-Object -Last 30 | Out-String)
        $exit | Should -Be 0
        foreach ($kind in 'kill', 'stop', 'remove', 'pause', 'rollout', 'drain-by-hand', 'token-rotated', 'engine-restart', 'hostile-job', 'sync-killed', 'two-syncs') {
            $summary | Should -Match "$kind=[1-9]" -Because "the short form must exercise every kind of chaos (seed 69)"
        }
        $summary | Should -Match 'roll-outs completed: [1-9]'
        $summary | Should -Match 'counted started: [1-9]' -Because 'the pilots took fed jobs through the chaos and the ledgers kept them'
        docker version --format '{{.Server.Version}}' | Should -Not -BeNullOrEmpty
    }
}

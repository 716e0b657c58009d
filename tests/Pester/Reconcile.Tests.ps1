# The one reconciler of Start-OsgPilot and Sync-OsgPilot on the real engine (issue 19): a drained
# pilot's replacement accepts jobs, and the container states the table in about_OsgPilot names
# (paused, crash-looping, exited, created, removed by hand) come out the same through either cmdlet.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope rc
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath
    # Always a job until drained; a drained pilot idles out 2 s after its last job.
    $script:Busy = @{ STANDIN_JOBS = 'continuous'; STANDIN_IDLE_SECONDS = '2'; STANDIN_ADVERTISE_SECONDS = '1'; STANDIN_READY_SECONDS = '1' }

    function New-BusyConfig([string] $Name, [string] $Dir) {
        $extra = @{ RestartPolicy = 'UnlessStopped'; Environment = $Busy }
        if ($Dir) { $extra.PilotDirectory = $Dir }
        New-TestConfig -Name "$Prefix-$Name" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra $extra
    }
    function Get-Id([string] $Name) { docker inspect -f '{{.Id}}' $Name 2>$null }
}

AfterAll {
    Remove-TestScope $script:Scope
}

Describe 'A drained pilot that exited is replaced by one that accepts jobs' -Skip:$NoEngine {
    It 'through <Cmdlet>: the stamp is gone before the replacement starts, Draining is False, and the pilot says it accepts' -ForEach @(
        @{ Cmdlet = 'Sync-OsgPilot' }, @{ Cmdlet = 'Start-OsgPilot' }
    ) {
        $dir = New-TestDirectory -ForPilot
        $cfg = New-BusyConfig "dr-$($Cmdlet.Split('-')[0].ToLower())" $dir
        $name = $cfg.Name
        $cfg | & $Cmdlet -WatchSeconds 1 | Out-Null
        Wait-PilotAdvertised $name | Should -Be 'True'
        Stop-OsgPilot -Name $name -Drain
        Test-Path "$dir/stop-glidein.stamp" | Should -BeTrue
        docker wait $name | Should -Be '0' -Because 'a drained pilot takes no job and idles out'
        $old = Get-Id $name

        $out = @($cfg | & $Cmdlet -WatchSeconds 2)
        $row = $out | Where-Object Name -EQ $name
        $row.Changed | Should -BeTrue
        if ($Cmdlet -eq 'Sync-OsgPilot') { $row.Action | Should -Be 'Replaced' }
        Get-Id $name | Should -Not -Be $old -Because 'an exited pilot gets a fresh container'
        Test-Path "$dir/stop-glidein.stamp" | Should -BeFalse
        (Get-OsgPilot -Name $name -Detailed).Draining | Should -BeFalse
        Wait-PilotAdvertised $name | Should -Be 'True'
        $log = docker logs $name 2>&1 | Out-String
        $log | Should -Match 'Advertising as validated, accepting jobs'
        $log | Should -Not -Match 'found at start-up'
        @($cfg | & $Cmdlet -WatchSeconds 1 | Where-Object { $_.Name -eq $name -and $_.Changed }) | Should -BeNullOrEmpty -Because 'the next run finds nothing to do'
        Remove-OsgPilot -Name $name -Force
    }

    It 'the strict stand-in itself: a pilot that finds the stamp at start-up never says it accepts, and says why' {
        $dir = New-TestDirectory -ForPilot
        Set-Content "$dir/stop-glidein.stamp" ''
        docker run -d --name "$Prefix-strict" --user osg -v "${dir}:/pilot" -e TOKEN=x -e GLIDEIN_Site=S -e GLIDEIN_ResourceName=R `
            -e STANDIN_JOBS=continuous -e STANDIN_IDLE_SECONDS=2 -e STANDIN_ADVERTISE_SECONDS=1 -e STANDIN_READY_SECONDS=1 (Get-TestImage) | Out-Null
        docker wait "$Prefix-strict" | Should -Be '0' -Because 'it took no job and idled out'
        $log = docker logs "$Prefix-strict" 2>&1 | Out-String
        $log | Should -Match 'stop-glidein.stamp found at start-up: shutting down due to stop-glidein file'
        $log | Should -Not -Match 'accepting jobs$|Advertising as validated'
        docker rm "$Prefix-strict" | Out-Null
    }
}

Describe 'Container states, the same through Start and Sync' -Skip:$NoEngine {
    It 'a paused pilot is unpaused, not replaced: the same container goes on (<Cmdlet>)' -ForEach @(
        @{ Cmdlet = 'Sync-OsgPilot'; Action = 'Unpaused' }, @{ Cmdlet = 'Start-OsgPilot'; Action = $null }
    ) {
        $cfg = New-BusyConfig "pz-$($Cmdlet.Split('-')[0].ToLower())" $null
        $cfg | & $Cmdlet -WatchSeconds 1 | Out-Null
        $id = Get-Id $cfg.Name
        docker pause $cfg.Name | Out-Null
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $row = $cfg | & $Cmdlet -WatchSeconds 1 | Where-Object Name -EQ $cfg.Name
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 60 -Because 'no 120 s stop grace is waited out'
        $row.Changed | Should -BeTrue
        if ($Action) { $row.Action | Should -Be $Action }
        docker inspect -f '{{.Id}} {{.State.Status}}' $cfg.Name | Should -Be "$id running"
        Remove-OsgPilot -Name $cfg.Name -Force
    }

    It 'a crash-looping pilot is replaced and the start-up''s refusal is an error, not Changed=False (<Cmdlet>)' -ForEach @(
        @{ Cmdlet = 'Sync-OsgPilot' }, @{ Cmdlet = 'Start-OsgPilot' }
    ) {
        # A pilot directory uid 1000 cannot write: the start-up's mktemp fails, it exits 1, and restart policy Always loops it.
        $noWrite = New-TestDirectory
        chmod 755 $noWrite
        $cfg = New-TestConfig -Name "$Prefix-cl-$($Cmdlet.Split('-')[0].ToLower())" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ RestartPolicy = 'Always'; PilotDirectory = $noWrite }
        $cfg | & $Cmdlet -WatchSeconds 0 -ErrorAction SilentlyContinue | Out-Null
        # A crash-looping container is "running" for a moment at each restart, and a run that lists it
        # then leaves it for the next run. So each try waits for the engine's back-off ("restarting"),
        # and the test goes on until a run saw it crash-looping: that run must replace it and fail.
        for ($try = 1; $try -le 10; $try++) {
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ((docker inspect -f '{{.State.Restarting}}' $cfg.Name) -ne 'true' -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $out = @($cfg | & $Cmdlet -WatchSeconds 3 -Verbose -ErrorVariable ev -ErrorAction SilentlyContinue 4>&1)
            $saw = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like "Replace '$($cfg.Name)': crash-looping*" })
            if ($saw) { break }
        }
        $saw | Should -Not -BeNullOrEmpty -Because 'a run saw the pilot crash-looping'
        $ev.Count | Should -BeGreaterOrEqual 1
        ($ev.Exception.Message -join "`n") | Should -Match 'Creating LOCAL_DIR under /pilot failed'
        @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] -and $_.Name -eq $cfg.Name -and $_.Changed }) | Should -BeNullOrEmpty
        Get-ContainerNames | Should -Not -Contain $cfg.Name -Because 'the refused replacement was taken back'
        Remove-Item -Recurse -Force $noWrite -ErrorAction Ignore
    }

    It 'a container left created (never started) is replaced with one that has its token (<Cmdlet>)' -ForEach @(
        @{ Cmdlet = 'Sync-OsgPilot' }, @{ Cmdlet = 'Start-OsgPilot' }
    ) {
        $cfg = New-BusyConfig "cr-$($Cmdlet.Split('-')[0].ToLower())" $null
        $cfg | & $Cmdlet -WatchSeconds 1 | Out-Null
        docker rm -f $cfg.Name | Out-Null
        # What a start killed between create and start leaves: same labels, no token, never started.
        $cfg | Start-OsgPilot -WatchSeconds 0 | Out-Null
        docker stop -t 1 $cfg.Name | Out-Null
        $spec = docker inspect -f '{{json .Config.Labels}}' $cfg.Name | ConvertFrom-Json
        docker rm $cfg.Name | Out-Null
        $labelArgs = $spec.PSObject.Properties | ForEach-Object { '--label'; "$($_.Name)=$($_.Value)" }
        docker create --name $cfg.Name --user osg @labelArgs (Get-TestImage) | Out-Null
        $row = $cfg | & $Cmdlet -WatchSeconds 2 | Where-Object Name -EQ $cfg.Name
        $row.Changed | Should -BeTrue
        docker exec $cfg.Name test -s /etc/condor/tokens-orig.d/flock.opensciencegrid.org
        $LASTEXITCODE | Should -Be 0
        Wait-PilotAdvertised $cfg.Name | Should -Be 'True'
        Remove-OsgPilot -Name $cfg.Name -Force
    }
}

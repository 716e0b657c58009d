# Sync-OsgPilot and Register-OsgPilotSchedule: a host kept right by a scheduler, on the real engine.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
    $script:NoSystemd = -not (Get-Command systemd-analyze -ErrorAction Ignore)
    if ($NoSystemd -and $env:CI -eq 'true') { throw 'CI: systemd-analyze is not installed; the generated units must be verified, not skipped.' }
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope sy
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath
    $script:Pwsh = Get-PwshCommand
    # Pilots that always have a job until drained, then exit 2 s after their last one.
    $script:Busy = @{ STANDIN_JOBS = 'continuous'; STANDIN_IDLE_SECONDS = '2'; STANDIN_ADVERTISE_SECONDS = '1' }

    function New-RolloutImage([string] $Tag) {
        # A tag of its own for the config, so a newer image can take it over like a pushed release.
        docker tag (Get-TestImage) $Tag
        $Tag
    }
    function Publish-NewerImage([string] $Tag) {
        # Image B: a commit of A under the same tag: a new id, built now.
        $c = docker create (Get-TestImage)
        docker commit -c "LABEL org.osg-htc.osgpilot.test-release=$([guid]::NewGuid())" $c $Tag | Out-Null
        docker rm $c | Out-Null
        docker image inspect -f '{{.Id}}' $Tag
    }
    function Get-Running([string] $Stem) { @(docker ps --filter "name=^$Stem-" --format '{{.Names}}') }
    function Invoke-Child([string] $Command) {
        $script = "Import-Module '$env:OSGPILOT_MODULE'; $Command"
        & $Pwsh[0] $Pwsh[1..9] -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
    }
}

AfterAll {
    Remove-TestScope $script:Scope
    docker images --format '{{.Repository}}:{{.Tag}}' | Where-Object { $_ -like "osgpilot/sync-$($Scope.Prefix)*" } | ForEach-Object { docker rmi -f $_ *> $null }
}

Describe 'Sync-OsgPilot' -Skip:$NoEngine {
    It 'rolls 4 pilots from image A to B, draining at most -MaxDraining at a time and never below Count - MaxDraining running' {
        $tag = New-RolloutImage "osgpilot/sync-$Prefix-roll:release"
        $cfg = New-TestConfig -Name "$Prefix-roll" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Image = $tag; RestartPolicy = 'UnlessStopped'; Environment = $Busy }
        $first = $cfg | Sync-OsgPilot -Count 4 -WatchSeconds 1
        @($first | Where-Object Action -EQ 'Created') | Should -HaveCount 4
        $b = Publish-NewerImage $tag
        $deadline = [DateTime]::UtcNow.AddSeconds(90)
        $runs = 0
        do {
            $r = $cfg | Sync-OsgPilot -Count 4 -WatchSeconds 1
            $runs++
            $pilots = @($r | Where-Object Kind -EQ 'Pilot')
            @($pilots | Where-Object Action -EQ 'Draining').Count | Should -BeLessOrEqual 1 -Because "run $runs (default MaxDraining for 4 is 1)"
            @($pilots | Where-Object Action -EQ 'Failed') | Should -BeNullOrEmpty
            (Get-Running "$Prefix-roll").Count | Should -BeGreaterOrEqual 3 -Because "run $runs"
            $done = @($pilots | Where-Object { $_.ImageId -eq $b -and $_.Action -eq 'None' }).Count -eq 4
            if (-not $done) { Start-Sleep -Milliseconds 500 }
        } until ($done -or [DateTime]::UtcNow -gt $deadline)
        $done | Should -BeTrue -Because "all four should be on image B after $runs runs"
        $runs | Should -BeGreaterThan 4 -Because 'one pilot at a time: the roll-out takes several runs'
        (Get-OsgPilot -Name "$Prefix-roll-*").ImageId | Sort-Object -Unique | Should -Be $b
        $detail = Get-OsgPilot -Name "$Prefix-roll-*" -Detailed
        $detail.ImageAgeHours | Sort-Object -Unique | Should -Be 0 -Because 'image B was built seconds ago (rounded to 0.1 h)'
        $detail.RestartCount | Sort-Object -Unique | Should -Be 0
        $detail.StartedAt | ForEach-Object { $_ | Should -BeGreaterThan ([DateTime]::Now.AddMinutes(-5)) }
    }

    It 'a second sync with nothing to do changes nothing and takes under a second for 4 pilots' {
        $tag = "osgpilot/sync-$Prefix-roll:release"
        $cfg = New-TestConfig -Name "$Prefix-roll" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Image = $tag; RestartPolicy = 'UnlessStopped'; Environment = $Busy }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = $cfg | Sync-OsgPilot -Count 4
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
        $r | Should -HaveCount 5
        $r.Changed | Should -Not -Contain $true
        ($r | ConvertTo-Json -Depth 3 | ConvertFrom-Json).Action | Should -Be @('None', 'None', 'None', 'None', 'None')
    }

    It 'drains surplus pilots, then removes them once they exit' {
        $tag = "osgpilot/sync-$Prefix-roll:release"
        $cfg = New-TestConfig -Name "$Prefix-roll" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Image = $tag; RestartPolicy = 'UnlessStopped'; Environment = $Busy }
        $r = $cfg | Sync-OsgPilot -Count 2
        ($r | Where-Object Name -In "$Prefix-roll-3", "$Prefix-roll-4").Action | Should -Be @('Draining', 'Draining')
        docker wait "$Prefix-roll-3" "$Prefix-roll-4" | Should -Be @('0', '0')
        $r = $cfg | Sync-OsgPilot -Count 2
        ($r | Where-Object Name -In "$Prefix-roll-3", "$Prefix-roll-4").Action | Should -Be @('Removed', 'Removed')
        (Get-OsgPilot -All -Name "$Prefix-roll-*").Name | Should -Be @("$Prefix-roll-1", "$Prefix-roll-2")
    }

    It 'replaces an exited pilot under UnlessStopped on the new image' {
        $tag = New-RolloutImage "osgpilot/sync-$Prefix-ex:release"
        $cfg = New-TestConfig -Name "$Prefix-ex" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Image = $tag; RestartPolicy = 'UnlessStopped' }
        $cfg | Sync-OsgPilot -WatchSeconds 1 | Out-Null
        $b = Publish-NewerImage $tag
        docker stop -t 5 "$Prefix-ex" | Out-Null
        $r = $cfg | Sync-OsgPilot -WatchSeconds 1 | Where-Object Kind -EQ 'Pilot'
        $r.Action | Should -Be 'Replaced'
        $r.Changed | Should -BeTrue
        $p = Get-OsgPilot -Name "$Prefix-ex"
        $p.State | Should -Be 'running'
        $p.ImageId | Should -Be $b
    }

    It 'keeps the pilots when the pull fails, and reports it as Failed with the reason' {
        $aged = '127.0.0.1:9/osgpilot/sync-aged:' + $Prefix
        python3 (Join-Path $PSScriptRoot '../fixtures/age-image.py') (Get-TestImage) $aged 5 | Out-Null
        $cfg = New-TestConfig -Name "$Prefix-aged" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Image = $aged }
        $cfg | Start-OsgPilot -WatchSeconds 0 | Out-Null
        $r = $cfg | Sync-OsgPilot -ErrorVariable ev -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $image = $r | Where-Object Kind -EQ 'Image'
        $image.Action | Should -Be 'Failed'
        $image.Reason | Should -Match 'built \d+ hours ago; the pull failed, the pilots keep the image they have'
        ($r | Where-Object Kind -EQ 'Pilot').Action | Should -Be 'None'
        ($r[0].Warnings -join "`n") | Should -Match 'The image .* could not be refreshed: built \d+ hours ago'
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'ImagePullFailed,*'
        (Get-OsgPilot -Name "$Prefix-aged").State | Should -Be 'running'
        docker rm -f "$Prefix-aged" | Out-Null
        docker rmi $aged | Out-Null
    }

    It 'two syncs at the same moment (two processes) end with exactly Count pilots and no failure' {
        $path = Join-Path $Work 'concurrent.json'
        New-TestConfig -Name "$Prefix-cc" -TokenPath $TokenPath -CvmfsPath $Cvmfs | Export-OsgPilotConfig -Path $path
        $cmd = "`$r = @(Import-OsgPilotConfig -Path '$path' | Sync-OsgPilot -Count 3 -WatchSeconds 1); `$r | ConvertTo-Json -Depth 3 -Compress; exit [int](`$r.Action -contains 'Failed')"
        $jobs = 1..2 | ForEach-Object { Start-PwshProcess "Import-Module '$env:OSGPILOT_MODULE'; $cmd" }
        $outs = foreach ($p in $jobs) { $o = $p.StandardOutput.ReadToEnd(); $p.WaitForExit(); [pscustomobject]@{ Exit = $p.ExitCode; Out = $o } }
        $outs.Exit | Should -Be @(0, 0) -Because ($outs.Out -join "`n")
        $created = @($outs.Out | ForEach-Object { ($_ | ConvertFrom-Json) } | Where-Object Action -EQ 'Created')
        $created | Should -HaveCount 3 -Because 'the runs take turns: one creates, the other finds nothing to do'
        (Get-OsgPilot -All -Name "$Prefix-cc*").Name | Should -Be @("$Prefix-cc-1", "$Prefix-cc-2", "$Prefix-cc-3")
        (Get-OsgPilot -Name "$Prefix-cc*").State | Sort-Object -Unique | Should -Be 'running'
    }

    It '-WhatIf changes nothing' {
        $out = Invoke-Child "New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -TokenPath '$TokenPath' -Name '$Prefix-wi' -Image '$(Get-TestImage)' -CvmfsPath '$Cvmfs' | Sync-OsgPilot -Count 2 -WhatIf"
        $out | Should -Match "What if: Performing the operation `"Created: missing`" on target `"$Prefix-wi-1`""
        Get-ContainerNames | Where-Object { $_ -like "$Prefix-wi*" } | Should -BeNullOrEmpty
    }
}

Describe 'Register-OsgPilotSchedule and a cron-style run' -Skip:$NoEngine {
    BeforeAll {
        $script:Units = Join-Path $Work 'units'
        New-Item -ItemType Directory $Units | Out-Null
        $script:ConfigPath = Join-Path $Work 'scheduled.json'
        New-TestConfig -Name "$Prefix-sched" -TokenPath $TokenPath -CvmfsPath $Cvmfs | Export-OsgPilotConfig -Path $ConfigPath
        function Invoke-Unit([string] $Service) {
            # The unit's ExecStart, unquoted as systemd does (POSIX double-quote rules, $$ and %% halved),
            # run the way cron or systemd would: an empty environment but PATH, and no terminal.
            $line = (Get-Content $Service | Where-Object { $_ -like 'ExecStart=*' }).Substring(10)
            $argv = python3 -c 'import shlex,sys,json; print(json.dumps([a.replace("$$","$").replace("%%","%") for a in shlex.split(sys.argv[1])]))' $line | ConvertFrom-Json
            $stderr = Join-Path $Work 'unit.stderr'
            $out = env -i "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "HOME=$HOME" "DOCKER_HOST=$env:DOCKER_HOST" @argv 2> $stderr | Out-String
            # Standard output is the data; errors go to standard error, as a scheduler's log keeps both.
            [pscustomobject]@{ Exit = $LASTEXITCODE; Output = $out; Errors = (Get-Content -Raw $stderr) }
        }
    }

    It 'writes a service and a timer that systemd-analyze verify accepts, idempotently' -Skip:$NoSystemd {
        $r = Register-OsgPilotSchedule -ConfigPath $ConfigPath -Count 2 -IntervalMinutes 10 -UnitDirectory $Units
        $r.Scheduler | Should -Be 'systemd'
        $r.Changed | Should -BeTrue
        $r.Files | Should -Be @("$Units/osgpilot-sync-$Prefix-sched.service", "$Units/osgpilot-sync-$Prefix-sched.timer")
        $r.EnableCommand | Should -Be "systemctl daemon-reload && systemctl enable --now osgpilot-sync-$Prefix-sched.timer"
        $verify = systemd-analyze verify @($r.Files) 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $verify
        Get-Content -Raw $r.Files[1] | Should -Match 'OnUnitActiveSec=10min'
        (Register-OsgPilotSchedule -ConfigPath $ConfigPath -Count 2 -IntervalMinutes 10 -UnitDirectory $Units).Changed | Should -BeFalse
        Register-OsgPilotSchedule -ConfigPath $ConfigPath -Count 3 -UnitDirectory $Units -ErrorVariable ev -ErrorAction SilentlyContinue | Out-Null
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'ScheduleExists,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content -Raw $r.Files[0] | Should -Match 'Sync-OsgPilot -Count 2 '
        Register-OsgPilotSchedule -ConfigPath $ConfigPath -Count 3 -UnitDirectory $Units -Force -WhatIf | Out-Null
        Get-Content -Raw $r.Files[0] | Should -Match 'Sync-OsgPilot -Count 2 '
        (Register-OsgPilotSchedule -ConfigPath $ConfigPath -Count 2 -IntervalMinutes 10 -UnitDirectory $Units -Force).Changed | Should -BeFalse
    }

    It 'refuses a config file every run would fail on, writing nothing' {
        $bad = Join-Path $Work 'bad.json'
        Set-Content $bad '{ "SchemaVersion": 1, "Site": "Lancium" '
        Register-OsgPilotSchedule -ConfigPath $bad -UnitDirectory $Units -Name broken -ErrorVariable ev -ErrorAction SilentlyContinue | Out-Null
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'ConfigFileInvalidJson,*'
        Test-Path (Join-Path $Units 'broken.service') | Should -BeFalse
    }

    It 'the unit''s command, run as cron would, prints only JSON without escape codes and exits 0' {
        $r = Invoke-Unit "$Units/osgpilot-sync-$Prefix-sched.service"
        $r.Exit | Should -Be 0 -Because "$($r.Output) $($r.Errors)"
        $r.Output | Should -Not -Match "`e"
        $r.Errors | Should -BeNullOrEmpty
        $json = $r.Output | ConvertFrom-Json
        $json.Kind | Should -Be @('Image', 'Pilot', 'Pilot')
        ($json | Where-Object Kind -EQ 'Pilot').Action | Should -Be @('Created', 'Created')
        (Invoke-Unit "$Units/osgpilot-sync-$Prefix-sched.service").Output | ConvertFrom-Json | ForEach-Object Changed | Should -Not -Contain $true
    }

    It 'exits 1 exactly when something failed, still with JSON only, its warnings inside' {
        $aged = '127.0.0.1:9/osgpilot/sync-cron:' + $Prefix
        python3 (Join-Path $PSScriptRoot '../fixtures/age-image.py') (Get-TestImage) $aged 5 | Out-Null
        $path = Join-Path $Work 'failing.json'
        $soon = New-TestTokenFile -Directory $Work -Text (New-TestTokenText -Expires ([DateTime]::UtcNow.AddDays(3)))
        New-TestConfig -Name "$Prefix-fail" -TokenPath $soon -CvmfsPath $Cvmfs -Extra @{ Image = $aged } 3> $null | Export-OsgPilotConfig -Path $path
        $s = Register-OsgPilotSchedule -ConfigPath $path -UnitDirectory $Units
        $r = Invoke-Unit $s.Files[0]
        $r.Exit | Should -Be 1 -Because $r.Output
        $r.Output | Should -Not -Match "`e"
        $r.Errors | Should -Not -Match "`e"
        $r.Errors | Should -Match 'ImagePullFailed|could not be pulled|pull failed'
        $r.Errors | Should -Not -Match ([regex]::Escape((Get-Content -Raw $soon)))
        $json = $r.Output | ConvertFrom-Json
        ($json | Where-Object Kind -EQ 'Image').Action | Should -Be 'Failed'
        ($json | Where-Object Kind -EQ 'Pilot').Action | Should -Be 'Created' -Because 'the image the engine has still serves'
        ($json[0].Warnings -join "`n") | Should -Match 'expires on .* within 7 days'
        ($json[0].Warnings -join "`n") | Should -Match 'could not be refreshed'
        docker rm -f "$Prefix-fail" | Out-Null
        docker rmi $aged | Out-Null
    }
}

# Sync-OsgPilot and Register-OsgPilotSchedule: a host kept right by a scheduler, on the real engine.
# Engine-parameterised: the blocks tagged Engines run on dockerd and on Podman.
param([ValidateSet('docker', 'podman')] [string] $Engine = 'docker')
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
        # podman prints an image id without the sha256: that its Docker API (and so OsgPilot) gives.
        'sha256:' + ((docker image inspect -f '{{.Id}}' $Tag) -replace '^sha256:', '')
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

Describe 'Sync-OsgPilot' -Tag Engines -Skip:$NoEngine {
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
        Wait-PilotExited "$Prefix-roll-3", "$Prefix-roll-4" -Engine $Engine | Should -Be @('0', '0')
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

Describe 'Register-OsgPilotSchedule, and its units run as systemd runs them' -Skip:($NoEngine -or -not (Test-Path /usr/local/bin/pwsh)) {
    BeforeAll {
        $script:Units = Join-Path $Work 'units'
        New-Item -ItemType Directory $Units | Out-Null
        $script:ConfigPath = Join-Path $Work 'scheduled.json'
        New-TestConfig -Name "$Prefix-sched" -TokenPath $TokenPath -CvmfsPath $Cvmfs | Export-OsgPilotConfig -Path $ConfigPath
        function ConvertTo-Literal([string] $s) { "'" + $s.Replace("'", "''") + "'" }
        function Register-Installed {
            # Register-OsgPilotSchedule as a site runs it: the installed pwsh, the module imported by
            # name, this session's DOCKER_HOST (the test engine). Returns the result, or the error.
            param([hashtable] $Parameters, [hashtable] $Environment = @{}, [string] $Import = 'OsgPilot')
            $text = ($Parameters.GetEnumerator() | ForEach-Object {
                    if ($_.Value -is [switch] -or $_.Value -is [bool]) { "-$($_.Key)" } else { "-$($_.Key) $(ConvertTo-Literal ([string]$_.Value))" } }) -join ' '
            $command = "Import-Module $(ConvertTo-Literal $Import); try { `$r = Register-OsgPilotSchedule $text -ErrorAction Stop -WarningVariable wv 3>`$null; `$e = `$null } catch { `$r = `$null; `$e = `$_ }; " +
                "[pscustomobject]@{ Result = `$r; ErrorId = `$e.FullyQualifiedErrorId; Category = [string]`$e.CategoryInfo.Category; Message = [string]`$e.Exception.Message; Warnings = @(`$wv | ForEach-Object Message) } | ConvertTo-Json -Depth 4 -Compress"
            # The installed pwsh on PATH, as on a host after build.ps1 -Task Install.
            if (-not $Environment.ContainsKey('PATH')) { $Environment = $Environment + @{ PATH = "/usr/local/bin:$env:PATH" } }
            $saved = @{}
            foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
            try { $out = /usr/local/bin/pwsh -NoProfile -NonInteractive -Command $command 2>&1 | Out-String }
            finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
            # The result is the last line (-WhatIf prints its "What if:" lines before it).
            try { ($out.Trim() -split "`n")[-1] | ConvertFrom-Json } catch { throw "Register-OsgPilotSchedule printed no result: $out" }
        }
        function Invoke-Unit([string] $Service) {
            # The unit's ExecStart, unquoted as systemd does (POSIX double-quote rules, $$ and %%
            # halved, %h root's home), run with only what a system service gets: systemd's PATH and
            # the unit's own Environment= lines. No DOCKER_HOST from here: the unit must name its engine.
            $unit = Get-Content $Service
            $exec = ($unit | Where-Object { $_ -like 'ExecStart=*' }).Substring(10)
            $split = 'import shlex,sys,json; print(json.dumps([a.replace("$$","$").replace("%%","%").replace("%h","/root") for a in shlex.split(sys.argv[1])]))'
            $argv = python3 -c $split $exec | ConvertFrom-Json
            $vars = @('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin')
            foreach ($line in $unit | Where-Object { $_ -like 'Environment=*' }) { $vars += @(python3 -c $split $line.Substring(12) | ConvertFrom-Json) }
            $stderr = Join-Path $Work 'unit.stderr'
            $out = env -i @vars @argv 2> $stderr | Out-String
            [pscustomobject]@{ Exit = $LASTEXITCODE; Output = $out; Errors = (Get-Content -Raw $stderr); Environment = $vars }
        }
        # The units keep their sync outcomes in this test's directory, never the host's /var/lib/osgpilot.
        $script:UnitState = Join-Path $Work 'unit-state'
        $script:Base = @{ ConfigPath = $ConfigPath; Count = 2; IntervalMinutes = 10; UnitDirectory = $Units; StateDirectory = $UnitState }
        function With([hashtable] $Changes) { $h = $Base.Clone(); foreach ($k in $Changes.Keys) { $h[$k] = $Changes[$k] }; $h }
    }

    It 'writes a service and a timer that systemd-analyze verify accepts, idempotently, naming pwsh, module and engine' -Skip:$NoSystemd {
        $r = (Register-Installed $Base).Result
        $r.Scheduler | Should -Be 'systemd'
        $r.Changed | Should -BeTrue
        $r.Files | Should -Be @("$Units/osgpilot-sync-$Prefix-sched.service", "$Units/osgpilot-sync-$Prefix-sched.timer")
        $r.EnableCommand | Should -Be "systemctl daemon-reload && systemctl enable --now osgpilot-sync-$Prefix-sched.timer"
        # pwsh puts its own directory first on its PATH: the link, or the installed tool it points at.
        $r.PwshPath | Should -BeIn '/usr/local/bin/pwsh', '/usr/local/lib/osgpilot/pwsh/pwsh'
        $r.ModuleVersion | Should -Be (Split-Path -Leaf (Split-Path $env:OSGPILOT_MODULE))
        $r.DockerHost | Should -Be $env:DOCKER_HOST
        $verify = systemd-analyze verify @($r.Files) 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $verify
        $service = Get-Content -Raw $r.Files[0]
        $service | Should -Match ([regex]::Escape("Import-Module 'OsgPilot'; Sync-OsgPilot -ConfigPath '$ConfigPath' -Count 2 -MaxImageAgeHours 72 -DockerHost '$env:DOCKER_HOST' -StateDirectory '$UnitState' -ScheduleName 'osgpilot-sync-$Prefix-sched' -AsJson"))
        $service | Should -Match ([regex]::Escape("ExecStart=`"$($r.PwshPath)`" `"-NoProfile`" `"-NonInteractive`""))
        $service | Should -Match 'Environment="PSModulePath=/usr/local/share/powershell/Modules"'
        $service | Should -Not -Match '\.nuget|/out/OsgPilot'
        Get-Content -Raw $r.Files[1] | Should -Match 'OnUnitActiveSec=10min'
        (Register-Installed $Base).Result.Changed | Should -BeFalse
        $exists = Register-Installed (With @{ Count = 3 })
        $exists.ErrorId | Should -BeLike 'ScheduleExists,*'
        $exists.Category | Should -Be 'ResourceExists'
        (Register-Installed (With @{ Count = 3; Force = [switch]::Present; WhatIf = [switch]::Present })).ErrorId | Should -BeNullOrEmpty
        Get-Content -Raw $r.Files[0] | Should -Match 'Sync-OsgPilot -ConfigPath \S+ -Count 2 '
        (Register-Installed (With @{ Force = [switch]::Present })).Result.Changed | Should -BeFalse
    }

    It 'the unit, run with only its own environment, reaches the session''s engine: JSON only, exit 0, then unchanged' {
        $r = Invoke-Unit "$Units/osgpilot-sync-$Prefix-sched.service"
        $r.Environment | Should -Not -Match '^DOCKER_HOST='
        $r.Exit | Should -Be 0 -Because "$($r.Output) $($r.Errors)"
        $r.Output | Should -Not -Match "`e"
        $r.Errors | Should -BeNullOrEmpty
        @($r.Output.Trim() -split "`n").Count | Should -Be 1
        $doc = $r.Output | ConvertFrom-Json
        $doc.Results.Kind | Should -Be @('Image', 'Pilot', 'Pilot')
        ($doc.Results | Where-Object Kind -EQ 'Pilot').Action | Should -Be @('Created', 'Created')
        $doc.Results[0].DockerHost | Should -Be $env:DOCKER_HOST
        ((Invoke-Unit "$Units/osgpilot-sync-$Prefix-sched.service").Output | ConvertFrom-Json).Changed | Should -BeFalse
    }

    It 'a unit registered with -MetricsPath, run with only its own environment, writes a metrics file promtool accepts; JSON only on the output' {
        $textfiles = New-TestDirectory
        $metrics = Join-Path $textfiles 'osgpilot-metr.prom'
        $path = Join-Path $Work 'metr.json'
        New-TestConfig -Name "$Prefix-metr" -TokenPath $TokenPath -CvmfsPath $Cvmfs 3> $null | Export-OsgPilotConfig -Path $path
        $s = (Register-Installed @{ ConfigPath = $path; UnitDirectory = $Units; MetricsPath = $metrics; StateDirectory = (Join-Path $Work 'state') }).Result
        $s.Command | Should -Match ([regex]::Escape("-MetricsPath '$metrics' -StateDirectory '$(Join-Path $Work 'state')' -ScheduleName 'osgpilot-sync-$Prefix-metr' -AsJson"))
        $r = Invoke-Unit $s.Files[0]
        $r.Exit | Should -Be 0 -Because "$($r.Output) $($r.Errors)"
        @($r.Output.Trim() -split "`n").Count | Should -Be 1
        ($r.Output | ConvertFrom-Json).ExitCode | Should -Be 0
        $text = Get-Content -Raw $metrics
        $text | Should -Match ('osgpilot_sync_success\{config="' + $Prefix + '-metr",[^}]*\} 1\n')
        $text | Should -Match ('osgpilot_pilot_up\{pilot="' + $Prefix + '-metr",[^}]*\} 1\n')
        Get-Content -Raw $metrics | promtool check metrics 2>&1 | Should -BeNullOrEmpty
        $LASTEXITCODE | Should -Be 0
        Test-Path (Join-Path $Work "state/activity") | Should -BeTrue
        docker rm -f "$Prefix-metr" | Out-Null
    }

    It 'Unregister-OsgPilotSchedule takes back the units and the series of a schedule, which outlives its pilots until then; -WhatIf changes nothing; a second call changes nothing' {
        $path = Join-Path $Work 'unreg.json'
        $state = Join-Path $Work 'unreg-state'
        # A default config name ("osgpilot-..."): the unit says osgpilot once.
        New-TestConfig -Name "osgpilot-$Prefix-unreg" -TokenPath $TokenPath -CvmfsPath $Cvmfs 3> $null | Export-OsgPilotConfig -Path $path
        $s = (Register-Installed @{ ConfigPath = $path; UnitDirectory = $Units; StateDirectory = $state }).Result
        $s.Name | Should -Be "osgpilot-sync-$Prefix-unreg"
        (Invoke-Unit $s.Files[0]).Exit | Should -Be 0
        docker rm -f "osgpilot-$Prefix-unreg" | Out-Null
        $series = 'osgpilot_sync_success\{config="osgpilot-' + $Prefix + '-unreg"'
        # Scheduled, so its series stays with no pilot left: a failing schedule must still alert.
        Export-OsgPilotMetrics -StateDirectory $state | Should -Match $series

        $whatIf = Unregister-OsgPilotSchedule -ConfigPath $path -UnitDirectory $Units -StateDirectory $state -WhatIf
        $whatIf.Changed | Should -BeFalse
        Test-Path $s.Files | Should -Be @($true, $true)
        Export-OsgPilotMetrics -StateDirectory $state | Should -Match $series

        $r = Unregister-OsgPilotSchedule -ConfigPath $path -UnitDirectory $Units -StateDirectory $state -Force
        $r.Changed | Should -BeTrue
        $r.Scheduler | Should -Be 'systemd'
        $r.Removed | Should -Be @("$Units/$($s.Name).timer", "$Units/$($s.Name).service")
        @($r.RetiredStatus).Count | Should -Be 1
        # This systemd (none here) does not read the directory: what the host that does must still run.
        $r.TimerStopped | Should -BeFalse
        $r.FollowUpCommand | Should -Be "systemctl disable --now $($s.Name).timer && systemctl daemon-reload"
        ($r | ConvertTo-Json | ConvertFrom-Json).RetiredStatus | Should -Be @($r.RetiredStatus)
        Test-Path $s.Files | Should -Be @($false, $false)
        Export-OsgPilotMetrics -StateDirectory $state | Should -Not -Match $series

        $again = Unregister-OsgPilotSchedule -Name $s.Name -UnitDirectory $Units -StateDirectory $state -Force
        $again.Changed | Should -BeFalse
        @($again.Removed).Count + @($again.RetiredStatus).Count | Should -Be 0
    }

    It 'a sync run by hand leaves no series once its config has no pilot; Unregister refuses a unit it did not write, changing nothing' {
        $state = Join-Path $Work 'byhand-state'
        $cfg = New-TestConfig -Name "$Prefix-byhand" -TokenPath $TokenPath -CvmfsPath $Cvmfs 3> $null
        $cfg | Sync-OsgPilot -StateDirectory $state -WatchSeconds 0 | Out-Null
        $series = 'osgpilot_sync_success\{config="' + $Prefix + '-byhand"'
        Export-OsgPilotMetrics -StateDirectory $state | Should -Match $series
        Get-OsgPilot -Name "$Prefix-byhand" | Remove-OsgPilot -Force -StateDirectory $state
        Export-OsgPilotMetrics -StateDirectory $state | Should -Not -Match $series

        Set-Content "$Units/$Prefix-foreign.timer" "[Unit]`nDescription=a site's own timer"
        $e = { Unregister-OsgPilotSchedule -Name "$Prefix-foreign" -UnitDirectory $Units -StateDirectory $state -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'ScheduleNotOurs,OsgPilot.Cmdlets.UnregisterOsgPilotScheduleCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'InvalidOperation'
        Test-Path "$Units/$Prefix-foreign.timer" | Should -BeTrue
    }

    It 'the unit exits 1 exactly when something failed, still with JSON only, its warnings inside' {
        $aged = '127.0.0.1:9/osgpilot/sync-cron:' + $Prefix
        python3 (Join-Path $PSScriptRoot '../fixtures/age-image.py') (Get-TestImage) $aged 5 | Out-Null
        $path = Join-Path $Work 'failing.json'
        $soon = New-TestTokenFile -Directory $Work -Text (New-TestTokenText -Expires ([DateTime]::UtcNow.AddDays(3)))
        New-TestConfig -Name "$Prefix-fail" -TokenPath $soon -CvmfsPath $Cvmfs -Extra @{ Image = $aged } 3> $null | Export-OsgPilotConfig -Path $path
        $s = (Register-Installed @{ ConfigPath = $path; UnitDirectory = $Units; StateDirectory = $UnitState }).Result
        $r = Invoke-Unit $s.Files[0]
        $r.Exit | Should -Be 1 -Because $r.Output
        $r.Output | Should -Not -Match "`e"
        $r.Errors | Should -Not -Match "`e"
        $r.Errors | Should -Match 'ImagePullFailed|could not be pulled|pull failed'
        $r.Errors | Should -Not -Match ([regex]::Escape((Get-Content -Raw $soon)))
        $doc = $r.Output | ConvertFrom-Json
        ($doc.Results | Where-Object Kind -EQ 'Image').Action | Should -Be 'Failed'
        ($doc.Results | Where-Object Kind -EQ 'Pilot').Action | Should -Be 'Created' -Because 'the image the engine has still serves'
        ($doc.Warnings -join "`n") | Should -Match 'expires on .* within 7 days'
        ($doc.Warnings -join "`n") | Should -Match 'could not be refreshed'
        docker rm -f "$Prefix-fail" | Out-Null
        docker rmi $aged | Out-Null
    }

    It 'refuses, writing nothing, <Case>' -TestCases @(
        @{ Case = 'a config file every run would fail on'; Extra = @{ Name = 'broken1' }; Bad = $true; Id = 'ConfigFileInvalidJson,*' }
        @{ Case = 'an endpoint no run could use'; Extra = @{ Name = 'broken2'; DockerHost = 'bogus://x' }; Id = 'InvalidDockerHost,*' }
        @{ Case = 'a context that does not exist'; Extra = @{ Name = 'broken3'; Context = 'nosuchctx' }; Id = 'DockerContextNotFound,*' }
        @{ Case = "the name '-'"; Extra = @{ Name = '-' }; Id = 'ParameterArgumentValidationError,*' }
        @{ Case = "the name '..'"; Extra = @{ Name = '..' }; Id = 'ParameterArgumentValidationError,*' }
    ) {
        param($Case, $Extra, $Bad, $Id)
        $dir = Join-Path $Work "refuse-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        New-Item -ItemType Directory $dir | Out-Null
        $config = $ConfigPath
        if ($Bad) { $config = Join-Path $dir 'bad.json'; Set-Content $config '{ "SchemaVersion": 1, "Site": "Lancium" ' }
        $r = Register-Installed (@{ ConfigPath = $config; UnitDirectory = $dir } + $Extra)
        $r.ErrorId | Should -BeLike $Id -Because $r.Message
        @(Get-ChildItem $dir -Exclude 'bad.json') | Should -BeNullOrEmpty
    }

    It 'writes both units or neither: a directory where the timer goes leaves no service behind' {
        $dir = Join-Path $Work 'halfway'
        New-Item -ItemType Directory $dir, (Join-Path $dir 'halfway.timer') | Out-Null
        $r = Register-Installed @{ ConfigPath = $ConfigPath; UnitDirectory = $dir; Name = 'halfway'; Force = [switch]::Present }
        $r.ErrorId | Should -BeLike 'ScheduleWriteFailed,*'
        $r.Message | Should -Match 'no unit file was changed'
        @(Get-ChildItem $dir).Name | Should -Be @('halfway.timer')
    }

    It 'refuses a PowerShell in the NuGet cache and a module outside PSModulePath, naming the fix' {
        # This session is both: the repository's dotnet-tool pwsh and the staged build.
        $path = $env:PATH
        $env:PATH = "/usr/local/bin:$path"
        try { $r = Register-OsgPilotSchedule -ConfigPath $ConfigPath -UnitDirectory $Units -Name 'from-build-tree' -ErrorAction SilentlyContinue -ErrorVariable ev }
        finally { $env:PATH = $path }
        $r | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'ScheduleModuleNotInstalled,*'
        $ev[0].CategoryInfo.Category | Should -Be 'NotInstalled'
        $ev[0].Exception.Message | Should -Match 'build.ps1 -Task Install'
        try {
            $env:PATH = ($env:PATH -split ':' | Where-Object { -not (Test-Path (Join-Path $_ 'pwsh')) }) -join ':'
            Register-OsgPilotSchedule -ConfigPath $ConfigPath -UnitDirectory $Units -Name 'from-cache' -ErrorAction SilentlyContinue -ErrorVariable ev2 | Out-Null
        }
        finally { $env:PATH = $path }
        $ev2[0].FullyQualifiedErrorId | Should -BeLike 'ScheduleShellNotInstalled,*'
        $ev2[0].Exception.Message | Should -Match '/usr/local/bin/pwsh'
        Test-Path "$Units/from-build-tree.service", "$Units/from-cache.service" | Should -Be @($false, $false)
    }

    It 'says which module version the timer will run: the newest installed beside the loaded one' {
        $root = Join-Path $Work 'modules'
        $loaded = Join-Path $root 'OsgPilot/0.1.0'
        New-Item -ItemType Directory -Force $loaded, (Join-Path $root 'OsgPilot/9.9.9') | Out-Null
        Copy-Item (Join-Path (Split-Path $env:OSGPILOT_MODULE) '*') $loaded -Recurse
        Copy-Item (Join-Path $loaded 'OsgPilot.psd1') (Join-Path $root 'OsgPilot/9.9.9')
        $r = Register-Installed @{ ConfigPath = $ConfigPath; UnitDirectory = $Units; Name = 'newer' } -Import (Join-Path $loaded 'OsgPilot.psd1') -Environment @{ PSModulePath = $root }
        $r.ErrorId | Should -BeNullOrEmpty -Because $r.Message
        $r.Result.ModuleVersion | Should -Be '9.9.9'
        $r.Warnings | Should -Match 'will run OsgPilot 9\.9\.9'
        Get-Content -Raw "$Units/newer.service" | Should -Match ([regex]::Escape("Environment=`"PSModulePath=$root`""))
    }
}

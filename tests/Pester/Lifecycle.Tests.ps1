# Start/Get/Stop/Remove/Log against the real, network-isolated test engine. Engine-parameterised:
# the blocks tagged Engines run on dockerd and on Podman (tests/Invoke-PesterSuite.ps1 -Engine podman).
param([ValidateSet('docker', 'podman')] [string] $Engine = 'docker')
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope lc
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath
    $script:PilotDir = New-TestDirectory -ForPilot
}

AfterAll {
    Remove-TestScope $script:Scope
    Remove-Item -Recurse -Force $script:PilotDir -ErrorAction Ignore
}

Describe 'Start-OsgPilot' -Tag Engines -Skip:$NoEngine {
    It 'creates one running pilot with OsgPilot labels and reports Changed' {
        $cfg = New-TestConfig -Name "$Prefix-a" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ PilotDirectory = $PilotDir }
        $p = $cfg | Start-OsgPilot
        $p | Should -HaveCount 1
        $p.Name | Should -Be "$Prefix-a"
        $p.State | Should -Be 'running'
        $p.Changed | Should -BeTrue
        $p.Site | Should -Be 'Lancium'
        $p.ResourceName | Should -Be 'Lancium-Backfill'
        $p.DockerHost | Should -Be $env:DOCKER_HOST
        $labels = (Invoke-DockerInspect "$Prefix-a").Config.Labels
        $labels.'org.osg-htc.osgpilot.managed' | Should -Be 'true'
        $labels.'org.osg-htc.osgpilot.config-hash' | Should -Be $p.ConfigHash
        $labels.'org.osg-htc.osgpilot.version' | Should -Be (Get-Module OsgPilot).Version.ToString()
    }

    It 'is idempotent: the same start again creates nothing and reports Changed = $false' {
        $cfg = New-TestConfig -Name "$Prefix-a" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ PilotDirectory = $PilotDir }
        $before = (Invoke-DockerInspect "$Prefix-a").Id
        $p = $cfg | Start-OsgPilot
        $p.Changed | Should -BeFalse
        $p.Id | Should -Be $before
        @(Get-ContainerNames | Where-Object { $_ -eq "$Prefix-a" }) | Should -HaveCount 1
    }

    It 'refuses a same-named pilot with another config unless -Force, which recreates it' {
        $other = New-TestConfig -Name "$Prefix-a" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ PilotDirectory = $PilotDir; SquidLocation = 'squid2.example.edu:3128' }
        $before = (Invoke-DockerInspect "$Prefix-a").Id
        $out = $other | Start-OsgPilot -ErrorVariable ev -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PilotConfigMismatch,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        (Invoke-DockerInspect "$Prefix-a").Id | Should -Be $before

        $p = $other | Start-OsgPilot -Force
        $p.Changed | Should -BeTrue
        $p.Id | Should -Not -Be $before
        (Invoke-DockerInspect "$Prefix-a").Config.Env | Should -Contain 'OSG_SQUID_LOCATION=http://squid2.example.edu:3128'
    }

    It 'never touches a same-named container that is not a pilot' {
        docker create --name "$Prefix-foreign" (Get-TestImage) | Out-Null
        $cfg = New-TestConfig -Name "$Prefix-foreign" -TokenPath $TokenPath -CvmfsPath $Cvmfs
        $cfg | Start-OsgPilot -Force -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PilotNameInUse,*'
        (Invoke-DockerInspect "$Prefix-foreign").Config.Labels.'org.osg-htc.osgpilot.managed' | Should -BeNullOrEmpty
        docker rm -f "$Prefix-foreign" | Out-Null
    }

    It '-WhatIf creates nothing' {
        $cfg = New-TestConfig -Name "$Prefix-whatif" -TokenPath $TokenPath -CvmfsPath $Cvmfs
        $cfg | Start-OsgPilot -WhatIf | Should -BeNullOrEmpty
        Get-ContainerNames | Should -Not -Contain "$Prefix-whatif"
    }

    It '-Count 3 starts three pilots, each in its own pilot subdirectory owned by uid 1000' {
        $cfg = New-TestConfig -Name "$Prefix-n" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ PilotDirectory = $PilotDir }
        $p = $cfg | Start-OsgPilot -Count 3
        $p.Name | Should -Be @("$Prefix-n-1", "$Prefix-n-2", "$Prefix-n-3")
        $p.Changed | Should -Not -Contain $false
        foreach ($name in $p.Name) {
            $i = Invoke-DockerInspect $name
            ($i.Mounts | Where-Object Destination -EQ '/pilot').Source | Should -Be "$PilotDir/$name"
            $i.Config.Env | Should -Contain 'GLIDEIN_RANDOMIZE_NAME=true'
            (stat -c '%u %a' "$PilotDir/$name") | Should -Be '1000 755' -Because 'owned by the pilot user, so no world-writable mode is needed'
        }
        ($cfg | Start-OsgPilot -Count 3).Changed | Should -Not -Contain $true
    }

    It 'starting a stopped pilot whose directory went missing recreates it for uid 1000 (Docker would make it root-owned)' {
        Stop-OsgPilot -Name "$Prefix-n-2" -Timeout 5
        Remove-Item -Recurse -Force "$PilotDir/$Prefix-n-2"
        $cfg = New-TestConfig -Name "$Prefix-n" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ PilotDirectory = $PilotDir }
        $p = $cfg | Start-OsgPilot -Count 3
        ($p | Where-Object Name -EQ "$Prefix-n-2").Changed | Should -BeTrue
        (stat -c '%u %a' "$PilotDir/$Prefix-n-2") | Should -Be '1000 755'
        (Get-OsgPilot -Name "$Prefix-n-2").State | Should -Be 'running'
    }

    It 'a pilot directory that cannot be created is a clear error, and the other pilots still start' {
        $dir = New-TestDirectory -ForPilot
        Set-Content "$dir/$Prefix-blk-2" 'a file in the way'
        $cfg = New-TestConfig -Name "$Prefix-blk" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ PilotDirectory = $dir }
        $p = $cfg | Start-OsgPilot -Count 3 -WatchSeconds 1 -ErrorVariable ev -ErrorAction SilentlyContinue
        $p.Name | Should -Be @("$Prefix-blk-1", "$Prefix-blk-3")
        $ev | Should -HaveCount 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PilotStartFailed,*'
        $ev[0].CategoryInfo.Category | Should -Be 'WriteError'
        $ev[0].Exception.Message | Should -Match "Cannot create the pilot directory '$([regex]::Escape("$dir/$Prefix-blk-2"))'"
        Get-ContainerNames | Should -Not -Contain "$Prefix-blk-2"
        Remove-OsgPilot -Name "$Prefix-blk-*" -Force
        Remove-Item -Recurse -Force $dir
    }

    It 'copies an inline token into the container for the pilot user, with no TOKEN variable' {
        $text = New-TestTokenText
        $secure = ConvertTo-SecureString $text -AsPlainText -Force
        $cfg = New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -Token $secure -Name "$Prefix-inline" -Image (Get-TestImage) -CvmfsPath $Cvmfs -RestartPolicy No -Environment @{ STANDIN_IDLE_SECONDS = '600' }
        $p = $cfg | Start-OsgPilot
        $p.State | Should -Be 'running'
        $inspect = docker inspect "$Prefix-inline" | Out-String
        $inspect | Should -Not -Match ([regex]::Escape($text.Split('.')[1]))
        $inspect | Should -Not -Match 'TOKEN='
        docker exec "$Prefix-inline" stat -c '%u %a' /etc/condor/tokens-orig.d/flock.opensciencegrid.org | Should -Be '1000 400'
        $inside = docker exec --user osg "$Prefix-inline" md5sum /etc/condor/tokens-orig.d/flock.opensciencegrid.org
        $expected = [BitConverter]::ToString([Security.Cryptography.MD5]::HashData([Text.Encoding]::UTF8.GetBytes($text + "`n"))).Replace('-', '').ToLowerInvariant()
        ($inside -split ' ')[0] | Should -Be $expected
    }

    It 'starts pilots the stand-in image accepts: ready via startd_addr.sh, logs carry site and resource' {
        docker exec "$Prefix-a" /usr/local/sbin/startd_addr.sh | Should -Match '^<127\.0\.0\.1:9618'
        $lines = Get-OsgPilotLog -Name "$Prefix-a" -Tail 3
        $lines | Should -HaveCount 3
        $lines[-1] | Should -Match 'GLIDEIN_Site="Lancium"'
        ($lines -join "`n") | Should -Match 'accept new jobs for 336 hours'
    }
}

Describe 'Get-OsgPilot' -Tag Engines -Skip:$NoEngine {
    It 'lists pilots by wildcard and serialises cleanly to JSON' {
        $json = Get-OsgPilot -Name "$Prefix-n-*" | ConvertTo-Json | ConvertFrom-Json
        $json.Name | Should -Be @("$Prefix-n-1", "$Prefix-n-2", "$Prefix-n-3")
        $json[0].PSObject.Properties.Name | Should -Contain 'Changed'
        $json[0].Site | Should -Be 'Lancium'
        # The engine names itself (its /_ping, or /version): "Docker 20.10.24+dfsg1", "Podman 4.3.1".
        $json[0].Engine | Should -Match ($(if ($Engine -eq 'podman') { '^Podman \d' } else { '^Docker \d' }))
    }

    It 'reports a literal name that matches nothing as PilotNotFound' {
        Get-OsgPilot -Name "$Prefix-nope" -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PilotNotFound,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'does not list containers that are not pilots' {
        docker create --name "$Prefix-plain" (Get-TestImage) | Out-Null
        (Get-OsgPilot -All).Name | Should -Not -Contain "$Prefix-plain"
        docker rm "$Prefix-plain" | Out-Null
    }
}

Describe 'Pilot name completion' -Skip:$NoEngine {
    It 'offers the names of the pilots on the engine' {
        $line = "Stop-OsgPilot -Name $Prefix-n-"
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @("$Prefix-n-1", "$Prefix-n-2", "$Prefix-n-3")
    }
}

Describe 'Get-OsgPilotLog -Follow' -Skip:$NoEngine {
    It 'streams until stopped and then returns promptly' {
        $ps = [powershell]::Create()
        [void]$ps.AddScript("Import-Module '$env:OSGPILOT_MODULE'; Get-OsgPilotLog -Name '$Prefix-a' -Follow")
        $out = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $out)
        $deadline = [DateTime]::UtcNow.AddSeconds(15)
        while ($out.Count -lt 3 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $out.Count | Should -BeGreaterOrEqual 3
        $handle.IsCompleted | Should -BeFalse -Because 'Follow keeps streaming'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
        $ps.Dispose()
    }
}

Describe 'Stop-OsgPilot and Remove-OsgPilot' -Tag Engines -Skip:$NoEngine {
    It 'Stop -PassThru returns the stopped pilots' {
        $p = Get-OsgPilot -Name "$Prefix-n-1", "$Prefix-n-2" | Stop-OsgPilot -Timeout 10 -PassThru
        $p.Name | Should -Be @("$Prefix-n-1", "$Prefix-n-2")
        $p.State | Should -Not -Contain 'running'
    }

    It 'Stop -Drain makes the pilot take no new jobs and exit once idle, as the real advertise script does' {
        $dir = New-TestDirectory -ForPilot   # its own: a stamp in a shared directory would drain every pilot there
        $cfg = New-TestConfig -Name "$Prefix-drain" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{
            PilotDirectory = $dir; Environment = @{ STANDIN_JOBS = 'continuous'; STANDIN_IDLE_SECONDS = '2'; STANDIN_ADVERTISE_SECONDS = '1' } }
        $cfg | Start-OsgPilot | Out-Null
        Start-Sleep -Seconds 4
        (Get-OsgPilot -Name "$Prefix-drain").State | Should -Be 'running' -Because 'a pilot that keeps getting jobs does not idle out'
        Stop-OsgPilot -Name "$Prefix-drain" -Drain -PassThru | Out-Null
        Test-Path "$dir/stop-glidein.stamp" | Should -BeTrue
        (stat -c '%u' "$dir/stop-glidein.stamp") | Should -Be '1000'
        docker wait "$Prefix-drain" | Should -Be '0'
        $log = docker logs "$Prefix-drain" 2>&1
        @($log -match 'advertising as not validated, accepting no new jobs') | Should -HaveCount 1
        $log[-1] | Should -Match 'idle for 2 s without a claim'
        Remove-OsgPilot -Name "$Prefix-drain" -Confirm:$false
        Remove-Item -Recurse -Force $dir
    }

    It 'a second Stop -Drain of a pilot still draining changes nothing (Changed = False, no What if)' {
        $dir = New-TestDirectory -ForPilot
        # Its advertise script runs only every 10 minutes: the drained pilot stays running through the test.
        $cfg = New-TestConfig -Name "$Prefix-redrain" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{
            PilotDirectory = $dir; Environment = @{ STANDIN_IDLE_SECONDS = '600'; STANDIN_ADVERTISE_SECONDS = '600' } }
        $cfg | Start-OsgPilot | Out-Null
        $first = Stop-OsgPilot -Name "$Prefix-redrain" -Drain -PassThru
        $first.Changed | Should -BeTrue
        $second = Stop-OsgPilot -Name "$Prefix-redrain" -Drain -PassThru
        $second.State | Should -Be 'running' -Because 'the test must ask a pilot that is running and draining'
        $second.Changed | Should -BeFalse
        # -WhatIf text goes to the host: a process of its own; a plain stop's What if is the control.
        $p = Start-PwshProcess ("Import-Module '$env:OSGPILOT_MODULE'; Stop-OsgPilot -Name '$Prefix-redrain' -Drain -WhatIf; 'MARK'; Stop-OsgPilot -Name '$Prefix-redrain' -WhatIf")
        $out = $p.StandardOutput.ReadToEnd(); $null = $p.StandardError.ReadToEnd(); $p.WaitForExit()
        $before, $after = $out -split 'MARK'
        $before | Should -Not -Match 'What if'
        $after | Should -Match 'What if: .*Stop pilot \(SIGTERM, SIGKILL after 120 s'
        Remove-OsgPilot -Name "$Prefix-redrain" -Force
        Remove-Item -Recurse -Force $dir
    }

    It 'Stop -WhatIf stops nothing' {
        Stop-OsgPilot -Name "$Prefix-n-3" -WhatIf
        (Get-OsgPilot -Name "$Prefix-n-3").State | Should -Be 'running'
    }

    It 'Remove refuses a running pilot without -Force' {
        Remove-OsgPilot -Name "$Prefix-n-3" -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PilotRunning,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        Get-ContainerNames | Should -Contain "$Prefix-n-3"
    }

    It 'Remove -WhatIf removes nothing; Remove -Force removes running and stopped pilots from the pipeline' {
        Get-OsgPilot -All -Name "$Prefix-*" | Remove-OsgPilot -Force -WhatIf
        @(Get-OsgPilot -All -Name "$Prefix-*").Count | Should -BeGreaterThan 3
        Get-OsgPilot -All -Name "$Prefix-*" | Remove-OsgPilot -Force -Confirm:$false
        Get-OsgPilot -All -Name "$Prefix-*" | Should -BeNullOrEmpty
        @(Get-ContainerNames | Where-Object { $_ -like "$Prefix-*" }) | Should -HaveCount 0
    }
}

Describe 'Stand-in pilot image contract' -Skip:$NoEngine {
    It 'refuses to run as root' {
        docker run --rm -e GLIDEIN_Site=S -e GLIDEIN_ResourceName=R -e TOKEN=t (Get-TestImage) 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 1
    }
    It 'exits 1 without GLIDEIN_Site, without a token, or with a bad ACCEPT_JOBS_FOR_HOURS' {
        docker run --rm --user osg -e GLIDEIN_ResourceName=R -e TOKEN=t (Get-TestImage) *> $null; $LASTEXITCODE | Should -Be 1
        docker run --rm --user osg -e GLIDEIN_Site=S -e GLIDEIN_ResourceName=R (Get-TestImage) *> $null; $LASTEXITCODE | Should -Be 1
        docker run --rm --user osg -e GLIDEIN_Site=S -e GLIDEIN_ResourceName=R -e TOKEN=t -e ACCEPT_JOBS_FOR_HOURS=x (Get-TestImage) *> $null; $LASTEXITCODE | Should -Be 1
    }
    It 'exits by itself when idle (started unwatched: an exit this early would count as a refused start)' {
        $cfg = New-TestConfig -Name "$Prefix-idle" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Environment = @{ STANDIN_IDLE_SECONDS = '1' } }
        $cfg | Start-OsgPilot -WatchSeconds 0 | Out-Null
        docker wait "$Prefix-idle" | Should -Be '0'
        (Get-OsgPilot -Name "$Prefix-idle" -All).State | Should -Be 'exited'
        Get-OsgPilot -Name "$Prefix-idle" -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Remove-OsgPilot -Force in unattended use' -Skip:$NoEngine {
    BeforeAll {
        function Invoke-Child([string] $Command) {
            # A scheduler's pwsh: -NonInteractive, no console input.
            $pwsh = Get-PwshCommand
            $script = "Import-Module '$env:OSGPILOT_MODULE'; `$ErrorActionPreference = 'Continue'; $Command; exit `$(if (`$Error.Count) { 1 } else { 0 })"
            $out = '' | & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $out }
        }
    }

    It 'removes a running pilot without asking, under -NonInteractive with input redirected' {
        $cfg = New-TestConfig -Name "$Prefix-force" -TokenPath $TokenPath -CvmfsPath $Cvmfs
        $cfg | Start-OsgPilot -WatchSeconds 0 | Out-Null
        $r = Invoke-Child "Remove-OsgPilot -Name '$Prefix-force' -Force -WhatIf"
        $r.Output | Should -Match 'What if: Performing the operation "Stop and remove pilot"'
        Get-ContainerNames | Should -Contain "$Prefix-force"
        $r = Invoke-Child "Remove-OsgPilot -Name '$Prefix-force' -Force -Confirm"
        $r.ExitCode | Should -Be 1 -Because 'an explicit -Confirm still asks, and a non-interactive session cannot answer'
        Get-ContainerNames | Should -Contain "$Prefix-force"
        $r = Invoke-Child "Remove-OsgPilot -Name '$Prefix-force' -Force"
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Not -Match 'NonInteractive|Confirm'
        Get-ContainerNames | Should -Not -Contain "$Prefix-force"
    }
}

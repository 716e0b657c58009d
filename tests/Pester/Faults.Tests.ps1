# Faults leave nothing half-made (issue 9): one test (or a few) per numbered case of the issue, on the
# real engine. Engine faults come from tests/fixtures/faultproxy.py, a proxy between the module and
# the engine's socket that drops or stalls the connection at a chosen request; Ctrl+C is a real ^C
# typed on a pseudo-terminal (tests/fixtures/ctrl-c.py).
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope fl
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath
    $script:Pwsh = Get-PwshCommand
    $script:CtrlC = Join-Path $PSScriptRoot '../fixtures/ctrl-c.py'

    function New-FaultConfig([string] $Name, [string] $PilotDirectory, [hashtable] $Extra = @{}) {
        $x = @{} + $Extra
        if ($PilotDirectory) { $x.PilotDirectory = $PilotDirectory }
        New-TestConfig -Name "$Prefix-$Name" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra $x
    }
    function Get-State([string] $Name) {
        $s = docker inspect --format '{{.State.Status}}' $Name 2>$null
        if ($LASTEXITCODE -ne 0) { 'absent' } else { $s }
    }
    function Assert-PilotWorks([string] $Name, [string] $Directory) {
        Get-State $Name | Should -Be 'running'
        if ($Directory) { (stat -c '%u %a' $Directory) | Should -Be '1000 755' -Because "$Directory is the pilot's own" }
        docker exec --user osg $Name sh -c 'd=$(mktemp -d /pilot/probe-XXXXXX) && rmdir "$d" && test -s /etc/condor/tokens-orig.d/*' | Out-Null
        $LASTEXITCODE | Should -Be 0 -Because "$Name has its token and uid 1000 can write its /pilot"
    }
    function Invoke-OnTerminal([double] $Delay, [string] $Command, [hashtable] $Environment = @{}) {
        # Runs pwsh on a pseudo-terminal and types ^C after $Delay seconds.
        $saved = @{}
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        try {
            $argv = @($Pwsh) + @('-NoProfile', '-Command', "Import-Module '$env:OSGPILOT_MODULE'; $Command; 'finished'")
            python3 $CtrlC $Delay @argv | ConvertFrom-Json
        } finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        }
    }
}

AfterAll {
    Remove-TestScope $script:Scope
}

Describe 'Case 1: the engine drops the connection after a create request' -Skip:$NoEngine {
    AfterEach { Stop-FaultProxy $script:Proxy; Remove-TestPilots "$Prefix-c1" }

    It 'the half-made pilot is found by name and removed with its directory; the others start; the next run makes it whole' {
        $dir = New-TestDirectory -ForPilot
        $script:Proxy = Start-FaultProxy -Fault "POST /containers/create\?name=$Prefix-c1a-2 =drop-response"
        $cfg = New-FaultConfig c1a $dir
        $out = $cfg | Start-OsgPilot -Count 3 -WatchSeconds 1 -DockerHost $Proxy.DockerHost -ErrorVariable failures -ErrorAction SilentlyContinue
        Get-FaultLog $Proxy | Should -Contain "FAULT drop-response POST /containers/create?name=$Prefix-c1a-2 HTTP/1.1"
        $out.Name | Should -Be @("$Prefix-c1a-1", "$Prefix-c1a-3")
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Match '^PilotStartFailed,'
        $failures[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $failures[0].Exception.Message | Should -Match 'ended before it answered the request to create the container'
        $failures[0].Exception.Message | Should -Match 'nothing was left behind'
        Get-State "$Prefix-c1a-2" | Should -Be 'absent'
        Test-Path "$dir/$Prefix-c1a-2" | Should -BeFalse
        ($cfg | Start-OsgPilot -Count 3 -WatchSeconds 1 | Where-Object Changed).Name | Should -Be "$Prefix-c1a-2"
        foreach ($i in 1..3) { Assert-PilotWorks "$Prefix-c1a-$i" "$dir/$Prefix-c1a-$i" }
    }

    It 'when the cleanup cannot reach the engine either, the Created leftover is replaced (not started) by the next run, and its /pilot stays writable' {
        $dir = New-TestDirectory -ForPilot
        # Request 2 of the list kind is the cleanup's lookup by name (1 is the plan).
        $script:Proxy = Start-FaultProxy -Fault "POST /containers/create\?name=$Prefix-c1b-2 =drop-response", 'GET /containers/json=drop-request@2'
        $cfg = New-FaultConfig c1b $dir
        $cfg | Start-OsgPilot -Count 3 -WatchSeconds 1 -DockerHost $Proxy.DockerHost -ErrorVariable failures -ErrorAction SilentlyContinue | Out-Null
        (Get-FaultLog $Proxy | Where-Object { $_ -like 'FAULT *' }).Count | Should -Be 2
        $failures.Count | Should -Be 1
        $failures[0].Exception.Message | Should -Match 'a container may be left behind, which the next Start-OsgPilot replaces'
        Get-State "$Prefix-c1b-2" | Should -Be 'created'
        $leftover = docker inspect --format '{{.Id}}' "$Prefix-c1b-2"
        Test-Path "$dir/$Prefix-c1b-2" | Should -BeTrue -Because 'the directory of a container that may exist is kept'
        $again = $cfg | Start-OsgPilot -Count 3 -WatchSeconds 2 -Verbose 4>&1
        ($again | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain "Replace pilot '$Prefix-c1b-2'."
        docker inspect --format '{{.Id}}' "$Prefix-c1b-2" | Should -Not -Be $leftover
        foreach ($i in 1..3) { Assert-PilotWorks "$Prefix-c1b-$i" "$dir/$Prefix-c1b-$i" }
    }

    It 'Ctrl+C while the create is unanswered says so, and takes the half-made pilot back' {
        $dir = New-TestDirectory -ForPilot
        $cfgPath = Join-Path $Work 'c1c.json'
        New-FaultConfig c1c $dir | Export-OsgPilotConfig -Path $cfgPath
        $script:Proxy = Start-FaultProxy -Fault "POST /containers/create\?name=$Prefix-c1c-2 =stall"
        $r = Invoke-OnTerminal 5 "Import-OsgPilotConfig '$cfgPath' | Start-OsgPilot -Count 3 -WatchSeconds 0" @{ DOCKER_HOST = $Proxy.DockerHost }
        Get-FaultLog $Proxy | Should -Contain "FAULT stall POST /containers/create?name=$Prefix-c1c-2 HTTP/1.1"
        $r.ended | Should -BeTrue
        $r.seconds_after_ctrl_c | Should -BeLessThan 10
        $r.output | Should -Match 'Start-OsgPilot was interrupted'
        $r.output | Should -Not -Match 'finished'
        Get-State "$Prefix-c1c-2" | Should -Be 'absent'
        Test-Path "$dir/$Prefix-c1c-2" | Should -BeFalse
        Get-State "$Prefix-c1c-1" | Should -Be 'running' -Because 'a pilot that had started keeps running'
    }
}

Describe 'Case 2: a fault between create and the token copy' -Skip:$NoEngine {
    AfterEach { Stop-FaultProxy $script:Proxy; Remove-TestPilots "$Prefix-c2" }

    It 'with -Token: the tokenless container is removed at once' {
        $script:Proxy = Start-FaultProxy -Fault 'PUT /containers/[0-9a-f]+/archive=drop-request'
        $secure = ConvertTo-SecureString $Scope.TokenText -AsPlainText -Force
        $cfg = New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -Token $secure -Name "$Prefix-c2a" -Image (Get-TestImage) -CvmfsPath $Cvmfs -RestartPolicy No
        $cfg | Start-OsgPilot -WatchSeconds 1 -DockerHost $Proxy.DockerHost -ErrorVariable failures -ErrorAction SilentlyContinue | Out-Null
        (Get-FaultLog $Proxy) -match '^FAULT drop-request PUT' | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -Match '^PilotStartFailed,'
        Get-State "$Prefix-c2a" | Should -Be 'absent'
    }

    It 'when the cleanup fails too, the next run replaces the tokenless container instead of starting it into a crash loop' {
        $script:Proxy = Start-FaultProxy -Fault 'PUT /containers/[0-9a-f]+/archive=drop-request', 'DELETE /containers/=drop-request'
        $cfg = New-FaultConfig c2b -Extra @{ RestartPolicy = 'UnlessStopped' }
        $cfg | Start-OsgPilot -WatchSeconds 1 -DockerHost $Proxy.DockerHost -ErrorAction SilentlyContinue | Out-Null
        Get-State "$Prefix-c2b" | Should -Be 'created'
        docker cp "$Prefix-c2b:/etc/condor/tokens-orig.d" - *> $null
        $LASTEXITCODE | Should -Not -Be 0 -Because 'the leftover has no token'
        $p = $cfg | Start-OsgPilot -WatchSeconds 4
        $p.Changed | Should -BeTrue
        Assert-PilotWorks "$Prefix-c2b"
        docker inspect --format '{{.RestartCount}}' "$Prefix-c2b" | Should -Be '0'
        ($cfg | Start-OsgPilot -WatchSeconds 1).Changed | Should -BeFalse
    }
}

Describe 'Case 3: two processes start one config at once' -Skip:$NoEngine {
    It '10 rounds of two Start-OsgPilot -Count 3 of one config: every pilot running, every /pilot writable by uid 1000, no spurious error' {
        $dir = New-TestDirectory -ForPilot
        $config = Join-Path $Work 'same.json'
        New-FaultConfig s $dir | Export-OsgPilotConfig -Path $config
        $cmd = "Import-Module '$env:OSGPILOT_MODULE'; `$p = Import-OsgPilotConfig '$config' | Start-OsgPilot -Count 3 -WatchSeconds 1; if (-not `$?) { exit 1 }; (`$p | Where-Object Changed).Count"
        foreach ($round in 1..10) {
            $procs = 1..2 | ForEach-Object { Start-PwshProcess $cmd }
            $results = foreach ($p in $procs) {
                $out = $p.StandardOutput.ReadToEnd(); $err = $p.StandardError.ReadToEnd(); $p.WaitForExit()
                [pscustomobject]@{ Exit = $p.ExitCode; Out = $out.Trim(); Err = $err }
            }
            $results.Exit | Should -Be @(0, 0) -Because "round ${round}: $($results.Err -join ' ')"
            ($results.Out | ForEach-Object { [int]$_ } | Measure-Object -Sum).Sum | Should -Be 3 -Because "round ${round}: one run starts the three, the other finds them running"
            $pilots = Get-OsgPilot -Name "$Prefix-s-*"
            $pilots.Name | Should -Be @("$Prefix-s-1", "$Prefix-s-2", "$Prefix-s-3")
            foreach ($n in $pilots.Name) { Assert-PilotWorks $n "$dir/$n" }
            Remove-OsgPilot -Name "$Prefix-s-*" -Force
            Remove-Item -Recurse -Force (Join-Path $dir '*')
        }
        Remove-Item -Recurse -Force $dir
    }
}

Describe 'Case 4: -Force builds the replacement before it touches the running pilot' -Skip:$NoEngine {
    AfterEach { Stop-FaultProxy $script:Proxy; Remove-TestPilots "$Prefix-c4" }

    It 'a replacement the engine never creates leaves the running pilot as it was' {
        New-FaultConfig c4a | Start-OsgPilot -WatchSeconds 0 | Out-Null
        $id = docker inspect --format '{{.Id}}' "$Prefix-c4a"
        $script:Proxy = Start-FaultProxy -Fault 'POST /containers/create\?name=.*\.osgpilot-new=drop-request'
        New-FaultConfig c4a -Extra @{ Cpus = 1 } | Start-OsgPilot -Force -WatchSeconds 0 -DockerHost $Proxy.DockerHost -ErrorVariable failures -ErrorAction SilentlyContinue | Out-Null
        (Get-FaultLog $Proxy) -match '^FAULT' | Should -HaveCount 1
        $failures[0].Exception.Message | Should -Match 'its replacement could not be built, so the pilot was left as it was'
        docker inspect --format '{{.Id}} {{.State.Status}} {{.RestartCount}}' "$Prefix-c4a" | Should -Be "$id running 0"
        Get-ContainerNames | Should -Not -Contain "$Prefix-c4a.osgpilot-new"
    }

    It 'a replacement the engine refuses to start is removed and the previous pilot restored under its name' {
        New-FaultConfig c4b | Start-OsgPilot -WatchSeconds 0 | Out-Null
        $id = docker inspect --format '{{.Id}}' "$Prefix-c4b"
        $notShared = New-TestDirectory   # the engine refuses to start a container whose /cvmfs is not a shared mount
        New-TestConfig -Name "$Prefix-c4b" -TokenPath $TokenPath -CvmfsPath $notShared | Start-OsgPilot -Force -WatchSeconds 0 -ErrorVariable failures -ErrorAction SilentlyContinue | Out-Null
        $failures[0].FullyQualifiedErrorId | Should -Match '^PilotStartFailed,'
        $failures[0].Exception.Message | Should -Match 'the previous pilot was restored'
        docker inspect --format '{{.Id}} {{.State.Status}}' "$Prefix-c4b" | Should -Be "$id running"
        @(Get-ContainerNames | Where-Object { $_ -like "$Prefix-c4b*" }) | Should -Be @("$Prefix-c4b")
        Remove-Item -Recurse -Force $notShared
    }

    It 'a replacement that holds takes the name, and the replaced pilot is gone' {
        New-FaultConfig c4c | Start-OsgPilot -WatchSeconds 0 | Out-Null
        $id = docker inspect --format '{{.Id}}' "$Prefix-c4c"
        $p = New-FaultConfig c4c -Extra @{ Cpus = 1 } | Start-OsgPilot -Force -WatchSeconds 2
        $p.Changed | Should -BeTrue
        docker inspect --format '{{.Id}}' "$Prefix-c4c" | Should -Not -Be $id
        @(Get-ContainerNames | Where-Object { $_ -like "$Prefix-c4c*" }) | Should -Be @("$Prefix-c4c")
        Assert-PilotWorks "$Prefix-c4c"
    }

    It 'what a crash in the middle of a replacement left is repaired by the next run' {
        $cfg = New-FaultConfig c4d
        $cfg | Start-OsgPilot -WatchSeconds 0 | Out-Null
        $id = docker inspect --format '{{.Id}}' "$Prefix-c4d"
        # The crash came after the pilot was moved aside, before the replacement took its name.
        docker stop -t 1 "$Prefix-c4d" | Out-Null
        docker rename "$Prefix-c4d" "$Prefix-c4d.osgpilot-old"
        docker create --name "$Prefix-c4d.osgpilot-new" --label org.osg-htc.osgpilot.managed=true (Get-TestImage) | Out-Null
        $cfg | Start-OsgPilot -WatchSeconds 1 | Out-Null
        docker inspect --format '{{.Id}} {{.State.Status}}' "$Prefix-c4d" | Should -Be "$id running"
        @(Get-ContainerNames | Where-Object { $_ -like "$Prefix-c4d*" }) | Should -Be @("$Prefix-c4d")
    }
}

Describe 'Case 5: a per-pilot directory that cannot be created' -Skip:$NoEngine {
    AfterEach { Remove-TestPilots "$Prefix-c5" }

    It 'a file in the way: a WriteError for that pilot, and the others are started' {
        $dir = New-TestDirectory -ForPilot
        Set-Content "$dir/$Prefix-c5a-2" 'in the way'
        $out = New-FaultConfig c5a $dir | Start-OsgPilot -Count 3 -WatchSeconds 0 -ErrorVariable failures -ErrorAction SilentlyContinue
        $out.Name | Should -Be @("$Prefix-c5a-1", "$Prefix-c5a-3")
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Match '^PilotStartFailed,'
        $failures[0].CategoryInfo.Category | Should -Be 'WriteError'
        $failures[0].Exception.Message | Should -Match "Cannot create the pilot directory '$([regex]::Escape("$dir/$Prefix-c5a-2"))'"
        Get-Content "$dir/$Prefix-c5a-2" | Should -Be 'in the way'
    }

    It 'a read-only file system: a WriteError for every pilot, nothing created' {
        $dir = New-TestDirectory
        mount -t tmpfs -o ro tmpfs $dir
        try {
            $out = New-FaultConfig c5b $dir | Start-OsgPilot -Count 3 -WatchSeconds 0 -ErrorVariable failures -ErrorAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $failures.Count | Should -Be 3 -Because 'every pilot is attempted'
            $failures.CategoryInfo.Category | Sort-Object -Unique | Should -Be 'WriteError'
            @(Get-ContainerNames | Where-Object { $_ -like "$Prefix-c5b*" }) | Should -BeNullOrEmpty
        } finally { umount $dir; Remove-Item -Recurse -Force $dir }
    }
}

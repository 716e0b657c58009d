# Every engine a site has (issue 11): docker contexts, TLS, ssh, and many engines in one call, on a
# fleet of real engines (tests/fixtures/fleet.sh): three dockerds with --tlsverify, each in a network
# namespace of its own reached over a veth pair, one namespace where nothing listens, and an sshd
# whose logins reach the first engine through `docker system dial-stdio`. Contexts are made by the
# real `docker context create`, in a docker configuration directory of the test's own.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $fleetScript = Join-Path $PSScriptRoot '../fixtures/fleet.sh'
    bash $fleetScript start | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'The fleet fixture did not start.' }
    $script:Fleet = @{}
    foreach ($line in (bash $fleetScript env)) { $k, $v = $line -split '=', 2; $Fleet[$k] = $v }
    $script:Pki = $Fleet.FLEET_PKI
    $script:Engines = 1..3 | ForEach-Object { $Fleet["FLEET_ENGINE_$_"] }
    $script:Scope = New-TestScope fleet
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath

    # The docker CLI's configuration for this suite only: the machine's own ~/.docker is never touched.
    $script:SavedConfig = $env:DOCKER_CONFIG
    $env:DOCKER_CONFIG = Join-Path $Work 'docker-config'
    New-Item -ItemType Directory $env:DOCKER_CONFIG | Out-Null
    foreach ($i in 1..3) {
        docker context create "fleet-$i" --docker "host=$($Engines[$i - 1]),ca=$Pki/ca.pem,cert=$Pki/client/cert.pem,key=$Pki/client/key.pem" | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "docker context create fleet-$i failed" }
    }
    docker context create fleet-down --docker "host=$($Fleet.FLEET_DOWN),ca=$Pki/ca.pem,cert=$Pki/client/cert.pem,key=$Pki/client/key.pem" | Out-Null
    docker context create fleet-ssh --docker "host=$($Fleet.FLEET_SSH)" | Out-Null

    function Invoke-OnEngine([int] $Index, [string[]] $Arguments) {
        # The docker CLI on one fleet engine, through its private socket (the fixture's own way in).
        $saved = $env:DOCKER_HOST
        $env:DOCKER_HOST = $Fleet["FLEET_SOCKET_$Index"]
        try { & docker @Arguments } finally { $env:DOCKER_HOST = $saved }
    }
    function Remove-FleetPilots {
        foreach ($i in 1..3) {
            $names = @(Invoke-OnEngine $i @('ps', '-a', '--format', '{{.Names}}') | Where-Object { $_ -like "$Prefix*" })
            if ($names.Count) { Invoke-OnEngine $i (@('rm', '-f') + $names) | Out-Null }
        }
    }
}

AfterAll {
    Remove-FleetPilots
    $env:DOCKER_CONFIG = $script:SavedConfig
    Remove-TestScope $script:Scope
    bash (Join-Path $PSScriptRoot '../fixtures/fleet.sh') stop | Out-Null
}

Describe 'Endpoints from docker contexts' -Skip:$NoEngine {
    BeforeAll { $script:SavedHost = $env:DOCKER_HOST; Remove-Item env:DOCKER_HOST }
    AfterAll { $env:DOCKER_HOST = $script:SavedHost; Remove-Item env:DOCKER_CONTEXT -ErrorAction Ignore; docker context use default | Out-Null }

    It 'a context made by docker context create is used, with its TLS material' {
        $p = New-TestConfig -Name "$Prefix-ctx" -TokenPath $TokenPath -CvmfsPath $Cvmfs | Start-OsgPilot -Context fleet-2 -WatchSeconds 2
        $p.Context | Should -Be 'fleet-2'
        $p.DockerHost | Should -Be $Engines[1]
        Invoke-OnEngine 2 @('inspect', '--format', '{{.State.Status}}', "$Prefix-ctx") | Should -Be 'running'
        (Get-OsgPilot -Context fleet-2 -Name "$Prefix-ctx").Name | Should -Be "$Prefix-ctx"
        Get-OsgPilot -Context fleet-2 -Name "$Prefix-ctx" | Remove-OsgPilot -Force
        Invoke-OnEngine 2 @('ps', '-a', '-q', '--filter', "name=$Prefix-ctx") | Should -BeNullOrEmpty
    }

    It 'DOCKER_CONTEXT, then the current context (docker context use), choose the engine when nothing else does' {
        Invoke-OnEngine 3 @('create', '--name', "$Prefix-marker3", '--label', 'org.osg-htc.osgpilot.managed=true', (Get-TestImage)) | Out-Null
        Invoke-OnEngine 1 @('create', '--name', "$Prefix-marker1", '--label', 'org.osg-htc.osgpilot.managed=true', (Get-TestImage)) | Out-Null
        docker context use fleet-3 | Out-Null
        (Get-OsgPilot -All -Name "$Prefix-marker*").Name | Should -Be "$Prefix-marker3"
        $env:DOCKER_CONTEXT = 'fleet-1'
        (Get-OsgPilot -All -Name "$Prefix-marker*").Name | Should -Be "$Prefix-marker1"
        Remove-Item env:DOCKER_CONTEXT
        docker context use default | Out-Null
    }

    It 'a context that does not exist is DockerContextNotFound, naming it' {
        { Get-OsgPilot -Context no-such-context -ErrorAction Stop } |
            Should -Throw -ErrorId 'DockerContextNotFound,OsgPilot.Cmdlets.GetOsgPilotCommand' -ExpectedMessage "*'no-such-context'*"
    }

    It 'an address and a context at once is refused, as by the docker CLI' {
        { Get-OsgPilot -Context fleet-1 -DockerHost $Engines[0] -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDockerHost,OsgPilot.Cmdlets.GetOsgPilotCommand'
    }
}

Describe 'A drained pilot on a remote engine (TLS, through a docker context)' -Skip:$NoEngine {
    BeforeAll { $script:SavedHost = $env:DOCKER_HOST; Remove-Item env:DOCKER_HOST }
    AfterAll { $env:DOCKER_HOST = $script:SavedHost }

    It 'is replaced by one that finds no stamp: the host is out of reach, so a helper container of the pilot image removes it; Draining is False and the pilot accepts' {
        $dir = New-TestDirectory -ForPilot
        $name = "$Prefix-drain"
        $cfg = New-TestConfig -Name $name -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{
            RestartPolicy = 'UnlessStopped'; PilotDirectory = $dir
            Environment = @{ STANDIN_JOBS = 'continuous'; STANDIN_IDLE_SECONDS = '2'; STANDIN_ADVERTISE_SECONDS = '1'; STANDIN_READY_SECONDS = '1' } }
        $cfg | Sync-OsgPilot -Context fleet-1 -WatchSeconds 1 | Out-Null
        Get-OsgPilot -Context fleet-1 -Name $name | Stop-OsgPilot -Drain
        Test-Path "$dir/stop-glidein.stamp" | Should -BeTrue
        Invoke-OnEngine 1 @('wait', $name) | Should -Be '0' -Because 'a drained pilot takes no job and idles out'

        $row = $cfg | Sync-OsgPilot -Context fleet-1 -WatchSeconds 2 | Where-Object Name -EQ $name
        $row.Action | Should -Be 'Replaced'
        $row.Context | Should -Be 'fleet-1'
        Test-Path "$dir/stop-glidein.stamp" | Should -BeFalse
        (Get-OsgPilot -Context fleet-1 -Name $name -Detailed).Draining | Should -BeFalse
        Wait-PilotAdvertised $name -DockerHost $Fleet.FLEET_SOCKET_1 | Should -Be 'True'
        Invoke-OnEngine 1 @('logs', $name) 2>&1 | Out-String | Should -Not -Match 'found at start-up'
        @(Invoke-OnEngine 1 @('ps', '-a', '--format', '{{.Names}}') | Where-Object { $_ -like "$name*" }) | Should -Be @($name) -Because 'the helper is removed'
        Get-OsgPilot -Context fleet-1 -Name $name | Remove-OsgPilot -Force
        Remove-Item -Recurse -Force $dir
    }
}

Describe 'Activity on a remote engine (TLS, through a docker context)' -Skip:$NoEngine {
    BeforeAll { $script:SavedHost = $env:DOCKER_HOST; Remove-Item env:DOCKER_HOST }
    AfterAll { $env:DOCKER_HOST = $script:SavedHost }

    It 'the known jobs, with a restart between, count exactly as on a local engine: read by exec (running) and the archive API (stopped), not from the host' {
        $name = "$Prefix-act"
        $cfg = New-TestConfig -Name $name -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{
            PilotDirectory = (New-TestDirectory -ForPilot)
            Environment = @{ STANDIN_IDLE_SECONDS = '600'; STANDIN_ADVERTISE_SECONDS = '1'; STANDIN_READY_SECONDS = '1' } }
        $a = Invoke-KnownJobs $cfg -Engine @{ Context = 'fleet-1' } -Docker @('-H', $Fleet.FLEET_SOCKET_1)
        $a.DockerHost | Should -Be $Engines[0]
        $a.JobsStarted | Should -Be 4
        $a.JobsFinished | Should -Be 3
        ($a.Ends | ForEach-Object { "$($_.How)=$($_.Count)" }) -join ',' | Should -Be 'exit 0=1,exit 1=1,signal 9=1'
        $a.JobsLost | Should -Be 0
        $a.SlotsBusy | Should -Be 1
        $a.Accepting | Should -BeTrue
        $running = ($a.AsOf - $a.LastJobStart).TotalSeconds
        [math]::Abs($a.BusySeconds - $running - 9) | Should -BeLessOrEqual 0.002
        [math]::Abs($a.CoreHours * 3600 - $running - 12) | Should -BeLessOrEqual 0.01
        Get-OsgPilot -Context fleet-1 -Name $name | Remove-OsgPilot -Force
        (Get-OsgPilotActivity -Context fleet-1 -Name $name).JobsStarted | Should -Be 4
    }
}

Describe 'TLS failures are named, fast' -Skip:$NoEngine {
    BeforeAll { $script:SavedHost = $env:DOCKER_HOST }
    AfterEach { Remove-Item env:DOCKER_TLS_VERIFY, env:DOCKER_CERT_PATH -ErrorAction Ignore; $env:DOCKER_HOST = $script:SavedHost }

    It '<Case>: <ErrorId> (<Category>) naming the engine, in under 5 s' -TestCases @(
        @{ Case = 'a CA that did not sign the engine'; Dir = 'other'; ErrorId = 'DockerTlsServerUntrusted'; Category = 'SecurityError' }
        @{ Case = 'no client certificate'; Dir = 'nocert'; ErrorId = 'DockerTlsCertificateMissing'; Category = 'ObjectNotFound' }
        @{ Case = 'an expired client certificate'; Dir = 'expired'; ErrorId = 'DockerTlsCertificateExpired'; Category = 'SecurityError' }
        @{ Case = 'a client certificate the engine does not accept'; Dir = 'foreign'; ErrorId = 'DockerTlsClientRejected'; Category = 'AuthenticationError' }
        @{ Case = 'plain HTTP to a TLS port'; Dir = $null; ErrorId = 'DockerTlsRequired'; Category = 'ProtocolError' }
    ) {
        if ($Dir) { $env:DOCKER_TLS_VERIFY = '1'; $env:DOCKER_CERT_PATH = Join-Path $Pki $Dir }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $caught = $null
        try { Get-OsgPilot -DockerHost $Engines[0] -ErrorAction Stop } catch { $caught = $_ }
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        $caught.FullyQualifiedErrorId | Should -Be "$ErrorId,OsgPilot.Cmdlets.GetOsgPilotCommand"
        $caught.CategoryInfo.Category | Should -Be $Category
        $caught.Exception.Message | Should -BeLike "*$($Engines[0])*"
    }

    It 'DOCKER_TLS_VERIFY with the right certificates works' {
        $env:DOCKER_TLS_VERIFY = '1'; $env:DOCKER_CERT_PATH = Join-Path $Pki 'client'
        { Get-OsgPilot -All -DockerHost $Engines[0] -ErrorAction Stop } | Should -Not -Throw
    }
}

Describe 'An engine over ssh (docker system dial-stdio)' -Skip:$NoEngine {
    AfterAll { Remove-FleetPilots }

    It 'drives Start, Get, Stop and Remove' {
        $ssh = $Fleet.FLEET_SSH
        $p = New-TestConfig -Name "$Prefix-ssh" -TokenPath $TokenPath -CvmfsPath $Cvmfs | Start-OsgPilot -DockerHost $ssh -WatchSeconds 2
        $p.DockerHost | Should -Be $ssh
        $p.State | Should -Be 'running'
        Invoke-OnEngine 1 @('exec', "$Prefix-ssh", 'sh', '-c', 'test -s /etc/condor/tokens-orig.d/flock.opensciencegrid.org && echo token') | Should -Be 'token'
        (Get-OsgPilot -DockerHost $ssh -Name "$Prefix-ssh").State | Should -Be 'running'
        Get-OsgPilot -DockerHost $ssh -Name "$Prefix-ssh" | Stop-OsgPilot -Timeout 0
        (Get-OsgPilot -Context fleet-ssh -All -Name "$Prefix-ssh").State | Should -Be 'exited'
        Remove-OsgPilot -DockerHost $ssh -Name "$Prefix-ssh" -Force
        Invoke-OnEngine 1 @('ps', '-a', '-q', '--filter', "name=$Prefix-ssh") | Should -BeNullOrEmpty
    }

    It 'an ssh login that is refused is DockerSshFailed with what ssh said' {
        { Get-OsgPilot -DockerHost ($Fleet.FLEET_SSH -replace 'root@', 'nobody@') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DockerSshFailed,OsgPilot.Cmdlets.GetOsgPilotCommand' -ExpectedMessage '*Permission denied*'
    }
}

Describe 'Many engines in one call' -Skip:$NoEngine {
    AfterAll { Remove-FleetPilots }

    It 'Start-OsgPilot of one config to three engines, Get-OsgPilot -Context of all: three pilots, each with its host; a down engine is an error naming it, and the others complete' {
        $cfg = New-TestConfig -Name "$Prefix-many" -TokenPath $TokenPath -CvmfsPath $Cvmfs
        $started = $cfg | Start-OsgPilot -Context fleet-1, fleet-2, fleet-3, fleet-down -WatchSeconds 2 -TimeoutSec 3 -ErrorVariable failures -ErrorAction SilentlyContinue
        $started.Count | Should -Be 3
        ($started.Context | Sort-Object) | Should -Be @('fleet-1', 'fleet-2', 'fleet-3')
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'DockerEngineUnreachable,OsgPilot.Cmdlets.StartOsgPilotCommand'
        $failures[0].Exception.Message | Should -BeLike "*$($Fleet.FLEET_DOWN)*fleet-down*"

        $listed = Get-OsgPilot -Context fleet-1, fleet-2, fleet-3 -Name "$Prefix-many"
        $listed.Count | Should -Be 3
        ($listed.DockerHost | Sort-Object) | Should -Be ($Engines | Sort-Object)
        foreach ($i in 1..3) { Invoke-OnEngine $i @('inspect', '--format', '{{.State.Status}}', "$Prefix-many") | Should -Be 'running' }

        # The objects carry their engine: piped on, each is stopped where it runs.
        $listed | Stop-OsgPilot -Timeout 0
        foreach ($i in 1..3) { Invoke-OnEngine $i @('inspect', '--format', '{{.State.Status}}', "$Prefix-many") | Should -Be 'exited' }
    }

    It 'takes engines by property name from a CSV of hosts' {
        $csv = Join-Path $Work 'hosts.csv'
        $Engines | ForEach-Object { [pscustomobject]@{ DockerHost = $_ } } | Export-Csv -Path $csv -NoTypeInformation
        $env:DOCKER_TLS_VERIFY = '1'; $env:DOCKER_CERT_PATH = Join-Path $Pki 'client'
        try {
            $all = Import-Csv $csv | Get-OsgPilot -All -Name "$Prefix-many"
            ($all.DockerHost | Sort-Object) | Should -Be ($Engines | Sort-Object)
        } finally { Remove-Item env:DOCKER_TLS_VERIFY, env:DOCKER_CERT_PATH }
    }

    It 'a name on one engine only is not "not found" because the others lack it' {
        Invoke-OnEngine 2 @('create', '--name', "$Prefix-only2", '--label', 'org.osg-htc.osgpilot.managed=true', (Get-TestImage)) | Out-Null
        $r = Get-OsgPilot -Context fleet-1, fleet-2, fleet-3 -All -Name "$Prefix-only2" -ErrorVariable e
        $r.Context | Should -Be 'fleet-2'
        $e | Should -BeNullOrEmpty
        Get-OsgPilot -Context fleet-1, fleet-3 -All -Name "$Prefix-only2" -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2.Count | Should -Be 1 -Because 'one error for the name, naming both engines asked'
        $e2[0].Exception.Message | Should -BeLike '*context fleet-1*'
        $e2[0].Exception.Message | Should -BeLike '*context fleet-3*'
    }
}

Describe 'Connections to a TLS engine last for the call, and no longer' -Skip:$NoEngine {
    AfterAll { Remove-FleetPilots }
    # A no-op Sync of one pilot, over and over: the requests each makes are counted at a proxy on the
    # engine's own unix socket (one connection per request there), the TLS connections (handshakes) at
    # a relay in front of its TLS port, and this process's open descriptors before and after.
    # 300 requests keep this near 5 s of the test run; the benchmark (-Task Benchmark) makes 1000.
    It 'a call reuses its connections, and 300 requests later no socket is left open' {
        $saved = $env:DOCKER_HOST
        $env:DOCKER_HOST = $Fleet.FLEET_SOCKET_1
        $counter = Start-FaultProxy -Fault 'NEVER-MATCHES=hang'
        $env:DOCKER_HOST = $saved
        $relay = Start-LatencyForwarder -Upstream $Engines[0]
        $env:DOCKER_TLS_VERIFY = '1'; $env:DOCKER_CERT_PATH = Join-Path $Pki 'client'
        try {
            $cfg = New-TestConfig -Name "$Prefix-pool" -TokenPath $TokenPath -CvmfsPath $Cvmfs
            $cfg | Sync-OsgPilot -DockerHost $relay.DockerHost -Count 1 | Out-Null
            $requests = @(Get-FaultLog $counter).Count
            $cfg | Sync-OsgPilot -DockerHost $counter.DockerHost -Count 1 | Out-Null
            $perCall = @(Get-FaultLog $counter).Count - $requests
            $perCall | Should -BeGreaterThan 1 -Because 'a Sync asks more than once, or reuse could not show'
            $calls = [Math]::Ceiling(300 / $perCall)

            [GC]::Collect(); [GC]::WaitForPendingFinalizers()
            $before = @(Get-ChildItem "/proc/$PID/fd").Count
            $opened = @(Get-FaultLog $relay).Count
            foreach ($i in 1..$calls) { $cfg | Sync-OsgPilot -DockerHost $relay.DockerHost -Count 1 | Out-Null }
            $handshakes = @(Get-FaultLog $relay).Count - $opened
            $after = @(Get-ChildItem "/proc/$PID/fd").Count
            Write-Host "pool: $calls no-op Syncs, $perCall requests each, $handshakes TLS connections; descriptors $before -> $after"
            $handshakes | Should -BeLessThan ($calls * $perCall) -Because 'requests of one call share a connection'
            ($after - $before) | Should -BeLessOrEqual 2 -Because 'each call closes its connections when it ends (no GC needed)'
        } finally {
            Remove-Item env:DOCKER_TLS_VERIFY, env:DOCKER_CERT_PATH
            Stop-FaultProxy $relay
            Stop-FaultProxy $counter
        }
    }
}

Describe 'Fleet timing' -Skip:$NoEngine {
    # Real hosts are a network away: each engine is reached through a loopback forwarder that adds
    # 10 ms each way (tc netem is not available here). Without it the three engines and the client
    # share this machine's two cores, and the TLS handshakes (both sides sign) measure the CPU, not
    # the fan-out.
    It 'Get-OsgPilot across three engines takes at most 1.3 times one engine (median of 7)' {
        $forwarders = $Engines | ForEach-Object { Start-LatencyForwarder -Upstream $_ -DelayMs 10 }
        $env:DOCKER_TLS_VERIFY = '1'; $env:DOCKER_CERT_PATH = Join-Path $Pki 'client'
        try {
            $hosts = $forwarders.DockerHost
            Get-OsgPilot -All -DockerHost $hosts | Out-Null
            $one = 1..7 | ForEach-Object { (Measure-Command { Get-OsgPilot -All -DockerHost $hosts[0] }).TotalMilliseconds } | Sort-Object
            $three = 1..7 | ForEach-Object { (Measure-Command { Get-OsgPilot -All -DockerHost $hosts }).TotalMilliseconds } | Sort-Object
            $ratio = $three[3] / $one[3]
            Write-Host ("fleet: one engine {0:0} ms, three engines {1:0} ms, ratio {2:0.00}" -f $one[3], $three[3], $ratio)
            $ratio | Should -BeLessOrEqual 1.3
        } finally {
            Remove-Item env:DOCKER_TLS_VERIFY, env:DOCKER_CERT_PATH
            foreach ($f in $forwarders) { Stop-FaultProxy $f }
        }
    }

    It 'a hung engine with -TimeoutSec 2 costs at most 2.5 s, and the healthy ones still answer' {
        $port = Get-Random -Minimum 40000 -Maximum 49000
        $hang = Start-Process python3 -ArgumentList (Join-Path $PSScriptRoot '../fixtures/blackhole.py'), $port -PassThru
        Invoke-OnEngine 1 @('create', '--name', "$Prefix-healthy", '--label', 'org.osg-htc.osgpilot.managed=true', (Get-TestImage)) | Out-Null
        try {
            # Listening before it is asked: a loaded machine can take longer than any fixed pause to start python.
            Wait-Until { try { [Net.Sockets.TcpClient]::new('127.0.0.1', $port).Dispose(); $true } catch { $false } } -What "the hung engine on port $port to listen" -TimeoutSec 30
            Get-OsgPilot -All -DockerHost $Fleet.FLEET_SOCKET_1 | Out-Null   # warm: this measures the timeout, not first-call costs
            # The better of two calls: a loaded CI machine can delay one by scheduling alone.
            $seconds = foreach ($attempt in 1, 2) {
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $listed = Get-OsgPilot -All -DockerHost "tcp://127.0.0.1:$port", $Fleet.FLEET_SOCKET_1 -TimeoutSec 2 -ErrorVariable e -ErrorAction SilentlyContinue
                $watch.Elapsed.TotalSeconds
            }
            Write-Host ("fleet: a call with a hung engine and -TimeoutSec 2 took {0:0.00} s and {1:0.00} s" -f $seconds[0], $seconds[1])
            ($seconds | Measure-Object -Minimum).Minimum | Should -BeLessOrEqual 2.5
            $e.Count | Should -Be 1
            $e[0].FullyQualifiedErrorId | Should -Be 'DockerEngineUnreachable,OsgPilot.Cmdlets.GetOsgPilotCommand'
            $e[0].Exception.Message | Should -BeLike "*127.0.0.1:$port*did not answer within 2 s*"
            ($listed | Where-Object DockerHost -EQ $Fleet.FLEET_SOCKET_1).Name | Should -Contain "$Prefix-healthy" -Because 'the healthy engine still answers'
        } finally { $hang.Kill(); Remove-FleetPilots }
    }
}

# Test-OsgSquid against real squids on loopback (tests/fixtures/squid.sh): one that caches, one
# whose ACL denies us, a plain HTTP server, a listener that never answers, an origin that answers
# after 12 s, and a closed port.
BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $env:OSGPILOT_SQUID_BASE_PORT = '23128'
    bash (Join-Path $PSScriptRoot '../fixtures/squid.sh') start | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'The squid fixture did not start.' }
    $script:Allow = 'http://127.0.0.1:23128'
    $script:Deny = '127.0.0.1:23129'
    $script:Origin = '127.0.0.1:23130'
    $script:Blackhole = '127.0.0.1:23131'
    $script:SlowOrigin = '127.0.0.1:23132'   # answers after 12 s
    $script:Closed = '127.0.0.1:23199'
    # A fresh query string per test: the origin ignores it, squid caches per URL, so MISS comes first.
    function New-ProbeUri { "http://127.0.0.1:23130/cvmfs/.cvmfspublished?run=$([guid]::NewGuid().ToString('N'))" }
}

AfterAll { bash (Join-Path $PSScriptRoot '../fixtures/squid.sh') stop | Out-Null }

Describe 'Test-OsgSquid' {
    It 'passes a healthy caching squid: MISS, then HIT, Via names squid' {
        $r = Test-OsgSquid -SquidLocation $Allow -Uri (New-ProbeUri)
        $r.Passed | Should -BeTrue
        $r.CacheHit | Should -BeTrue
        $r.Via | Should -Match 'squid/'
        $r.ProxyVersion | Should -Match '^squid/\d'
        $r.Checks.Name | Should -Be @('Parse', 'Resolve', 'Connect', 'Request', 'Cache')
        ($r.Checks | Where-Object Name -EQ 'Request').Message | Should -Match 'MISS'
        ($r.Checks | Where-Object Name -EQ 'Cache').Message | Should -Match 'HIT'
        $r.Diagnosis | Should -Match 'serves and caches'
        $r.Addresses | Should -Contain '127.0.0.1'
    }

    It 'resolves host names (localhost) and lists the addresses' {
        $r = Test-OsgSquid -SquidLocation 'localhost:23128' -Uri (New-ProbeUri)
        $r.Passed | Should -BeTrue
        $r.Addresses | Should -Contain '127.0.0.1'
        ($r.Checks | Where-Object Name -EQ 'Connect').DurationMs | Should -BeOfType [double]
    }

    It 'names the denial when the squid ACL refuses this client' {
        $r = Test-OsgSquid -SquidLocation $Deny -Uri (New-ProbeUri)
        $r.Passed | Should -BeFalse
        $r.Diagnosis | Should -Match 'denies this client'
        $r.Diagnosis | Should -Match 'http_access'
        ($r.Checks | Where-Object Name -EQ 'Request').Message | Should -Match 'ERR_ACCESS_DENIED'
    }

    It 'says plainly when nothing listens (connection refused)' {
        $r = Test-OsgSquid -SquidLocation $Closed -Uri (New-ProbeUri)
        $r.Passed | Should -BeFalse
        $r.Diagnosis | Should -Match '^Connection refused'
        ($r.Checks | Where-Object Name -EQ 'Connect').Passed | Should -BeFalse
    }

    It 'gives up on a listener that never answers within -TimeoutSec' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = Test-OsgSquid -SquidLocation $Blackhole -Uri (New-ProbeUri) -TimeoutSec 2
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        $r.Passed | Should -BeFalse
        $r.Diagnosis | Should -Match 'no HTTP answer within 2 s'
        ($r.Checks | Where-Object Name -EQ 'Connect').Passed | Should -BeTrue
    }

    It 'calls a live squid whose origin answers after 12 s slow, not "not a working squid"' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = Test-OsgSquid -SquidLocation $Allow -Uri "http://$SlowOrigin/cvmfs/.cvmfspublished?run=$([guid]::NewGuid().ToString('N'))" -TimeoutSec 3
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 6
        $r.Passed | Should -BeFalse
        $r.Diagnosis | Should -Match '^Slow: the proxy at .* answers \(squid/\d'
        $r.Diagnosis | Should -Not -Match 'not a working squid'
        ($r.Checks | Where-Object Name -EQ 'Request').Message | Should -Match 'answers, but the probe URL had not come within 3 s'
    }

    It 'recognises a plain HTTP server that is not a proxy' {
        $r = Test-OsgSquid -SquidLocation $Origin -Uri (New-ProbeUri)
        $r.Passed | Should -BeFalse
        $r.Diagnosis | Should -Match 'not a proxy'
    }

    It 'recognises a squid that cannot reach the origin' {
        $r = Test-OsgSquid -SquidLocation $Allow -Uri "http://127.0.0.1:23199/unreachable-origin"
        $r.Passed | Should -BeFalse
        $r.Diagnosis | Should -Match 'cannot reach the origin'
        $r.Diagnosis | Should -Match 'ERR_CONNECT_FAIL'
    }

    It 'refuses malformed location <Location> with InvalidSquidLocation and no probe' -TestCases @(
        @{ Location = 'ftp://squid.example.edu:3128' }
        @{ Location = 'squid.example.edu:port' }
        @{ Location = 'http://squid.example.edu:3128/path' }
        @{ Location = 'squid.example.edu:0' }
        @{ Location = '' }
        @{ Location = 'user@squid.example.edu:3128' }
    ) {
        param($Location)
        $r = Test-OsgSquid -SquidLocation $Location -ErrorVariable ev -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -Be 'InvalidSquidLocation,OsgPilot.Cmdlets.TestOsgSquidCommand'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'refuses a probe URI that is not http' {
        { Test-OsgSquid -SquidLocation $Allow -Uri 'https://example.org/' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidProbeUri,OsgPilot.Cmdlets.TestOsgSquidCommand'
    }

    It 'takes SquidLocation by property name from a config' {
        $work = New-TestDirectory
        $cfg = New-OsgPilotConfig -Site S -ResourceName R -TokenPath (New-TestTokenFile -Directory $work) -SquidLocation $Allow
        ($cfg | Test-OsgSquid -Uri (New-ProbeUri)).SquidLocation | Should -Be 'http://127.0.0.1:23128'
        Remove-Item -Recurse $work
    }

    It '-Quiet returns one bool per proxy, in input order' {
        $r = $Allow, $Deny, $Closed | Test-OsgSquid -Quiet -Uri (New-ProbeUri)
        $r | Should -Be @($true, $false, $false)
        $r[0] | Should -BeOfType [bool]
    }

    It 'probes several proxies concurrently: three hanging proxies take about one timeout' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = Test-OsgSquid -SquidLocation $Blackhole, $Blackhole, $Blackhole -Uri (New-ProbeUri) -TimeoutSec 2
        $r | Should -HaveCount 3
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5 -Because 'sequential probing would take at least 6 s'
    }

    It 'serialises to JSON with its checks' {
        $json = Test-OsgSquid -SquidLocation $Allow -Uri (New-ProbeUri) | ConvertTo-Json -Depth 4 | ConvertFrom-Json
        $json.Passed | Should -BeTrue
        $json.Checks.Count | Should -Be 5
    }
}

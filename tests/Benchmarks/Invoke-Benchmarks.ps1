<#
.SYNOPSIS
    Times OsgPilot against the docker CLI (or PowerShell's own modules) doing the same work, on the
    test engine, and prints for each: ours, theirs, ours/theirs, and the goal where there is one.
.DESCRIPTION
    1. Import-Module OsgPilot in fresh pwsh -NoProfile processes, against Microsoft.PowerShell.PSResourceGet
       and against an empty manifest (PowerShell's own floor), interleaved.
    1b. The whole process a timer runs (import, Import-OsgPilotConfig, Sync-OsgPilot with nothing to do,
       ConvertTo-Json) against a bare `pwsh -Command exit`, wall and CPU, interleaved; PowerShell's
       own share of that line (a bare pwsh running ConvertTo-Json); and the recipes' own line
       (Sync-OsgPilot -ConfigPath -AsJson).
    2. Start-OsgPilot -Count N (unwatched, as docker run -d does not watch) against N sequential docker run -d,
       warm and as the first start of a fresh process; then the engine requests each call makes,
       counted at a proxy.
    3. Get-OsgPilot -All over M pilot containers against docker ps -a with the same label filter,
       and the peak working-set growth of a fresh process doing it.
    4. Get-OsgPilot -Detailed over K running pilots against docker inspect + docker exec startd_addr.sh per pilot.
    5. Sync-OsgPilot with nothing to do over K pilots against K docker inspect calls.
    5b. Get-OsgPilotActivity and Export-OsgPilotMetrics over A of those pilots (each with jobs in its
       StartLog and startd_history) against Get-OsgPilot -Detailed over the same pilots.
    6. Test-OsgSquid over 20 hanging squids against 20 sequential timeouts.
    7. Get-OsgPilot on three TLS engines against one, and against the docker CLI per context; through
       forwarders 10 ms away, three against one, Get-OsgPilot -Detailed of R pilots against the same
       engine's unix socket, and the TLS connections (handshakes) each call opens.
    8. Get-OsgPilotService -Task over S global services on a three-node swarm against docker service
       ls + docker service ps (two CLI calls for all of them), and Set-OsgPilotService with nothing to do.
    9. On the test Podman (when OSGPILOT_PODMAN_HOST names it): Get-OsgPilot -All over 200 pilots against
       podman ps -a, and Start-OsgPilot -Count 10 against a loop of podman run -d.
    Medians of repeated runs. -Quick uses small sizes and few repeats: the tests run it so the
    benchmark cannot rot; its ratios are printed but its goals are not judged.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Image,
    [switch] $Quick
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1')

$size = if ($Quick) { @{ Repeat = 3; Imports = 3; Processes = 1; Start = 6; List = 60; Running = 4; Remote = 1; Requests = 30 } } else { @{ Repeat = 9; Imports = 7; Processes = 9; Start = 20; List = 1000; Running = 100; Remote = 20; Requests = 1000 } }
$script:Missed = 0

function Measure-Median([scriptblock] $Work, [int] $Times = $size.Repeat) {
    $ms = foreach ($i in 1..$Times) { $t = [Diagnostics.Stopwatch]::StartNew(); & $Work | Out-Null; $t.Elapsed.TotalMilliseconds }
    ($ms | Sort-Object)[[int][Math]::Floor($ms.Count / 2)]
}
function Write-Result([string] $What, [string] $OursLabel, [double] $Ours, [string] $TheirsLabel, [double] $Theirs, [double] $Goal = 0) {
    # ours/theirs: below 1 we are faster. A goal is "ours/theirs at most Goal".
    $ratio = $Ours / $Theirs
    $verdict = if ($Goal -le 0) { '' } elseif ($Quick) { "(goal <= $Goal, not judged in -Quick)" } elseif ($ratio -le $Goal) { "goal <= ${Goal}: met" } else { $script:Missed++; "goal <= ${Goal}: MISSED" }
    '{0,-44} {1,-22} {2,9:0.0} ms   {3,-34} {4,9:0.0} ms   ours/theirs {5,5:0.00}  {6}' -f $What, $OursLabel, $Ours, $TheirsLabel, $Theirs, $ratio, $verdict
}
function Measure-Import([string[]] $Modules) {
    # In-process import time of a fresh pwsh -NoProfile, median of several processes per module. The
    # modules take turns (A B C A B C), so a slow moment of the machine weighs on each the same.
    $pwsh = Get-PwshCommand
    $samples = @{}
    foreach ($i in 1..$size.Imports) {
        foreach ($module in $Modules) {
            $samples[$module] += , [double](& $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -Command "`$t = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$module'; `$t.Elapsed.TotalMilliseconds")
        }
    }
    foreach ($module in $Modules) { ($samples[$module] | Sort-Object)[[int][Math]::Floor($samples[$module].Count / 2)] }
}
function Measure-Process([string[][]] $Arms, [int] $Times) {
    # Whole fresh processes, interleaved A B C A B C so a slow moment of the machine hits every arm:
    # per arm the median wall and CPU (user + system) seconds, as bash's `time` reports them.
    $samples = @{}
    foreach ($i in 1..$Times) {
        foreach ($arm in $Arms) {
            $line = bash -c 'TIMEFORMAT="%R %U %S"; { time "$@" >/dev/null 2>&1; } 2>&1' bench @arm
            $wall, $user, $sys = [double[]](-split $line)
            $samples[$arm -join ' '] += , @($wall, ($user + $sys))
        }
    }
    foreach ($arm in $Arms) {
        $xs = $samples[$arm -join ' ']
        [pscustomobject]@{
            Wall = 1000 * (@($xs | ForEach-Object { $_[0] } | Sort-Object)[[int][Math]::Floor($xs.Count / 2)])
            Cpu  = 1000 * (@($xs | ForEach-Object { $_[1] } | Sort-Object)[[int][Math]::Floor($xs.Count / 2)])
        }
    }
}
function Measure-Requests([object] $Proxy, [scriptblock] $Work, [string] $Like = '*') {
    # What one call costs, from the proxy's log: on a unix socket each request line (one connection
    # per request there); at a TLS relay each connection, as 'CONNECTION tls-full|tls-resumed'.
    $before = @(Get-FaultLog $Proxy).Count
    & $Work | Out-Null
    @(Get-FaultLog $Proxy | Select-Object -Skip $before | Where-Object { $_ -like $Like }).Count
}
function New-CliPilot([string] $Name, [string] $Token, [string] $Cvmfs) {
    # The seed page's docker run line with the flags Start-OsgPilot sets.
    docker run -d --name $Name --user osg --cap-add DAC_OVERRIDE --cap-add SETUID --cap-add SETGID --cap-add SYS_ADMIN `
        --cap-add SYS_CHROOT --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH -v "${Cvmfs}:/cvmfs:shared" `
        -v "${Token}:/etc/condor/tokens-orig.d/flock.opensciencegrid.org:ro" -e GLIDEIN_Site=Lancium -e GLIDEIN_ResourceName=Lancium-Backfill `
        -e OSG_SQUID_LOCATION=http://127.0.0.1:3128 -e STANDIN_IDLE_SECONDS=600 -e GLIDEIN_RANDOMIZE_NAME=true --ulimit nofile=2048:2048 `
        --pids-limit 16384 --stop-timeout 120 --restart no --label bench=cli $Image | Out-Null
}

$work = New-TestDirectory
$cvmfs = New-SharedMount
$token = New-TestTokenFile -Directory $work   # 0600, as a site keeps it: OsgPilot copies it in
# The CLI arm binds its own copy, which the image copies as uid 1000: readable by others, as the docs' line needs.
$cliToken = Join-Path $work 'cli-token'
Copy-Item $token $cliToken
chmod 644 $cliToken
$prefix = 'bench-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
# Ledgers of the benchmark's pilots go to a directory of their own, never the machine's state.
if (-not $env:OSGPILOT_STATE_DIR) { $env:OSGPILOT_STATE_DIR = New-TestDirectory }
$label = 'org.osg-htc.osgpilot.managed=true'
try {
    Write-Host "OsgPilot benchmarks on $env:DOCKER_HOST ($(if ($Quick) { 'quick: small sizes, ' })$($size.Repeat) runs each, medians)"
    Get-OsgPilot | Out-Null   # warm up the client once, as an interactive session would be

    # --- 1. Import, against PSResourceGet and against PowerShell's own floor: an empty manifest
    $floorDir = Join-Path $work 'Empty'
    New-Item -ItemType Directory $floorDir | Out-Null
    "@{ ModuleVersion = '1.0'; GUID = '$([guid]::NewGuid())'; FunctionsToExport = @(); CmdletsToExport = @() }" | Set-Content (Join-Path $floorDir 'Empty.psd1')
    $ours, $theirs, $floor = Measure-Import $ModulePath, 'Microsoft.PowerShell.PSResourceGet', (Join-Path $floorDir 'Empty.psd1')
    Write-Result 'Import-Module (fresh pwsh, in-process)' 'OsgPilot' $ours 'Microsoft.PowerShell.PSResourceGet' $theirs
    $verdict = if ($Quick) { '(goal <= 120 ms, not judged in -Quick)' } elseif ($ours -le 120) { 'goal <= 120 ms: met' } else { $script:Missed++; 'goal <= 120 ms: MISSED' }
    '{0,-44} {1,-22} {2,9:0.0} ms   {3}' -f 'Import-Module, absolute', 'OsgPilot', $ours, $verdict
    Write-Result 'Import-Module vs an empty manifest' 'OsgPilot' $ours 'PowerShell''s own floor' $floor

    # --- 1b. The process a timer starts: import, read a config, Sync with nothing to do, JSON out
    $pwsh = Get-PwshCommand
    $coldFile = Join-Path $work 'cold.json'
    $cold = New-TestConfig -Name "$prefix-cold" -TokenPath $token -CvmfsPath $cvmfs
    $cold | Export-OsgPilotConfig -Path $coldFile -Force
    $coldCount = if ($Quick) { 1 } else { 2 }
    $cold | Sync-OsgPilot -Count $coldCount | Out-Null
    $bare = @($pwsh) + @('-NoProfile', '-NonInteractive', '-Command', 'exit')
    $json = @($pwsh) + @('-NoProfile', '-NonInteractive', '-Command', '[pscustomobject]@{ Kind = ''Pilot''; Changed = $false } | ConvertTo-Json')
    $sync = @($pwsh) + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModulePath'; Import-OsgPilotConfig '$coldFile' | Sync-OsgPilot -Count $coldCount | ConvertTo-Json")
    # The line the cron and systemd recipes run: the module writes the JSON itself.
    $recipe = @($pwsh) + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModulePath'; Sync-OsgPilot -ConfigPath '$coldFile' -Count $coldCount -AsJson")
    $bareRun, $jsonRun, $syncRun, $recipeRun = Measure-Process -Arms $bare, $json, $sync, $recipe -Times $size.Processes
    Write-Result 'scheduled no-op Sync process, wall' 'pwsh ... Sync | ConvertTo-Json' $syncRun.Wall 'pwsh -Command exit' $bareRun.Wall 1.25
    Write-Result 'scheduled no-op Sync process, CPU' 'pwsh ... Sync | ConvertTo-Json' $syncRun.Cpu 'pwsh -Command exit' $bareRun.Cpu
    Write-Result 'PowerShell''s share of that line, wall' 'pwsh ... ConvertTo-Json' $jsonRun.Wall 'pwsh -Command exit' $bareRun.Wall
    # What the module adds to that process: its wall time beyond PowerShell's own share, against PowerShell's start.
    Write-Result 'the module''s overhead in that process, wall' 'Sync line - ConvertTo-Json' ($syncRun.Wall - $jsonRun.Wall) 'pwsh -Command exit' $bareRun.Wall 0.25
    Write-Result 'the recipes'' line (Sync -AsJson), wall' 'pwsh ... Sync -AsJson' $recipeRun.Wall 'pwsh -Command exit' $bareRun.Wall
    docker ps -aq --filter "name=^$prefix-cold" | xargs -r docker rm -f | Out-Null

    # --- 2. Start N: rounds of starting N pilots from nothing, medians; the clean-up between rounds is not timed
    $n = $size.Start
    $cfg = New-TestConfig -Name "$prefix-start" -TokenPath $token -CvmfsPath $cvmfs
    $clear = { docker ps -aq --filter "name=^$prefix-(start|cli)-" | xargs -r docker rm -f | Out-Null }
    $rounds = if ($Quick) { 1 } else { 5 }
    # The first start of a fresh process (only a Get-OsgPilot before it) is what a timer or Ansible
    # runs. The three are interleaved round by round: the engine slows as rounds of containers come
    # and go, and that must weigh on each the same.
    $startFile = Join-Path $work 'start.json'
    $cfg | Export-OsgPilotConfig -Path $startFile -Force
    $oursMs, $cliMs, $firstMs = @(), @(), @()
    foreach ($r in 1..$rounds) {
        $t = [Diagnostics.Stopwatch]::StartNew(); $cfg | Start-OsgPilot -Count $n -WatchSeconds 0 | Out-Null; $oursMs += $t.Elapsed.TotalMilliseconds; & $clear
        $t = [Diagnostics.Stopwatch]::StartNew(); foreach ($i in 1..$n) { New-CliPilot "$prefix-cli-$i" $cliToken $cvmfs }; $cliMs += $t.Elapsed.TotalMilliseconds; & $clear
        $firstMs += [double](& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; Get-OsgPilot | Out-Null; `$c = Import-OsgPilotConfig '$startFile'; `$t = [Diagnostics.Stopwatch]::StartNew(); `$c | Start-OsgPilot -Count $n -WatchSeconds 0 | Out-Null; `$t.Elapsed.TotalMilliseconds")
        & $clear
    }
    $median = { param($xs) ($xs | Sort-Object)[[int][Math]::Floor(@($xs).Count / 2)] }
    $ours = & $median $oursMs; $cli = & $median $cliMs
    $cfg | Start-OsgPilot -Count $n -WatchSeconds 0 | Out-Null
    $again = Measure-Median { $cfg | Start-OsgPilot -Count $n -WatchSeconds 0 }
    & $clear
    Write-Result "start $n pilots" 'Start-OsgPilot -Count' $ours "$n x docker run -d" $cli 0.8
    Write-Result "start $n pilots again (no change)" 'Start-OsgPilot -Count' $again "$n x docker run -d" $cli
    Write-Result "first start of $n in a fresh process" 'Start-OsgPilot -Count' (& $median $firstMs) "$n x docker run -d" $cli 0.8
    # What each call costs the engine, counted at a proxy in front of its socket (a fault that never fires turns on its request log).
    $counter = Start-FaultProxy -Fault 'NEVER-MATCHES=hang'
    try {
        $via = @{ DockerHost = $counter.DockerHost }
        $counts = [ordered]@{
            'Get-OsgPilot' = Measure-Requests $counter { Get-OsgPilot @via }
            "Start -Count $n" = Measure-Requests $counter { $cfg | Start-OsgPilot @via -Count $n -WatchSeconds 0 }
            "Sync -Count $n, no-op" = Measure-Requests $counter { $cfg | Sync-OsgPilot @via -Count $n }
        }
        # (Not in -Quick: its pilots are not ready yet, and each check would wait for them.)
        if (-not $Quick) { $counts["Get -Detailed of $n"] = Measure-Requests $counter { Get-OsgPilot @via -Name "$prefix-start-*" -Detailed } }
    } finally {
        Stop-FaultProxy $counter
        & $clear
    }
    '{0,-44} {1}' -f 'engine requests per call', (($counts.Keys | ForEach-Object { "$_ $($counts[$_])" }) -join ', ')

    # --- 3. List M
    $m = $size.List
    # Created, not started: what is listed is the same, and M containers fit the machine.
    1..$m | ForEach-Object { "$prefix-list-$_" } | xargs -P 8 -I NAME docker create --name NAME --label $label --label org.osg-htc.osgpilot.site=Lancium $Image | Out-Null
    $ours = Measure-Median { Get-OsgPilot -All }
    $cli = Measure-Median { docker ps -a --filter "label=$label" --format '{{json .}}' }
    Write-Result "list $m pilots (-All)" 'Get-OsgPilot -All' $ours 'docker ps -a --filter label=...' $cli 0.5
    $pwsh = Get-PwshCommand
    $growth = [double](& $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -Command @"
Import-Module '$ModulePath'; Get-OsgPilot -Name none-such -ErrorAction SilentlyContinue | Out-Null
[GC]::Collect(); `$p = Get-Process -Id `$PID; `$before = `$p.WorkingSet64
`$n = @(Get-OsgPilot -All).Count; `$p.Refresh(); (`$p.PeakWorkingSet64 - `$before) / 1MB
"@)
    $verdict = if ($Quick) { '(goal < 50 MB, not judged in -Quick)' } elseif ($growth -lt 50) { 'goal < 50 MB: met' } else { $script:Missed++; 'goal < 50 MB: MISSED' }
    '{0,-44} {1,-22} {2,9:0.0} MB   {3}' -f "peak working set growth, list $m", 'Get-OsgPilot -All', $growth, $verdict
    docker ps -aq --filter "name=^$prefix-list-" | xargs -r -n 100 docker rm -f | Out-Null

    # --- 4 and 5. K running pilots: status and sync
    $k = $size.Running
    $cfg = New-TestConfig -Name "$prefix-run" -TokenPath $token -CvmfsPath $cvmfs -Extra @{ Environment = @{ STANDIN_READY_SECONDS = '0'; STANDIN_IDLE_SECONDS = '600' } }
    $cfg | Start-OsgPilot -Count $k -WatchSeconds 0 | Out-Null
    $names = 1..$k | ForEach-Object { "$prefix-run-$_" }
    $ours = Measure-Median { Get-OsgPilot -Name "$prefix-run-*" -Detailed }
    $cli = Measure-Median { foreach ($x in $names) { docker inspect $x; docker exec --user osg $x /usr/local/sbin/startd_addr.sh } } -Times 1
    Write-Result "status of $k running pilots" 'Get-OsgPilot -Detailed' $ours "$k x (docker inspect + exec)" $cli
    $cfg | Sync-OsgPilot -Count $k | Out-Null
    $ours = Measure-Median { $cfg | Sync-OsgPilot -Count $k }
    $cli = Measure-Median { foreach ($x in $names) { docker inspect $x } } -Times 1
    Write-Result "sync $k pilots, nothing to do" 'Sync-OsgPilot -Count' $ours "$k x docker inspect" $cli 0.1

    # --- 5b. Activity and metrics of A of them, each with three finished jobs and one running
    $a = [Math]::Min($k, 50)
    $some = $names | Select-Object -First $a
    foreach ($x in $some) { Add-StandinJob $x '1.0 1 0 exit:0'; Add-StandinJob $x '2.0 2 0 signal:9'; Add-StandinJob $x '3.0 1 0 exit:1'; Add-StandinJob $x '4.0 1 3600 run' }
    Wait-Until -TimeoutSec 120 -What 'the benchmark pilots to run their jobs' { ($some | Where-Object { (Get-StandinLogCount $_ startd_history '^\*\*\*') -lt 3 }).Count -eq 0 }
    $detailed = Measure-Median { Get-OsgPilot -Name $some -Detailed }
    $ours = Measure-Median { Get-OsgPilotActivity -Name $some }
    Write-Result "activity of $a pilots" 'Get-OsgPilotActivity' $ours 'Get-OsgPilot -Detailed' $detailed 2
    $prom = Join-Path ([IO.Path]::GetTempPath()) "osgpilot-bench-$prefix.prom"
    $ours = Measure-Median { Export-OsgPilotMetrics -Name $some -Path $prom }
    Write-Result "metrics of $a pilots" 'Export-OsgPilotMetrics' $ours 'Get-OsgPilot -Detailed' $detailed 1.2
    Remove-Item $prom -ErrorAction Ignore

    # --- 6. Squids
    $env:OSGPILOT_SQUID_BASE_PORT = '23328'
    bash (Join-Path $PSScriptRoot '../fixtures/squid.sh') start | Out-Null
    try {
        $hanging = 1..20 | ForEach-Object { '127.0.0.1:23331' }
        $t = [Diagnostics.Stopwatch]::StartNew()
        $r = Test-OsgSquid -SquidLocation $hanging -Uri http://127.0.0.1:23330/cvmfs/.cvmfspublished -TimeoutSec 2
        $ours = $t.Elapsed.TotalMilliseconds
        if (@($r | Where-Object Passed).Count) { throw 'a hanging squid passed' }
        Write-Result 'probe 20 hanging squids (2 s each)' 'Test-OsgSquid' $ours 'sequential 20 x 2 s' (20 * 2000)
    } finally {
        bash (Join-Path $PSScriptRoot '../fixtures/squid.sh') stop | Out-Null
    }

    # --- 7. A fleet: three TLS engines (tests/fixtures/fleet.sh), one call against all of them
    $fleet = Join-Path $PSScriptRoot '../fixtures/fleet.sh'
    bash $fleet start | Out-Null
    $savedConfig = $env:DOCKER_CONFIG
    $env:DOCKER_CONFIG = Join-Path $work 'docker-config'
    try {
        $envs = @{}; foreach ($line in (bash $fleet env)) { $k2, $v2 = $line -split '=', 2; $envs[$k2] = $v2 }
        $pki = $envs.FLEET_PKI
        foreach ($i in 1..3) { docker context create "bench-$i" --docker "host=$($envs["FLEET_ENGINE_$i"]),ca=$pki/ca.pem,cert=$pki/client/cert.pem,key=$pki/client/key.pem" *> $null }
        $contexts = 'bench-1', 'bench-2', 'bench-3'
        Get-OsgPilot -All -Context $contexts | Out-Null
        $one = Measure-Median { Get-OsgPilot -All -Context bench-1 }
        $three = Measure-Median { Get-OsgPilot -All -Context $contexts }
        Write-Result 'list pilots on 3 TLS engines vs 1' 'Get-OsgPilot -Context x3' $three 'the same on 1 engine' $one 1.3
        $cli = Measure-Median { bash -c 'for c in bench-1 bench-2 bench-3; do docker --context $c ps -a --filter label=org.osg-htc.osgpilot.managed=true -q & done; wait' }
        Write-Result 'list pilots on 3 TLS engines' 'Get-OsgPilot -Context x3' $three '3 x docker --context ps, in parallel' $cli
        # Real hosts are a network away; here the engines share this machine's cores with the client,
        # so the same again through loopback forwarders adding 10 ms each way.
        $forwarders = 1..3 | ForEach-Object { Start-LatencyForwarder -Upstream $envs["FLEET_ENGINE_$_"] -DelayMs 10 }
        $env:DOCKER_TLS_VERIFY = '1'; $env:DOCKER_CERT_PATH = "$pki/client"
        try {
            Get-OsgPilot -All -DockerHost $forwarders.DockerHost | Out-Null
            $one = Measure-Median { Get-OsgPilot -All -DockerHost $forwarders[0].DockerHost }
            $three = Measure-Median { Get-OsgPilot -All -DockerHost $forwarders.DockerHost }
            Write-Result 'list on 3 engines 10 ms away vs 1' 'Get-OsgPilot -DockerHost x3' $three 'the same on 1 engine' $one 1.3
            # R running pilots on one engine: their status through TLS 10 ms away against its own unix socket,
            # and the TLS connections (each one handshake) every call opens, counted at the forwarder.
            $r = $size.Remote
            $remote = New-TestConfig -Name "$prefix-tls" -TokenPath $token -CvmfsPath $cvmfs -Extra @{ Environment = @{ STANDIN_READY_SECONDS = '0'; STANDIN_IDLE_SECONDS = '600' } }
            $remote | Start-OsgPilot -DockerHost $envs.FLEET_SOCKET_1 -Count $r -Wait | Out-Null
            $far = $forwarders[0].DockerHost
            $local = Measure-Median { Get-OsgPilot -DockerHost $envs.FLEET_SOCKET_1 -Name "$prefix-tls-*" -Detailed }
            $tls = Measure-Median { Get-OsgPilot -DockerHost $far -Name "$prefix-tls-*" -Detailed }
            Write-Result "status of $r pilots, TLS 10 ms away" 'Get-OsgPilot -Detailed' $tls 'the same on a local socket' $local 2
            # Full handshakes: .NET resumes no TLS session that used a client certificate, so every
            # connection is one; requests in flight at once each need their own (dockerd speaks HTTP/1.1 only).
            $full = 'CONNECTION tls-full'
            $handshakes = [ordered]@{
                'Get-OsgPilot' = Measure-Requests $forwarders[0] { Get-OsgPilot -DockerHost $far } $full
                "Get -Detailed of $r ($r exec streams)" = Measure-Requests $forwarders[0] { Get-OsgPilot -DockerHost $far -Name "$prefix-tls-*" -Detailed } $full
                "Sync -Count $r, no-op" = Measure-Requests $forwarders[0] { $remote | Sync-OsgPilot -DockerHost $far -Count $r } $full
            }
            '{0,-44} {1}' -f 'full TLS handshakes per call, one engine', (($handshakes.Keys | ForEach-Object { "$_ $($handshakes[$_])" }) -join ', ')
            # Pools end with their call: this process's descriptors across 1000 requests (no-op Syncs,
            # each making as many requests as section 2 counted).
            $syncs = [Math]::Ceiling($size.Requests / $counts["Sync -Count $n, no-op"])
            [GC]::Collect(); [GC]::WaitForPendingFinalizers()
            $fdBefore = @(Get-ChildItem "/proc/$PID/fd").Count
            $connections = Measure-Requests $forwarders[0] { foreach ($i in 1..$syncs) { $remote | Sync-OsgPilot -DockerHost $far -Count $r } }
            $growth = @(Get-ChildItem "/proc/$PID/fd").Count - $fdBefore
            $verdict = if ($Quick) { '(goal 0, not judged in -Quick)' } elseif ($growth -le 0) { 'goal 0: met' } else { $script:Missed++; 'goal 0: MISSED' }
            '{0,-44} {1,-22} {2,9} fds    {3}' -f "descriptors after $($syncs * $counts["Sync -Count $n, no-op"]) requests", "$syncs Syncs, $connections TLS conn.", $growth, $verdict
            Get-OsgPilot -DockerHost $envs.FLEET_SOCKET_1 -Name "$prefix-tls-*" | Remove-OsgPilot -DockerHost $envs.FLEET_SOCKET_1 -Force
        } finally {
            Remove-Item env:DOCKER_TLS_VERIFY, env:DOCKER_CERT_PATH -ErrorAction Ignore
            foreach ($f in $forwarders) { Stop-FaultProxy $f }
        }
    } finally {
        $env:DOCKER_CONFIG = $savedConfig
        bash $fleet stop | Out-Null
    }
    # --- 8. A swarm (tests/fixtures/swarm.sh): S global services of one pilot per node
    $swarm = Join-Path $PSScriptRoot '../fixtures/swarm.sh'
    bash $swarm start | Out-Null
    try {
        $senv = @{}; foreach ($line in (bash $swarm env)) { $k2, $v2 = $line -split '=', 2; $senv[$k2] = $v2 }
        $manager = $senv.SWARM_MANAGER
        $savedHost = $env:DOCKER_HOST
        $services = if ($Quick) { 2 } else { 10 }
        $svc = New-OsgPilotConfig -Name "$prefix-svc" -Site BENCH -ResourceName BENCH -TokenPath $token -Image $Image -CvmfsPath $senv.SWARM_CVMFS -SecurityProfile Capabilities -Environment @{ STANDIN_IDLE_SECONDS = '3600' }
        $svc | Set-OsgPilotService -DockerHost $manager -PerNode $services -Wait -WaitTimeoutSec 300 | Out-Null
        $tasks = @(Get-OsgPilotService -DockerHost $manager -Task).Count
        $ours = Measure-Median { Get-OsgPilotService -DockerHost $manager -Task }
        $cli = Measure-Median { $env:DOCKER_HOST = $manager; try { docker service ps --filter desired-state=running --format '{{json .}}' @(docker service ls -q --filter label=org.osg-htc.osgpilot.managed=true) } finally { $env:DOCKER_HOST = $savedHost } }
        Write-Result "tasks of $services services ($tasks pilots, 3 nodes)" 'Get-OsgPilotService -Task' $ours 'docker service ls + ps' $cli 0.5
        $again = Measure-Median { $svc | Set-OsgPilotService -DockerHost $manager -PerNode $services }
        $inspect = Measure-Median { $env:DOCKER_HOST = $manager; try { docker service inspect @(docker service ls -q --filter label=org.osg-htc.osgpilot.managed=true) } finally { $env:DOCKER_HOST = $savedHost } }
        Write-Result "set $services services, nothing to do" 'Set-OsgPilotService' $again 'docker service ls + inspect' $inspect
        Remove-OsgPilotService -DockerHost $manager -Name "$prefix-svc" -Force
    } finally {
        bash $swarm stop | Out-Null
    }
    # --- 9. A Podman engine (tests/fixtures/podman.sh): the same list and start against Podman's own CLI
    if ($env:OSGPILOT_PODMAN_HOST) {
        $podmanHost = $env:OSGPILOT_PODMAN_HOST
        $podman = { podman --remote --url $podmanHost @args }
        $pclear = { & $podman ps -aq --filter "name=^$prefix-p" | xargs -r -n 50 podman --remote --url $podmanHost rm -f | Out-Null }
        try {
            $pl = if ($Quick) { 20 } else { 200 }
            1..$pl | ForEach-Object { "$prefix-plist-$_" } | xargs -P 4 -I NAME podman --remote --url $podmanHost create --name NAME --label $label --label org.osg-htc.osgpilot.site=Lancium $Image | Out-Null
            $ours = Measure-Median { Get-OsgPilot -All -DockerHost $podmanHost }
            $cli = Measure-Median { & $podman ps -a --filter "label=$label" --format json }
            Write-Result "Podman: list $pl pilots (-All)" 'Get-OsgPilot -All' $ours 'podman ps -a --filter label=...' $cli
            & $pclear
            $ps = if ($Quick) { 3 } else { 10 }
            $pcfg = New-TestConfig -Name "$prefix-pstart" -TokenPath $token -CvmfsPath $cvmfs
            $oursMs, $cliMs = @(), @()
            foreach ($r in 1..$(if ($Quick) { 1 } else { 3 })) {
                $t = [Diagnostics.Stopwatch]::StartNew(); $pcfg | Start-OsgPilot -DockerHost $podmanHost -Count $ps -WatchSeconds 0 | Out-Null; $oursMs += $t.Elapsed.TotalMilliseconds; & $pclear
                $t = [Diagnostics.Stopwatch]::StartNew()
                foreach ($i in 1..$ps) {
                    & $podman run -d --name "$prefix-pcli-$i" --user osg --cap-add DAC_OVERRIDE --cap-add SETUID --cap-add SETGID --cap-add SYS_ADMIN `
                        --cap-add SYS_CHROOT --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH -v "${cvmfs}:/cvmfs:shared" `
                        -v "${token}:/etc/condor/tokens-orig.d/flock.opensciencegrid.org:ro" -e GLIDEIN_Site=Lancium -e GLIDEIN_ResourceName=Lancium-Backfill `
                        -e OSG_SQUID_LOCATION=http://127.0.0.1:3128 -e STANDIN_IDLE_SECONDS=600 --ulimit nofile=2048:2048 `
                        --pids-limit 16384 --stop-timeout 120 --restart no $Image | Out-Null
                }
                $cliMs += $t.Elapsed.TotalMilliseconds; & $pclear
            }
            Write-Result "Podman: start $ps pilots" 'Start-OsgPilot -Count' (& $median $oursMs) "$ps x podman run -d" (& $median $cliMs)
        } finally {
            & $pclear
        }
    }
    if (-not $Quick) { "Goals missed: $script:Missed" }
}
finally {
    docker ps -aq --filter "name=^$prefix-" | xargs -r -n 100 docker rm -f | Out-Null
    Remove-TestMount $cvmfs
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}

<#
.SYNOPSIS
    Times OsgPilot against the docker CLI doing the same work, on the test engine, and prints ratios.
.DESCRIPTION
    1. Listing 20 pilots: Get-OsgPilot (one label-filtered list call) against `docker ps` with the
       same filter, and against the per-container `docker inspect` loop a script would need for labels.
    2. Starting 10 pilots: Start-OsgPilot -Count 10 against 10 `docker run` lines with the same flags.
    3. Probing 20 hanging squids: Test-OsgSquid (concurrent) against the 20 x timeout a loop would take.
    4. Keeping 20 pilots in sync with nothing to do: Sync-OsgPilot -Count 20 (an image inspect and a
       list call) against the 20 `docker inspect` calls a script would make to check them.
    Medians of repeated runs; the numbers are this machine's, the ratios are the point.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Image,
    [int] $Repeat = 15
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1')

function Measure-Median([scriptblock] $Work, [int] $Times = $Repeat) {
    $ms = foreach ($i in 1..$Times) { $t = [Diagnostics.Stopwatch]::StartNew(); & $Work | Out-Null; $t.Elapsed.TotalMilliseconds }
    ($ms | Sort-Object)[[int][Math]::Floor($ms.Count / 2)]
}
function Write-Ratio([string] $What, [string] $OursLabel, [double] $Ours, [string] $TheirsLabel, [double] $Theirs) {
    '{0,-36} {1,-15} {2,8:0.0} ms   {3,-26} {4,8:0.0} ms   ratio {5,6:0.0}x' -f $What, $OursLabel, $Ours, $TheirsLabel, $Theirs, ($Theirs / $Ours)
}

$work = New-TestDirectory
$cvmfs = New-SharedMount
$token = New-TestTokenFile -Directory $work
$prefix = 'bench-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
$label = 'org.osg-htc.osgpilot.managed=true'
try {
    Write-Host "OsgPilot benchmarks on $env:DOCKER_HOST ($Repeat runs each, medians)"

    # --- 1. Listing
    $listConfig = New-TestConfig -Name "$prefix-list" -TokenPath $token -CvmfsPath $cvmfs
    $listConfig | Start-OsgPilot -Count 20 -WatchSeconds 0 | Out-Null
    Get-OsgPilot | Out-Null   # warm up the client once, as an interactive session would be
    $ours = Measure-Median { Get-OsgPilot }
    $cli = Measure-Median { docker ps --filter "label=$label" --format '{{json .}}' }
    $loop = Measure-Median { docker ps -q --filter "label=$label" | ForEach-Object { docker inspect $_ } } -Times 3
    Write-Ratio 'list 20 pilots' 'Get-OsgPilot' $ours 'docker ps --filter' $cli
    Write-Ratio 'list 20 pilots with their labels' 'Get-OsgPilot' $ours 'docker ps + inspect loop' $loop

    # --- 4. A sync with nothing to do (same 20 pilots)
    $listConfig | Sync-OsgPilot -Count 20 | Out-Null
    $ours = Measure-Median { $listConfig | Sync-OsgPilot -Count 20 }
    $names = 1..20 | ForEach-Object { "$prefix-list-$_" }
    $cli = Measure-Median { foreach ($n in $names) { docker inspect $n } } -Times 3
    Write-Ratio 'sync 20 pilots, nothing to do' 'Sync-OsgPilot' $ours '20 x docker inspect' $cli

    # --- 2. Starting
    Get-OsgPilot -All | Where-Object Name -like "$prefix-*" | Remove-OsgPilot -Force -Confirm:$false
    $cfg = New-TestConfig -Name "$prefix-start" -TokenPath $token -CvmfsPath $cvmfs
    # -WatchSeconds 0: docker run -d does not wait to see the pilot survive its start-up either.
    $t = [Diagnostics.Stopwatch]::StartNew(); $cfg | Start-OsgPilot -Count 10 -WatchSeconds 0 | Out-Null; $ours = $t.Elapsed.TotalMilliseconds
    $t = [Diagnostics.Stopwatch]::StartNew(); $cfg | Start-OsgPilot -Count 10 -WatchSeconds 0 | Out-Null; $again = $t.Elapsed.TotalMilliseconds
    $t = [Diagnostics.Stopwatch]::StartNew()
    foreach ($i in 1..10) {
        docker run -d --name "$prefix-cli-$i" --user osg --cap-add DAC_OVERRIDE --cap-add SETUID --cap-add SETGID --cap-add SYS_ADMIN `
            --cap-add SYS_CHROOT --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH -v "${cvmfs}:/cvmfs:shared" `
            -v "${token}:/etc/condor/tokens-orig.d/flock.opensciencegrid.org:ro" -e GLIDEIN_Site=Lancium -e GLIDEIN_ResourceName=Lancium-Backfill `
            -e OSG_SQUID_LOCATION=http://127.0.0.1:3128 -e STANDIN_IDLE_SECONDS=600 -e GLIDEIN_RANDOMIZE_NAME=true --ulimit nofile=2048:2048 `
            --pids-limit 16384 --stop-timeout 120 --label $label $Image | Out-Null
    }
    $cli = $t.Elapsed.TotalMilliseconds
    Write-Ratio 'start 10 pilots' 'Start-OsgPilot' $ours '10 x docker run' $cli
    Write-Ratio 'start 10 pilots again (no change)' 'Start-OsgPilot' $again '10 x docker run' $cli

    # --- 3. Squids
    $env:OSGPILOT_SQUID_BASE_PORT = '23328'
    bash (Join-Path $PSScriptRoot '../fixtures/squid.sh') start | Out-Null
    try {
        $hanging = 1..20 | ForEach-Object { '127.0.0.1:23331' }
        $t = [Diagnostics.Stopwatch]::StartNew()
        $r = Test-OsgSquid -SquidLocation $hanging -Uri http://127.0.0.1:23330/cvmfs/.cvmfspublished -TimeoutSec 2
        $ours = $t.Elapsed.TotalMilliseconds
        if (@($r | Where-Object Passed).Count) { throw 'a hanging squid passed' }
        Write-Ratio 'probe 20 hanging squids (2 s each)' 'Test-OsgSquid' $ours 'sequential 20 x 2 s' (20 * 2000)
    } finally {
        bash (Join-Path $PSScriptRoot '../fixtures/squid.sh') stop | Out-Null
    }
}
finally {
    $names = @(docker ps -a --format '{{.Names}}' | Where-Object { $_ -like "$prefix-*" })
    if ($names.Count) { docker rm -f @names | Out-Null }
    Remove-TestMount $cvmfs
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}

<#
.SYNOPSIS
    A compressed month of a site's life: Sync-OsgPilot run the way a timer runs it, again and again,
    against the real test engine, with seeded chaos between and during the runs, and the
    invariants of a healthy host checked after every run.
.DESCRIPTION
    Each cycle draws its chaos from a seeded random generator (the same -Seed gives the same
    events in the same cycles): a pilot killed, stopped, removed by hand or paused; the image tag
    moved to a new image (a roll-out); a pilot drained by hand; the token file rotated; the engine
    restarted (dockerd killed with SIGKILL and started again); a Sync killed with SIGKILL while it
    runs; two Syncs at once. Sync runs as a scheduler runs it: a fresh pwsh -NonInteractive,
    `Import-OsgPilotConfig FILE | Sync-OsgPilot ... | ConvertTo-Json`, stdout and stderr apart.

    After every cycle whose Sync ran to its end, these must hold (any miss is a violation):
      - exactly -Count pilots, one per name, and no surplus instance;
      - each running, and accepting jobs by its own word (the stand-in's advertised
        OSG_NODE_VALIDATED), unless it carries the drain stamp: at most -MaxDraining such pilots
        besides those drained by hand (a drained pilot may have exited since the run);
      - no pilot found the stamp at its start-up (it would never take a job), but for the engine's
        own restart of a pilot drained by hand;
      - no .osgpilot-new/.osgpilot-old/.osgpilot-unstamp container left;
      - per-pilot host directories: exactly -Count, each with at most one osgvo-pilot-* working
        directory (nothing accumulates);
      - the runs' private temp directory holds no file but the config's one lock file (and the
        .NET runtime's own pipes, which a SIGKILLed pwsh leaves);
      - every run's stdout is JSON with one image row and -Count pilot rows, and its exit code is 0,
        unless this cycle's chaos killed it;
      - activity: each cycle feeds a one-second job to a running pilot; the runs' metrics file
        (Sync -MetricsPath) passes promtool check metrics, its jobs started never exceed the jobs
        fed (none counted twice) and its counters never go down; the state directory holds one
        ledger per pilot name at most and no temporary file.
    After the last cycle of chaos, quiet cycles follow until a roll-out still under way has completed
    and every invariant holds: not converging within -QuietCycles is a violation too.
    Prints one summary line and exits 1 on any violation.
.EXAMPLE
    ./Invoke-Soak.ps1 -ModulePath out/OsgPilot/0.1.0/OsgPilot.psd1 -Image osgpilot/standin-pilot:latest -Cycles 200 -Seed 7
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Image,
    [int] $Cycles = 200,
    [int] $Seed = 20261204,
    [int] $Count = 3,
    [int] $MaxDraining = 1,
    # Chance that a cycle has chaos before its Sync, and during it.
    [double] $ChaosBefore = 0.6,
    [double] $ChaosDuring = 0.2,
    # After the chaos, quiet cycles (no chaos) until a roll-out under way has completed: at most this many.
    [int] $QuietCycles = 15
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1') -Force
$ModulePath = (Resolve-Path $ModulePath).Path
$engineScript = Join-Path $PSScriptRoot '../fixtures/engine.sh'
if (-not $env:DOCKER_HOST) { throw 'DOCKER_HOST must name the test engine.' }

# Two generators: the schedule of chaos depends on the seed alone; which pilot it hits comes from
# the other, so a different engine state never shifts the schedule.
$rng = [Random]::new($Seed)
$pick = [Random]::new($Seed + 1)
$scope = New-TestScope soak
$stem = $scope.Prefix
$tag = "osgpilot/soak-$($stem):release"
$pilotDir = New-TestDirectory -ForPilot
$runTemp = New-TestDirectory
$lockDir = New-TestDirectory
$configPath = Join-Path $scope.Work 'pilot.json'
$stateDir = New-TestDirectory
$metricsPath = Join-Path (New-TestDirectory) 'osgpilot.prom'
$fed = 0                    # jobs fed to pilots: an upper bound of what the ledgers may count
$counted = @{ Started = 0; Finished = 0 }   # the last metrics file's totals: they never go down
$pwsh = Get-PwshCommand

# Pilots that always have a job until drained; a drained one idles out 2 s after its last job.
# The real clocks are hours; only the stand-in's are shortened.
$busy = @{ STANDIN_JOBS = 'continuous'; STANDIN_IDLE_SECONDS = '2'; STANDIN_ADVERTISE_SECONDS = '1'; STANDIN_READY_SECONDS = '1' }

$kinds = 'kill', 'stop', 'remove', 'pause', 'rollout', 'drain-by-hand', 'token-rotated', 'engine-restart', 'hostile-job'
$duringKinds = 'sync-killed', 'two-syncs'
$chaos = [ordered]@{}
foreach ($k in $kinds + $duringKinds) { $chaos[$k] = 0 }
$violations = [Collections.Generic.List[string]]::new()
$rollouts = 0
$maxConverge = 0
$pendingSince = $null       # the cycle of the earliest chaos not yet followed by a clean check
$handDrained = [Collections.Generic.HashSet[string]]::new()
$rolloutImage = $null       # the image id a roll-out in progress goes to
$releases = [Collections.Generic.List[string]]::new()   # every image a roll-out made: removed at the end

function Write-Violation([int] $Cycle, [string] $Text) {
    $violations.Add("cycle ${Cycle}: $Text")
    Write-Host "  VIOLATION cycle ${Cycle}: $Text"
}

function Get-Containers {
    # The engine's own account, through the docker CLI (an observer independent of OsgPilot).
    $ids = @(docker ps -a -q --no-trunc --filter "name=^/$stem")
    if (-not $ids) { return }
    foreach ($r in @(docker inspect -f '{{.Id}}|{{.Name}}|{{.State.Status}}|{{.Image}}' @ids 2>$null)) {
        $id, $name, $state, $img = $r -split '\|', 4
        [pscustomobject]@{ Id = $id; Name = $name.TrimStart('/'); State = $state; ImageId = $img }
    }
}

function Get-Instance([int] $Index) { if ($Count -eq 1) { $stem } else { "$stem-$Index" } }

function Get-PilotHostDirectory([string] $Name) { if ($Count -eq 1) { $pilotDir } else { Join-Path $pilotDir $Name } }

function Start-Sync {
    $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    # The scheduled command (Register-OsgPilotSchedule's), with the soak's own drain limit and watch.
    $command = "Import-Module '$ModulePath'; Sync-OsgPilot -ConfigPath '$configPath' -Count $Count -MaxDraining $MaxDraining -WatchSeconds 1 -MetricsPath '$metricsPath' -StateDirectory '$stateDir' -AsJson"
    foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $command)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.Environment['TMPDIR'] = $runTemp
    $psi.Environment['OSGPILOT_RUNTIME_DIR'] = $lockDir
    $p = [Diagnostics.Process]::Start($psi)
    [pscustomobject]@{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync(); Watch = [Diagnostics.Stopwatch]::StartNew() }
}

function Wait-Sync($Run) {
    if (-not $Run.Process.WaitForExit(300000)) { $Run.Process.Kill($true); throw 'A Sync ran longer than 5 minutes.' }
    # How long each run took, in the log: a slow cycle shows which of its steps was slow.
    Write-Host ("  sync: exit {0} after {1:0.0} s" -f $Run.Process.ExitCode, $Run.Watch.Elapsed.TotalSeconds)
    [pscustomobject]@{ ExitCode = $Run.Process.ExitCode; Out = $Run.Out.GetAwaiter().GetResult(); Err = $Run.Err.GetAwaiter().GetResult() }
}

function Test-SyncRun([int] $Cycle, $Result) {
    if ($Result.ExitCode -ne 0) { Write-Violation $Cycle "Sync exited $($Result.ExitCode): $($Result.Err.Trim())" }
    try {
        $lines = @($Result.Out.Trim() -split "`n")
        if ($lines.Count -ne 1) { Write-Violation $Cycle "Sync printed $($lines.Count) lines, not one JSON document" }
        $rows = @(($Result.Out | ConvertFrom-Json).Results)
        if (@($rows | Where-Object Kind -EQ 'Image').Count -ne 1 -or @($rows | Where-Object { $_.Kind -eq 'Pilot' -and $_.Name -notmatch '\.osgpilot-' }).Count -lt $Count) {
            Write-Violation $Cycle "Sync's JSON has not one image row and $Count pilot rows: $($Result.Out)"
        }
    } catch {
        Write-Violation $Cycle "Sync's stdout is not JSON: [$($Result.Out)]"
    }
}

function Invoke-Chaos([int] $Cycle, [string] $Kind) {
    $chaos[$Kind]++
    $running = @(Get-Containers | Where-Object { $_.State -eq 'running' -and $_.Name -notmatch '\.osgpilot-' })
    $victim = if ($running.Count) { $running[$pick.Next($running.Count)] } else { $null }
    Write-Host "  chaos: $Kind$(if ($victim -and $Kind -in 'kill', 'stop', 'remove', 'pause', 'drain-by-hand', 'hostile-job') { " ($($victim.Name))" })"
    switch ($Kind) {
        'kill' { if ($victim) { docker kill $victim.Id *> $null } }
        'stop' { if ($victim) { docker stop -t 1 $victim.Id *> $null } }
        'remove' { if ($victim) { docker rm -f $victim.Id *> $null } }
        'pause' { if ($victim) { docker pause $victim.Id *> $null } }
        'drain-by-hand' {
            if ($victim) {
                docker exec -u 1000 $victim.Id touch /pilot/stop-glidein.stamp *> $null
                [void] $handDrained.Add($victim.Id)
            }
        }
        'rollout' {
            # A new release under the same tag: a commit of the current one, new id, built now.
            $c = docker create $tag
            docker commit -c "LABEL org.osg-htc.osgpilot.soak-release=$Cycle" $c $tag | Out-Null
            docker rm $c | Out-Null
            $script:rolloutImage = docker image inspect -f '{{.Id}}' $tag
            $releases.Add($script:rolloutImage)
        }
        'hostile-job' {
            # A job that goes for the host's reading of its pilot's logs, as uid 1000: a FIFO and a link to an
            # endless device where the rotated logs go, and a StartLog line whose number overflows. Every later
            # Sync (which harvests, and writes metrics) must still end, and count nothing of it.
            if ($victim) {
                docker exec -u 1000 $victim.Id sh -c 'cd /pilot/log && rm -f startd_history.old StartLog.old && mkfifo startd_history.old && ln -s /dev/zero StartLog.old && echo "$(date -u "+%m/%d/%y %H:%M:%S").000 (pid:1) (D_ALWAYS) Starter pid 5 exited with status 99999999999" >> StartLog' *> $null
            }
        }
        'token-rotated' { Set-Content -Path $scope.TokenPath -Value (New-TestTokenText) -NoNewline }
        'engine-restart' {
            # The engine fixture's own state directory (tests/fixtures/engine.sh, OSGPILOT_TEST_STATE).
            $pidFile = Join-Path ($env:OSGPILOT_TEST_STATE ?? '/run/osgpilot-test') 'dockerd.pid'
            $dockerd = [int](Get-Content $pidFile)
            $gone = [Diagnostics.Stopwatch]::StartNew()
            /bin/kill -KILL $dockerd
            while (Test-Path "/proc/$dockerd") { Start-Sleep -Milliseconds 100 }
            # The two halves apart: a slow restart says whether the old dockerd took long to die or the new one to answer.
            Write-Host ("  (dockerd gone after {0:0.0} s)" -f $gone.Elapsed.TotalSeconds)
            bash $engineScript start | Out-Null
            if ($LASTEXITCODE -ne 0) { throw 'The engine did not come back after a restart.' }
        }
    }
}

function Add-Job {
    # The pool sends a running pilot a one-second job (one that is draining leaves it waiting).
    $running = @(Get-Containers | Where-Object { $_.State -eq 'running' -and $_.Name -notmatch '\.osgpilot-' })
    if (-not $running) { return }
    $to = $running[$pick.Next($running.Count)]
    try { Add-StandinJob $to.Id "$($script:fed + 1).0 1 1 exit:0"; $script:fed++ } catch { }   # it may have just died
}

function Test-Activity([int] $Cycle) {
    if (-not (Test-Path $metricsPath)) { Write-Violation $Cycle 'no metrics file after a Sync that ran to its end'; return }
    $text = Get-Content -Raw $metricsPath
    $check = $text | promtool check metrics 2>&1 | Out-String
    if ($LASTEXITCODE -ne 0 -or $check.Trim()) { Write-Violation $Cycle "promtool check metrics: $check" }
    $sum = { param($name) ($text -split "`n" | Where-Object { $_ -like "$name{*" } | ForEach-Object { [double]($_ -split ' ')[-1] } | Measure-Object -Sum).Sum }
    $started, $finished = (& $sum 'osgpilot_jobs_started_total'), (& $sum 'osgpilot_jobs_finished_total')
    if ($started -gt $fed) { Write-Violation $Cycle "$started jobs counted as started, but only $fed were fed (a job counted twice)" }
    if ($started -lt $counted.Started -or $finished -lt $counted.Finished) { Write-Violation $Cycle "counters went down: started $($counted.Started) -> $started, finished $($counted.Finished) -> $finished" }
    $counted.Started, $counted.Finished = [Math]::Max($started, $counted.Started), [Math]::Max($finished, $counted.Finished)
    $ledgers = @(Get-ChildItem -Recurse -File $stateDir -Filter '*.ledger')
    $strays = @($ledgers | Where-Object { $_.BaseName -notin (1..$Count | ForEach-Object { Get-Instance $_ }) })
    if ($strays) { Write-Violation $Cycle "ledgers of no pilot of the config: $($strays.Name -join ', ')" }
    $tmp = @(Get-ChildItem -Recurse -File $stateDir, (Split-Path $metricsPath) | Where-Object Name -Like '*.tmp-*')
    if ($tmp) { Write-Violation $Cycle "temporary files left: $($tmp.Name -join ', ')" }
}

function Test-Invariants([int] $Cycle) {
    $before = $violations.Count
    $all = @(Get-Containers)
    $pilots = @($all | Where-Object Name -NotMatch '\.osgpilot-')
    foreach ($left in @($all | Where-Object Name -Match '\.osgpilot-')) { Write-Violation $Cycle "leftover container $($left.Name) ($($left.State))" }
    $wanted = 1..$Count | ForEach-Object { Get-Instance $_ }
    foreach ($extra in @($pilots | Where-Object Name -NotIn $wanted)) { Write-Violation $Cycle "surplus pilot $($extra.Name) ($($extra.State))" }
    $rolloutDrains = 0
    foreach ($name in $wanted) {
        $mine = @($pilots | Where-Object Name -EQ $name)
        if ($mine.Count -ne 1) { Write-Violation $Cycle "$($mine.Count) containers named $name"; continue }
        $p = $mine[0]
        # No start may find a stamp: only the engine's own restart of a pilot drained by hand may.
        if (-not $handDrained.Contains($p.Id) -and (docker logs $p.Id 2>&1 | Select-String -SimpleMatch -Quiet 'stop-glidein.stamp found at start-up')) {
            Write-Violation $Cycle "$name ($($p.State)) found the drain stamp at its start-up: it was started drained and takes no job"
        }
        $stamped = Test-Path (Join-Path (Get-PilotHostDirectory $name) 'stop-glidein.stamp')
        if ($stamped) {
            if (-not $handDrained.Contains($p.Id)) { $rolloutDrains++ }
            continue   # draining: it may run or have idled out since the run
        }
        if ($p.State -ne 'running') { Write-Violation $Cycle "$name is $($p.State) and not draining"; continue }
        $said = Wait-PilotAdvertised $p.Id -TimeoutSec 20
        if ($said -ne 'True') { Write-Violation $Cycle "$name runs without a drain stamp but advertises '$said' (not accepting jobs)" }
    }
    if ($rolloutDrains -gt $MaxDraining) { Write-Violation $Cycle "$rolloutDrains pilots draining for the roll-out (-MaxDraining $MaxDraining)" }
    $dirs = @(Get-ChildItem -Directory $pilotDir -ErrorAction Ignore)
    if ($Count -gt 1 -and $dirs.Count -ne $Count) { Write-Violation $Cycle "$($dirs.Count) per-pilot directories, not $Count" }
    foreach ($name in $wanted) {
        $work = @(Get-ChildItem -Directory (Get-PilotHostDirectory $name) -Filter 'osgvo-pilot-*' -ErrorAction Ignore)
        if ($work.Count -gt 1) { Write-Violation $Cycle "$name has $($work.Count) osgvo-pilot-* working directories" }
    }
    # The .NET runtime's diagnostic pipes and PowerShell's host pipe outlive a pwsh killed with
    # SIGKILL (the runtime removes them at a normal exit): not OsgPilot's files, so not counted.
    $runtime = 'clr-debug-pipe-*', 'dotnet-diagnostic-*', 'CoreFxPipe_PSHost.*'
    $temp = @(Get-ChildItem -Force $runTemp | Where-Object { $n = $_.Name; -not ($runtime | Where-Object { $n -like $_ }) })
    # A run's lock file goes with its release; only a run killed while holding it leaves one, which
    # the next run takes over and removes.
    $locks = @(Get-ChildItem -Force $lockDir)
    if ($temp.Count -gt 0 -or $locks.Count -gt 1) { Write-Violation $Cycle "temp files left: $(@($temp.Name) + @($locks.Name) -join ', ')" }
    Test-Activity $Cycle
    # A roll-out is complete when every pilot runs the new image and accepts.
    if ($script:rolloutImage -and @($pilots | Where-Object { $_.ImageId -eq $script:rolloutImage -and $_.State -eq 'running' }).Count -eq $Count -and $rolloutDrains -eq 0) {
        $script:rollouts++
        $script:rolloutImage = $null
    }
    $violations.Count -eq $before
}

try {
    docker tag $Image $tag
    Import-Module $ModulePath
    $cfg = New-TestConfig -Name $stem -TokenPath $scope.TokenPath -CvmfsPath $scope.Cvmfs -Extra @{
        Image = $tag; RestartPolicy = 'UnlessStopped'; Environment = $busy; PilotDirectory = $pilotDir
    }
    $cfg | Export-OsgPilotConfig -Path $configPath -Force
    Remove-Module OsgPilot

    $watch = [Diagnostics.Stopwatch]::StartNew()
    for ($cycle = 1; $cycle -le $Cycles; $cycle++) {
        Write-Host "cycle $cycle (at $([int]$watch.Elapsed.TotalSeconds) s)"
        $events = @()
        if ($cycle -gt 1 -and $rng.NextDouble() -lt $ChaosBefore) {
            $events += $kinds[$rng.Next($kinds.Count)]
            if ($rng.NextDouble() -lt 0.3) { $events += $kinds[$rng.Next($kinds.Count)] }
        }
        $during = if ($cycle -gt 1 -and $rng.NextDouble() -lt $ChaosDuring) { $duringKinds[$rng.Next($duringKinds.Count)] } else { $null }
        $killAfterMs = 800 + $rng.Next(2500)
        Add-Job
        foreach ($e in $events) {
            $chaosWatch = [Diagnostics.Stopwatch]::StartNew()
            Invoke-Chaos $cycle $e
            if ($chaosWatch.Elapsed.TotalSeconds -ge 5) { Write-Host ("  ({0} took {1:0.0} s)" -f $e, $chaosWatch.Elapsed.TotalSeconds) }
        }
        if ($events.Count -or $during) { if ($null -eq $pendingSince) { $pendingSince = $cycle } }

        $checked = $true
        switch ($during) {
            'sync-killed' {
                $chaos[$during]++
                Write-Host "  chaos: sync-killed after $killAfterMs ms"
                $run = Start-Sync
                if (-not $run.Process.WaitForExit($killAfterMs)) { $run.Process.Kill($true) }
                $null = Wait-Sync $run
                $checked = $false   # its half-done work is the next cycle's to repair
            }
            'two-syncs' {
                $chaos[$during]++
                Write-Host '  chaos: two-syncs'
                $a = Start-Sync; $b = Start-Sync
                Test-SyncRun $cycle (Wait-Sync $a)
                Test-SyncRun $cycle (Wait-Sync $b)
            }
            default { Test-SyncRun $cycle (Wait-Sync (Start-Sync)) }
        }
        $checkWatch = [Diagnostics.Stopwatch]::StartNew()
        $held = $checked -and (Test-Invariants $cycle)
        if ($checked) { Write-Host ("  invariants checked in {0:0.0} s" -f $checkWatch.Elapsed.TotalSeconds) }
        if ($held -and $null -ne $pendingSince) {
            $maxConverge = [Math]::Max($maxConverge, $cycle - $pendingSince + 1)
            $pendingSince = $null
        }
        if ($checked) {
            # Drains by hand end with their pilot: forget the ones that are gone.
            $ids = @(Get-Containers | ForEach-Object Id)
            foreach ($id in @($handDrained)) { if ($id -notin $ids) { [void] $handDrained.Remove($id) } }
        }
    }
    # The chaos stops; the host must settle: the last roll-out completes, every invariant holds.
    $quiet = 0
    $lastClean = $false
    while ($true) {
        $settled = ($null -eq $rolloutImage) -and ($quiet -gt 0) -and $lastClean
        if ($settled) { break }
        if ($quiet -ge $QuietCycles) { Write-Violation $cycle "not settled after $QuietCycles quiet cycles (roll-out to $rolloutImage under way)"; break }
        $quiet++
        Write-Host "quiet cycle $quiet (at $([int]$watch.Elapsed.TotalSeconds) s)"
        Test-SyncRun $cycle (Wait-Sync (Start-Sync))
        $lastClean = Test-Invariants $cycle
        $cycle++
    }
    $events = ($chaos.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ' '
    $summary = "Soak: seed $Seed, $Cycles cycles of chaos and $quiet quiet, $([int]$watch.Elapsed.TotalSeconds) s; chaos: $events; roll-outs completed: $rollouts; max cycles to converge: $maxConverge; jobs fed: $fed, counted started: $($counted.Started), finished: $($counted.Finished); violations: $($violations.Count)"
    $summary
    if ($violations.Count -gt 0) { exit 1 }
}
finally {
    Remove-TestPilots $stem
    docker rmi -f $tag *> $null
    # The releases a roll-out replaced are untagged, not gone: the soak leaves no image behind.
    if ($releases.Count) { docker rmi -f @releases *> $null }
    Remove-TestScope $scope
    Remove-Item -Recurse -Force $pilotDir, $runTemp, $lockDir -ErrorAction Ignore
}

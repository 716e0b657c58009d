<#
.SYNOPSIS
    A compressed month of a pilot service on the three-node swarm (tests/fixtures/swarm.sh):
    Set-OsgPilotService run as a timer runs it, again and again, with seeded chaos between the
    runs, and the invariants of a service that holds checked after every run.
.DESCRIPTION
    Each cycle draws its chaos from a seeded random generator (the same -Seed gives the same
    events in the same cycles): the token file rotated; a bad update (a pilot directory that no
    node has, together with a new token: the swarm rolls it back); a node's task container killed;
    a hand edit (docker service update --env-add --limit-cpu); Test-OsgPilotService run, which
    probes every node. Set runs in a fresh pwsh -NonInteractive with -Wait, as a scheduler runs it.

    After every cycle these must hold (any miss is a violation):
      - a good run reports no error; a bad update's run reports ServiceUpdateFailed naming the
        missing directory on a node;
      - after a good run the spec is on the config's token;
      - once the swarm settles (at most 90 s): on every node exactly one running task container of
        the service, on the spec the service has now, holding the token that spec's secret is named
        for. (A task killed within the 30 s monitor window of an update rolls that update back, as
        the swarm's failure action says; the next good run applies it again.)
      - the hand edit is gone after a good run;
      - every secret the current or the previous spec names exists, and the config's secrets are
        exactly those the specs and the tasks that may still run name: none missing, no orphan;
      - no probe service and no probe container on any node.
    Prints one summary line and exits 1 on any violation.
.EXAMPLE
    ./Invoke-ServiceSoak.ps1 -ModulePath out/OsgPilot/0.1.0/OsgPilot.psd1 -Image osgpilot/standin-pilot:latest -Cycles 40 -Seed 7
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Image,
    [int] $Cycles = 40,
    [int] $Seed = 20261205,
    # Chance that a cycle has chaos before its Set.
    [double] $Chaos = 0.8
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1') -Force
$ModulePath = (Resolve-Path $ModulePath).Path
$swarmScript = Join-Path $PSScriptRoot '../fixtures/swarm.sh'
bash $swarmScript start | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'The swarm fixture did not start.' }
$swarm = @{}
foreach ($line in (bash $swarmScript env)) { $k, $v = $line -split '=', 2; $swarm[$k] = $v }
$manager = $swarm.SWARM_MANAGER

$rng = [Random]::new($Seed)
$pick = [Random]::new($Seed + 1)
$work = New-TestDirectory
$name = 'svcsoak' + [guid]::NewGuid().ToString('N').Substring(0, 6)
$tokenPath = Join-Path $work 'token'
$goodPath = Join-Path $work 'good.json'
$badPath = Join-Path $work 'bad.json'
$pwsh = Get-PwshCommand
$pwshArgs = @($pwsh | Select-Object -Skip 1)
$kinds = 'token-rotated', 'bad-update', 'task-killed', 'hand-edit', 'probe'
$counts = [ordered]@{}
foreach ($k in $kinds) { $counts[$k] = 0 }
$violations = [Collections.Generic.List[string]]::new()

function Write-Violation([int] $Cycle, [string] $Text) {
    $violations.Add("cycle ${Cycle}: $Text")
    Write-Host "  VIOLATION cycle ${Cycle}: $Text"
}

function Invoke-Node([int] $Index, [string[]] $Arguments) {
    # The docker CLI on one node, through its own socket: an observer independent of OsgPilot.
    $saved = $env:DOCKER_HOST
    $env:DOCKER_HOST = $swarm["SWARM_SOCKET_$Index"]
    try { & docker @Arguments 2>$null } finally { $env:DOCKER_HOST = $saved }
}

function Get-TokenDigest([string] $Text) {
    # As the secret's name says it: 12 hex digits of SHA-256.
    $hash = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($Text))
    -join ($hash[0..5] | ForEach-Object { $_.ToString('x2') })
}

function Write-Token { Set-Content -Path $tokenPath -Value (New-TestTokenText) -NoNewline; chmod 600 $tokenPath }

function Export-Configs {
    # The config a site keeps, and the same with a pilot directory no node has (a bad update).
    Import-Module $ModulePath
    $p = @{
        Name = $name; Site = 'TEST_SITE'; ResourceName = 'TEST_RESOURCE'; TokenPath = $tokenPath; Image = $Image
        CvmfsPath = $swarm.SWARM_CVMFS; SquidLocation = 'http://127.0.0.1:3128'; Cpus = 1; MemoryMB = 256
        SecurityProfile = 'Capabilities'; Environment = @{ STANDIN_IDLE_SECONDS = '3600'; SINGULARITY_DISABLE_PID_NAMESPACES = 'True' }
    }
    New-OsgPilotConfig @p | Export-OsgPilotConfig -Path $goodPath -Force
    New-OsgPilotConfig @p -PilotDirectory "$($swarm.SWARM_PILOT)/nosuch" | Export-OsgPilotConfig -Path $badPath -Force
    Remove-Module OsgPilot
}

function Invoke-Set([string] $ConfigPath) {
    $command = "Import-Module '$ModulePath'; `$r = Import-OsgPilotConfig '$ConfigPath' | Set-OsgPilotService -DockerHost '$manager' -UpdateParallelism 3 -UpdateDelaySec 0 -Wait -WaitTimeoutSec 90 " +
               "-ErrorVariable e -ErrorAction SilentlyContinue; [pscustomobject]@{ Action = `$r.Action; Errors = @(`$e | ForEach-Object { `$_.FullyQualifiedErrorId.Split(',')[0] + ': ' + `$_.Exception.Message }) } | ConvertTo-Json -Compress"
    $out = & $pwsh[0] @pwshArgs -NoProfile -NonInteractive -Command $command 2>&1
    try { $out | Select-Object -Last 1 | ConvertFrom-Json } catch { [pscustomobject]@{ Action = $null; Errors = @("no JSON: $out") } }
}

function Get-Service { Invoke-Node 1 @('service', 'inspect', $name) | ConvertFrom-Json }

function Get-SpecSecrets($Service) {
    @(@($Service.Spec.TaskTemplate.ContainerSpec.Secrets) + @(if ($Service.PSObject.Properties['PreviousSpec'] -and $Service.PreviousSpec) { $Service.PreviousSpec.TaskTemplate.ContainerSpec.Secrets }) |
        Where-Object { $_ } | ForEach-Object SecretName | Sort-Object -Unique)
}

function Get-NodeState($Service) {
    # Per node: its running task containers of the service, and those on the service's current container spec.
    $hash = $Service.Spec.TaskTemplate.ContainerSpec.Labels.'org.osg-htc.osgpilot.config-hash'
    foreach ($i in 1..3) {
        $ids = @(Invoke-Node $i @('ps', '-q', '--filter', "label=org.osg-htc.osgpilot.service=$name"))
        $current = @($ids | Where-Object { $_ -and (Invoke-Node $i @('inspect', '--format', '{{index .Config.Labels "org.osg-htc.osgpilot.config-hash"}}', $_)) -eq $hash })
        [pscustomobject]@{ Node = $i; Running = @($ids | Where-Object { $_ }).Count; Current = $current }
    }
}

function Test-Invariants([int] $Cycle, [string] $Token) {
    # $Token: after a good run, the spec must be on it; after a bad update, on whatever it rolled back to.
    $specSecret = @((Get-Service).Spec.TaskTemplate.ContainerSpec.Secrets.SecretName)[0]
    if ($Token -and $specSecret -ne "$name-token-$(Get-TokenDigest $Token)") { Write-Violation $Cycle "after a good run the spec names $specSecret, not the config's token" }
    $deadline = [DateTime]::UtcNow.AddSeconds(90)
    do {
        $service = Get-Service
        $nodes = @(Get-NodeState $service)
        $settled = @($nodes | Where-Object { $_.Running -eq 1 -and $_.Current.Count -eq 1 }).Count -eq 3
        if (-not $settled) { Start-Sleep -Seconds 1 }
    } while (-not $settled -and [DateTime]::UtcNow -lt $deadline)
    foreach ($n in $nodes) {
        if ($n.Running -ne 1 -or $n.Current.Count -ne 1) { Write-Violation $Cycle "node $($n.Node) runs $($n.Running) task container(s), $($n.Current.Count) on the current spec, 90 s on"; continue }
        # The token the pilot holds, by its digest (never the text), against the one its spec's secret is named for.
        $held = "$(Invoke-Node $n.Node @('exec', $n.Current[0], 'cat', '/etc/condor/tokens-orig.d/flock.opensciencegrid.org'))".Trim()
        $digest = if ($held) { Get-TokenDigest $held } else { 'nothing (exec failed)' }
        $runs = @($service.Spec.TaskTemplate.ContainerSpec.Secrets.SecretName)[0]
        if ($runs -ne "$name-token-$digest") { Write-Violation $Cycle "node $($n.Node)'s pilot ($($n.Current[0])) holds the token $digest, not the one of the spec it runs ($runs)" }
    }
    if ($Token -and ($service.Spec.TaskTemplate.ContainerSpec.Env -contains 'SOAK_HAND=1' -or $service.Spec.TaskTemplate.Resources.Limits.NanoCPUs -ne 1000000000)) {
        Write-Violation $Cycle 'the hand edit is still in the spec after a good run'
    }
    $secrets = @(Invoke-Node 1 @('secret', 'ls', '--filter', "label=org.osg-htc.osgpilot.service=$name", '--format', '{{.Name}}') | Where-Object { $_ } | Sort-Object)
    $named = @(Get-SpecSecrets $service)
    foreach ($s in $named) { if ($s -notin $secrets) { Write-Violation $Cycle "the spec names the secret $s, which is missing" } }
    $taskSecrets = @(Invoke-Node 1 @('service', 'ps', '-q', '--no-trunc', '--filter', 'desired-state=running', $name) | Where-Object { $_ } |
        ForEach-Object { (Invoke-Node 1 @('inspect', $_) | ConvertFrom-Json).Spec.ContainerSpec.Secrets.SecretName })
    foreach ($s in $secrets) { if ($s -notin $named -and $s -notin $taskSecrets) { Write-Violation $Cycle "orphan secret ${s}: no spec and no task names it" } }
    $probeDeadline = [DateTime]::UtcNow.AddSeconds(60)
    do {
        $probes = @(Invoke-Node 1 @('service', 'ls', '-q', '--filter', 'label=org.osg-htc.osgpilot.probe=true') | Where-Object { $_ }).Count +
                  @(1..3 | ForEach-Object { Invoke-Node $_ @('ps', '-aq', '--filter', 'name=osgpilot-probe-') } | Where-Object { $_ }).Count
        if ($probes -gt 0) { Start-Sleep -Seconds 1 }
    } while ($probes -gt 0 -and [DateTime]::UtcNow -lt $probeDeadline)
    if ($probes -gt 0) { Write-Violation $Cycle "$probes probe service(s) or container(s) left, 60 s on" }
}

try {
    Write-Token
    Export-Configs
    $watch = [Diagnostics.Stopwatch]::StartNew()
    for ($cycle = 1; $cycle -le $Cycles; $cycle++) {
        Write-Host "cycle $cycle"
        $events = @()
        if ($cycle -gt 1 -and $rng.NextDouble() -lt $Chaos) {
            $events += $kinds[$rng.Next($kinds.Count)]
            if ($rng.NextDouble() -lt 0.3) { $events += $kinds[$rng.Next($kinds.Count)] }
        }
        $bad = $false
        foreach ($e in $events) {
            $counts[$e]++
            Write-Host "  chaos: $e"
            switch ($e) {
                'token-rotated' { Write-Token }
                'bad-update' { Write-Token; $bad = $true }
                'task-killed' {
                    $node = 1 + $pick.Next(3)
                    $c = @(Invoke-Node $node @('ps', '-q', '--filter', "label=org.osg-htc.osgpilot.service=$name"))
                    if ($c) { Invoke-Node $node @('kill', $c[0]) | Out-Null }
                }
                'hand-edit' { Invoke-Node 1 @('service', 'update', '-d', '--env-add', 'SOAK_HAND=1', '--limit-cpu', '0.5', $name) | Out-Null }
                'probe' {
                    $out = & $pwsh[0] @pwshArgs -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; Import-OsgPilotConfig '$goodPath' | Test-OsgPilotService -DockerHost '$manager' -ProbeTimeoutSec 30 -Quiet" 2>&1
                    if ("$out".Trim() -ne 'True') { Write-Violation $cycle "Test-OsgPilotService said: $out" }
                }
            }
        }
        $token = (Get-Content -Raw $tokenPath).Trim()
        if ($bad) {
            $r = Invoke-Set $badPath
            $failed = @($r.Errors | Where-Object { $_ -match '^ServiceUpdateFailed: .*bind source path does not exist: .*/nosuch' })
            if ($r.Action -ne 'Updated' -or $failed.Count -ne 1) { Write-Violation $cycle "the bad update did not report its roll-back and why: $($r.Action) $($r.Errors -join ' | ')" }
            # Rolled back: the pilots run the spec they went back to.
            Test-Invariants $cycle $null
        }
        else {
            $r = Invoke-Set $goodPath
            if (@($r.Errors).Count -gt 0) { Write-Violation $cycle "Set failed: $($r.Errors -join ' | ')" }
            Test-Invariants $cycle $token
        }
    }
    $events = ($counts.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ' '
    "Service soak: seed $Seed, $Cycles cycles, $([int]$watch.Elapsed.TotalSeconds) s; chaos: $events; violations: $($violations.Count)"
    if ($violations.Count -gt 0) { exit 1 }
}
finally {
    Invoke-Node 1 @('service', 'rm', $name) | Out-Null
    Start-Sleep -Seconds 2
    $left = @(Invoke-Node 1 @('secret', 'ls', '-q', '--filter', "label=org.osg-htc.osgpilot.service=$name"))
    if ($left) { Invoke-Node 1 (@('secret', 'rm') + $left) | Out-Null }
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}

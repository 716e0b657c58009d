<#
.SYNOPSIS
    Runs the Pester suite against a staged OsgPilot module. build.ps1 starts this in a fresh
    `pwsh -NoProfile`, so the module DLL is never loaded (or locked) in the build's own session.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string[]] $Path = (Join-Path $PSScriptRoot 'Pester'),
    # podman: the engine-parameterised suites (files that take -Engine; their blocks tagged Engines)
    # against the test Podman ($env:OSGPILOT_PODMAN_HOST) instead of the whole suite against dockerd.
    [ValidateSet('docker', 'podman')] [string] $Engine = 'docker'
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:OSGPILOT_MODULE = (Resolve-Path $ModulePath).Path
# Activity ledgers and sync outcomes of the suite's pilots go to a directory of its own, never the machine's.
if (-not $env:OSGPILOT_STATE_DIR) { $env:OSGPILOT_STATE_DIR = Join-Path ([IO.Path]::GetTempPath()) ('osgpilot-state-' + [guid]::NewGuid().ToString('N').Substring(0, 8)) }

$config = New-PesterConfiguration
if ($Engine -eq 'podman') {
    if (-not $env:OSGPILOT_PODMAN_HOST) { throw 'OSGPILOT_PODMAN_HOST names no Podman engine (tests/fixtures/podman.sh start prints it).' }
    $env:DOCKER_HOST = $env:OSGPILOT_PODMAN_HOST
    # In the suites `docker` is then Podman's own CLI, as an EL9 admin types it (podman-docker).
    function global:docker { $input | podman --remote --url $env:DOCKER_HOST @args }
    $files = Get-ChildItem $Path -Recurse -Filter '*.Tests.ps1' | Where-Object { Select-String -LiteralPath $_.FullName -Pattern '^param\(\[ValidateSet\(''docker'', ''podman''\)\]' -Quiet }
    $config.Run.Container = @($files | ForEach-Object { New-PesterContainer -Path $_.FullName -Data @{ Engine = 'podman' } })
    $config.Filter.Tag = 'Engines', 'PodmanOnly'
}
else {
    $config.Run.Path = $Path
    $config.Filter.ExcludeTag = 'PodmanOnly'
}
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Should.ErrorAction = 'Continue'
$result = Invoke-Pester -Configuration $config

[pscustomobject]@{
    Engine  = $Engine
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
} | ConvertTo-Json | Set-Content -Path $ResultPath

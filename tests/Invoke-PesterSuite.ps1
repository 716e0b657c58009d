<#
.SYNOPSIS
    Runs the Pester suite against a staged OsgPilot module. build.ps1 starts this in a fresh
    `pwsh -NoProfile`, so the module DLL is never loaded (or locked) in the build's own session.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string[]] $Path = (Join-Path $PSScriptRoot 'Pester')
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:OSGPILOT_MODULE = (Resolve-Path $ModulePath).Path
# Activity ledgers and sync outcomes of the suite's pilots go to a directory of its own, never the machine's.
if (-not $env:OSGPILOT_STATE_DIR) { $env:OSGPILOT_STATE_DIR = Join-Path ([IO.Path]::GetTempPath()) ('osgpilot-state-' + [guid]::NewGuid().ToString('N').Substring(0, 8)) }

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Should.ErrorAction = 'Continue'
$result = Invoke-Pester -Configuration $config

[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
} | ConvertTo-Json | Set-Content -Path $ResultPath

<#
.SYNOPSIS
    The main job, end to end: launch a pilot on a local engine with a generated configuration,
    show it and its log, and remove it. build.ps1 -Task Demo runs this in a fresh pwsh.
.DESCRIPTION
    Uses the offline stand-in pilot image (no registry is reachable here) and a demo token that is
    a well-formed IDTOKEN signed by nobody: the pool would refuse it, the stand-in accepts it.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Image
)
$ErrorActionPreference = 'Stop'
# Redirected to a file or a CI log: plain text, no colour codes.
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }
Import-Module $ModulePath

$work = Join-Path ([IO.Path]::GetTempPath()) ('osgpilot-demo-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
$cvmfs = Join-Path $work 'cvmfs'
$pilotDir = Join-Path $work 'pilot'
New-Item -ItemType Directory $cvmfs, $pilotDir | Out-Null
# The demo's activity ledgers go with its work directory: the host's /var/lib/osgpilot stays as it was.
$env:OSGPILOT_STATE_DIR = Join-Path $work 'state'
try {
    # A host /cvmfs must be a shared mount; a real site has CVMFS there already.
    mount --bind $cvmfs $cvmfs; mount --make-shared $cvmfs
    chown 1000:1000 $pilotDir

    $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    $payload = @{ sub = 'RESOURCE-demo.example.edu@cm-1.ospool.osg-htc.org'; iss = 'cm-1.ospool.osg-htc.org'; iat = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds(); scope = 'condor:/READ condor:/ADVERTISE_MASTER condor:/ADVERTISE_STARTD' } | ConvertTo-Json -Compress
    $tokenPath = Join-Path $work 'demo.token'
    Set-Content $tokenPath ((& $b64 '{"alg":"ES256","kid":"POOL"}') + '.' + (& $b64 $payload) + '.' + (& $b64 'demo-signature')) -NoNewline
    chmod 600 $tokenPath   # root only, as a site keeps it: OsgPilot copies it in for the pilot user

    Write-Host "== New-OsgPilotConfig (engine: $env:DOCKER_HOST)"
    $cfg = New-OsgPilotConfig -Site 'Lancium' -ResourceName 'Lancium-Backfill' -TokenPath $tokenPath `
        -SquidLocation 'http://squid.example.edu:3128' -PilotDirectory $pilotDir -CvmfsPath $cvmfs `
        -Image $Image -Name 'osgpilot-demo' -Environment @{ STANDIN_IDLE_SECONDS = '300' }
    $cfg | Format-Table | Out-Host

    Write-Host '== Start-OsgPilot -WhatIf (the equivalent docker run line)'
    $cfg | Start-OsgPilot -WhatIf

    Write-Host '== Start-OsgPilot -Wait (returns when the pilot says it is ready)'
    $cfg | Start-OsgPilot -Wait -WaitTimeoutSec 120 | Format-Table Name, State, Changed, Ready, StartdAddress | Out-Host
    Write-Host '== Start-OsgPilot again (idempotent: Changed = False)'
    $cfg | Start-OsgPilot | Format-Table -AutoSize Name, State, Changed, DockerHost | Out-Host

    Write-Host '== Get-OsgPilot'
    Get-OsgPilot | Format-Table -AutoSize | Out-Host
    Write-Host '== Get-OsgPilot -Detailed'
    Get-OsgPilot -Detailed | Format-List Name, Ready, StartdAddress, Draining, Validated, ContainerJobs, StartedAt, RestartCount, RestartPolicy | Out-Host
    Start-Sleep -Seconds 1
    Write-Host '== Get-OsgPilotLog -Tail 3'
    Get-OsgPilotLog -Name osgpilot-demo -Tail 3 | Out-Host

    Write-Host '== Stop-OsgPilot and Remove-OsgPilot'
    Get-OsgPilot -Name osgpilot-demo | Stop-OsgPilot -Timeout 10 -PassThru | Format-Table -AutoSize | Out-Host
    Get-OsgPilot -All -Name osgpilot-demo | Remove-OsgPilot -Confirm:$false
    if (Get-OsgPilot -All -Name 'osgpilot-demo*') { throw 'The demo pilot was not removed.' }
    Write-Host 'Demo complete: pilot started, listed, logged, stopped and removed.'
}
finally {
    Get-OsgPilot -All -Name osgpilot-demo -ErrorAction SilentlyContinue | Remove-OsgPilot -Force -Confirm:$false -ErrorAction SilentlyContinue
    umount -l $cvmfs 2>$null
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

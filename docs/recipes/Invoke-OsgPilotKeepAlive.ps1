#Requires -Version 5.1
<#
.SYNOPSIS
    Keeps N OSPool pilots running from a saved configuration: refreshes the image when it is older
    than OSG allows, replaces pilots that have exited, starts what is missing, logs to a file, and
    exits non-zero when anything failed. Run it from cron, a systemd timer or Task Scheduler.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Invoke-OsgPilotKeepAlive.ps1 -ConfigPath /etc/osg/pilot.json -Count 4
#>
param(
    [Parameter(Mandatory)] [string] $ConfigPath,
    [ValidateRange(1, 256)] [int] $Count = 1,
    [string] $LogPath = $(if ($IsWindows -or $env:OS -eq 'Windows_NT') { "$env:ProgramData\OsgPilot\keepalive.log" } else { '/var/log/osgpilot/keepalive.log' }),
    [int] $MaxImageAgeHours = 72,
    [string] $ModulePath = 'OsgPilot',
    [string] $DockerHost
)
$ErrorActionPreference = 'Stop'
$failures = 0
$logDir = Split-Path $LogPath
if ($logDir -and -not (Test-Path $logDir)) { New-Item -ItemType Directory -Force $logDir | Out-Null }

function Write-Log([string] $Level, [string] $Message) {
    # One line per event; what OsgPilot reports never contains the token.
    '{0} {1} {2}' -f [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ'), $Level, $Message | Add-Content -Path $LogPath
}

try {
    Import-Module $ModulePath
    $engine = if ($DockerHost) { @{ DockerHost = $DockerHost } } else { @{} }
    $config = Import-OsgPilotConfig -Path $ConfigPath
    Write-Log INFO "keep-alive for $($config.Name) x$Count ($($config.Site)/$($config.ResourceName))"

    # 1. The image: pull when missing or older than allowed. A failed pull is a failure to report,
    #    but the pilots still run on the image the engine has.
    try {
        $image = $config | Update-OsgPilotImage -MaxAgeHours $MaxImageAgeHours @engine
        Write-Log INFO ("image {0} {1}" -f $image.Image, $(if ($image.Changed) { 'updated' } elseif ($image.Pulled) { 'pulled, unchanged' } else { 'fresh' }))
    } catch {
        $failures++
        Write-Log ERROR "image refresh failed: $($_.FullyQualifiedErrorId): $($_.Exception.Message)"
    }

    # 2. Pilots that exited (idle, retired, or failed) are replaced, so they start on the current image.
    $names = if ($Count -eq 1) { $config.Name } else { 1..$Count | ForEach-Object { "$($config.Name)-$_" } }
    $exited = @(Get-OsgPilot -All @engine | Where-Object { $_.Name -in $names -and $_.State -ne 'running' })
    foreach ($p in $exited) { Write-Log INFO "replacing $($p.Name) ($($p.Status))" }
    $exited | Remove-OsgPilot -Confirm:$false

    # 3. Start what is missing; what runs as configured is left alone.
    $pilots = $config | Start-OsgPilot -Count $Count @engine -ErrorVariable startErrors -ErrorAction Continue
    foreach ($e in $startErrors) { $failures++; Write-Log ERROR "$($e.FullyQualifiedErrorId): $($e.Exception.Message)" }
    foreach ($p in $pilots) { Write-Log INFO ("{0} {1}{2}" -f $p.Name, $p.State, $(if ($p.Changed) { ' (started)' } else { '' })) }
}
catch {
    $failures++
    Write-Log ERROR "$($_.FullyQualifiedErrorId): $($_.Exception.Message)"
}

if ($failures -gt 0) { Write-Log ERROR "finished with $failures failure(s)"; exit 1 }
Write-Log INFO 'finished'
exit 0

<#
.SYNOPSIS
    Publishes a staged OsgPilot module as a .nupkg into a local (file system) PSResourceGet repository.
.DESCRIPTION
    Registers a temporary repository at -RepositoryPath, publishes, and unregisters it again, so the
    user's repository list is left as it was. Install-PSResource then installs from that folder.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleDirectory,
    [Parameter(Mandatory)] [string] $RepositoryPath
)
$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Force $RepositoryPath | Out-Null
$name = 'OsgPilotBuild' + [guid]::NewGuid().ToString('N').Substring(0, 8)
Register-PSResourceRepository -Name $name -Uri (Resolve-Path $RepositoryPath).Path -Trusted
try {
    $version = (Import-PowerShellDataFile (Join-Path $ModuleDirectory 'OsgPilot.psd1')).ModuleVersion
    Remove-Item (Join-Path $RepositoryPath "OsgPilot.$version.nupkg") -ErrorAction Ignore
    Publish-PSResource -Path $ModuleDirectory -Repository $name
    Get-Item (Join-Path $RepositoryPath "OsgPilot.$version.nupkg")
}
finally {
    Unregister-PSResourceRepository -Name $name
}

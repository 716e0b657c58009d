# The package build.ps1 makes installs with Install-PSResource from a local repository and imports by name.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModuleDir = Split-Path $env:OSGPILOT_MODULE
    $script:Work = New-TestDirectory
    $script:Repo = Join-Path $Work 'repo'
    $script:Version = (Import-PowerShellDataFile $env:OSGPILOT_MODULE).ModuleVersion
}
AfterAll { Remove-Item -Recurse -Force $script:Work -ErrorAction Ignore }

Describe 'Packaging' {
    It 'publishes the staged module to a local repository' {
        $pwsh = Get-PwshCommand
        & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../../src/Packaging/Publish-OsgPilotPackage.ps1') -ModuleDirectory $ModuleDir -RepositoryPath $Repo | Out-Null
        $LASTEXITCODE | Should -Be 0
        Join-Path $Repo "OsgPilot.$Version.nupkg" | Should -Exist
    }

    It 'installs with Install-PSResource into a private user scope and imports by name' {
        # A temporary HOME is this child's whole user scope: its module path and its repository list.
        $script:Home2 = Join-Path $Work 'home'
        $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name OsgPilotTest -Uri '$Repo' -Trusted
Install-PSResource -Name OsgPilot -Repository OsgPilotTest -Scope CurrentUser -TrustRepository -Quiet
Import-Module OsgPilot
`$m = Get-Module OsgPilot
`$m.ModuleBase
`$m.Version.ToString()
(Get-Command -Module OsgPilot).Count
(Get-Help Start-OsgPilot).Synopsis
Test-Path (Join-Path `$m.ModuleBase 'recipes/osgpilot.yml')
Test-Path (Join-Path `$m.ModuleBase 'dependencies/linux-x64/OsgPilot.Library.dll')
"@
        $pwsh = Get-PwshCommand
        $saved = $env:HOME, $env:XDG_DATA_HOME, $env:DOTNET_CLI_HOME
        try {
            $env:HOME = $Home2; $env:XDG_DATA_HOME = $null
            $env:DOTNET_CLI_HOME = $saved[2] ?? $saved[0]   # dotnet itself keeps its own home
            $out = & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -Command $script 2>&1
        } finally {
            $env:HOME, $env:XDG_DATA_HOME, $env:DOTNET_CLI_HOME = $saved
        }
        $LASTEXITCODE | Should -Be 0 -Because ($out | Out-String)
        $out[0] | Should -BeLike "$Home2*OsgPilot*$Version"
        $out[1] | Should -Be $Version
        [int]$out[2] | Should -Be (Import-PowerShellDataFile $env:OSGPILOT_MODULE).CmdletsToExport.Count
        $out[3] | Should -Be 'Starts OSPool pilot containers from a configuration, idempotently.'
        $out[4] | Should -Be 'True' -Because 'the recipes ship in the package'
        $out[5] | Should -Be 'True' -Because 'the ReadyToRun builds ship in the package'
    }
}

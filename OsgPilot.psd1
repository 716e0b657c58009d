@{
    # The module's version lives here and only here; build.ps1 stamps it into the assembly.
    ModuleVersion        = '0.1.0'
    GUID                 = '6f3c2a51-9a7e-4d5b-8c0e-2b7f4e1d9a30'
    RootModule           = 'OsgPilot.dll'
    Author               = 'OsgPilot contributors'
    CompanyName          = 'OsgPilot'
    Copyright            = '(c) OsgPilot contributors. MIT License.'
    Description          = 'Runs Open Science Pool (OSPool) backfill pilot containers on Docker hosts, exactly as OSG documents: typed configs, preflight and squid checks, idempotent start, and token safety.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('OsgPilot.Format.ps1xml')
    CmdletsToExport      = @(
        'New-OsgPilotConfig'
        'Start-OsgPilot'
        'Get-OsgPilot'
        'Stop-OsgPilot'
        'Remove-OsgPilot'
        'Get-OsgPilotLog'
        'Sync-OsgPilot'
        'Register-OsgPilotSchedule'
        'Test-OsgSquid'
        'Test-OsgPilotConfig'
        'Export-OsgPilotConfig'
        'Import-OsgPilotConfig'
        'Get-OsgPilotToken'
        'Update-OsgPilotImage'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('OSG', 'OSPool', 'HTCondor', 'Docker', 'Backfill', 'Linux')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://osg-htc.org/docs/resource-sharing/os-backfill-containers/'
            ReleaseNotes = 'See README.md.'
        }
    }
}

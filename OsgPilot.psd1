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
    # Get-Help -Online and Update-Help look here: the project's docs pages (build.ps1 derives each
    # cmdlet's online link from ProjectUri below; change both together if the project moves).
    HelpInfoURI          = 'https://github.com/osg-htc/osgpilot/tree/main/docs'
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
        'Unregister-OsgPilotSchedule'
        'Test-OsgSquid'
        'Test-OsgPilotConfig'
        'Export-OsgPilotConfig'
        'Import-OsgPilotConfig'
        'Get-OsgPilotActivity'
        'Export-OsgPilotMetrics'
        'Get-OsgPilotToken'
        'Update-OsgPilotImage'
        'Set-OsgPilotService'
        'Get-OsgPilotService'
        'Remove-OsgPilotService'
        'Test-OsgPilotService'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('OSG', 'OSPool', 'HTCondor', 'Docker', 'Backfill', 'Swarm', 'Linux', 'PSEdition_Core', 'PSEdition_Desktop')
            LicenseUri   = 'https://github.com/osg-htc/osgpilot/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/osg-htc/osgpilot'
            ReleaseNotes = '0.1.0: the pilot lifecycle (New-OsgPilotConfig, Start/Get/Stop/Remove-OsgPilot, Get-OsgPilotLog) on the real image''s start-up contract (token copied in for uid 1000, start-up watch, -Wait readiness, drain that stays down); Sync-OsgPilot, Register-OsgPilotSchedule and Unregister-OsgPilotSchedule for unattended hosts (a .deb, an .rpm and a site playbook to roll them out); Test-OsgSquid, Test-OsgPilotConfig, Get-OsgPilotToken, Export/Import-OsgPilotConfig, Update-OsgPilotImage; Set/Get/Remove/Test-OsgPilotService for pilots as a Docker Swarm service; Get-OsgPilotActivity and Export-OsgPilotMetrics (Prometheus textfile) for what the pilots do. README.md, LICENSE and the recipes ship in the module folder.'
        }
    }
}

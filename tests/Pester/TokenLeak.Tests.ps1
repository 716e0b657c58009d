# The token (and each of its three parts) must appear in no stream, host text, file or container
# metadata. A child pwsh runs every exported cmdlet with -Verbose -Debug, with and without -WhatIf,
# on success and failure paths; everything it prints, and every file it writes, is searched.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Work = New-TestDirectory
    $script:Cvmfs = New-SharedMount
    $script:TokenText = New-TestTokenText
    $script:TokenPath = New-TestTokenFile -Directory $Work -Text $TokenText
    $script:ExpiredText = New-TestTokenText -Expires ([DateTime]::UtcNow.AddDays(-2))
    $script:Prefix = 'leak-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:Exercised = Join-Path $Work 'exercised.txt'
    # The whole tokens and each part; the JWT header is a public constant, not a secret, but it is
    # searched too: nothing of ours prints any part of a token.
    $script:Secrets = @($TokenText) + $TokenText.Split('.') + @($ExpiredText) + $ExpiredText.Split('.')
    function Find-Secret([string] $Text) {
        # Where a secret occurs, as "part N at offset: ...context..." without the secret itself.
        foreach ($i in 0..($Secrets.Count - 1)) {
            $at = $Text.IndexOf($Secrets[$i], [StringComparison]::Ordinal)
            if ($at -ge 0) { "secret $i at $at, after: " + $Text.Substring([Math]::Max(0, $at - 60), [Math]::Min(60, $at)) }
        }
    }

    $child = @'
param($TokenText, $ExpiredText, $TokenPath, $Work, $Cvmfs, $Prefix, $Image, $Topology, $Exercised, $PilotDir, $ReadOnlyDir, $SwarmManager, $SwarmCvmfs)
$ErrorActionPreference = 'Continue'
$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'; $WarningPreference = 'Continue'
Import-Module $env:OSGPILOT_MODULE
$PSStyle.OutputRendering = 'PlainText'
# Activity ledgers and sync outcomes in the directory whose every file is searched.
$env:OSGPILOT_STATE_DIR = Join-Path $Work 'state'
# -Debug makes a compiled cmdlet's warnings inquire (a prompt); -WarningAction Continue keeps them in the stream.
$used = [System.Collections.Generic.HashSet[string]]::new()
function Use([string] $name) { [void]$used.Add($name) }
$secure = ConvertTo-SecureString $TokenText -AsPlainText -Force
$expired = ConvertTo-SecureString $ExpiredText -AsPlainText -Force
$common = @{ Site = 'Lancium'; ResourceName = 'Lancium-Backfill'; Image = $Image; CvmfsPath = $Cvmfs; SquidLocation = '127.0.0.1:23199'; RestartPolicy = 'No'; Environment = @{ STANDIN_IDLE_SECONDS = '600' } }

& {
    Use New-OsgPilotConfig
    $inline = New-OsgPilotConfig @common -Token $secure -Name "$Prefix-inline" -Verbose -Debug -WarningAction Continue
    $file = New-OsgPilotConfig @common -TokenPath $TokenPath -Name "$Prefix-file" -PilotDirectory $PilotDir -Verbose -Debug -WarningAction Continue
    New-OsgPilotConfig @common -Token $expired -Verbose -Debug -WarningAction Continue                       # expired: error
    New-OsgPilotConfig @common -Token $secure -Environment @{ TOKEN = $TokenText }   # reserved: error
    $inline, $file | Format-List * | Out-String
    $inline, $file | Format-Table | Out-String
    $inline, $file | ConvertTo-Json -Depth 5

    Use Start-OsgPilot
    $inline | Start-OsgPilot -WhatIf -Verbose -Debug -WarningAction Continue
    $inline | Start-OsgPilot -Count 2 -WhatIf -Verbose -Debug -WarningAction Continue
    $p = $inline | Start-OsgPilot -Verbose -Debug -WarningAction Continue
    $p | Format-List * | Out-String
    $p | ConvertTo-Json
    $inline | Start-OsgPilot -Verbose -Debug -WarningAction Continue                                           # unchanged
    $file | Start-OsgPilot -Wait -WaitTimeoutSec 60 -Verbose -Debug -WarningAction Continue | ConvertTo-Json     # token file, root-only
    New-OsgPilotConfig @common -TokenPath $TokenPath -Name "$Prefix-ro" -PilotDirectory $ReadOnlyDir | Start-OsgPilot -Verbose -Debug -WarningAction Continue   # start-up refused: error with log lines

    Use Sync-OsgPilot
    $file | Sync-OsgPilot -WhatIf -Verbose -Debug -WarningAction Continue
    $file | Sync-OsgPilot -WatchSeconds 1 -Verbose -Debug -WarningAction Continue | ConvertTo-Json -Depth 3
    $inline | Sync-OsgPilot -Count 2 -WatchSeconds 1 -Verbose -Debug -WarningAction Continue | Format-Table | Out-String   # inline token, surplus drained
    New-OsgPilotConfig @common -TokenPath $TokenPath -Name "$Prefix-syncro" -PilotDirectory $ReadOnlyDir | Sync-OsgPilot -WatchSeconds 2 -Verbose -Debug -WarningAction Continue | Format-List * | Out-String   # refused: Failed
    New-OsgPilotConfig @common -Token $secure -Name "$Prefix-inline" -StartExtra 'False' | Start-OsgPilot -Force -WhatIf -Verbose -Debug -WarningAction Continue
    New-OsgPilotConfig @common -Token $secure -Name "$Prefix-inline" -StartExtra 'False' | Start-OsgPilot -Verbose -Debug -WarningAction Continue   # mismatch: error
    New-OsgPilotConfig @common -Token $secure -Name "$Prefix-nopull" -Image '127.0.0.1:9/none/missing:1' | Start-OsgPilot -Verbose -Debug -WarningAction Continue  # pull error
    $inline | Start-OsgPilot -Preflight -TopologyPath $Topology -SquidProbeUri 'http://127.0.0.1:23199/x' -WhatIf -Verbose -Debug -WarningAction Continue
    $inline | Start-OsgPilot -DockerHost 'unix:///run/osgpilot-no-such.sock' -Verbose -Debug -WarningAction Continue -ErrorAction Continue

    Use Get-OsgPilot
    Get-OsgPilot -Name "$Prefix-*" -Verbose -Debug -WarningAction Continue | Format-List * | Out-String
    Get-OsgPilot -Name "$Prefix-*" -All | Format-Table | Out-String
    Get-OsgPilot -Name "$Prefix-*" -All -Detailed -Verbose -Debug -WarningAction Continue | Format-List * | Out-String
    Get-OsgPilot -Name "$Prefix-*" -All -Detailed | ConvertTo-Json

    Use Get-OsgPilotLog
    Get-OsgPilotLog -Name "$Prefix-inline" -Verbose -Debug -WarningAction Continue
    Get-OsgPilotLog -Name "$Prefix-*" -StartupLog -Verbose -Debug -WarningAction Continue

    Use Test-OsgSquid
    $inline | Test-OsgSquid -TimeoutSec 2 -Verbose -Debug -WarningAction Continue | Format-List * | Out-String

    Use Test-OsgPilotConfig
    $inline | Test-OsgPilotConfig -TopologyPath $Topology -SquidProbeUri 'http://127.0.0.1:23199/x' -TimeoutSec 2 -Verbose -Debug -WarningAction Continue | Format-List * | Out-String

    Use Update-OsgPilotImage
    $inline | Update-OsgPilotImage -Verbose -Debug -WarningAction Continue | Format-List * | Out-String
    $inline | Update-OsgPilotImage -Force -WhatIf -Verbose -Debug -WarningAction Continue
    New-OsgPilotConfig @common -Token $secure -Image '127.0.0.1:9/none/missing:1' | Update-OsgPilotImage -Verbose -Debug -WarningAction Continue   # pull error

    Use Get-OsgPilotToken
    $inline | Get-OsgPilotToken -Verbose -Debug -WarningAction Continue | Format-List * | Out-String
    Get-OsgPilotToken -Token $expired -Verbose -Debug -WarningAction Continue
    Get-OsgPilotToken -TokenPath $TokenPath -Verbose -Debug -WarningAction Continue | ConvertTo-Json

    Use Export-OsgPilotConfig
    $inline | Export-OsgPilotConfig -Path (Join-Path $Work 'inline.json') -WhatIf -Verbose -Debug -WarningAction Continue
    $inline | Export-OsgPilotConfig -Path (Join-Path $Work 'inline.json') -Verbose -Debug -WarningAction Continue
    $file | Export-OsgPilotConfig -Path (Join-Path $Work 'file.json') -Verbose -Debug -WarningAction Continue

    Use Register-OsgPilotSchedule
    # From this build tree it refuses (its error is searched too); the installed module writes the units.
    Register-OsgPilotSchedule -ConfigPath (Join-Path $Work 'file.json') -Count 2 -UnitDirectory $Work -WhatIf -Verbose -Debug -WarningAction Continue
    $register = "Import-Module OsgPilot; Register-OsgPilotSchedule -ConfigPath '$(Join-Path $Work 'file.json')' -Count 2 -UnitDirectory '$Work' -Verbose -Debug -WarningAction Continue"
    /usr/local/bin/pwsh -NoProfile -NonInteractive -Command "$register -WhatIf" 2>&1 | Out-String
    /usr/local/bin/pwsh -NoProfile -NonInteractive -Command "$register | Format-List * | Out-String" 2>&1 | Out-String

    Use Unregister-OsgPilotSchedule
    # -WhatIf: the units stay for the file check below. The inline config holds no token file: an error to search.
    Unregister-OsgPilotSchedule -ConfigPath (Join-Path $Work 'file.json') -UnitDirectory $Work -StateDirectory (Join-Path $Work 'state') -WhatIf -Verbose -Debug -WarningAction Continue | Format-List * | Out-String
    Unregister-OsgPilotSchedule -ConfigPath (Join-Path $Work 'inline.json') -UnitDirectory $Work -StateDirectory (Join-Path $Work 'state') -Force -Verbose -Debug -WarningAction Continue

    Use Import-OsgPilotConfig
    Import-OsgPilotConfig -Path (Join-Path $Work 'inline.json') -Verbose -Debug -WarningAction Continue                       # needs a token: error
    Import-OsgPilotConfig -Path (Join-Path $Work 'inline.json') -Token $secure -Verbose -Debug -WarningAction Continue | Format-List * | Out-String

    Use Get-OsgPilotActivity
    Get-OsgPilotActivity -Name "$Prefix-*" -Verbose -Debug -WarningAction Continue | ConvertTo-Json -Depth 3
    Get-OsgPilotActivity -Name "$Prefix-*" -Total -Verbose -Debug -WarningAction Continue | Format-List * | Out-String
    Use Export-OsgPilotMetrics
    $inline | Export-OsgPilotMetrics -Name "$Prefix-*" -Path (Join-Path $Work 'osgpilot.prom') -WhatIf -Verbose -Debug -WarningAction Continue
    $inline, $file | Export-OsgPilotMetrics -Name "$Prefix-*" -Path (Join-Path $Work 'osgpilot.prom') -Verbose -Debug -WarningAction Continue
    $file | Export-OsgPilotMetrics -Name "$Prefix-*" -Verbose -Debug -WarningAction Continue

    Use Stop-OsgPilot
    Get-OsgPilot -Name "$Prefix-*" | Stop-OsgPilot -WhatIf -Verbose -Debug -WarningAction Continue
    Get-OsgPilot -Name "$Prefix-*" | Stop-OsgPilot -Drain -WhatIf -Verbose -Debug -WarningAction Continue
    Stop-OsgPilot -Name "$Prefix-file" -Drain -PassThru -Verbose -Debug -WarningAction Continue | Format-List * | Out-String
    Get-OsgPilot -Name "$Prefix-file" -Detailed | Format-List * | Out-String
    $file | Start-OsgPilot -Verbose -Debug -WarningAction Continue | Out-String                                  # takes the drain back
    Get-OsgPilot -Name "$Prefix-*" | Stop-OsgPilot -Timeout 5 -PassThru -Verbose -Debug -WarningAction Continue | Format-List * | Out-String

    Use Remove-OsgPilot
    Get-OsgPilot -All -Name "$Prefix-*" | Remove-OsgPilot -WhatIf -Verbose -Debug -WarningAction Continue
    Get-OsgPilot -All -Name "$Prefix-*" | Remove-OsgPilot -Force -Confirm:$false -Verbose -Debug -WarningAction Continue
    # Services, on the swarm fixture's manager: the token travels as a Swarm secret.
    $svcCommon = @{ Site = 'Lancium'; ResourceName = 'Lancium-Backfill'; Image = $Image; CvmfsPath = $SwarmCvmfs; SecurityProfile = 'Capabilities'; Environment = @{ STANDIN_IDLE_SECONDS = '600' } }
    $svcUnconfined = $svcCommon.Clone(); $svcUnconfined.SecurityProfile = 'Unconfined'
    $svcInline = New-OsgPilotConfig @svcCommon -Token $secure -Name "$Prefix-svc"
    $svcFile = New-OsgPilotConfig @svcCommon -TokenPath $TokenPath -Name "$Prefix-svcf" -PilotDirectory /var/lib/osgpilot-swarm/pilot
    Use Set-OsgPilotService
    $svcInline | Set-OsgPilotService -DockerHost $SwarmManager -WhatIf -Verbose -Debug -WarningAction Continue
    $svcInline | Set-OsgPilotService -DockerHost $SwarmManager -UpdateDelaySec 1 -Verbose -Debug -WarningAction Continue | Format-List * | Out-String
    $svcInline | Set-OsgPilotService -DockerHost $SwarmManager -UpdateDelaySec 1 -Verbose -Debug -WarningAction Continue | ConvertTo-Json   # unchanged
    $svcFile | Set-OsgPilotService -DockerHost $SwarmManager -PerNode 2 -Verbose -Debug -WarningAction Continue | Format-Table | Out-String
    New-OsgPilotConfig @svcUnconfined -Token $secure -Name "$Prefix-svcu" -WarningAction SilentlyContinue | Set-OsgPilotService -DockerHost $SwarmManager -Verbose -Debug -WarningAction Continue   # refused
    $svcInline | Set-OsgPilotService -Verbose -Debug -WarningAction Continue                                                                       # no swarm: error
    Use Get-OsgPilotService
    Get-OsgPilotService -DockerHost $SwarmManager -Name "$Prefix-*" -Verbose -Debug -WarningAction Continue | Format-List * | Out-String
    Get-OsgPilotService -DockerHost $SwarmManager -Name "$Prefix-*" -Task | Format-Table | Out-String -Width 300
    Get-OsgPilotService -DockerHost $SwarmManager -Name "$Prefix-*" | ConvertTo-Json -Depth 4
    Use Test-OsgPilotService
    $svcFile | Test-OsgPilotService -DockerHost $SwarmManager -PerNode 2 -Verbose -Debug -WarningAction Continue | Format-List * | Out-String
    $svcInline | Test-OsgPilotService -DockerHost $SwarmManager -Verbose -Debug -WarningAction Continue | ConvertTo-Json -Depth 3
    Use Remove-OsgPilotService
    Remove-OsgPilotService -DockerHost $SwarmManager -Name "$Prefix-*" -WhatIf -Verbose -Debug -WarningAction Continue
    Get-OsgPilotService -DockerHost $SwarmManager -Name "$Prefix-*" | Remove-OsgPilotService -Force -Verbose -Debug -WarningAction Continue

    $Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }
} *>&1 | Out-String -Width 400

$used | Set-Content $Exercised
'@
    $script:ChildScript = Join-Path $Work 'leak-child.ps1'
    # The inline-token pilot is inspected after it starts, before the child removes it: run the child twice.
    Set-Content $ChildScript $child
    $pwsh = Get-PwshCommand
    $topology = Join-Path $PSScriptRoot '../fixtures/topology/miscresource.json'
    # The token file as sites keep it (root:root 0600); a pilot directory of the pilot user's; one it cannot write.
    chmod 600 $TokenPath
    $script:PilotDir = Join-Path $Work 'pilot'
    New-Item -ItemType Directory $PilotDir | Out-Null
    chown 1000:1000 $PilotDir
    $script:ReadOnlyDir = Join-Path $Work 'root-owned'
    New-Item -ItemType Directory $ReadOnlyDir | Out-Null
    # The swarm fixture, for the service cmdlets (its manager's socket and a /cvmfs every node shares).
    $script:SwarmScript = Join-Path $PSScriptRoot '../fixtures/swarm.sh'
    bash $SwarmScript start | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'The swarm fixture did not start.' }
    $swarm = @{}
    foreach ($line in (bash $SwarmScript env)) { $k, $v = $line -split '=', 2; $swarm[$k] = $v }
    $script:SwarmManager = $swarm.SWARM_MANAGER
    $script:Output = & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -File $ChildScript -TokenText $TokenText -ExpiredText $ExpiredText -TokenPath $TokenPath `
        -Work $Work -Cvmfs $Cvmfs -Prefix $Prefix -Image (Get-TestImage) -Topology $topology -Exercised $Exercised -PilotDir $PilotDir -ReadOnlyDir $ReadOnlyDir `
        -SwarmManager $SwarmManager -SwarmCvmfs $swarm.SWARM_CVMFS 2>&1 | Out-String
}

AfterAll {
    bash $script:SwarmScript stop | Out-Null
    Remove-TestPilots $script:Prefix
    Remove-TestMount $script:Cvmfs
    Remove-Item -Recurse -Force $script:Work -ErrorAction Ignore
}

Describe 'The token never leaks' -Skip:$NoEngine {
    It 'exercised every exported cmdlet' {
        Import-Module $env:OSGPILOT_MODULE -Force
        $exported = (Get-Command -Module OsgPilot -CommandType Cmdlet).Name | Sort-Object
        (Get-Content $Exercised | Sort-Object) | Should -Be $exported
    }

    It 'produced the output it should have (the child really ran)' {
        $Output | Should -Match 'What if: docker create'
        $Output | Should -Match 'docker cp <token-dir>'
        $Output | Should -Match 'PilotStartupFailed'
        $Output | Should -Match 'Creating LOCAL_DIR under /pilot failed'
        $Output | Should -Match '"Ready": true'
        $Output | Should -Match 'Draining\s+: True'
        $Output | Should -Match '"Kind": "Image"'
        $Output | Should -Match 'SyncFailed'
        $Output | Should -Match 'osgpilot-sync-'
        $Output | Should -Match 'What if: Performing the operation "Remove the units"'
        $Output | Should -Match 'VERBOSE:'
        $Output | Should -Match 'TokenExpired'
        $Output | Should -Match 'ImagePullFailed'
        $Output | Should -Match 'PilotConfigMismatch'
        $Output | Should -Match 'DockerEngineUnreachable'
        $Output | Should -Match 'Subject\s+: RESOURCE-test'
        $Output | Should -Match 'What if: .*docker secret create .*<token-file> && docker service create'
        $Output | Should -Match 'Action\s+: Created'
        $Output | Should -Match '"Action": "Unchanged"'
        $Output | Should -Match 'ServiceSettingUnsupported'
        $Output | Should -Match 'SwarmNotActive'
        $Output | Should -Match 'Created the secret'
        $Output | Should -Match 'Removed the secret'
        $Output | Should -Match 'Pilot directory on'
    }

    It 'is in no service spec, task or secret metadata of the swarm' {
        # Made by the child above with -Token, removed by it at the end: inspect a fresh one here.
        Import-Module $env:OSGPILOT_MODULE -Force
        $secure = ConvertTo-SecureString $TokenText -AsPlainText -Force
        $cvmfs = (bash $SwarmScript env | Where-Object { $_ -like 'SWARM_CVMFS=*' }) -replace '^SWARM_CVMFS=', ''
        $r = New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -Token $secure -Name "$Prefix-svci" -Image (Get-TestImage) -CvmfsPath $cvmfs -SecurityProfile Capabilities |
            Set-OsgPilotService -DockerHost $SwarmManager
        try {
            $saved = $env:DOCKER_HOST; $env:DOCKER_HOST = $SwarmManager
            try {
                Find-Secret (docker service inspect "$Prefix-svci" | Out-String) | Should -BeNullOrEmpty
                Find-Secret (docker secret inspect $r.SecretName | Out-String) | Should -BeNullOrEmpty
                Find-Secret (docker inspect @(docker service ps -q "$Prefix-svci") | Out-String) | Should -BeNullOrEmpty
            }
            finally { $env:DOCKER_HOST = $saved }
        }
        finally { Remove-OsgPilotService -DockerHost $SwarmManager -Name "$Prefix-svci" -Force }
    }

    It 'appears in no stream, host text or error of any cmdlet' {
        Find-Secret $Output | Should -BeNullOrEmpty
    }

    It 'appears in no file written, the pilot directory included' {
        # The image itself copies the token into its working directory's condor/tokens.d (0600, uid 1000):
        # that copy is the pilot's, checked below; nothing else may hold it.
        $own = @(Get-ChildItem -Recurse -File $PilotDir | Where-Object { $_.FullName -like '*/condor/tokens.d/*' })
        $own | Should -Not -BeNullOrEmpty -Because 'the file pilot ran from this directory'
        foreach ($f in $own) { (stat -c '%u %a' $f.FullName) | Should -Be '1000 600' }
        $files = Get-ChildItem -Recurse -File $Work | Where-Object { $_.FullName -notin @($TokenPath, $ChildScript) + $own.FullName }
        $files.Name | Should -Contain 'inline.json'
        $files.Name | Should -Contain 'MasterLog'
        $files.Name | Should -Contain "osgpilot-sync-$Prefix-file.service"
        $files.Name | Should -Contain 'osgpilot.prom'
        $files.Name | Should -Contain "$Prefix-file.ledger"
        foreach ($f in $files) { Find-Secret (Get-Content -Raw $f.FullName) | Should -BeNullOrEmpty -Because $f.FullName }
    }

    It 'is not in docker inspect of a pilot started with -Token' {
        Import-Module $env:OSGPILOT_MODULE -Force
        $secure = ConvertTo-SecureString $TokenText -AsPlainText -Force
        $cfg = New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -Token $secure -Name "$Prefix-inspect" -Image (Get-TestImage) -CvmfsPath $Cvmfs -RestartPolicy No -Environment @{ STANDIN_IDLE_SECONDS = '600' }
        $cfg | Start-OsgPilot | Out-Null
        Find-Secret (docker inspect "$Prefix-inspect" | Out-String) | Should -BeNullOrEmpty
        Find-Secret (docker logs "$Prefix-inspect" 2>&1 | Out-String) | Should -BeNullOrEmpty
        $startupLog = docker cp "${Prefix}-inspect:/tmp/startup.log" - | tar -xO | Out-String
        $startupLog | Should -Match 'accept new jobs'
        Find-Secret $startupLog | Should -BeNullOrEmpty
    }
}

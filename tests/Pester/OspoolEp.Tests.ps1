# A way in from OSG's ospool-ep RPM: Import-OsgPilotConfig -OspoolEpPath reads /etc/osg/ospool-ep.cfg as the
# RPM runs it, and the pilot OsgPilot starts from it is compared, field by field, with the container the
# RPM's launcher would create from the same file (tests/fixtures/ospool-ep/rpm-docker-args.sh, derived from
# the facts, on the stand-in image). Start and Sync refuse while the RPM's container runs.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope ep
    $script:Prefix, $script:Work, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.TokenPath
    # The RPM's launcher binds TOKEN_LOCATION and the image copies it as uid 1000: readable by others,
    # or the RPM's own pilot could not start (OsgPilot needs no such mode, and warns of it).
    chmod 644 $TokenPath
    $script:Scratch = New-TestDirectory -ForPilot
    $script:Rpm = "$Prefix-rpm"
    # As the RPM ships it, filled in as a site would (cvmfsexec: this machine has no /cvmfs).
    $script:Cfg = Join-Path $Work 'ospool-ep.cfg'
    Set-Content $Cfg @(
        '# Configuration for the OSPool EP container (ospool-ep)', '# Required:',
        'GLIDEIN_Site=Lancium', 'GLIDEIN_ResourceName=Lancium-Backfill', 'ACCEPT_JOBS_FOR_HOURS=336', 'RETIREMENT_HOURS=24',
        "TOKEN_LOCATION=$TokenPath", "WORKER_TEMP_DIR=$Scratch",
        '# Optional:', 'OSG_SQUID_LOCATION=http://127.0.0.1:3128', 'NUM_CPUS=2', 'MEMORY=2000', 'OSG_PROJECT_NAME=',
        'CVMFSEXEC_REPOS=oasis.opensciencegrid.org', 'CVMFS_HTTP_PROXY=http://127.0.0.1:3128', 'BIND_MOUNT_CVMFS=', 'PROVIDE_NVIDIA_GPU=false',
        'STANDIN_IDLE_SECONDS=600')
    function Get-ImageEnv($inspect) {
        # The non-empty variables the image reads: what both launchers hand the pilot.
        $known = 'GLIDEIN_Site', 'GLIDEIN_ResourceName', 'OSG_SQUID_LOCATION', 'NUM_CPUS', 'MEMORY', 'ACCEPT_JOBS_FOR_HOURS', 'RETIREMENT_HOURS',
            'CVMFSEXEC_REPOS', 'CVMFS_HTTP_PROXY', 'OSG_PROJECT_NAME', 'SINGULARITY_DISABLE_PID_NAMESPACES'
        @($inspect.Config.Env | Where-Object { $k, $v = $_ -split '=', 2; $k -in $known -and $v } | Sort-Object)
    }
}

AfterAll {
    Remove-TestPilots $Prefix
    Remove-TestScope $script:Scope
    Remove-Item -Recurse -Force $script:Scratch -ErrorAction Ignore
}

Describe 'Import-OsgPilotConfig -OspoolEpPath' -Skip:$NoEngine {
    It 'starts the pilot the RPM would have started, plus only what OsgPilot adds' {
        # STANDIN_IDLE_SECONDS is the stand-in's: the import names it unknown, as it would any typo.
        $imported = Import-OsgPilotConfig -OspoolEpPath $Cfg -WarningVariable warned 3> $null
        ($warned.Message -join "`n") | Should -Match 'STANDIN_IDLE_SECONDS is read neither by the image nor by the RPM'
        # The same config, with only the image (the offline stand-in for the RPM's) and the name changed.
        $json = Join-Path $Work 'imported.json'
        $imported | Export-OsgPilotConfig -Path $json
        $doc = Get-Content -Raw $json | ConvertFrom-Json
        $doc.Image, $doc.Name = (Get-TestImage), "$Prefix-ours"
        $doc | ConvertTo-Json -Depth 4 | Set-Content $json
        Import-OsgPilotConfig $json | Start-OsgPilot -WatchSeconds 3 | Out-Null
        [string[]] $rpmArgs = bash (Join-Path $PSScriptRoot '../fixtures/ospool-ep/rpm-docker-args.sh') $Cfg $Rpm
        docker create @rpmArgs (Get-TestImage) | Out-Null
        $ours, $theirs = (Invoke-DockerInspect "$Prefix-ours"), (Invoke-DockerInspect $Rpm)

        Get-ImageEnv $ours | Should -Be (Get-ImageEnv $theirs)
        foreach ($field in 'NanoCpus', 'Memory', 'PidsLimit') { $ours.HostConfig.$field | Should -Be $theirs.HostConfig.$field -Because $field }
        @($ours.HostConfig.SecurityOpt | Sort-Object) | Should -Be @($theirs.HostConfig.SecurityOpt | Sort-Object)
        @($ours.HostConfig.MaskedPaths).Count | Should -Be 0
        @($theirs.HostConfig.MaskedPaths).Count | Should -Be 0
        $ours.HostConfig.Devices.PathOnHost | Should -Be $theirs.HostConfig.Devices.PathOnHost
        ($ours.HostConfig.Ulimits | ConvertTo-Json -Compress) | Should -Be ($theirs.HostConfig.Ulimits | ConvertTo-Json -Compress)
        # The scratch directory at /pilot; the token copied in by OsgPilot, where the RPM binds it.
        $ours.HostConfig.Binds | Should -Be "$($Scratch):/pilot"
        @($theirs.HostConfig.Binds | Where-Object { $_ -notlike '*:/etc/condor/tokens-orig.d/*' }) | Should -Be "$($Scratch):/pilot"
        docker exec "$Prefix-ours" id -u | Should -Be '1000'
        docker exec -u 1000 "$Prefix-ours" test -r /etc/condor/tokens-orig.d/flock.opensciencegrid.org; $LASTEXITCODE | Should -Be 0
    }

    It 'refuses what the RPM''s script refuses, naming the variable, and creates nothing' {
        $bad = Join-Path $Work 'bad.cfg'
        Set-Content $bad 'GLIDEIN_Site=Lancium', 'GLIDEIN_ResourceName=Lancium-Backfill', 'ACCEPT_JOBS_FOR_HOURS=336', "TOKEN_LOCATION=$TokenPath"
        { Import-OsgPilotConfig -OspoolEpPath $bad -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidOspoolEpConfig,OsgPilot.Cmdlets.ImportOsgPilotConfigCommand' -ExpectedMessage '*RETIREMENT_HOURS*'
        Set-Content $bad 'GLIDEIN_Site=Lancium', 'GLIDEIN_ResourceName=Lancium-Backfill', 'ACCEPT_JOBS_FOR_HOURS=336', 'RETIREMENT_HOURS=24', "TOKEN_LOCATION=$Work"
        { Import-OsgPilotConfig -OspoolEpPath $bad -ErrorAction Stop } | Should -Throw -ExpectedMessage '*TOKEN_LOCATION must be a file*'
    }
}

Describe 'Never two pilots on one scratch directory' -Skip:$NoEngine {
    It 'Start-OsgPilot and Sync-OsgPilot refuse with OspoolEpRunning while the RPM''s container runs, and make nothing' {
        docker run -d --name ospool-ep-container --network none --entrypoint /bin/sleep (Get-TestImage) 600 | Out-Null
        try {
            $cfg = New-TestConfig -Name "$Prefix-guard" -TokenPath $TokenPath -CvmfsPath (New-SharedMount) -Extra @{ PilotDirectory = $Scratch }
            $err = $null
            try { $cfg | Start-OsgPilot -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be 'OspoolEpRunning,OsgPilot.Cmdlets.StartOsgPilotCommand'
            $err.CategoryInfo.Category | Should -Be 'ResourceExists'
            $err.Exception.Message | Should -Match 'systemctl disable --now ospool-ep'
            $err.Exception.Message | Should -Match 'touch /pilot/stop-glidein.stamp'
            $cfg | Sync-OsgPilot -Count 1 -ErrorVariable syncErr -ErrorAction SilentlyContinue | Out-Null
            $syncErr.FullyQualifiedErrorId | Should -Contain 'OspoolEpRunning,OsgPilot.Cmdlets.SyncOsgPilotCommand'
            @(Get-ContainerNames | Where-Object { $_ -like "$Prefix-guard*" }) | Should -BeNullOrEmpty
        }
        finally { docker rm -f ospool-ep-container *> $null }
        ($cfg | Start-OsgPilot).State | Should -Be 'running' -Because 'once the RPM''s container is gone, the start goes on'
    }
}

Describe 'The current image''s options as typed parameters' -Skip:$NoEngine {
    It 'reach the started pilot, survive Export/Import, and show in -WhatIf' {
        $cache, $logs = (New-TestDirectory -ForPilot), (New-TestDirectory -ForPilot)
        $local = Join-Path $Work 'default.local'; Set-Content $local 'CVMFS_CACHE_BASE=/cvmfs-cache'
        $attrs = Join-Path $Work 'extra-attributes.cfg'; Set-Content $attrs '# site attributes', 'SITE_HAS_IB = True', 'Rack = "r12"'
        $p = @{
            Site = 'Lancium'; ResourceName = 'Lancium-Backfill'; TokenPath = $TokenPath; Name = "$Prefix-opts"; Image = (Get-TestImage); RestartPolicy = 'No'
            CvmfsMode = 'CvmfsExec'; Pool = 'itb-ospool'; RemoteSyslog = $false; CvmfsCachePath = $cache; CvmfsLogPath = $logs; CvmfsConfigPath = $local
            CvmfsQuotaMB = 8000; CvmfsHttpProxy = 'http://127.0.0.1:3128'; ExtraAttributesPath = $attrs; SingularityBindExtra = '/scratch:/scratch'
            RandomizeName = $true; ContainerDistribution = '10%__htc/rocky:8 90%__htc/rocky:9'; Environment = @{ STANDIN_IDLE_SECONDS = '600' }
        }
        $cfg = New-OsgPilotConfig @p
        $json = Join-Path $Work 'opts.json'
        $cfg | Export-OsgPilotConfig -Path $json
        $back = Import-OsgPilotConfig $json
        ($back | ConvertTo-Json -Depth 3) | Should -Be ($cfg | ConvertTo-Json -Depth 3)
        # -WhatIf writes to the host: read it as a site's terminal would, from a fresh pwsh.
        $pwsh = Get-PwshCommand
        $whatIf = & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -Command "Import-Module '$env:OSGPILOT_MODULE'; `$PSStyle.OutputRendering = 'PlainText'; Import-OsgPilotConfig '$json' | Start-OsgPilot -WhatIf" 2>&1 | Out-String -Width 4000
        foreach ($t in 'POOL=itb-ospool', 'ENABLE_REMOTE_SYSLOG=false', "$($logs):/cvmfs-logs", "$($attrs):/etc/osg/extra-attributes.cfg:ro") { $whatIf | Should -Match ([regex]::Escape($t)) }
        $back | Start-OsgPilot -WatchSeconds 3 | Out-Null
        $i = Invoke-DockerInspect "$Prefix-opts"
        foreach ($e in 'POOL=itb-ospool', 'ENABLE_REMOTE_SYSLOG=false', 'CVMFS_QUOTA_LIMIT=8000', 'CVMFS_HTTP_PROXY=http://127.0.0.1:3128', 'SINGULARITY_BIND_EXTRA=/scratch:/scratch',
                         'GLIDEIN_RANDOMIZE_NAME=true', 'OSG_DEFAULT_CONTAINER_DISTRIBUTION=10%__htc/rocky:8 90%__htc/rocky:9') { $i.Config.Env | Should -Contain $e }
        foreach ($b in "$($cache):/cvmfs-cache", "$($logs):/cvmfs-logs", "$($local):/cvmfsexec/default.local:ro", "$($attrs):/etc/osg/extra-attributes.cfg:ro") { $i.HostConfig.Binds | Should -Contain $b }
        docker exec -u 1000 "$Prefix-opts" cat /etc/osg/extra-attributes.cfg | Should -Contain 'SITE_HAS_IB = True'
        Remove-Item -Recurse -Force $cache, $logs -ErrorAction Ignore
    }

    It 'refuses a bad attributes line with its number, and a missing bind source before anything is made' {
        $attrs = Join-Path $Work 'bad-attributes.cfg'; Set-Content $attrs 'Good = 1', 'not an attribute'
        { New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -TokenPath $TokenPath -ExtraAttributesPath $attrs -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidExtraAttributes,OsgPilot.Cmdlets.NewOsgPilotConfigCommand' -ExpectedMessage '*Line 2*'
        $cfg = New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -TokenPath $TokenPath -Name "$Prefix-nosrc" -Image (Get-TestImage) `
            -CvmfsMode CvmfsExec -CvmfsCachePath (Join-Path $Work 'no-such-cache') -WarningAction SilentlyContinue
        { $cfg | Start-OsgPilot -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidCvmfsOption,OsgPilot.Cmdlets.StartOsgPilotCommand'
        @(Get-ContainerNames | Where-Object { $_ -like "$Prefix-nosrc*" }) | Should -BeNullOrEmpty
        Test-Path (Join-Path $Work 'no-such-cache') | Should -BeFalse -Because 'Docker would have made it'
    }
}

# Bad input gets a specific ErrorId and category, and changes nothing: no container, no directory, no file.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)

    $script:ConfigCases = @(
        @{ Case = 'empty site'; Params = @{ Site = '' }; ErrorId = 'InvalidSite' }
        @{ Case = 'site with a quote'; Params = @{ Site = 'Bad"Site' }; ErrorId = 'InvalidSite' }
        @{ Case = 'over-long site'; Params = @{ Site = 'S' * 65 }; ErrorId = 'InvalidSite' }
        @{ Case = 'resource with a space'; Params = @{ ResourceName = 'Lancium Backfill' }; ErrorId = 'InvalidResourceName' }
        @{ Case = 'over-long resource'; Params = @{ ResourceName = 'R' * 64 }; ErrorId = 'InvalidResourceName' }
        @{ Case = 'squid with another scheme'; Params = @{ SquidLocation = 'https://squid.example.edu:3128' }; ErrorId = 'InvalidSquidLocation' }
        @{ Case = 'squid with a path'; Params = @{ SquidLocation = 'http://squid.example.edu:3128/x' }; ErrorId = 'InvalidSquidLocation' }
        @{ Case = 'squid with a bad port'; Params = @{ SquidLocation = 'squid.example.edu:99999' }; ErrorId = 'InvalidSquidLocation' }
        @{ Case = 'relative pilot directory'; Params = @{ PilotDirectory = 'pilot' }; ErrorId = 'InvalidPilotDirectory' }
        @{ Case = 'pilot directory with a colon'; Params = @{ PilotDirectory = '/var/a:b' }; ErrorId = 'InvalidPilotDirectory' }
        @{ Case = 'bad image reference'; Params = @{ Image = 'Not A/Image' }; ErrorId = 'InvalidImage' }
        @{ Case = 'bad container name'; Params = @{ Name = '-pilot' }; ErrorId = 'InvalidContainerName' }
        @{ Case = 'zero cpus'; Params = @{ Cpus = 0 }; ErrorId = 'InvalidCpus' }
        @{ Case = 'too little memory'; Params = @{ MemoryMB = 100 }; ErrorId = 'InvalidMemory' }
        @{ Case = 'zero hours'; Params = @{ AcceptJobsForHours = 0 }; ErrorId = 'InvalidHours' }
        @{ Case = 'negative retirement'; Params = @{ RetirementHours = -1 }; ErrorId = 'InvalidHours' }
        @{ Case = 'zero idle minutes'; Params = @{ AcceptIdleMinutes = 0 }; ErrorId = 'InvalidHours' }
        @{ Case = 'bad project name'; Params = @{ ProjectName = 'a b' }; ErrorId = 'InvalidProjectName' }
        @{ Case = 'multi-line START expression'; Params = @{ StartExtra = "True`nFalse" }; ErrorId = 'InvalidStartExtra' }
        @{ Case = 'TOKEN in -Environment'; Params = @{ Environment = @{ TOKEN = 'x' } }; ErrorId = 'ReservedEnvironment' }
        @{ Case = 'managed variable in -Environment'; Params = @{ Environment = @{ GLIDEIN_Site = 'x' } }; ErrorId = 'ReservedEnvironment' }
        @{ Case = 'bad variable name'; Params = @{ Environment = @{ 'A-B' = 'x' } }; ErrorId = 'InvalidEnvironment' }
        @{ Case = 'CvmfsExec with a host CVMFS path'; Params = @{ CvmfsMode = 'CvmfsExec'; CvmfsPath = '/cvmfs' }; ErrorId = 'CvmfsModeConflict' }
        @{ Case = 'HostMount with cvmfsexec repositories'; Params = @{ CvmfsRepository = 'oasis.opensciencegrid.org' }; ErrorId = 'CvmfsModeConflict' }
        @{ Case = 'bad repository name'; Params = @{ CvmfsMode = 'CvmfsExec'; CvmfsRepository = 'not a repo' }; ErrorId = 'InvalidCvmfsRepository' }
        @{ Case = 'relative CVMFS path'; Params = @{ CvmfsPath = 'cvmfs' }; ErrorId = 'InvalidCvmfsPath' }
    )
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Work = New-TestDirectory
    $script:TokenPath = New-TestTokenFile -Directory $Work
    $script:Base = @{ Site = 'Lancium'; ResourceName = 'Lancium-Backfill'; TokenPath = $TokenPath }

    function Get-Snapshot {
        # What bad input must leave unchanged: the engine's containers and the test directory tree.
        [pscustomobject]@{
            Containers = @(if ($env:DOCKER_HOST) { docker ps -a -q --no-trunc 2>$null })
            Files = @(Get-ChildItem -Recurse -Force $Work | ForEach-Object FullName)
        }
    }
    function Assert-Unchanged($before) {
        $after = Get-Snapshot
        $after.Containers | Should -Be $before.Containers
        $after.Files | Should -Be $before.Files
    }
}

AfterAll { Remove-Item -Recurse -Force $script:Work -ErrorAction Ignore }

Describe 'New-OsgPilotConfig refuses bad input' {
    It 'refuses <Case> with <ErrorId>' -TestCases $ConfigCases {
        param($Case, $Params, $ErrorId)
        $before = Get-Snapshot
        $p = $Base.Clone(); foreach ($k in $Params.Keys) { $p[$k] = $Params[$k] }
        $cfg = New-OsgPilotConfig @p -ErrorVariable ev -ErrorAction SilentlyContinue
        $cfg | Should -BeNullOrEmpty
        $ev | Should -HaveCount 1
        $ev[0].FullyQualifiedErrorId | Should -Be "$ErrorId,OsgPilot.Cmdlets.NewOsgPilotConfigCommand"
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $ev[0].Exception.Message | Should -Not -BeNullOrEmpty
        Assert-Unchanged $before
    }

    It 'refuses a missing token file (ObjectNotFound) and creates nothing there' {
        $missing = Join-Path $Work 'no-such-token'
        New-OsgPilotConfig -Site S -ResourceName R -TokenPath $missing -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'TokenFileNotFound,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Test-Path $missing | Should -BeFalse
    }

    It 'refuses a token path that is a directory' {
        New-OsgPilotConfig -Site S -ResourceName R -TokenPath $Work -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'TokenPathIsDirectory,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'refuses a token file that is not an IDTOKEN, without quoting it' {
        $bad = Join-Path $Work 'not-a-jwt'
        Set-Content $bad 'this-is-not-a-token-SECRETISH'
        New-OsgPilotConfig -Site S -ResourceName R -TokenPath $bad -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'TokenNotJwt,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $ev[0].Exception.Message | Should -Not -Match 'SECRETISH'
        Remove-Item $bad
    }

    It 'refuses an expired token' {
        $expired = New-TestTokenFile -Directory $Work -Text (New-TestTokenText -Expires ([DateTime]::UtcNow.AddDays(-1)))
        New-OsgPilotConfig -Site S -ResourceName R -TokenPath $expired -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'TokenExpired,*'
        Remove-Item $expired
    }

    It 'refuses both token forms at once' {
        $secure = ConvertTo-SecureString (New-TestTokenText) -AsPlainText -Force
        { New-OsgPilotConfig -Site S -ResourceName R -TokenPath $TokenPath -Token $secure -ErrorAction Stop } | Should -Throw -ErrorId 'AmbiguousParameterSet,OsgPilot.Cmdlets.NewOsgPilotConfigCommand'
    }

    It 'refuses a non-integer hour count at binding' {
        { New-OsgPilotConfig @Base -AcceptJobsForHours 'many' -ErrorAction Stop } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,OsgPilot.Cmdlets.NewOsgPilotConfigCommand'
    }

    It 'warns about variables the image ignores and about the old image' {
        $cfg = New-OsgPilotConfig @Base -Environment @{ GLIDEIN_Start = 'True' } -Image 'opensciencegrid/osgvo-docker-pilot:3.6-release' -WarningVariable wv -WarningAction SilentlyContinue
        $cfg | Should -Not -BeNullOrEmpty
        ($wv -join "`n") | Should -Match 'does not read GLIDEIN_Start'
        ($wv -join "`n") | Should -Match 'old OSG pilot image'
    }
}

Describe 'Start-OsgPilot failures leave nothing behind' -Skip:$NoEngine {
    BeforeAll {
        $script:Cvmfs = New-SharedMount
    }
    AfterAll { Remove-TestMount $script:Cvmfs }

    It 'reports an unreachable engine as a terminating ConnectionError naming the endpoint' {
        $cfg = New-TestConfig -Name 'err-unreachable' -TokenPath $TokenPath -CvmfsPath $Cvmfs
        $before = Get-Snapshot
        $err = $null
        try { $cfg | Start-OsgPilot -DockerHost 'unix:///run/osgpilot-no-such.sock' -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'DockerEngineUnreachable,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.Message | Should -Match 'unix:///run/osgpilot-no-such.sock'
        Assert-Unchanged $before
    }

    It 'refuses an endpoint with an unknown scheme' {
        { Get-OsgPilot -DockerHost 'ftp://127.0.0.1:21' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDockerHost,OsgPilot.Cmdlets.GetOsgPilotCommand'
    }

    It 'reports a missing image that cannot be pulled, creating no container and no directory' {
        $pilotDir = Join-Path $Work 'pilots'
        New-Item -ItemType Directory $pilotDir | Out-Null
        $cfg = New-TestConfig -Name 'err-noimage' -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Image = '127.0.0.1:9/osgpilot/missing:1'; PilotDirectory = $pilotDir }
        $before = Get-Snapshot
        $cfg | Start-OsgPilot -Count 2 -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'ImagePullFailed,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        Assert-Unchanged $before
        Get-ChildItem $pilotDir | Should -BeNullOrEmpty
    }

    It 'refuses a pilot directory that does not exist, and does not create it' {
        $missing = Join-Path $Work 'missing-pilot-dir'
        $cfg = New-TestConfig -Name 'err-nodir' -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ PilotDirectory = $missing }
        $before = Get-Snapshot
        $cfg | Start-OsgPilot -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PilotDirectoryNotFound,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Test-Path $missing | Should -BeFalse
        Assert-Unchanged $before
    }

    It 'refuses a token file that vanished after the config was built, and Docker does not get to create a directory there' {
        $path = New-TestTokenFile -Directory $Work
        $cfg = New-TestConfig -Name 'err-vanished' -TokenPath $path -CvmfsPath $Cvmfs
        Remove-Item $path
        $before = Get-Snapshot
        $cfg | Start-OsgPilot -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'TokenFileNotFound,*'
        Test-Path $path | Should -BeFalse
        Assert-Unchanged $before
    }

    It 'refuses a host CVMFS path that does not exist, rather than letting Docker create it' {
        $missing = Join-Path $Work 'no-cvmfs'
        $cfg = New-TestConfig -Name 'err-nocvmfs' -TokenPath $TokenPath -CvmfsPath $missing
        $cfg | Start-OsgPilot -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'CvmfsPathNotFound,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Test-Path $missing | Should -BeFalse
    }

    It 'removes the container again when the engine refuses to start it (a CVMFS path that is not a shared mount)' {
        $private = New-TestDirectory
        $cfg = New-TestConfig -Name 'err-private' -TokenPath $TokenPath -CvmfsPath $private
        $before = Get-Snapshot
        $cfg | Start-OsgPilot -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PilotStartFailed,*'
        $ev[0].Exception.Message | Should -Match 'nothing was left behind'
        Assert-Unchanged $before
        Remove-Item $private
    }

    It 'reports -Count out of range at binding' {
        $cfg = New-TestConfig -Name 'err-count' -TokenPath $TokenPath -CvmfsPath $Cvmfs
        { $cfg | Start-OsgPilot -Count 0 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,OsgPilot.Cmdlets.StartOsgPilotCommand'
    }
}

# Export-OsgPilotConfig / Import-OsgPilotConfig: lossless round trip, no token, clear errors.
BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Work = New-TestDirectory
    $script:TokenText = New-TestTokenText
    $script:TokenPath = New-TestTokenFile -Directory $Work -Text $TokenText
    $script:Full = @{
        Site = 'Lancium'; ResourceName = 'Lancium-Backfill'; TokenPath = $TokenPath; SquidLocation = 'squid.example.edu'
        PilotDirectory = '/var/lib/osg-pilot'; StartExtra = 'TARGET.ProjectName =?= "Fuzz"'; Image = 'hub.opensciencegrid.org/osg-htc/ospool-ep:25-release'
        Name = 'pilot-x'; Cpus = 8; MemoryMB = 16384; ProjectName = 'Fuzz'; AcceptJobsForHours = 48; RetirementHours = 12; AcceptIdleMinutes = 15
        Environment = @{ EXTRA_JOB_ENV = 'A=1'; SINGULARITY_BIND_EXTRA = '/scratch' }; RestartPolicy = 'OnFailure'
        CvmfsMode = 'CvmfsExec'; CvmfsRepository = 'oasis.opensciencegrid.org', 'cms.cern.ch'; SecurityProfile = 'Unconfined'; Gpu = $true
    }
}

AfterAll { Remove-Item -Recurse -Force $script:Work -ErrorAction Ignore }

Describe 'Export-OsgPilotConfig and Import-OsgPilotConfig' {
    It 'round-trips every setting losslessly' {
        $cfg = New-OsgPilotConfig @Full
        $path = Join-Path $Work 'full.json'
        $cfg | Export-OsgPilotConfig -Path $path
        $back = Import-OsgPilotConfig -Path $path
        ($back | ConvertTo-Json -Depth 4) | Should -Be ($cfg | ConvertTo-Json -Depth 4)
    }

    It 'stores the token path, never the token' {
        $path = Join-Path $Work 'path.json'
        New-OsgPilotConfig @Full | Export-OsgPilotConfig -Path $path
        $text = Get-Content -Raw $path
        $text | Should -Match ([regex]::Escape($TokenPath))
        foreach ($part in $TokenText.Split('.')) { $text | Should -Not -Match ([regex]::Escape($part)) }
    }

    It 'exports an inline-token config without the token, and its import needs -TokenPath or -Token' {
        $secure = ConvertTo-SecureString $TokenText -AsPlainText -Force
        $cfg = New-OsgPilotConfig -Site S -ResourceName R -Token $secure
        $path = Join-Path $Work 'inline.json'
        $cfg | Export-OsgPilotConfig -Path $path -WarningVariable wv -WarningAction SilentlyContinue
        $wv | Should -Not -BeNullOrEmpty
        $text = Get-Content -Raw $path
        foreach ($part in $TokenText.Split('.')) { $text | Should -Not -Match ([regex]::Escape($part)) }
        $text | Should -Not -Match 'TokenPath'

        Import-OsgPilotConfig -Path $path -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'TokenMissing,*'
        (Import-OsgPilotConfig -Path $path -Token $secure).TokenSource | Should -Be 'Inline'
        (Import-OsgPilotConfig -Path $path -TokenPath $TokenPath).TokenPath | Should -Be $TokenPath
    }

    It 'will not overwrite without -Force, and overwrites atomically with it' {
        $path = Join-Path $Work 'exists.json'
        Set-Content $path 'keep me'
        New-OsgPilotConfig @Full | Export-OsgPilotConfig -Path $path -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'ConfigFileExists,*'
        Get-Content $path | Should -Be 'keep me'
        New-OsgPilotConfig @Full | Export-OsgPilotConfig -Path $path -Force -PassThru | Should -BeOfType [IO.FileInfo]
        (Import-OsgPilotConfig $path).Name | Should -Be 'pilot-x'
        @(Get-ChildItem $Work -Filter 'exists.json.tmp-*') | Should -HaveCount 0
    }

    It '-WhatIf writes nothing' {
        $path = Join-Path $Work 'whatif.json'
        New-OsgPilotConfig @Full | Export-OsgPilotConfig -Path $path -WhatIf
        Test-Path $path | Should -BeFalse
    }

    It 'names file and position for invalid JSON' {
        $path = Join-Path $Work 'broken.json'
        Set-Content $path "{`n  `"Site`": `"Lancium`",`n  `"ResourceName`" `"x`"`n}"
        Import-OsgPilotConfig $path -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'ConfigFileInvalidJson,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ParserError'
        $ev[0].Exception.Message | Should -Match ([regex]::Escape($path))
        $ev[0].Exception.Message | Should -Match 'line 3'
    }

    It 'gives the same errors as New-OsgPilotConfig for bad values' {
        $path = Join-Path $Work 'bad.json'
        @{ Site = 'Lancium'; ResourceName = 'Has Space'; TokenPath = $TokenPath } | ConvertTo-Json | Set-Content $path
        Import-OsgPilotConfig $path -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'InvalidResourceName,*'
        @{ Site = 'Lancium'; ResourceName = 'R'; TokenPath = $TokenPath; AcceptJobsForHours = 0 } | ConvertTo-Json | Set-Content $path
        Import-OsgPilotConfig $path -ErrorVariable ev2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev2[0].FullyQualifiedErrorId | Should -BeLike 'InvalidHours,*'
    }

    It 'refuses wrong types, unknown settings and a token in the file' {
        $path = Join-Path $Work 'types.json'
        foreach ($case in @(
                @{ Json = @{ Site = 'S'; ResourceName = 'R'; TokenPath = $TokenPath; Cpus = 'eight' }; Pattern = 'Cpus must be a whole number' }
                @{ Json = @{ Site = 'S'; ResourceName = 'R'; TokenPath = $TokenPath; CvmfsMode = 'Sideways' }; Pattern = 'CvmfsMode must be one of' }
                @{ Json = @{ Site = 'S'; ResourceName = 'R'; TokenPath = $TokenPath; Colour = 'blue' }; Pattern = "'Colour' is not a config setting" }
                @{ Json = @{ Site = 'S'; ResourceName = 'R'; Token = 'abc' }; Pattern = 'must not carry the token' })) {
            $case.Json | ConvertTo-Json | Set-Content $path
            Import-OsgPilotConfig $path -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $ev[0].FullyQualifiedErrorId | Should -BeLike 'ConfigFileInvalidValue,*'
            $ev[0].Exception.Message | Should -Match $case.Pattern
            $ev[0].Exception.Message | Should -Not -Match 'abc'
        }
    }

    It 'reports a missing file' {
        Import-OsgPilotConfig (Join-Path $Work 'nope.json') -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'ConfigFileNotFound,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'accepts files from Get-ChildItem by pipeline' {
        $dir = New-Item -ItemType Directory (Join-Path $Work 'many')
        New-OsgPilotConfig @Full -Name one | Export-OsgPilotConfig -Path (Join-Path $dir 'one.json')
        New-OsgPilotConfig @Full -Name two | Export-OsgPilotConfig -Path (Join-Path $dir 'two.json')
        (Get-ChildItem $dir -Filter *.json | Import-OsgPilotConfig).Name | Should -Be @('one', 'two')
    }
}

Describe 'Get-OsgPilotToken' {
    It 'shows what the token says, never the token' {
        $info = Get-OsgPilotToken -TokenPath $TokenPath
        $info.Subject | Should -Be 'RESOURCE-test.example.edu@cm-1.ospool.osg-htc.org'
        $info.Issuer | Should -Be 'cm-1.ospool.osg-htc.org'
        $info.Scopes | Should -Contain 'condor:/ADVERTISE_STARTD'
        $info.Expires | Should -BeNullOrEmpty
        $info.Path | Should -Be $TokenPath
        $json = $info | ConvertTo-Json
        foreach ($part in $TokenText.Split('.')) { $json | Should -Not -Match ([regex]::Escape($part)) }
    }

    It 'reads the token of a config from the pipeline' {
        (New-OsgPilotConfig @Full | Get-OsgPilotToken).KeyId | Should -Be 'POOL'
    }
}

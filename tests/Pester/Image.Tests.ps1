# Update-OsgPilotImage on the test engine (no registry is reachable: every pull is refused on loopback).
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Aged = '127.0.0.1:9/osgpilot/aged:' + [guid]::NewGuid().ToString('N').Substring(0, 6)
}
AfterAll { docker rmi $script:Aged *> $null }

Describe 'Update-OsgPilotImage' -Skip:$NoEngine {
    It 'leaves a fresh image alone and reports it' {
        $r = Update-OsgPilotImage -Image (Get-TestImage)
        $r.Pulled | Should -BeFalse
        $r.Changed | Should -BeFalse
        $r.Id | Should -Be (docker image inspect (Get-TestImage) --format '{{.Id}}')
        $r.Created | Should -BeGreaterThan ([DateTime]::UtcNow.AddDays(-3))
    }

    It 'pulls an image older than -MaxAgeHours, and a failed pull keeps the old image' {
        python3 (Join-Path $PSScriptRoot '../fixtures/age-image.py') (Get-TestImage) $Aged 5 | Out-Null
        $before = docker image inspect $Aged --format '{{.Id}}'
        Update-OsgPilotImage -Image $Aged -MaxAgeHours 200 | ForEach-Object Pulled | Should -BeFalse
        Update-OsgPilotImage -Image $Aged -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'ImagePullFailed,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        docker image inspect $Aged --format '{{.Id}}' | Should -Be $before
    }

    It '-WhatIf pulls nothing' {
        Update-OsgPilotImage -Image $Aged -Force -WhatIf | Should -BeNullOrEmpty
    }

    It 'takes the image of a configuration from the pipeline' {
        $work = New-TestDirectory
        $cfg = New-OsgPilotConfig -Site S -ResourceName R -TokenPath (New-TestTokenFile -Directory $work) -Image (Get-TestImage)
        ($cfg | Update-OsgPilotImage).Image | Should -Be (Get-TestImage)
        Remove-Item -Recurse $work
    }

    It 'lists which pilots run which image' {
        $work = New-TestDirectory
        $cvmfs = New-SharedMount
        try {
            $p = New-TestConfig -Name 'img-pilot' -TokenPath (New-TestTokenFile -Directory $work) -CvmfsPath $cvmfs | Start-OsgPilot
            $p.ImageId | Should -Be (docker image inspect (Get-TestImage) --format '{{.Id}}')
        } finally {
            Remove-OsgPilot -Name 'img-pilot' -Force -Confirm:$false -ErrorAction SilentlyContinue
            Remove-TestMount $cvmfs; Remove-Item -Recurse $work
        }
    }
}

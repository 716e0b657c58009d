# Runs that meet: two processes starting one config at once, as two schedulers (or a person and a
# timer) do, on the real engine.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope cc
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath
}

AfterAll {
    Remove-TestScope $script:Scope
}

Describe 'Start-OsgPilot from two processes at once' -Skip:$NoEngine {
    It '10 rounds of two Start-OsgPilot -Count 3 of one config: every pilot running, every /pilot writable by uid 1000, no spurious error' {
        $dir = New-TestDirectory -ForPilot
        $config = Join-Path $Work 'same.json'
        New-TestConfig -Name "$Prefix-s" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ PilotDirectory = $dir } | Export-OsgPilotConfig -Path $config
        $cmd = "Import-Module '$env:OSGPILOT_MODULE'; `$p = Import-OsgPilotConfig '$config' | Start-OsgPilot -Count 3 -WatchSeconds 1; if (-not `$?) { exit 1 }; (`$p | Where-Object Changed).Count"
        foreach ($round in 1..10) {
            $procs = 1..2 | ForEach-Object { Start-PwshProcess $cmd }
            $results = foreach ($p in $procs) {
                $out = $p.StandardOutput.ReadToEnd(); $err = $p.StandardError.ReadToEnd(); $p.WaitForExit()
                [pscustomobject]@{ Exit = $p.ExitCode; Out = $out.Trim(); Err = $err }
            }
            $results.Exit | Should -Be @(0, 0) -Because "round ${round}: $($results.Err -join ' ')"
            ($results.Out | ForEach-Object { [int]$_ } | Measure-Object -Sum).Sum | Should -Be 3 -Because "round ${round}: one run starts the three, the other finds them running"
            $pilots = Get-OsgPilot -Name "$Prefix-s-*"
            $pilots.Name | Should -Be @("$Prefix-s-1", "$Prefix-s-2", "$Prefix-s-3")
            foreach ($n in $pilots.Name) {
                (stat -c '%u %a' "$dir/$n") | Should -Be '1000 755' -Because "round $round"
                docker exec --user osg $n sh -c 'touch /pilot/probe && rm /pilot/probe' | Out-Null
                $LASTEXITCODE | Should -Be 0 -Because "/pilot of $n is writable by uid 1000 in round $round"
            }
            Remove-OsgPilot -Name "$Prefix-s-*" -Force
            Remove-Item -Recurse -Force (Join-Path $dir '*')
        }
        Remove-Item -Recurse -Force $dir
    }
}

Describe 'A config file''s relative token path' {
    It 'is taken relative to the file, wherever the import runs' {
        $sub = Join-Path $Work 'conf'
        New-Item -ItemType Directory $sub | Out-Null
        Copy-Item $TokenPath (Join-Path $sub 'pilot.token')
        $file = Join-Path $sub 'pilot.json'
        New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -TokenPath (Join-Path $sub 'pilot.token') | Export-OsgPilotConfig -Path $file
        $json = Get-Content -Raw $file | ConvertFrom-Json
        $json.TokenPath = 'pilot.token'
        $json | ConvertTo-Json | Set-Content $file
        Push-Location ([IO.Path]::GetTempPath())
        try { (Import-OsgPilotConfig $file).TokenPath | Should -Be (Join-Path $sub 'pilot.token') } finally { Pop-Location }
    }
}

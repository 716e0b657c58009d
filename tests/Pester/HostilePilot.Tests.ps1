# A pilot directory is written by strangers' jobs as uid 1000, and OsgPilot reads and cleans it as root.
# Each case is planted from inside a running pilot (docker exec -u 1000), as a job would, in the pilot's
# host directory; then every command that reads or cleans it runs in a fresh pwsh bounded in time (60 s)
# and heap (768 MiB, DOTNET_GCHeapHardLimit): none may hang, crash, read outside the directory, forge a
# count or keep the pilot down.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope hp
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath
    $script:State = Join-Path $Work 'state'
    $script:Name = "$Prefix-p"

    # A root-only file of this host in startd_history's format: five jobs no pilot ran.
    $script:Forged = Join-Path $Work 'root-only-history'
    Set-Content $Forged (@(1..5 | ForEach-Object {
        "ClusterId = 99$_", 'ProcId = 0', 'JobCurrentStartDate = 1785000000', 'CompletionDate = 1785000600', 'ExitCode = 0',
        "*** Offset = 0 ClusterId = 99$_ ProcId = 0 Owner = `"osg`" CompletionDate = 1785000600"
    }))
    chmod 600 $Forged

    function New-HostileConfig {
        $dir = New-TestDirectory -ForPilot
        $cfg = New-TestConfig -Name $Name -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{
            PilotDirectory = $dir; Environment = @{ STANDIN_IDLE_SECONDS = '600'; STANDIN_ADVERTISE_SECONDS = '1'; STANDIN_READY_SECONDS = '0' } }
        $path = Join-Path $Work 'hostile.json'
        $cfg | Export-OsgPilotConfig -Path $path -Force
        [pscustomobject]@{ Config = $cfg; Path = $path; Directory = $dir }
    }

    function Invoke-AsJob([string] $Script) {
        docker exec -u 1000 $Name sh -c $Script
        if ($LASTEXITCODE -ne 0) { throw "the job's planting failed: $Script" }
    }

    function Invoke-Bounded([string] $Command) {
        <# A fresh pwsh running the command with the module, its heap capped at 768 MiB and killed after 60 s: returns exit, output, seconds. #>
        $pwsh = Get-PwshCommand
        $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$env:OSGPILOT_MODULE'; `$ErrorActionPreference = 'Continue'; $Command")) { $psi.ArgumentList.Add($a) }
        $psi.Environment['DOTNET_GCHeapHardLimit'] = '0x30000000'
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $p = [Diagnostics.Process]::Start($psi)
        $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
        $ended = $p.WaitForExit(60000)
        if (-not $ended) { $p.Kill($true); $p.WaitForExit() }
        [pscustomobject]@{ Ended = $ended; Exit = $p.ExitCode; Output = $out.Result + $err.Result; Seconds = $watch.Elapsed.TotalSeconds }
    }
}

AfterAll {
    Remove-TestScope $script:Scope
}

Describe 'A hostile pilot directory' -Skip:$NoEngine {
    BeforeAll {
        $script:Setup = New-HostileConfig
        $Setup.Config | Start-OsgPilot -Wait -WaitTimeoutSec 60 -StateDirectory $State | Out-Null
        # Everything at once, as one job would: a FIFO, links out of the directory (an endless device and a
        # root-only file in history format), a 100 MB line, numbers that overflow, and a directory for a stamp.
        Invoke-AsJob 'mkfifo /pilot/log/startd_history'
        Invoke-AsJob 'ln -sf /dev/zero /pilot/log/StartLog.old'
        Invoke-AsJob "ln -sf '$Forged' /pilot/log/startd_history.old"
        Invoke-AsJob 'head -c 104857600 /dev/zero | tr "\000" x >> /pilot/log/StartLog; echo >> /pilot/log/StartLog'
        $now = (Get-Date).ToUniversalTime().ToString('MM/dd/yy HH:mm:ss')
        Invoke-AsJob "echo '$now.000 (pid:1) (D_ALWAYS) Starter pid 5 exited with status 99999999999' >> /pilot/log/StartLog; echo '$now.000 (pid:1) (D_ALWAYS) Starter pid 6 died on signal 99999999999' >> /pilot/log/StartLog"
        Invoke-AsJob 'mkdir -p /pilot/stop-glidein.stamp/inner'
    }
    AfterAll { Remove-TestPilots $Name; Remove-Item -Recurse -Force $Setup.Directory -ErrorAction Ignore }

    It 'Get-OsgPilotActivity ends within its bounds, names what it left out, and counts no forged job' {
        $json, $warnings = (Join-Path $Work 'activity.json'), (Join-Path $Work 'activity.warnings')
        $r = Invoke-Bounded "Get-OsgPilotActivity -Name '$Name' -StateDirectory '$State' -WarningVariable w 3> `$null | ConvertTo-Json -Depth 4 | Set-Content '$json'; `$w.Message | Set-Content '$warnings'"
        $r.Ended | Should -BeTrue -Because 'a FIFO must not hang the read'
        $r.Exit | Should -Be 0 -Because $r.Output
        $said = Get-Content -Raw $warnings
        $said | Should -Match 'log/startd_history is not a regular file \(a FIFO\)'
        $said | Should -Match 'StartLog.old is a symbolic link'
        $said | Should -Match 'startd_history.old is a symbolic link'
        $said | Should -Match 'exit status or signal no starter gives were skipped'
        $activity = Get-Content -Raw $json | ConvertFrom-Json
        $activity.Name | Should -Be $Name
        $activity.JobsFinished | Should -Be 0 -Because 'the root-only file is never read: its five jobs are not the pilot''s'
        Get-Content -Raw $json | Should -Not -Match '99[1-5]\.0'
    }

    It 'Export-OsgPilotMetrics writes a file promtool accepts, within the bounds' {
        $prom = Join-Path $Work 'hostile.prom'
        $r = Invoke-Bounded "Export-OsgPilotMetrics -Path '$prom' -StateDirectory '$State'"
        ($r.Ended, $r.Exit) | Should -Be @($true, 0) -Because $r.Output
        if (Get-Command promtool -ErrorAction Ignore) { Get-Content -Raw $prom | promtool check metrics 2>&1 | Should -BeNullOrEmpty }
        Get-Content -Raw $prom | Should -Match "osgpilot_pilot_up\{pilot=`"$Name`""
    }

    It 'Sync-OsgPilot -MetricsPath runs to its end on the pilot, within the bounds' {
        $prom = Join-Path $Work 'sync.prom'
        $r = Invoke-Bounded "Sync-OsgPilot -ConfigPath '$($Setup.Path)' -Count 1 -MetricsPath '$prom' -StateDirectory '$State' -AsJson"
        $r.Ended | Should -BeTrue
        ($r.Output -split "`n" | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1 | ConvertFrom-Json).Errors | Should -BeNullOrEmpty
        Test-Path $prom | Should -BeTrue
    }

    It 'Stop, Remove and a new Start take the pilot down and bring it back: the directory stamp goes, nothing outside is touched' {
        $r = Invoke-Bounded "Stop-OsgPilot -Name '$Name' -StateDirectory '$State'; Remove-OsgPilot -Name '$Name' -Force -StateDirectory '$State'"
        ($r.Ended, $r.Exit) | Should -Be @($true, 0) -Because $r.Output
        Get-ContainerNames | Should -Not -Contain $Name
        $r = Invoke-Bounded "Import-OsgPilotConfig '$($Setup.Path)' | Start-OsgPilot -Wait -WaitTimeoutSec 60 -StateDirectory '$State' | Select-Object Name, Ready, Validated | ConvertTo-Json"
        ($r.Ended, $r.Exit) | Should -Be @($true, 0) -Because $r.Output
        Test-Path (Join-Path $Setup.Directory 'stop-glidein.stamp') | Should -BeFalse -Because 'a stamp of any kind is taken away, so the pilot comes back'
        Wait-PilotAdvertised -Container $Name | Should -Be 'True'
        # What the links pointed at is as it was.
        (Get-Item $Forged).Length | Should -BeGreaterThan 0
        Test-Path /dev/zero | Should -BeTrue
    }
}

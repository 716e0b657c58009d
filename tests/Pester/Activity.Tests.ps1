# What pilots do (issue 22): activity read from the stand-in's real-format StartLog and
# startd_history, kept across restarts and roll-outs in the ledger, and the Prometheus metrics a
# real node_exporter serves and a real Prometheus scrapes. The stand-in's startd logs fed jobs in
# HTCondor's formats; unlike a real startd it stamps whole seconds and ends a job exactly its length
# after its start, which is what lets these numbers be exact.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
    $script:NoPrometheus = -not (Get-Command promtool -ErrorAction Ignore)
    if ($NoPrometheus -and $env:CI -eq 'true') { throw 'CI: promtool is not installed (tests/fixtures/install-prereqs.sh installs prometheus).' }
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope ac
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath
    $script:Recipes = Join-Path $PSScriptRoot '../../docs/recipes/prometheus'
    $script:Fast = @{ STANDIN_IDLE_SECONDS = '600'; STANDIN_ADVERTISE_SECONDS = '1'; STANDIN_READY_SECONDS = '1' }
    function New-ActivityConfig([string] $Name, [hashtable] $Environment = $Fast) {
        New-TestConfig -Name $Name -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ PilotDirectory = (New-TestDirectory -ForPilot); Environment = $Environment }
    }
    function Get-FreePort {
        $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $l.Start(); $p = $l.LocalEndpoint.Port; $l.Stop(); $p
    }
    function Invoke-Promtool([string[]] $Arguments, [string] $InputFile) {
        $out = if ($InputFile) { Get-Content -Raw $InputFile | promtool @Arguments 2>&1 } else { promtool @Arguments 2>&1 }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
    }
}

AfterAll {
    Remove-TestScope $script:Scope
}

Describe 'Activity of a pilot that ran a known set of jobs, with a restart between (local engine)' -Skip:$NoEngine {
    BeforeAll {
        $script:Config = New-ActivityConfig "$Prefix-known"
        $script:Activity = Invoke-KnownJobs $Config
    }

    It 'counts every job exactly: 4 started, 3 finished (exit 0, exit 1, signal 9), none lost, 1 running' {
        $a = $Activity
        $a.Name | Should -Be "$Prefix-known"
        $a.JobsStarted | Should -Be 4
        $a.JobsFinished | Should -Be 3
        $a.JobsSucceeded | Should -Be 1
        $a.JobsFailed | Should -Be 1
        $a.JobsKilled | Should -Be 1
        $a.JobsLost | Should -Be 0
        $a.SlotsBusy | Should -Be 1
        ($a.Ends | ForEach-Object { "$($_.How)=$($_.Count)" }) -join ',' | Should -Be 'exit 0=1,exit 1=1,signal 9=1'
        $a.Accepting | Should -BeTrue
        $a.Draining | Should -BeFalse
    }

    It 'busy time is the finished jobs'' lengths plus the running job''s time so far, and core-hours weigh each by its CPUs' {
        $a = $Activity
        $running = ($a.AsOf - $a.LastJobStart).TotalSeconds
        $a.BusySeconds - $running | Should -BeGreaterOrEqual (3 + 2 + 4 - 0.002)
        $a.BusySeconds - $running | Should -BeLessOrEqual (3 + 2 + 4 + 0.002)
        $a.CoreHours * 3600 - $running | Should -BeGreaterOrEqual (2 * 3 + 2 + 4 - 0.01)
        $a.CoreHours * 3600 - $running | Should -BeLessOrEqual (2 * 3 + 2 + 4 + 0.01)
    }

    It '-Since after the restart leaves out the jobs before it; -Total adds pilots up' {
        $start = docker inspect -f '{{.State.StartedAt}}' "$Prefix-known"
        $after = Get-OsgPilotActivity "$Prefix-known" -Since ([DateTime]::Parse($start).AddSeconds(-1))
        $after.JobsStarted | Should -Be 2
        $after.JobsFinished | Should -Be 1
        $total = Get-OsgPilotActivity "$Prefix-*" -Total
        $total.Name | Should -Be '(total)'
        $total.JobsStarted | Should -Be 4
        $total.Pilots | Should -Be 1
    }

    It 'its output serialises cleanly and asks nothing of the ledger (a look writes nothing)' {
        $json = Get-OsgPilotActivity "$Prefix-known" | ConvertTo-Json -Depth 4
        ($json | ConvertFrom-Json).JobsStarted | Should -Be 4
        $ledger = Get-ChildItem -Recurse -Filter "$Prefix-known.ledger" $env:OSGPILOT_STATE_DIR
        $before = (Get-FileHash $ledger.FullName).Hash
        Get-OsgPilotActivity "$Prefix-known" | Out-Null
        (Get-FileHash $ledger.FullName).Hash | Should -Be $before
    }

    It 'a roll-out keeps the week: Sync -Force replaces the pilot, and the jobs of its last run are kept (the running one ended by the stop)' {
        $changed = New-TestConfig -Name "$Prefix-known" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ PilotDirectory = $Config.PilotDirectory; Environment = $Fast + @{ ROLLOUT = '2' } }
        $r = $changed | Sync-OsgPilot -Force -WatchSeconds 0
        ($r | Where-Object Kind -eq 'Pilot').Action | Should -Be 'Replaced'
        $a = Get-OsgPilotActivity "$Prefix-known" -Since (Get-Date).AddDays(-7)
        $a.JobsStarted | Should -Be 4
        $a.JobsKilled | Should -Be 2   # signal 9, and 4.0 ended by the stop (signal 15)
        ($a.Ends | ForEach-Object { "$($_.How)=$($_.Count)" }) -join ',' | Should -Be 'exit 0=1,exit 1=1,signal 15=1,signal 9=1'
        $a.SlotsBusy | Should -Be 0
    }

    It 'Remove-OsgPilot keeps its jobs: the removed pilot is still reported, as removed' {
        # The replacement of the test before is up first: a stop during a start-up waits out the grace, as the real image's would.
        Wait-PilotAdvertised -Container "$Prefix-known" | Should -BeIn @('True', 'False')
        Remove-OsgPilot "$Prefix-known" -Force
        $a = Get-OsgPilotActivity "$Prefix-known"
        $a.State | Should -Be 'removed'
        $a.JobsStarted | Should -Be 4
    }
}

Describe 'Two processes harvest the same pilot at once' -Skip:$NoEngine {
    It 'both merges land: the ledger has every job once, no temporary file is left' {
        $name = "$Prefix-twice"
        New-ActivityConfig $name | Start-OsgPilot -Wait | Out-Null
        1..3 | ForEach-Object { Add-StandinJob $name "$_.0 1 1 exit:0" }
        Wait-Until { (Get-StandinLogCount $name startd_history '^\*\*\*') -eq 3 } -What 'three jobs'
        $pwsh = Get-PwshCommand
        $jobs = 1..2 | ForEach-Object {
            Start-Job -ScriptBlock {
                param($Pwsh, $Module, $Name)
                & $Pwsh[0] @($Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "Import-Module '$Module'; 1..3 | ForEach-Object { Export-OsgPilotMetrics -Name '$Name' | Out-Null }"
                $LASTEXITCODE
            } -ArgumentList $pwsh, $env:OSGPILOT_MODULE, $name
        }
        $jobs | Wait-Job -Timeout 120 | Receive-Job | Should -Be @(0, 0)
        $ledger = Get-ChildItem -Recurse -Filter "$name.ledger" $env:OSGPILOT_STATE_DIR
        @(Get-Content $ledger.FullName | Where-Object { $_ -like "J`t*" }).Count | Should -Be 3
        @(Get-ChildItem $ledger.DirectoryName -Filter '*.tmp-*').Count | Should -Be 0
    }
}

Describe 'Metrics for a textfile collector' -Skip:($NoEngine -or $NoPrometheus) {
    BeforeAll {
        $script:Textfiles = New-TestDirectory
        $script:Metrics = Join-Path $Textfiles 'osgpilot.prom'
        $script:Name = "$Prefix-prom"
        $script:PromConfig = New-ActivityConfig $Name
        $PromConfig | Start-OsgPilot -Wait | Out-Null
        Add-StandinJob $Name '7.0 2 1 exit:0'
        Add-StandinJob $Name '8.0 1 1 exit:3'
        Wait-Until { (Get-StandinLogCount $Name startd_history '^\*\*\*') -eq 2 } -What 'two jobs'
        $script:SyncResult = $PromConfig | Sync-OsgPilot -MetricsPath $Metrics -WatchSeconds 0
    }

    It 'Sync-OsgPilot -MetricsPath writes a file promtool check metrics accepts, with the pilots'' numbers and the sync''s outcome' {
        $check = Invoke-Promtool @('check', 'metrics') $Metrics
        $check.Output | Should -BeNullOrEmpty
        $check.ExitCode | Should -Be 0
        $text = Get-Content -Raw $Metrics
        $text | Should -Match ('osgpilot_jobs_started_total\{pilot="' + $Name + '",[^}]*\} 2\n')
        $text | Should -Match ('osgpilot_jobs_finished_total\{pilot="' + $Name + '",[^}]*outcome="failed"\} 1\n')
        $text | Should -Match ('osgpilot_busy_core_seconds_total\{pilot="' + $Name + '",[^}]*\} 3\n')
        $text | Should -Match ('osgpilot_sync_success\{config="' + $Name + '",[^}]*\} 1\n')
        $text | Should -Match ('osgpilot_pilot_accepting\{pilot="' + $Name + '",[^}]*\} 1\n')
        $text | Should -Match 'osgpilot_token_expiry_timestamp_seconds|osgpilot_info'
        $text | Should -Not -Match ([regex]::Escape($Scope.TokenText))
        @(Get-ChildItem $Textfiles).Name | Should -Be @('osgpilot.prom')
    }

    It 'a failed sync says so in the file (sync_success 0) and keeps the last good time' {
        $before = (Get-Content -Raw $Metrics) -replace '(?s).*osgpilot_sync_last_success_timestamp_seconds\{[^}]*\} (\S+)\n.*', '$1'
        # The token expired since the config was made: the run refuses before it touches a pilot.
        $path = Join-Path (New-TestDirectory) 'token'
        Set-Content -NoNewline -Path $path -Value (New-TestTokenText -Expires (Get-Date).AddDays(30))
        $expiring = New-TestConfig -Name $Name -TokenPath $path -CvmfsPath $Cvmfs -Extra @{ PilotDirectory = $PromConfig.PilotDirectory; Environment = $Fast }
        Set-Content -NoNewline -Path $path -Value (New-TestTokenText -Expires (Get-Date).AddDays(-1))
        $expiring | Sync-OsgPilot -MetricsPath $Metrics -WatchSeconds 0 -ErrorVariable failed -ErrorAction SilentlyContinue | Out-Null
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'TokenExpired,*'
        $text = Get-Content -Raw $Metrics
        $text | Should -Match ('osgpilot_sync_success\{config="' + $Name + '",[^}]*\} 0\n')
        $text | Should -Match ('osgpilot_sync_last_success_timestamp_seconds\{config="' + $Name + '",[^}]*\} ' + [regex]::Escape($before) + '\n')
        (Invoke-Promtool @('check', 'metrics') $Metrics).ExitCode | Should -Be 0
        $text | Should -Match ('osgpilot_pilot_up\{pilot="' + $Name + '",[^}]*\} 1\n')   # the pilots are still shown
        docker ps --filter "name=^$Name`$" --format '{{.Names}}' | Should -Be $Name
    }

    It 'node_exporter serves the file and Prometheus scrapes it: the API answers the jobs the logs imply' {
        $nodePort, $promPort = (Get-FreePort), (Get-FreePort)
        $promDir = New-TestDirectory
        $node = Start-Process prometheus-node-exporter -PassThru -RedirectStandardError (Join-Path $promDir 'node.log') -ArgumentList @(
            "--web.listen-address=127.0.0.1:$nodePort", '--collector.disable-defaults', '--collector.textfile', "--collector.textfile.directory=$Textfiles")
        @"
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$nodePort']
"@ | Set-Content (Join-Path $promDir 'prometheus.yml')
        $prom = Start-Process prometheus -PassThru -RedirectStandardError (Join-Path $promDir 'prom.log') -ArgumentList @(
            "--config.file=$(Join-Path $promDir 'prometheus.yml')", "--storage.tsdb.path=$(Join-Path $promDir 'data')", "--web.listen-address=127.0.0.1:$promPort")
        try {
            $query = [uri]::EscapeDataString("osgpilot_jobs_started_total{pilot=`"$Name`"}")
            $value = $null
            Wait-Until -TimeoutSec 60 -What 'Prometheus to scrape the metrics' -Condition {
                try {
                    $r = Invoke-RestMethod "http://127.0.0.1:$promPort/api/v1/query?query=$query" -TimeoutSec 2
                    if ($r.data.result.Count -eq 1) { $script:value = $r.data.result[0].value[1] }
                } catch { }
                $null -ne $script:value
            }
            $script:value | Should -Be '2'
            $served = Invoke-RestMethod "http://127.0.0.1:$nodePort/metrics"
            $served | Should -Match 'node_textfile_scrape_error 0'
        } finally {
            Stop-Process -InputObject $node, $prom -ErrorAction Ignore
            $node, $prom | Wait-Process -Timeout 10 -ErrorAction Ignore
        }
    }

    It 'Export-OsgPilotMetrics refuses a path a collector would never read, and writes nothing: <Case>' -TestCases @(
        @{ Case = 'not .prom'; Leaf = 'osgpilot.txt'; ErrorId = 'InvalidMetricsPath'; Category = 'InvalidArgument' }
        @{ Case = 'no such directory'; Leaf = 'missing/osgpilot.prom'; ErrorId = 'InvalidMetricsPath'; Category = 'ObjectNotFound' }
    ) {
        $dir = New-TestDirectory
        $err = $null
        try { Export-OsgPilotMetrics -Path (Join-Path $dir $Leaf) -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $err.CategoryInfo.Category | Should -Be $Category
        @(Get-ChildItem -Recurse $dir).Count | Should -Be 0
    }
}

Describe 'The shipped alert rules' -Skip:$NoPrometheus {
    It 'pass promtool check rules' {
        $r = Invoke-Promtool @('check', 'rules', (Join-Path $Recipes 'osgpilot-alerts.yml'))
        $r.Output | Should -Match 'SUCCESS'
        $r.ExitCode | Should -Be 0
    }

    It 'pass promtool test rules: each alert fires when it should and not before' {
        $r = Invoke-Promtool @('test', 'rules', (Join-Path $Recipes 'osgpilot-alerts.test.yml'))
        $r.Output | Should -Match 'SUCCESS'
        $r.ExitCode | Should -Be 0
    }
}

# The conventions a PowerShell user expects (issue: conventions, help, packaging and failure modes),
# each tried the way a user meets it.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
    Import-Module $env:OSGPILOT_MODULE -Force
    $script:Cmdlets = (Get-Command -Module OsgPilot -CommandType Cmdlet).Name | Sort-Object | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope cv
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenPath, $script:TokenText = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath, $Scope.TokenText
    $script:Docs = Join-Path $PSScriptRoot '../../docs'
    $script:Pwsh = Get-PwshCommand
    function Invoke-Child([string] $Command, [hashtable] $Environment = @{}) {
        # A scheduler's pwsh: -NonInteractive, no console input; extra environment for this child only.
        $saved = @{}
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        try {
            $out = '' | & $Pwsh[0] $Pwsh[1..9] -NoProfile -NonInteractive -Command "Import-Module '$env:OSGPILOT_MODULE'; $Command" 2>&1 | Out-String
            [pscustomobject]@{ Exit = $LASTEXITCODE; Output = $out }
        } finally {
            foreach ($k in $saved.Keys) { if ($null -eq $saved[$k]) { Remove-Item "Env:$k" -ErrorAction Ignore } else { Set-Item "Env:$k" $saved[$k] } }
        }
    }
}

AfterAll {
    Remove-TestScope $script:Scope
}

Describe 'Engine failures name the engine and are bounded' {
    It 'a missing socket says there is no socket there, not a raw socket error alone' {
        $err = $null
        try { Get-OsgPilot -DockerHost unix:///run/osgpilot-no-such.sock -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'DockerEngineUnreachable,*'
        $err.Exception.Message | Should -Match "Cannot connect to the Docker engine at 'unix:///run/osgpilot-no-such.sock': there is no socket at /run/osgpilot-no-such.sock"
    }

    It 'Get-OsgPilot -TimeoutSec 2 against a listener that accepts and never answers fails, naming it, in at most 3 s' {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $endpoint = "tcp://127.0.0.1:$($listener.LocalEndpoint.Port)"
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $err = $null
            try { Get-OsgPilot -DockerHost $endpoint -TimeoutSec 2 -ErrorAction Stop } catch { $err = $_ }
            $watch.Elapsed.TotalSeconds | Should -BeLessOrEqual 3
            $err.FullyQualifiedErrorId | Should -BeLike 'DockerEngineUnreachable,*'
            $err.CategoryInfo.Category | Should -Be 'ConnectionError'
            $err.Exception.Message | Should -Match ([regex]::Escape("'$endpoint' did not answer within 2 s"))
        } finally { $listener.Stop() }
    }

    It 'every engine-facing cmdlet has -TimeoutSec, 30 s by default (10 s for the preflight)' {
        foreach ($name in 'Start-OsgPilot', 'Get-OsgPilot', 'Stop-OsgPilot', 'Remove-OsgPilot', 'Get-OsgPilotLog', 'Sync-OsgPilot', 'Update-OsgPilotImage', 'Test-OsgPilotConfig') {
            (Get-Command $name).Parameters.Keys | Should -Contain 'TimeoutSec' -Because $name
        }
        [OsgPilot.Cmdlets.GetOsgPilotCommand]::new().TimeoutSec | Should -Be 30
        [OsgPilot.Cmdlets.TestOsgPilotConfigCommand]::new().TimeoutSec | Should -Be 10
    }

    It 'a pilot that is not there is reported with the engine it was looked for on' -Skip:$NoEngine {
        Get-OsgPilot -Name "$Prefix-none" -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].Exception.Message | Should -Be "No running OsgPilot pilot named '$Prefix-none' was found on $env:DOCKER_HOST (use -All to include stopped pilots)."
    }
}

Describe 'Export-OsgPilotConfig as Export-Csv and Export-Clixml behave' {
    It 'takes -InputObject' {
        $cfg = New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -TokenPath $TokenPath
        $path = Join-Path $Work 'input-object.json'
        Export-OsgPilotConfig -InputObject $cfg -Path $path
        (Get-Content -Raw $path | ConvertFrom-Json).ResourceName | Should -Be 'Lancium-Backfill'
    }
    It 'into a missing directory names that directory, never its temporary file, and writes nothing' {
        $cfg = New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -TokenPath $TokenPath
        $path = Join-Path $Work 'no/such/dir/x.json'
        Export-OsgPilotConfig -InputObject $cfg -Path $path -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'ConfigFileWriteFailed,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $ev[0].Exception.Message | Should -Be "Cannot write '$path': the directory '$(Split-Path $path)' does not exist."
        $ev[0].Exception.Message | Should -Not -Match 'tmp-'
        Test-Path (Join-Path $Work 'no') | Should -BeFalse
    }
}

Describe 'The token from a PSCredential or an environment variable' {
    It '-Token takes a PSCredential, as Get-Credential and vault modules hand it out' {
        $cred = [PSCredential]::new('token', (ConvertTo-SecureString $TokenText -AsPlainText -Force))
        $cfg = New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -Token $cred
        $cfg.TokenSource | Should -Be 'Inline'
        (Get-OsgPilotToken -Token $cred).Subject | Should -Match '^RESOURCE-'
        { New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -Token $TokenText -ErrorAction Stop } | Should -Throw -Because 'a plain string is never a token'
    }

    It 'a config file can name an environment variable the scheduler provides, and never holds the value' -Skip:$NoEngine {
        $env:OSGPILOT_TEST_TOKEN = $TokenText
        try {
            $cfg = New-TestConfig -Name "$Prefix-env" -TokenPath $TokenPath -CvmfsPath $Cvmfs
            $path = Join-Path $Work 'env.json'
            New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -TokenEnvironmentVariable OSGPILOT_TEST_TOKEN -Name "$Prefix-env" -Image (Get-TestImage) -CvmfsPath $Cvmfs -RestartPolicy No -Environment @{ STANDIN_IDLE_SECONDS = '600' } |
                Export-OsgPilotConfig -Path $path
        } finally { Remove-Item Env:OSGPILOT_TEST_TOKEN }
        $text = Get-Content -Raw $path
        $text | Should -Match '"TokenEnvironmentVariable": "OSGPILOT_TEST_TOKEN"'
        foreach ($part in $TokenText.Split('.')) { $text.Contains($part) | Should -BeFalse }

        $r = Invoke-Child "Import-OsgPilotConfig '$path' | Start-OsgPilot -WatchSeconds 1 | ForEach-Object { `$_.Name + ' ' + `$_.State }" @{ OSGPILOT_TEST_TOKEN = $TokenText }
        $r.Output | Should -Match "$Prefix-env running"
        (docker exec --user osg "$Prefix-env" cat /etc/condor/tokens-orig.d/flock.opensciencegrid.org) | Should -Be $TokenText

        $r = Invoke-Child "Import-OsgPilotConfig '$path'; exit [int](-not `$?)"
        $r.Exit | Should -Be 1
        $r.Output | Should -Match "The environment variable 'OSGPILOT_TEST_TOKEN' that should hold the token is not set"
    }
}

Describe 'Help as Get-Help users expect it' {
    It '<Name>: rendered -Full help has no backticks, no markdown links, and lists on lines of their own' -ForEach $Cmdlets {
        $text = Get-Help $Name -Full | Out-String -Width 4000
        $text | Should -Not -Match '`'
        $text | Should -Not -Match '\]\('
        $page = Get-Content -Raw (Join-Path $Docs "$Name.md")
        $prose = $page -replace '(?s)```.*?```', ''
        foreach ($m in [regex]::Matches($prose, '(?m)^- (.{1,40})')) {
            $start = (($m.Groups[1].Value -replace '`', '') -split ' ')[0..2] -join ' '
            $text | Should -Match ('(?m)^\s*- ' + [regex]::Escape($start)) -Because "the list item '$start' of $Name.md starts its own line"
        }
        foreach ($link in (Get-Help $Name).relatedLinks.navigationLink) {
            $link.linkText | Should -Not -Match '\.md$'
            if ($link.uri) { $link.uri | Should -Match '^https://' }
        }
        (Get-Help $Name).relatedLinks.navigationLink[0].uri | Should -Match "^https://.*/docs/$Name\.md$" -Because 'Get-Help -Online opens the first link'
    }

    It 'the module has a HelpInfoURI, and about_OsgPilot names every cmdlet and only files that ship' {
        (Get-Module OsgPilot).HelpInfoUri | Should -Match '^https://'
        $about = Get-Help about_OsgPilot | Out-String
        foreach ($c in (Get-Command -Module OsgPilot -CommandType Cmdlet).Name) { $about | Should -Match ([regex]::Escape($c)) }
        $about | Should -Not -Match 'docs/recipes'
        Join-Path (Get-Module OsgPilot).ModuleBase 'recipes/troubleshooting.md' | Should -Exist
    }
}

Describe 'The package' {
    It 'carries README, LICENSE and the recipes, with tags and links for the gallery' {
        $manifest = Import-PowerShellDataFile $env:OSGPILOT_MODULE
        $data = $manifest.PrivateData.PSData
        $data.Tags | Should -Contain 'PSEdition_Core'
        $data.Tags | Should -Contain 'PSEdition_Desktop'
        $data.ProjectUri | Should -Not -Match 'osg-htc.org/docs'
        $data.ReleaseNotes | Should -Not -Match '^See '
        $dir = Split-Path $env:OSGPILOT_MODULE
        foreach ($f in 'README.md', 'LICENSE', 'recipes/osgpilot.yml', 'recipes/scheduled-job.md', 'recipes/troubleshooting.md') { Join-Path $dir $f | Should -Exist }
        $repo = Join-Path $Work 'repo'
        & $Pwsh[0] $Pwsh[1..9] -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../../src/Packaging/Publish-OsgPilotPackage.ps1') -ModuleDirectory $dir -RepositoryPath $repo | Out-Null
        $nupkg = Get-ChildItem $repo -Filter *.nupkg | Select-Object -First 1
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg.FullName)
        try { $entries = $zip.Entries.FullName } finally { $zip.Dispose() }
        foreach ($f in 'README.md', 'LICENSE', 'recipes/osgpilot.yml', 'en-US/OsgPilot.dll-Help.xml') { $entries | Should -Contain $f }
    }
}

Describe 'Tables' {
    It 'the preflight view labels Passed as Passed, and pilot columns are properties one can sort and group by' {
        $views = [xml](Get-Content -Raw (Join-Path (Split-Path $env:OSGPILOT_MODULE) 'OsgPilot.Format.ps1xml'))
        $pre = $views.Configuration.ViewDefinitions.View | Where-Object Name -EQ 'OsgPilot.Preflight.OsgPilotPreflightResult.List'
        @($pre.ListControl.ListEntries.ListEntry.ListItems.ListItem | Where-Object { $_.PSObject.Properties['Label'] -and $_.Label -eq 'Ready' }) | Should -BeNullOrEmpty
        $pilot = $views.Configuration.ViewDefinitions.View | Where-Object Name -EQ 'OsgPilot.Pilot.Table'
        $items = $pilot.TableControl.TableRowEntries.TableRowEntry.TableColumnItems.TableColumnItem
        @($items | Where-Object { $_.PSObject.Properties['ScriptBlock'] }) | Should -BeNullOrEmpty
        $items.PropertyName | Should -Contain 'DockerHost'
    }
}

Describe 'Stop-OsgPilot while it waits' -Skip:$NoEngine {
    It 'reports progress instead of staying silent for the grace period' {
        $cfg = New-TestConfig -Name "$Prefix-slow" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Environment = @{ STANDIN_TERM_SECONDS = '4'; STANDIN_IDLE_SECONDS = '600' } }
        $cfg | Start-OsgPilot -WatchSeconds 0 | Out-Null
        $ps = [powershell]::Create()
        [void]$ps.AddScript("Import-Module '$env:OSGPILOT_MODULE'; Stop-OsgPilot -Name '$Prefix-slow' -Timeout 30")
        $ps.Invoke() | Out-Null
        $records = @($ps.Streams.Progress | Where-Object RecordType -EQ 'Processing')
        $ps.Dispose()
        $records.Count | Should -BeGreaterOrEqual 3
        $records[0].Activity | Should -Be 'Stopping 1 OsgPilot pilot(s)'
        $records[-1].StatusDescription | Should -Match '^\d+ s of at most 30 s'
    }

    It '-Timeout 0 means no grace: the pilot is killed at once, not after the engine''s default' {
        $cfg = New-TestConfig -Name "$Prefix-t0" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Environment = @{ STANDIN_TERM_SECONDS = '30'; STANDIN_IDLE_SECONDS = '600' } }
        $cfg | Start-OsgPilot -WatchSeconds 0 | Out-Null
        $watch = [Diagnostics.Stopwatch]::StartNew()
        (Stop-OsgPilot -Name "$Prefix-t0" -Timeout 0 -PassThru).State | Should -Be 'exited'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
    }

    It 'Ctrl+C on a terminal ends the wait at once, says what happens to the pilot, and the engine still stops it' {
        $cfg = New-TestConfig -Name "$Prefix-ctrlc" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Environment = @{ STANDIN_TERM_SECONDS = '8'; STANDIN_IDLE_SECONDS = '600' } }
        $cfg | Start-OsgPilot -WatchSeconds 0 | Out-Null
        $r = Invoke-OnTerminal 'after:Stopping 1 OsgPilot' "Stop-OsgPilot -Name '$Prefix-ctrlc' -Timeout 60"
        $r.seconds_after_ctrl_c | Should -BeLessThan 5
        $r.output | Should -Match 'Stop-OsgPilot was interrupted'
        $r.output | Should -Match "$Prefix-ctrlc"
        $r.output | Should -Not -Match 'finished'
        docker wait "$Prefix-ctrlc" | Should -Be '0' -Because 'the engine finishes the stop it was asked for'
    }
}

# The staged module: manifest, exports, views, completion, import cost and serialisation.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModuleDir = Split-Path $env:OSGPILOT_MODULE
    $script:Manifest = Import-PowerShellDataFile $env:OSGPILOT_MODULE
}

Describe 'The module manifest' {
    It 'exports exactly the compiled cmdlets' {
        $assembly = [Reflection.Assembly]::LoadFile((Join-Path $ModuleDir 'OsgPilot.dll'))
        $compiled = foreach ($t in $assembly.GetExportedTypes()) {
            $a = $t.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)
            if ($a) { "$($a[0].VerbName)-$($a[0].NounName)" }
        }
        ($Manifest.CmdletsToExport | Sort-Object) | Should -Be ($compiled | Sort-Object)
    }
    It 'is compatible with Desktop and Core, and its assemblies are netstandard2.0' {
        $Manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $Manifest.RootModule | Should -Be 'OsgPilot.dll'
        $Manifest.PowerShellVersion | Should -Be '5.1'
        $target = [Reflection.Assembly]::LoadFile((Join-Path $ModuleDir 'OsgPilot.dll')).GetCustomAttributes([Runtime.Versioning.TargetFrameworkAttribute], $false)[0].FrameworkName
        $target | Should -Be '.NETStandard,Version=v2.0'
        $library = [Reflection.Assembly]::LoadFile((Join-Path $ModuleDir 'dependencies/OsgPilot.Library.dll')).GetCustomAttributes([Runtime.Versioning.TargetFrameworkAttribute], $false)[0].FrameworkName
        $library | Should -Be '.NETStandard,Version=v2.0'
    }
    It 'has the version in one place: the assembly carries the manifest version' {
        $v = [Diagnostics.FileVersionInfo]::GetVersionInfo((Join-Path $ModuleDir 'OsgPilot.dll')).ProductVersion -replace '\+.*$', ''
        $v | Should -Be $Manifest.ModuleVersion
        (Split-Path $ModuleDir -Leaf) | Should -Be $Manifest.ModuleVersion
    }
    It 'keeps third-party assemblies out of the module root and ships no System.Management.Automation' {
        (Get-ChildItem $ModuleDir -Filter *.dll).Name | Should -Be @('OsgPilot.dll')
        (Get-ChildItem (Join-Path $ModuleDir 'dependencies')).Name | Should -Contain 'Docker.DotNet.dll'
        (Get-ChildItem (Join-Path $ModuleDir 'dependencies')).Name | Should -Not -Contain 'System.Management.Automation.dll'
    }
    It 'ships the library twice: IL for every platform, ReadyToRun for linux-x64, the same assemblies' {
        $deps = Join-Path $ModuleDir 'dependencies'
        $r2r = Join-Path $deps 'linux-x64'
        foreach ($dll in Get-ChildItem $r2r -Filter *.dll) {
            $il = Join-Path $deps $dll.Name
            $il | Should -Exist
            [Reflection.AssemblyName]::GetAssemblyName($dll.FullName).FullName | Should -Be ([Reflection.AssemblyName]::GetAssemblyName($il).FullName)
            Get-ReadyToRunSize $dll.FullName | Should -BeGreaterThan 0 -Because "$($dll.Name) in linux-x64 is compiled"
            Get-ReadyToRunSize $il | Should -Be 0 -Because "$($dll.Name) beside it is the IL every other platform loads"
        }
        (Get-ChildItem $r2r -Filter *.dll).Name | Should -Contain 'OsgPilot.Library.dll'
        (Get-ChildItem $r2r -Filter *.dll).Name | Should -Contain 'Docker.DotNet.dll'
        Get-ReadyToRunSize (Join-Path $ModuleDir 'OsgPilot.dll') | Should -Be 0 -Because 'the manifest names the cmdlet assembly for every platform'
    }
    It 'loads the ReadyToRun library on PowerShell 7 on linux-x64, and the IL one where that folder is missing' -Skip:(-not $IsLinux -or [Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture -ne 'X64') {
        $pwsh = Get-PwshCommand
        # Runs the library and Docker.DotNet (a refused connection), then names where they came from.
        $probe = "Import-Module 'MODULE'; try { Get-OsgPilot -DockerHost unix:///nonexistent/docker.sock -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId }; [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'OsgPilot.Library', 'Docker.DotNet' } | ForEach-Object { `$_.GetName().Name + '=' + `$_.Location }; (Get-Command -Module OsgPilot).Count"
        $loaded = & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -Command $probe.Replace('MODULE', $env:OSGPILOT_MODULE)
        $loaded[0] | Should -Match '^DockerEngineUnreachable,'
        $loaded | Should -Contain "OsgPilot.Library=$(Join-Path $ModuleDir 'dependencies/linux-x64/OsgPilot.Library.dll')"
        $loaded | Should -Contain "Docker.DotNet=$(Join-Path $ModuleDir 'dependencies/linux-x64/Docker.DotNet.dll')"
        $loaded[-1] | Should -Be $Manifest.CmdletsToExport.Count

        # Every other platform (Windows, arm64, Windows PowerShell) takes this path: the IL builds.
        $work = New-TestDirectory
        try {
            $copy = Join-Path $work "OsgPilot/$($Manifest.ModuleVersion)"
            New-Item -ItemType Directory (Split-Path $copy) | Out-Null
            Copy-Item $ModuleDir $copy -Recurse
            Remove-Item (Join-Path $copy 'dependencies/linux-x64') -Recurse
            $loaded = & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -Command $probe.Replace('MODULE', (Join-Path $copy 'OsgPilot.psd1'))
            $loaded[0] | Should -Match '^DockerEngineUnreachable,'
            $loaded | Should -Contain "OsgPilot.Library=$(Join-Path $copy 'dependencies/OsgPilot.Library.dll')"
            $loaded | Should -Contain "Docker.DotNet=$(Join-Path $copy 'dependencies/Docker.DotNet.dll')"
            $loaded[-1] | Should -Be $Manifest.CmdletsToExport.Count
        }
        finally { Remove-Item $work -Recurse -Force }
    }
    It 'imports quickly in a fresh process, without loading Docker.DotNet' {
        $pwsh = Get-PwshCommand
        $out = & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -Command "`$t = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$env:OSGPILOT_MODULE'; `$t.ElapsedMilliseconds; [bool]([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Docker.DotNet' })"
        [int]$out[0] | Should -BeLessThan 1500
        $out[1] | Should -Be 'False'
    }
}

Describe 'Format views' {
    BeforeAll {
        Import-Module $env:OSGPILOT_MODULE -Force
        $PSStyle.OutputRendering = 'PlainText'
        $script:Work = New-TestDirectory
        $script:Cfg = New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -TokenPath (New-TestTokenFile -Directory $Work) -SquidLocation squid.example.edu
    }
    AfterAll { Remove-Item -Recurse -Force $Work }

    It 'has a view for every output type' {
        $views = [xml](Get-Content (Join-Path $ModuleDir 'OsgPilot.Format.ps1xml') -Raw)
        $typesWithViews = $views.Configuration.ViewDefinitions.View.ViewSelectedBy.TypeName | Sort-Object -Unique
        $outputs = (Get-Command -Module OsgPilot).OutputType.Type | Where-Object { $_.Assembly.GetName().Name -like 'OsgPilot*' } | ForEach-Object FullName | Sort-Object -Unique
        $outputs | Should -Contain 'OsgPilot.Pilot'
        foreach ($t in $outputs) { $typesWithViews | Should -Contain $t }
    }
    It 'shows pilots as a table a person reads at a glance' {
        $p = [OsgPilot.Pilot]@{ Name = 'osgpilot-x'; State = 'running'; Status = 'Up 5 minutes'; Site = 'Lancium'; ResourceName = 'Lancium-Backfill'; Image = 'hub.opensciencegrid.org/osg-htc/ospool-ep:25-release'; DockerHost = 'unix:///var/run/docker.sock' }
        $text = $p | Out-String -Width 200
        $text | Should -Match 'Name\s+State\s+Resource\s+ImageTag\s+Status\s+DockerHost'
        $text | Should -Match 'osgpilot-x\s+running\s+Lancium-Backfill\s+25-release\s+Up 5 minutes\s+unix:///var/run/docker.sock'
        ($p | Format-List | Out-String) | Should -Match 'Site\s+: Lancium(.|\n)*DockerHost'
        # A long engine address and status at the width of a redirected run (120): whole, not cut with "…".
        $p.DockerHost = 'unix:///run/osgpilot-test/docker.sock'; $p.Status = 'Restarting (1) 3 seconds ago'
        $wide = $p | Out-String -Width 120
        $wide | Should -Match ([regex]::Escape('Restarting (1) 3 seconds ago') + '\s+' + [regex]::Escape('unix:///run/osgpilot-test/docker.sock'))
        $wide | Should -Not -Match ([char]0x2026)
    }
    It 'shows a config as a table and the preflight result as a checklist' {
        ($Cfg | Format-Table | Out-String -Width 200) | Should -Match 'Name\s+Site\s+Resource\s+Squid\s+Cvmfs\s+Security\s+Token'
        $severity = [Enum]::ToObject([OsgPilot.Preflight.OsgPilotPreflightCheck].Assembly.GetType('OsgPilot.Preflight.CheckSeverity'), 0)   # Error
        $check = [OsgPilot.Preflight.OsgPilotPreflightCheck].GetConstructors([Reflection.BindingFlags]'NonPublic,Instance')[0].Invoke(@('CVMFS', $false, $severity, '/cvmfs is private'))
        $result = [OsgPilot.Preflight.OsgPilotPreflightResult].GetConstructors([Reflection.BindingFlags]'NonPublic,Instance')[0].Invoke(@('p', [OsgPilot.Preflight.OsgPilotPreflightCheck[]]@($check), $false, 'unix:///run/x.sock', $null))
        ($result | Out-String) | Should -Match '\[FAIL\] CVMFS: /cvmfs is private'
        ($check | Out-String) | Should -Match 'FAIL\s+CVMFS\s+/cvmfs is private'
        ($check | ConvertTo-Json | ConvertFrom-Json).Severity | Should -Be 'Error'
    }
    It 'serialises names, not numbers, for every choice, and durations as numbers' {
        $json = $Cfg | ConvertTo-Json | ConvertFrom-Json
        $json.CvmfsMode | Should -Be 'HostMount'
        $json.SecurityProfile | Should -Be 'Unconfined'
        $json.RestartPolicy | Should -Be 'UnlessStopped'
        $types = @((Get-Command -Module OsgPilot).OutputType.Type | Where-Object { $_.Assembly.GetName().Name -like 'OsgPilot*' } | Sort-Object FullName -Unique)
        $types.Count | Should -BeGreaterThan 5
        foreach ($type in $types) {
            foreach ($p in $type.GetProperties()) {
                $p.PropertyType.IsEnum | Should -BeFalse -Because "$($type.Name).$($p.Name) would serialise as a number"
                $p.PropertyType | Should -Not -Be ([TimeSpan]) -Because "$($type.Name).$($p.Name) would serialise as a 15-field object"
            }
        }
    }
}

Describe 'Argument completion' {
    BeforeAll { Import-Module $env:OSGPILOT_MODULE -Force }

    It 'answers within about a second, with nothing, when the engine is down' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = TabExpansion2 -inputScript 'Get-OsgPilot -DockerHost unix:///run/osgpilot-no-such.sock -Name osg' -cursorColumn 66
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 2
        $r.CompletionMatches | Should -BeNullOrEmpty
    }
    It 'completes -Image with the images OSG publishes, by reference or by tag, asking no engine' {
        foreach ($line in 'New-OsgPilotConfig -Image 25-cu', 'Update-OsgPilotImage hub.opensciencegrid.org/osg-htc/ospool-ep:25-cu') {
            $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $r.CompletionMatches.CompletionText | Should -Be @(
                'hub.opensciencegrid.org/osg-htc/ospool-ep:25-cuda_11_8_0-release'
                'hub.opensciencegrid.org/osg-htc/ospool-ep:25-cuda_11_8_0-testing'
                'hub.opensciencegrid.org/osg-htc/ospool-ep:25-cuda_11_8_0-development') -Because $line
        }
        $line = 'New-OsgPilotConfig -Image '
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches[0].CompletionText | Should -Be 'hub.opensciencegrid.org/osg-htc/ospool-ep:25-release'
    }
    It 'completes -Context with the docker contexts of DOCKER_CONFIG, never with file names' {
        $config = Join-Path ([IO.Path]::GetTempPath()) "osgpilot-ctx-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $meta = New-Item -ItemType Directory -Force (Join-Path $config 'contexts/meta/0123abcd')
        Set-Content (Join-Path $meta 'meta.json') '{"Name":"node01","Metadata":{},"Endpoints":{"docker":{"Host":"unix:///run/node01.sock","SkipTLSVerify":false}}}'
        $saved = $env:DOCKER_CONFIG
        Push-Location $config   # a folder whose entries a file completer would offer
        try {
            $env:DOCKER_CONFIG = $config
            foreach ($line in 'Get-OsgPilot -Context ', 'Register-OsgPilotSchedule -ConfigPath x.json -Context ') {
                $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
                $r.CompletionMatches.CompletionText | Should -Be @('default', 'node01') -Because $line
            }
            $r = TabExpansion2 -inputScript 'Get-OsgPilot -Context no' -cursorColumn 24
            $r.CompletionMatches.CompletionText | Should -Be @('node01')
        }
        finally {
            Pop-Location
            $env:DOCKER_CONFIG = $saved
            Remove-Item -Recurse -Force $config
        }
    }
    It 'answers within about a second when the engine never replies' {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $port = $listener.LocalEndpoint.Port
            $line = "Stop-OsgPilot -DockerHost tcp://127.0.0.1:$port -Name osg"
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 2.5
            $r.CompletionMatches | Should -BeNullOrEmpty
        } finally { $listener.Stop() }
    }
}

Describe 'The benchmark' {
    BeforeDiscovery { Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force; $script:NoEngine = -not (Test-EngineAvailable) }
    It 'runs in its quick form and prints every measurement, so it cannot rot' -Skip:$NoEngine {
        $pwsh = Get-PwshCommand
        $out = & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../Benchmarks/Invoke-Benchmarks.ps1') -ModulePath $env:OSGPILOT_MODULE -Image (Get-TestImage) -Quick 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $out
        foreach ($line in 'Import-Module \(fresh pwsh', 'start 6 pilots ', 'list 60 pilots', 'peak working set growth', 'status of 4 running pilots', 'sync 4 pilots, nothing to do', 'probe 20 hanging squids', 'list pilots on 3 TLS engines', 'tasks of 2 services \(6 pilots, 3 nodes\)', 'set 2 services, nothing to do',
            'Import-Module vs an empty manifest', 'scheduled no-op Sync process, wall', 'scheduled no-op Sync process, CPU', 'PowerShell''s share of that line', 'the module''s overhead in that process', 'the recipes'' line \(Sync -AsJson\), wall',
            'first start of 6 in a fresh process', 'engine requests per call +Get-OsgPilot \d+, Start -Count 6 \d+', 'status of 1 pilots, TLS 10 ms away',
            'full TLS handshakes per call, one engine +Get-OsgPilot 1,', 'descriptors after \d+ requests') {
            $out | Should -Match $line
        }
        if ($env:OSGPILOT_PODMAN_HOST) {
            $out | Should -Match 'Podman: list 20 pilots \(-All\) +Get-OsgPilot -All .* podman ps -a'
            $out | Should -Match 'Podman: start 3 pilots +Start-OsgPilot -Count .* 3 x podman run -d'
        }
        $out | Should -Match 'ours/theirs\s+\d+\.\d\d'
        $out | Should -Not -Match 'MISSED'
    }
}

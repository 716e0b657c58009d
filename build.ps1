#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests, demonstrates, benchmarks and packages the OsgPilot module.
.DESCRIPTION
    Tasks:
      Build      compile the cmdlet assembly, convert docs/*.md to MAML help and stage a loadable
                 module in out/OsgPilot/<version>/
      Test       Build, start the test fixtures (a network-isolated dockerd and the stand-in pilot
                 image), run the xUnit suite and the Pester suite (in a fresh pwsh -NoProfile) and
                 print "Tests: N passed, N failed, N skipped"; exits non-zero on any failure
      UnitTest   the xUnit suite alone (pure logic, state tables, planners, undo paths through fakes):
                 no build of the module, no fixtures, no root; well under two minutes
      Demo       Build, then launch a stand-in pilot on the local engine (the test engine when no
                 other is reachable), show Get-OsgPilot and its log, and remove it
      Benchmark  Build, then time OsgPilot against the docker CLI on the same work and print ratios
                 and goals (-Quick: small sizes, as the tests run it)
      Package    Build, then write to out/packages/ a .nupkg that Install-PSResource installs, and a
                 .deb and an .rpm that install the module for all accounts (they need PowerShell 7.4+
                 on the host; rpmbuild, from Debian's rpm package, writes the .rpm)
      Install    Build, then install for unattended use (root, Linux): the module in
                 /usr/local/share/powershell/Modules/OsgPilot/<version> (side by side with other
                 versions) and PowerShell (the pinned dotnet tool) as /usr/local/bin/pwsh. The Test task
                 does it too: the recipes are tested as installed
      Soak       Build, then run the long soak (tests/Soak/Invoke-Soak.ps1): -Cycles Sync runs (default
                 200) under seeded chaos against the test engine, invariants checked after each; the
                 Test task runs its short form
      ServiceSoak  Build, then run the long soak of a pilot service (tests/Soak/Invoke-ServiceSoak.ps1):
                 -Cycles Set-OsgPilotService runs (default 40) under seeded chaos on the three-node
                 test swarm; the Test task runs its short form
.EXAMPLE
    ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'UnitTest', 'Demo', 'Benchmark', 'Package', 'Soak', 'ServiceSoak', 'Install')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Benchmark with small sizes and few repeats (what the tests run).
    [switch] $Quick,

    # Soak: how many cycles (default: 200 Sync runs; 40 for ServiceSoak), and the seed of their chaos (the same seed gives the same chaos).
    [int] $Cycles = 0,
    [int] $Seed = 20261204
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$Manifest = Import-PowerShellDataFile (Join-Path $Root 'OsgPilot.psd1')
$Version = $Manifest.ModuleVersion
$OutRoot = Join-Path $Root 'out'
$Staged = Join-Path $OutRoot "OsgPilot/$Version"
$ResultsDir = Join-Path $OutRoot 'test-results'
$Fixtures = Join-Path $Root 'tests/fixtures'
$TestEngine = 'unix:///run/osgpilot-test/docker.sock'
$PodmanEngine = 'unix:///run/osgpilot-podman/podman.sock'
$StandInImage = 'osgpilot/standin-pilot:latest'

function Invoke-Native {
    # Runs a native command and stops on a non-zero exit, naming the command. Plain $args, so
    # arguments such as -p:X=Y reach the command instead of binding to common parameters.
    $command, $arguments = $args
    & $command @arguments
    if ($LASTEXITCODE -ne 0) { throw "'$command $($arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Invoke-ReadyToRun([string] $Deps) {
    # A ReadyToRun copy of the library and its Docker client in dependencies/linux-x64, which the
    # ModuleInitializer loads on PowerShell 7 (.NET 10 or later) on linux-x64: a new process (every
    # timer tick) then JITs far less. Anywhere else the IL builds beside it load, as before.
    # BouncyCastle is left out: 10 MB compiled, and read only for a TLS engine's key.
    $project = Join-Path $Root 'src/Packaging/ReadyToRun/ReadyToRun.csproj'
    Invoke-Native dotnet restore $project -nologo '-v:q'
    $assets = Get-Content -Raw (Join-Path (Split-Path $project) 'obj/project.assets.json') | ConvertFrom-Json
    $packs = @{}
    foreach ($d in $assets.project.frameworks.'net10.0'.downloadDependencies) { $packs[$d.name] = $d.version -replace '^\[|,.*$' }
    $crossgenName = $packs.Keys | Where-Object { $_ -like 'Microsoft.NETCore.App.Crossgen2.*' } | Select-Object -First 1
    if (-not $crossgenName) { Write-Warning 'The SDK offers no crossgen2 for this host: the module ships IL only.'; return }
    $nuget = Get-NuGetRoot
    $crossgen = Get-ChildItem (Join-Path $nuget "$($crossgenName.ToLowerInvariant())/$($packs[$crossgenName])/tools") -Filter 'crossgen2*' |
        Where-Object Name -In 'crossgen2', 'crossgen2.exe', 'crossgen2.dll' | Select-Object -First 1
    $runtime = Join-Path $nuget "microsoft.netcore.app.runtime.linux-x64/$($packs['Microsoft.NETCore.App.Runtime.linux-x64'])/runtimes/linux-x64/lib/net10.0"
    $framework = (Get-ChildItem $runtime -Filter *.dll).Name
    # Only what .NET 10 would load from the module: its own copies of framework assemblies never load there.
    $own = Get-ChildItem $Deps -Filter *.dll | Where-Object Name -NotIn $framework
    $compile = @($own | Where-Object { $_.Name -like 'OsgPilot.*' -or $_.Name -like 'Docker.DotNet*' -or $_.Name -like 'Microsoft.*' })
    $out = New-Item -ItemType Directory -Force (Join-Path $Deps 'linux-x64')
    [string[]] $references = @("-r:$runtime/*.dll", "-r:$(Join-Path $PSHOME 'System.Management.Automation.dll')") + ($own | ForEach-Object { "-r:$($_.FullName)" })
    foreach ($assembly in $compile) {
        [string[]] $command = if ($crossgen.Extension -eq '.dll') { 'dotnet', $crossgen.FullName } else { , $crossgen.FullName }
        Invoke-Native @command $assembly.FullName "--out:$(Join-Path $out $assembly.Name)" @references '--targetos:linux' '--targetarch:x64' '-O' |
            Where-Object { $_ -notmatch '^Emitting R2R PE file' }
    }
    Write-Host "   ReadyToRun for linux-x64: $($compile.Count) assemblies (crossgen2 $($packs[$crossgenName]))"
}

function Invoke-BuildTask {
    Write-Host "== Build OsgPilot $Version ($Configuration)"
    Invoke-Native dotnet build (Join-Path $Root 'src/OsgPilot/OsgPilot.csproj') -c $Configuration -nologo '-v:q' "-p:Version=$Version"
    $bin = Join-Path $Root "src/OsgPilot/bin/$Configuration/netstandard2.0"

    if (Test-Path $Staged) { Remove-Item $Staged -Recurse -Force }
    $deps = New-Item -ItemType Directory -Force (Join-Path $Staged 'dependencies')
    Copy-Item (Join-Path $bin 'OsgPilot.dll') $Staged
    Copy-Item (Join-Path $Root 'OsgPilot.psd1') $Staged
    Copy-Item (Join-Path $Root 'src/OsgPilot/OsgPilot.Format.ps1xml') $Staged
    # The scheduler and Ansible recipes, the README and the licence travel with the module (and so in its package).
    Copy-Item (Join-Path $Root 'docs/recipes') (Join-Path $Staged 'recipes') -Recurse
    Copy-Item (Join-Path $Root 'README.md'), (Join-Path $Root 'src/Packaging/LICENSE') $Staged
    # -SecurityProfile Minimal's seccomp profile, for sites to read, adapt (-SeccompProfilePath) or pass to docker run.
    New-Item -ItemType Directory -Force (Join-Path $Staged 'seccomp') | Out-Null
    Copy-Item (Join-Path $Root 'src/OsgPilot.Library/Security/osgpilot-minimal-seccomp.json') (Join-Path $Staged 'seccomp')
    # Third-party assemblies live apart, resolved by OsgPilot's ModuleInitializer.
    Get-ChildItem $bin -Filter *.dll | Where-Object Name -NotIn 'OsgPilot.dll', 'System.Management.Automation.dll' |
        Copy-Item -Destination $deps
    Invoke-ReadyToRun $deps

    Import-Module (Join-Path $Root 'src/Help/OsgHelp.psm1') -Force
    $helpOut = Join-Path $Root 'en-US'
    $docsUri = $Manifest.PrivateData.PSData.ProjectUri.TrimEnd('/') + '/blob/main/docs/'
    Convert-OsgHelp -DocsPath (Join-Path $Root 'docs') -OutputPath $helpOut -ModuleName OsgPilot -OnlineBaseUri $docsUri
    Copy-Item $helpOut (Join-Path $Staged 'en-US') -Recurse -Force
    Write-Host "   staged $Staged"
}

$SystemModules = '/usr/local/share/powershell/Modules'
$PwshToolPath = '/usr/local/lib/osgpilot/pwsh'
$PwshLink = '/usr/local/bin/pwsh'

function Install-StagedModule {
    # Replaced by renames, never file by file: a running pwsh may have the old DLL mapped.
    $dest = Join-Path $SystemModules "OsgPilot/$Version"
    New-Item -ItemType Directory -Force (Split-Path $dest) | Out-Null
    $next, $old = "$dest.osgpilot-new", "$dest.osgpilot-old"
    Remove-Item $next, $old -Recurse -Force -ErrorAction Ignore
    Copy-Item $Staged $next -Recurse
    # The same version installed already: say whether this replaced different files (a rebuild) or changed nothing.
    $replaced = if (Test-Path $dest) {
        $hash = { param($dir) Get-ChildItem -LiteralPath $dir -Recurse -File | Sort-Object { $_.FullName.Substring($dir.Length) } | ForEach-Object { $_.FullName.Substring($dir.Length) + ' ' + (Get-FileHash -LiteralPath $_.FullName).Hash } }
        if (((& $hash $dest) -join "`n") -ceq ((& $hash $next) -join "`n")) { 'same files' } else { 'different files' }
    }
    if (Test-Path $dest) { Move-Item $dest $old }
    Move-Item $next $dest
    Remove-Item $old -Recurse -Force -ErrorAction Ignore
    $note = switch ($replaced) { 'same files' { ' (the same build was installed already)' } 'different files' { " (replaced the installed $Version, a different build of the same version: a running pwsh keeps the old one until it restarts)" } default { '' } }
    Write-Host "   installed the module in $dest (Import-Module OsgPilot)$note"
}

function Install-Pwsh {
    # The PowerShell pinned in .config/dotnet-tools.json, at a path that outlives caches and checkouts.
    $pinned = (Get-Content -Raw (Join-Path $Root '.config/dotnet-tools.json') | ConvertFrom-Json).tools.powershell.version
    $launcher = Join-Path $PwshToolPath 'pwsh'
    $have = if (Test-Path $launcher) { (& $launcher -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>$null) } else { $null }
    if ($have -ne $pinned) {
        Remove-Item $PwshToolPath -Recurse -Force -ErrorAction Ignore
        Invoke-Native dotnet tool install PowerShell --version $pinned --tool-path $PwshToolPath
    }
    Set-PwshLauncher $launcher $pinned
    $link = Get-Item $PwshLink -ErrorAction Ignore
    if (-not $link) { New-Item -ItemType SymbolicLink -Path $PwshLink -Target $launcher | Out-Null }
    elseif ($link.LinkTarget -ne $launcher) { Write-Warning "$PwshLink exists and is not OsgPilot's ($($link.LinkTarget)); left as it is. The schedules use the pwsh on PATH." }
    Write-Host "   PowerShell $pinned is $PwshLink"
}

function Set-PwshLauncher([string] $Launcher, [string] $Version) {
    # The tool's own shim starts `dotnet` from PATH (under env -i, cron or a bare unit it aborts), and
    # that dotnet then starts pwsh.dll in a second runtime. In its place: one exec of this dotnet, by
    # absolute path, on the tool's pwsh.dll. PowerShell puts this directory first on its own PATH, so the
    # schedules it registers find this launcher too. A moved dotnet needs -Task Install again.
    $dll = Get-ChildItem -Path (Join-Path $PwshToolPath ".store/powershell/$Version/powershell/$Version/tools") -Recurse -Filter pwsh.dll |
        Where-Object { $_.Directory.Name -eq 'unix' } | Select-Object -First 1
    if (-not $dll) { throw "The PowerShell $Version tool in $PwshToolPath has no unix/pwsh.dll." }
    $dotnet = (& readlink -f (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source).Trim()
    $text = "#!/bin/sh`n# PowerShell $Version for OsgPilot (build.ps1 -Task Install): one runtime, started by absolute path, so any PATH (env -i, cron, a unit) runs it.`nexec '$dotnet' '$($dll.FullName)' `"`$@`"`n"
    if ((Test-Path $Launcher) -and (Get-Content -Raw $Launcher -ErrorAction Ignore) -ceq $text) { return }
    $next = "$Launcher.osgpilot-new"
    [IO.File]::WriteAllText($next, $text)
    Invoke-Native chmod 755 $next
    Move-Item -Force $next $Launcher
}

function Invoke-InstallTask([switch] $NoBuild) {
    if (-not $IsLinux -or (id -u) -ne '0') { throw 'The Install task installs for all accounts of a Linux host: run it as root. (On Windows: Install-PSResource from the package of -Task Package.)' }
    if (-not $NoBuild) { Invoke-BuildTask }
    Write-Host '== Install'
    Install-StagedModule
    Install-Pwsh
}

function Invoke-FreshPwsh {
    # A new pwsh -NoProfile process, so the module DLL is never loaded into (or locked by) this session.
    # Under a dotnet-tool pwsh the process is dotnet itself, which then needs pwsh.dll.
    $exe = [Environment]::ProcessPath
    [string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
    & $exe @prefix -NoProfile -NonInteractive @args
}

function Get-NuGetRoot {
    $line = dotnet nuget locals global-packages --list
    ($line -replace '^global-packages:\s*', '').Trim()
}

function Start-TestFixtures([string] $Purpose = 'test') {
    # A real dockerd in its own network namespace, and the offline stand-in pilot image.
    if (-not $IsLinux) { Write-Warning 'The Docker fixtures need Linux; integration tests will report the engine as missing.'; return }
    if ((id -u) -ne '0') { Write-Warning 'The Docker fixtures need root; integration tests will report the engine as missing.'; return }
    Invoke-Native bash (Join-Path $Fixtures 'install-prereqs.sh') $Purpose
    Invoke-Native bash (Join-Path $Fixtures 'engine.sh') start
    if ($Purpose -eq 'test') {
        # The second engine of the engine-parameterised suites: Podman, with the same stand-in image.
        Invoke-Native bash (Join-Path $Fixtures 'podman.sh') start
        $env:DOCKER_HOST = $PodmanEngine
        Invoke-Native bash (Join-Path $Fixtures 'build-standin.sh') $StandInImage
        $env:OSGPILOT_PODMAN_HOST = $PodmanEngine
    }
    $env:DOCKER_HOST = $TestEngine
    Invoke-Native bash (Join-Path $Fixtures 'build-standin.sh') $StandInImage
}

function Start-FreshPwsh([string] $LogPath) {
    # Like Invoke-FreshPwsh, but in the background, its output to a file: returns the process.
    $exe = [Environment]::ProcessPath
    [string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
    # Start-Process joins its arguments with spaces: a path with a space in it is quoted.
    [string[]] $quoted = (@($prefix) + @('-NoProfile', '-NonInteractive') + $args) | ForEach-Object { if ("$_" -match '\s') { '"' + $_ + '"' } else { "$_" } }
    Start-Process -FilePath $exe -ArgumentList $quoted -NoNewWindow -PassThru `
        -RedirectStandardOutput $LogPath -RedirectStandardError "$LogPath.err"
}

function Read-PesterCounts([string] $Path) {
    if (Test-Path $Path) { Get-Content -Raw $Path | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
}

function Read-TrxCounts([string] $Path) {
    [xml] $trx = Get-Content -Raw $Path
    $c = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted; Skipped = [int]$c.notExecuted }
}

function Get-HostStateSnapshot {
    # The host's real state directory, as the suite must leave it: every entry with its size and time.
    $dir = '/var/lib/osgpilot'
    if (-not (Test-Path -LiteralPath $dir)) { return @('(absent)') }
    @(Get-ChildItem -LiteralPath $dir -Recurse -Force | Sort-Object FullName | ForEach-Object { '{0} {1} {2}' -f $_.FullName, $(if ($_.PSIsContainer) { 'dir' } else { $_.Length }), $_.LastWriteTimeUtc.Ticks })
}

function Invoke-TestTask {
    $hostStateBefore = Get-HostStateSnapshot
    Invoke-BuildTask
    Start-TestFixtures
    $env:OSGPILOT_TEST_IMAGE = $StandInImage
    New-Item -ItemType Directory -Force $ResultsDir | Out-Null
    Remove-Item (Join-Path $ResultsDir '*') -Recurse -Force -ErrorAction Ignore

    Write-Host '== xUnit'
    $trx = Join-Path $ResultsDir 'xunit.trx'
    dotnet test (Join-Path $Root 'tests/OsgPilot.Tests/OsgPilot.Tests.csproj') -c $Configuration -nologo '-v:q' `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal'
    $xunit = if (Test-Path $trx) { Read-TrxCounts $trx } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

    if ($IsLinux -and (id -u) -eq '0') { Invoke-InstallTask -NoBuild }
    Write-Host '== Pester (fresh pwsh -NoProfile against the staged module)'
    Invoke-Native dotnet restore (Join-Path $Root 'tests/tools/tools.csproj') -nologo '-v:q'
    $pester = Join-Path (Get-NuGetRoot) 'pester/5.7.1/tools/Pester.psd1'
    $pesterResult = Join-Path $ResultsDir 'pester.json'
    $podmanResult = Join-Path $ResultsDir 'pester-podman.json'
    $podmanLog = Join-Path $ResultsDir 'pester-podman.log'
    # The engine-parameterised suites on Podman run beside the whole suite on dockerd: two engines,
    # two processes, no shared state; its log follows the dockerd pass's.
    $podman = if ($env:OSGPILOT_PODMAN_HOST) {
        Start-FreshPwsh $podmanLog -File (Join-Path $Root 'tests/Invoke-PesterSuite.ps1') -Engine podman `
            -PesterPath $pester -ModulePath (Join-Path $Staged 'OsgPilot.psd1') -ResultPath $podmanResult
    }
    Invoke-FreshPwsh -File (Join-Path $Root 'tests/Invoke-PesterSuite.ps1') `
        -PesterPath $pester -ModulePath (Join-Path $Staged 'OsgPilot.psd1') -ResultPath $pesterResult
    $pesterCounts = Read-PesterCounts $pesterResult
    $passes = @([pscustomobject]@{ Engine = 'dockerd'; Counts = $pesterCounts })
    if ($podman) {
        $podman.WaitForExit()
        Write-Host '== Pester on Podman (the engine-parameterised suites)'
        Get-Content $podmanLog, "$podmanLog.err" -ErrorAction Ignore | Write-Host
        $passes += [pscustomobject]@{ Engine = 'Podman'; Counts = (Read-PesterCounts $podmanResult) }
    }

    # One more test, of the whole run: tests and fixtures never write the host's real state directory.
    $changedState = @(Compare-Object $hostStateBefore (Get-HostStateSnapshot) | ForEach-Object { "$($_.SideIndicator) $($_.InputObject)" })
    $stateTest = if ($changedState.Count -eq 0) { [pscustomobject]@{ Passed = 1; Failed = 0 } } else { [pscustomobject]@{ Passed = 0; Failed = 1 } }
    Write-Host "Host state directory /var/lib/osgpilot untouched by the run: $(if ($changedState.Count -eq 0) { 'yes' } else { 'NO' })"
    $changedState | Select-Object -First 20 | ForEach-Object { Write-Host "   $_" }

    $passed = $xunit.Passed + $stateTest.Passed + ($passes.Counts | Measure-Object Passed -Sum).Sum
    $failed = $xunit.Failed + $stateTest.Failed + ($passes.Counts | Measure-Object Failed -Sum).Sum
    $skipped = $xunit.Skipped + ($passes.Counts | Measure-Object Skipped -Sum).Sum
    $perEngine = ($passes | ForEach-Object { "Pester on $($_.Engine): $($_.Counts.Passed) passed, $($_.Counts.Failed) failed, $($_.Counts.Skipped) skipped" }) -join '; '
    Write-Host "xUnit: $($xunit.Passed) passed, $($xunit.Failed) failed; $perEngine"
    Write-Host "Tests: $passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-UnitTestTask {
    # Fast feedback: the xUnit suite needs neither the staged module nor an engine.
    dotnet test (Join-Path $Root 'tests/OsgPilot.Tests/OsgPilot.Tests.csproj') -c $Configuration -nologo '-v:q' --logger 'console;verbosity=minimal'
    if ($LASTEXITCODE -ne 0) { throw "The xUnit suite failed (exit code $LASTEXITCODE)." }
}

function Invoke-DemoTask {
    Invoke-BuildTask
    $local = if ($env:DOCKER_HOST) { $env:DOCKER_HOST } else { 'unix:///var/run/docker.sock' }
    $reachable = $false
    try { docker -H $local version --format '{{.Server.Version}}' *> $null; $reachable = $LASTEXITCODE -eq 0 } catch { }
    if (-not $reachable) {
        Write-Host "No engine answers at $local; starting the isolated test engine."
        Start-TestFixtures demo
    } else {
        $env:DOCKER_HOST = $local
        Invoke-Native bash (Join-Path $Fixtures 'install-prereqs.sh') demo
        Invoke-Native bash (Join-Path $Fixtures 'build-standin.sh') $StandInImage
    }
    Invoke-FreshPwsh -File (Join-Path $Root 'tests/demo.ps1') -ModulePath (Join-Path $Staged 'OsgPilot.psd1') -Image $StandInImage
    if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
}

function Invoke-BenchmarkTask {
    Invoke-BuildTask
    Start-TestFixtures
    # A switch through `pwsh -File` is passed by name only: "-Quick:True" would arrive as two arguments.
    [string[]] $quickArgument = if ($Quick) { @('-Quick') } else { @() }
    Invoke-FreshPwsh -File (Join-Path $Root 'tests/Benchmarks/Invoke-Benchmarks.ps1') -ModulePath (Join-Path $Staged 'OsgPilot.psd1') -Image $StandInImage @quickArgument
    if ($LASTEXITCODE -ne 0) { throw "The benchmarks failed (exit code $LASTEXITCODE)." }
}

function Invoke-SoakTask {
    Invoke-BuildTask
    Start-TestFixtures
    Invoke-FreshPwsh -File (Join-Path $Root 'tests/Soak/Invoke-Soak.ps1') -ModulePath (Join-Path $Staged 'OsgPilot.psd1') -Image $StandInImage -Cycles ($Cycles ? $Cycles : 200) -Seed $Seed
    if ($LASTEXITCODE -ne 0) { throw "The soak found violations (exit code $LASTEXITCODE)." }
}

function Invoke-ServiceSoakTask {
    Invoke-BuildTask
    Start-TestFixtures
    Invoke-FreshPwsh -File (Join-Path $Root 'tests/Soak/Invoke-ServiceSoak.ps1') -ModulePath (Join-Path $Staged 'OsgPilot.psd1') -Image $StandInImage -Cycles ($Cycles ? $Cycles : 40) -Seed $Seed
    $failed = $LASTEXITCODE
    bash (Join-Path $Fixtures 'swarm.sh') stop | Out-Null
    if ($failed -ne 0) { throw "The service soak found violations (exit code $failed)." }
}

function Invoke-PackageTask {
    Invoke-BuildTask
    $packages = New-Item -ItemType Directory -Force (Join-Path $OutRoot 'packages')
    Invoke-FreshPwsh -File (Join-Path $Root 'src/Packaging/Publish-OsgPilotPackage.ps1') -ModuleDirectory $Staged -RepositoryPath $packages
    if ($LASTEXITCODE -ne 0) { throw 'Packaging failed.' }
    Invoke-FreshPwsh -File (Join-Path $Root 'src/Packaging/Build-NativePackages.ps1') -ModuleDirectory $Staged -OutputDirectory $packages
    if ($LASTEXITCODE -ne 0) { throw 'The native packages failed.' }
    Write-Host "   packages in $packages (.nupkg for Install-PSResource, .deb, .rpm)"
}

foreach ($t in $Task) {
    switch ($t) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'UnitTest' { Invoke-UnitTestTask }
        'Demo' { Invoke-DemoTask }
        'Benchmark' { Invoke-BenchmarkTask }
        'Package' { Invoke-PackageTask }
        'Soak' { Invoke-SoakTask }
        'ServiceSoak' { Invoke-ServiceSoakTask }
        'Install' { Invoke-InstallTask }
    }
}

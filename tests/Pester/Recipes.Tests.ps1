# The recipes in docs/ are run against the test engine, so they cannot rot.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
    $script:NoAnsible = -not (Get-Command ansible-playbook -ErrorAction Ignore)
    if ($NoAnsible -and $env:CI -eq 'true') { throw 'CI: ansible-playbook is not installed; the Ansible recipe must be run, not skipped.' }
    # The recipes run the installed pwsh and module (build.ps1 -Task Install, which the Test task runs as root).
    $script:NotInstalled = -not (Test-Path /usr/local/bin/pwsh) -or -not (Test-Path /usr/local/share/powershell/Modules/OsgPilot)
    if ($NotInstalled -and $env:CI -eq 'true') { throw 'CI: the module and pwsh are not installed (build.ps1 -Task Install); the recipes must be run, not skipped.' }
    $script:DocBlocks = foreach ($md in Get-ChildItem (Join-Path $PSScriptRoot '../../docs') -Recurse -Filter *.md) {
        $i = 0
        foreach ($m in [regex]::Matches((Get-Content -Raw $md.FullName), '```powershell\r?\n(.*?)```', 'Singleline')) {
            @{ File = $md.Name; Index = ++$i; Code = $m.Groups[1].Value }
        }
    }
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Recipes = Join-Path $PSScriptRoot '../../docs/recipes'
    $script:Scope = New-TestScope rc
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenText, $script:TokenPath = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenText, $Scope.TokenPath
    $script:Pwsh = Get-PwshCommand
}

AfterAll {
    Remove-TestScope $script:Scope
}

Describe 'The recipes ship with the module' {
    It 'has every recipe in the staged module''s recipes folder' {
        $shipped = Get-ChildItem (Join-Path (Split-Path $env:OSGPILOT_MODULE) 'recipes') | ForEach-Object Name | Sort-Object
        $shipped | Should -Be (Get-ChildItem $Recipes | ForEach-Object Name | Sort-Object)
        $shipped | Should -Contain 'osgpilot.yml'
    }
}

Describe 'The installed module is the one under test' -Skip:$NotInstalled {
    It 'has the staged build''s files in /usr/local/share/powershell/Modules' {
        $staged = Split-Path $env:OSGPILOT_MODULE
        $installed = Join-Path /usr/local/share/powershell/Modules/OsgPilot (Split-Path -Leaf $staged)
        foreach ($file in 'OsgPilot.dll', 'dependencies/OsgPilot.Library.dll', 'dependencies/linux-x64/OsgPilot.Library.dll') {
            (Get-FileHash (Join-Path $installed $file)).Hash | Should -Be (Get-FileHash (Join-Path $staged $file)).Hash -Because $file
        }
    }
}

Describe 'The installed pwsh' -Skip:$NotInstalled {
    It 'starts with no environment at all (env -i): no PATH, no HOME, its exit code kept' {
        env -i /usr/local/bin/pwsh -NoProfile -NonInteractive -Command 'exit 3' 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 3
    }

    It 'starts the runtime once: the PowerShell that runs is this process''s own child, not a shim''s' {
        # env and the launcher exec, so the runtime that answers is the direct child of this process.
        # The dotnet tool's shim would start a runtime of its own first and the answering one under it.
        $parent = env -i /usr/local/bin/pwsh -NoProfile -NonInteractive -Command '(Get-Process -Id $PID).Parent.Id'
        [int]$parent | Should -Be $PID
    }
}

Describe 'The cron recipe, run as cron runs it (/bin/sh -c, cron''s environment)' -Skip:($NoEngine -or $NotInstalled) {
    BeforeAll {
        # The recipe's /etc/cron.d file, as the page shows it: variable lines, then the job line.
        $page = Get-Content -Raw (Join-Path $Recipes 'scheduled-job.md')
        $block = [regex]::Match($page, '## cron\r?\n.*?```\r?\n(.*?)```', 'Singleline').Groups[1].Value
        $script:CronVariables = [ordered]@{}
        foreach ($l in $block -split '\r?\n' | Where-Object { $_ -match '^([A-Z_]+)=(.*)$' }) { $CronVariables[$Matches[1]] = $Matches[2] }
        $job = @($block -split '\r?\n' | Where-Object { $_ -match '^(\S+\s+){5}root\s+' })
        $job.Count | Should -Be 1
        $script:CronCommand = $job[0] -replace '^(\S+\s+){5}root\s+', ''
        $script:CronImage = "osgpilot/cron-$($Prefix):release"
        docker tag (Get-TestImage) $CronImage

        function Invoke-CronJob([string] $Config, [string] $DockerHost = $env:DOCKER_HOST) {
            # Only the paths of this host differ from the page; cron's environment is HOME, LOGNAME,
            # SHELL and PATH, plus the file's variable lines (DOCKER_HOST is one such line).
            $jsonl = Join-Path $Work 'cron.jsonl'
            $err = Join-Path $Work 'cron.err'
            Remove-Item $jsonl, $err -ErrorAction Ignore
            $command = $CronCommand.Replace('/etc/osg/pilot.json', $Config).Replace('/var/log/osgpilot-sync.jsonl', $jsonl).Replace('/var/log/osgpilot-sync.err', $err)
            $vars = @('HOME=/root', 'LOGNAME=root', 'SHELL=/bin/sh', 'PATH=/usr/bin:/bin') + @($CronVariables.Keys | ForEach-Object { "$_=$($CronVariables[$_])" }) + "DOCKER_HOST=$DockerHost"
            # Exactly cron's line and environment, in a mount namespace of its own where the host's
            # state directory (/var/lib/osgpilot, the default the line gets) is this test's: the suite
            # never writes the real one, and the line is not changed to say so.
            $state = Join-Path $Work 'cron-state'
            New-Item -ItemType Directory -Force $state | Out-Null
            $private = 'mount -t tmpfs osgpilot-test /var/lib && mkdir /var/lib/osgpilot && mount --bind "$0" /var/lib/osgpilot && exec env -i "$@"'
            unshare --mount --propagation private /bin/sh -c $private $state @vars /bin/sh -c $command
            [pscustomobject]@{
                Exit = $LASTEXITCODE
                Lines = @(if (Test-Path $jsonl) { Get-Content $jsonl })
                Raw = if (Test-Path $jsonl) { Get-Content -Raw $jsonl } else { '' }
                Errors = if (Test-Path $err) { Get-Content -Raw $err } else { '' }
            }
        }
        function New-CronConfig([string] $Name, [string] $Token = $TokenPath, [hashtable] $Environment = @{}, [hashtable] $Extra = @{}) {
            $path = Join-Path $Work "$Name.json"
            $envs = @{ STANDIN_IDLE_SECONDS = '600'; STANDIN_ADVERTISE_SECONDS = '1' } + $Environment
            New-TestConfig -Name $Name -TokenPath $Token -CvmfsPath $Cvmfs -Extra (@{ Image = $CronImage; Environment = $envs } + $Extra) 3> $null |
                Export-OsgPilotConfig -Path $path -Force
            $path
        }
    }

    AfterAll { docker rmi -f $CronImage *> $null }

    It 'is one job line whose command cron and /bin/sh pass on unchanged (no %, no $, single quotes)' {
        $CronVariables['PATH'] | Should -Be '/usr/bin:/bin'
        $CronCommand | Should -Not -Match '%'
        $CronCommand | Should -Not -Match '\$'
        $CronCommand | Should -Match "^/usr/local/bin/pwsh -NoProfile -NonInteractive -Command '[^']+ -AsJson' "
    }

    It 'on success: one JSON line, no escape byte, nothing on standard error, exit 0; again: unchanged' {
        $config = New-CronConfig "$Prefix-cron"
        $r = Invoke-CronJob $config
        $r.Exit | Should -Be 0 -Because "$($r.Raw) $($r.Errors)"
        $r.Lines.Count | Should -Be 1
        $r.Raw | Should -Not -Match "`e"
        $r.Errors | Should -BeNullOrEmpty
        $doc = $r.Lines[0] | ConvertFrom-Json
        $doc.ExitCode | Should -Be 0
        $doc.Changed | Should -BeTrue
        ($doc.Results | Where-Object Kind -EQ 'Pilot').Action | Should -Be @('Created', 'Created', 'Created', 'Created')
        $again = Invoke-CronJob $config
        $again.Exit | Should -Be 0
        ($again.Lines[0] | ConvertFrom-Json).Changed | Should -BeFalse
    }

    It 'with an expired token: exit 2, the error in the JSON and on standard error, the token nowhere' {
        # The token file expires after the config was saved (New-OsgPilotConfig refuses an expired token).
        $token = New-TestTokenFile -Directory $Work -Text (New-TestTokenText)
        $config = New-CronConfig "$Prefix-cronexp" -Token $token
        $expiredText = New-TestTokenText -Expires ([DateTime]::UtcNow.AddDays(-1))
        Set-Content -Path $token -Value $expiredText -NoNewline
        $r = Invoke-CronJob $config
        $r.Exit | Should -Be 2 -Because "$($r.Raw) $($r.Errors)"
        $r.Lines.Count | Should -Be 1
        "$($r.Raw)$($r.Errors)" | Should -Not -Match "`e"
        $doc = $r.Lines[0] | ConvertFrom-Json
        $doc.Errors.ErrorId | Should -Contain 'TokenExpired'
        $doc.Errors[0].StoppedRun | Should -BeTrue
        $r.Errors | Should -Match 'TokenExpired'
        "$($r.Raw)$($r.Errors)" | Should -Not -Match ([regex]::Escape($expiredText.Split('.')[1]))
        Get-ContainerNames | Where-Object { $_ -like "$Prefix-cronexp*" } | Should -BeNullOrEmpty
    }

    It 'with the engine down: exit 2, DockerEngineUnreachable in the JSON' {
        $r = Invoke-CronJob (New-CronConfig "$Prefix-crondown") -DockerHost 'unix:///run/osgpilot-test/no-engine.sock'
        $r.Exit | Should -Be 2 -Because "$($r.Raw) $($r.Errors)"
        $r.Lines.Count | Should -Be 1
        ($r.Lines[0] | ConvertFrom-Json).Errors.ErrorId | Should -Be 'DockerEngineUnreachable'
        $r.Errors | Should -Match 'DockerEngineUnreachable'
        "$($r.Raw)$($r.Errors)" | Should -Not -Match "`e"
    }

    It 'with a start the pilot refuses: exit 1, the pilots Failed with the start-up''s reason' {
        # Pilot directories uid 1000 cannot write (root's, made before, so Sync does not make them for the
        # pilot): the start-up refuses ("Creating LOCAL_DIR under /pilot failed").
        $noWrite = Join-Path $Work 'cron-nowrite'
        foreach ($i in 1..4) { New-Item -ItemType Directory -Force (Join-Path $noWrite "$Prefix-cronref-$i") | Out-Null }
        chmod -R 755 $noWrite
        $r = Invoke-CronJob (New-CronConfig "$Prefix-cronref" -Extra @{ PilotDirectory = $noWrite })
        $r.Exit | Should -Be 1 -Because "$($r.Raw) $($r.Errors)"
        $r.Lines.Count | Should -Be 1
        $doc = $r.Lines[0] | ConvertFrom-Json
        ($doc.Results | Where-Object Kind -EQ 'Pilot').Action | Sort-Object -Unique | Should -Be 'Failed'
        ($doc.Errors.Message -join "`n") | Should -Match 'Creating LOCAL_DIR under /pilot failed'
        "$($r.Raw)$($r.Errors)" | Should -Not -Match "`e"
        Remove-TestPilots "$Prefix-cronref"
    }
}

Describe 'The Task Scheduler action line (split as Windows gives a program its arguments)' {
    It 'is pwsh -NonInteractive -Command with one PowerShell command, -AsJson, and no variable' {
        $page = Get-Content -Raw (Join-Path $Recipes 'scheduled-job.md')
        $line = [regex]::Match($page, 'By hand, the action is:\r?\n```\r?\n(.*?)\r?\n```', 'Singleline').Groups[1].Value
        # CommandLineToArgvW's rules (what the C runtime and .NET give a Windows program), in Python.
        $split = @'
import json, sys
s, args, cur, inq, i, started = sys.argv[1], [], '', False, 0, False
while i < len(s):
    c = s[i]
    if c == '\\':
        n = 0
        while i < len(s) and s[i] == '\\': n += 1; i += 1
        if i < len(s) and s[i] == '"':
            cur += '\\' * (n // 2); started = True
            if n % 2: cur += '"'; i += 1
        else: cur += '\\' * n; started = True
        continue
    if c == '"': inq = not inq; started = True
    elif c in ' \t' and not inq:
        if started: args.append(cur); cur = ''; started = False
    else: cur += c; started = True
    i += 1
if started: args.append(cur)
print(json.dumps(args))
'@
        $argv = python3 -c $split $line | ConvertFrom-Json
        $argv[0] | Should -Be 'C:\Program Files\PowerShell\7\pwsh.exe'
        $argv[1..3] | Should -Be @('-NoProfile', '-NonInteractive', '-Command')
        $argv.Count | Should -Be 5
        $argv[4] | Should -Match '^Sync-OsgPilot -ConfigPath C:\\ProgramData\\OsgPilot\\pilot\.json .*-AsJson$'
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($argv[4], [ref]$null, [ref]$errors)
        $errors | Should -BeNullOrEmpty
        $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.VariableExpressionAst] }, $true) | Should -BeNullOrEmpty
        $cmd = $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)[0]
        $bound = [System.Management.Automation.Language.StaticParameterBinder]::BindCommand($cmd)
        $bound.BindingExceptions.Count | Should -Be 0
        $bound.BoundParameters.Keys | Should -Contain 'AsJson'
    }
}

Describe 'The Ansible playbook (ansible-playbook -c local)' -Skip:($NoEngine -or $NoAnsible -or $NotInstalled) {
    BeforeAll {
        $script:Playbook = Join-Path $Recipes 'osgpilot.yml'
        $script:AnsibleDir = Join-Path $Work 'ansible'
        New-Item -ItemType Directory $AnsibleDir | Out-Null
        $script:AnsImage = "osgpilot/recipe-$($Prefix):release"
        docker tag (Get-TestImage) $AnsImage
        $script:SoonToken = New-TestTokenFile -Directory $Work -Text (New-TestTokenText -Expires ([DateTime]::UtcNow.AddDays(3)))
        function Invoke-Playbook([int] $Count, [string] $TokenFile = $TokenPath, [string] $ThenTokenText) {
            $config = Join-Path $Work "$Prefix-ans.json"
            # Pilots that take jobs until drained, then exit 2 s after their last one.
            New-TestConfig -Name "$Prefix-ans" -TokenPath $TokenFile -CvmfsPath $Cvmfs -Extra @{
                Image = $AnsImage; Environment = @{ STANDIN_JOBS = 'continuous'; STANDIN_IDLE_SECONDS = '2'; STANDIN_ADVERTISE_SECONDS = '1' } } 3> $null |
                Export-OsgPilotConfig -Path $config -Force
            if ($ThenTokenText) { Set-Content -Path $TokenFile -Value $ThenTokenText -NoNewline }
            # The playbook's own defaults for pwsh (/usr/local/bin/pwsh) and the module (by name).
            $vars = @{
                osgpilot_hosts = 'localhost'; osgpilot_become = $false; osgpilot_count = $Count
                osgpilot_config = $config; osgpilot_environment = @{ DOCKER_HOST = $env:DOCKER_HOST }
                ansible_python_interpreter = '/usr/bin/python3'
            } | ConvertTo-Json -Compress
            Set-Content (Join-Path $AnsibleDir 'vars.json') $vars
            $env:ANSIBLE_NOCOLOR = '1'; $env:ANSIBLE_HOME = $AnsibleDir; $env:ANSIBLE_LOCAL_TEMP = $AnsibleDir
            $env:ANSIBLE_RETRY_FILES_ENABLED = '0'; $env:ANSIBLE_LOCALHOST_WARNING = '0'
            $out = ansible-playbook -i 'localhost,' -c local $Playbook -e "@$(Join-Path $AnsibleDir 'vars.json')" 2>&1 | Out-String
            [pscustomobject]@{ Exit = $LASTEXITCODE; Output = $out; Changed = if ($out -match 'localhost\s*:\s*ok=\d+\s+changed=(\d+)') { [int]$Matches[1] } else { -1 } }
        }
    }

    AfterAll { docker rmi -f $AnsImage *> $null }

    It 'reports changed when it starts pilots' {
        $r = Invoke-Playbook 2
        $r.Exit | Should -Be 0 -Because $r.Output
        $r.Changed | Should -Be 1 -Because $r.Output
        (Get-OsgPilot -Name "$Prefix-ans-*").Count | Should -Be 2
    }

    It 'reports ok (nothing changed) when the pilots already run' {
        $r = Invoke-Playbook 2
        $r.Exit | Should -Be 0 -Because $r.Output
        $r.Changed | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match '"None"'
    }

    It 'reports changed again after an image update (the roll-out starts)' {
        $c = docker create (Get-TestImage)
        docker commit -c 'LABEL org.osg-htc.osgpilot.test-release=b' $c $AnsImage | Out-Null
        docker rm $c | Out-Null
        $r = Invoke-Playbook 2
        $r.Exit | Should -Be 0 -Because $r.Output
        $r.Changed | Should -Be 1 -Because $r.Output
        $r.Output | Should -Match '"Draining"'
    }

    It 'stays green with a near-expiry token, and its warning is in the task result' {
        $r = Invoke-Playbook 2 $SoonToken
        $r.Exit | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'failed=0'
        $r.Output | Should -Match 'expires on .* within 7 days'
        $r.Output | Should -Not -Match "`e\["
    }

    It 'fails the task, naming the error, with an expired token (and changes nothing)' {
        $token = New-TestTokenFile -Directory $Work -Text (New-TestTokenText)
        # Every container, exited ones too: a pilot drained by the roll-out above may exit meanwhile by itself.
        $before = @(Get-OsgPilot -Name "$Prefix-ans-*" -All | ForEach-Object Id)
        $r = Invoke-Playbook 2 $token -ThenTokenText (New-TestTokenText -Expires ([DateTime]::UtcNow.AddDays(-1)))
        $r.Exit | Should -Not -Be 0 -Because $r.Output
        $r.Output | Should -Match 'failed=1'
        $r.Output | Should -Match 'TokenExpired'
        $r.Output | Should -Match '"rc": 2'
        @(Get-OsgPilot -Name "$Prefix-ans-*" -All | ForEach-Object Id) | Should -Be $before
    }
}

Describe 'The site playbook: two hosts on two engines, from nothing to a schedule (ansible-playbook -c local, preflight without probe containers)' -Skip:($NoEngine -or $NoAnsible -or $NotInstalled -or -not $env:OSGPILOT_PODMAN_HOST -or -not (Get-Command rpmbuild -ErrorAction Ignore)) {
    BeforeAll {
        $packages = Join-Path $Work 'site-packages'
        $build = & $Pwsh[0] $Pwsh[1..9] -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../../src/Packaging/Build-NativePackages.ps1') `
            -ModuleDirectory (Split-Path $env:OSGPILOT_MODULE) -OutputDirectory $packages 2>&1 | Out-String
        if ($LASTEXITCODE -ne 0) { throw "The packages were not built: $build" }
        $version = (Import-PowerShellDataFile $env:OSGPILOT_MODULE).ModuleVersion
        # Each host's paths under /srv: an empty tmpfs in the playbook's mount namespace.
        $engines = [ordered]@{ 'site-a' = $env:DOCKER_HOST; 'site-b' = $env:OSGPILOT_PODMAN_HOST }
        $hosts = [ordered]@{}
        foreach ($h in $engines.Keys) {
            $hosts[$h] = @{
                ansible_connection = 'local'; ansible_python_interpreter = '/usr/bin/python3'
                osgpilot_environment = @{ DOCKER_HOST = $engines[$h] }
                osgpilot_package_cache = "/srv/$h/cache"; osgpilot_token_path = "/srv/$h/etc/pilot.tkn"; osgpilot_config_path = "/srv/$h/etc/pilot.json"
                osgpilot_pilot_directory = "/srv/$h/pilot"; osgpilot_unit_directory = "/srv/$h/units"; osgpilot_state_directory = "/srv/$h/state"
                osgpilot_settings = @{ Name = "$Prefix-$h"; Site = 'Lancium'; ResourceName = 'Lancium-Backfill'; Image = (Get-TestImage); CvmfsPath = $Cvmfs }
            }
        }
        $script:SiteInventory = Join-Path $Work 'site-inventory.json'
        @{ osg_backfill = @{ hosts = $hosts } } | ConvertTo-Json -Depth 6 | Set-Content $SiteInventory
        $script:SiteVars = Join-Path $Work 'site-vars.json'
        @{
            osgpilot_become = $false; osgpilot_version = $version; osgpilot_package_dir = $packages
            osgpilot_token_source = $TokenPath; osgpilot_count = 2; osgpilot_enable_timer = $false; osgpilot_pwsh = '/usr/local/bin/pwsh'
            osgpilot_preflight = @{ TopologyPath = (Join-Path $PSScriptRoot '../fixtures/topology/miscresource.json'); NoProbe = $true; TimeoutSec = 30 }
        } | ConvertTo-Json -Depth 4 | Set-Content $SiteVars
        $env:ANSIBLE_NOCOLOR = '1'; $env:ANSIBLE_HOME = Join-Path $Work 'ansible-site'; $env:ANSIBLE_LOCAL_TEMP = $env:ANSIBLE_HOME
        $env:ANSIBLE_RETRY_FILES_ENABLED = '0'; $env:ANSIBLE_LOCALHOST_WARNING = '0'
        $script:EtcOsgBefore = Test-Path /etc/osg
        $script:SiteOutput = unshare --mount --propagation private bash (Join-Path $PSScriptRoot '../fixtures/site-playbook.sh') `
            (Join-Path $Recipes 'osgpilot-site.yml') $SiteInventory $SiteVars $Cvmfs @($engines.Keys) 2>&1 | Out-String
        $script:Runs = @{}
        foreach ($m in [regex]::Matches($SiteOutput, '(?s)=== run (\d)\n(.*?)=== exit \d: (\d+)')) { $Runs[[int]$m.Groups[1].Value] = @{ Output = $m.Groups[2].Value; Exit = [int]$m.Groups[3].Value } }
        function Get-Recap([string] $Output, [string] $HostName) {
            if ($Output -match "(?m)^$HostName\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)") { [pscustomobject]@{ Ok = [int]$Matches[1]; Changed = [int]$Matches[2]; Failed = [int]$Matches[4] } }
        }
        function Get-State([string] $Key) { if ($SiteOutput -match "(?m)^$([regex]::Escape($Key)): ?(.*)$") { $Matches[1].Trim() } }
    }

    It 'the first run sets up both hosts: package, token, pilot directory, config, preflight, schedule' {
        $Runs[1].Exit | Should -Be 0 -Because $SiteOutput
        foreach ($h in 'site-a', 'site-b') {
            $recap = Get-Recap $Runs[1].Output $h
            $recap.Failed | Should -Be 0 -Because $SiteOutput
            $recap.Changed | Should -BeGreaterThan 0 -Because $SiteOutput
        }
        Get-State 'package' | Should -Be "installed $((Import-PowerShellDataFile $env:OSGPILOT_MODULE).ModuleVersion)"
    }

    It 'a second run changes nothing on either host' {
        $Runs[2].Exit | Should -Be 0 -Because $SiteOutput
        foreach ($h in 'site-a', 'site-b') {
            $recap = Get-Recap $Runs[2].Output $h
            $recap.Failed | Should -Be 0 -Because $SiteOutput
            $recap.Changed | Should -Be 0 -Because $Runs[2].Output
        }
    }

    It 'left each host as asked: the token root''s and 0600, the pilot directory uid 1000''s, the units on that host''s engine' {
        foreach ($h in 'site-a', 'site-b') {
            Get-State "$h token" | Should -Be 'root:root 600'
            Get-State "$h pilot-directory" | Should -Be '1000:1000 755'
            Get-State "$h config" | Should -Be 'present'
            Get-State "$h units" | Should -Be "osgpilot-sync-$Prefix-$h.service osgpilot-sync-$Prefix-$h.timer"
        }
        Get-State 'site-a unit-engine' | Should -Be "-DockerHost '$env:DOCKER_HOST'"
        Get-State 'site-b unit-engine' | Should -Be "-DockerHost '$env:OSGPILOT_PODMAN_HOST'"
    }

    It 'never shows the token, and wrote nothing of the host''s own /etc/osg' {
        $SiteOutput | Should -Not -Match ([regex]::Escape($TokenText))
        Test-Path /etc/osg | Should -Be $EtcOsgBefore
    }
}

Describe 'PowerShell examples in the docs' {
    It '<File> block <Index> parses' -TestCases $DocBlocks {
        param($File, $Index, $Code)
        $errors = $null
        [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$null, [ref]$errors) | Out-Null
        $errors | Should -BeNullOrEmpty
    }
    It '<File> block <Index> uses only commands that exist' -TestCases $DocBlocks {
        param($File, $Index, $Code)
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$null, [ref]$null)
        $names = $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true) | ForEach-Object { $_.GetCommandName() } | Where-Object { $_ -like '*-Osg*' }
        foreach ($n in $names) { Get-Command $n -Module OsgPilot -ErrorAction SilentlyContinue | Should -Not -BeNullOrEmpty -Because "$n in $File" }
    }
}

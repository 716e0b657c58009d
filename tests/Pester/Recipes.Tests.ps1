# The recipes in docs/ are run against the test engine, so they cannot rot.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
    $script:NoAnsible = -not (Get-Command ansible-playbook -ErrorAction Ignore)
    if ($NoAnsible -and $env:CI -eq 'true') { throw 'CI: ansible-playbook is not installed; the Ansible recipe must be run, not skipped.' }
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

Describe 'The Ansible playbook (ansible-playbook -c local)' -Skip:($NoEngine -or $NoAnsible) {
    BeforeAll {
        $script:Playbook = Join-Path $Recipes 'osgpilot.yml'
        $script:AnsibleDir = Join-Path $Work 'ansible'
        New-Item -ItemType Directory $AnsibleDir | Out-Null
        $script:AnsImage = "osgpilot/recipe-$($Prefix):release"
        docker tag (Get-TestImage) $AnsImage
        $script:SoonToken = New-TestTokenFile -Directory $Work -Text (New-TestTokenText -Expires ([DateTime]::UtcNow.AddDays(3)))
        function Invoke-Playbook([int] $Count, [string] $TokenFile = $TokenPath) {
            $config = Join-Path $Work "$Prefix-ans.json"
            # Pilots that take jobs until drained, then exit 2 s after their last one.
            New-TestConfig -Name "$Prefix-ans" -TokenPath $TokenFile -CvmfsPath $Cvmfs -Extra @{
                Image = $AnsImage; Environment = @{ STANDIN_JOBS = 'continuous'; STANDIN_IDLE_SECONDS = '2'; STANDIN_ADVERTISE_SECONDS = '1' } } 3> $null |
                Export-OsgPilotConfig -Path $config -Force
            $vars = @{
                osgpilot_hosts = 'localhost'; osgpilot_become = $false; osgpilot_count = $Count
                osgpilot_config = $config; osgpilot_module = $env:OSGPILOT_MODULE
                pwsh_argv = @($Pwsh); osgpilot_environment = @{ DOCKER_HOST = $env:DOCKER_HOST }
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

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

    function New-RecipeConfig([string] $Name, [hashtable] $Extra = @{}) {
        $path = Join-Path $Work "$Name.json"
        New-TestConfig -Name $Name -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra $Extra | Export-OsgPilotConfig -Path $path -Force
        $path
    }
    function Invoke-KeepAlive([string] $ConfigPath, [int] $Count, [string] $Log) {
        & $Pwsh[0] $Pwsh[1..9] -NoProfile -NonInteractive -File (Join-Path $Recipes 'Invoke-OsgPilotKeepAlive.ps1') `
            -ConfigPath $ConfigPath -Count $Count -LogPath $Log -ModulePath $env:OSGPILOT_MODULE *> $null
        $LASTEXITCODE
    }
}

AfterAll {
    Remove-TestScope $script:Scope
}

Describe 'The keep-alive script (scheduled job recipe)' -Skip:$NoEngine {
    BeforeAll {
        $script:Config = New-RecipeConfig "$Prefix-ka"
        $script:Log = Join-Path $Work 'log/keepalive.log'
    }

    It 'starts the pilots, logs, and exits 0' {
        Invoke-KeepAlive $Config 2 $Log | Should -Be 0
        (Get-OsgPilot -Name "$Prefix-ka-*").Name | Should -Be @("$Prefix-ka-1", "$Prefix-ka-2")
        $text = Get-Content -Raw $Log
        $text | Should -Match "INFO image $([regex]::Escape((Get-TestImage))) fresh"
        $text | Should -Match "$Prefix-ka-1 running \(started\)"
        $text | Should -Match 'INFO finished'
    }

    It 'changes nothing on the next run' {
        $ids = (Get-OsgPilot -Name "$Prefix-ka-*").Id
        Invoke-KeepAlive $Config 2 $Log | Should -Be 0
        (Get-OsgPilot -Name "$Prefix-ka-*").Id | Should -Be $ids
        (Get-Content $Log | Select-Object -Last 3) -join "`n" | Should -Not -Match '\(started\)'
    }

    It 'replaces a pilot that exited' {
        Stop-OsgPilot -Name "$Prefix-ka-2" -Timeout 5
        $old = (Get-OsgPilot -All -Name "$Prefix-ka-2").Id
        Invoke-KeepAlive $Config 2 $Log | Should -Be 0
        $now = Get-OsgPilot -Name "$Prefix-ka-2"
        $now.State | Should -Be 'running'
        $now.Id | Should -Not -Be $old
        Get-Content -Raw $Log | Should -Match "replacing $Prefix-ka-2"
    }

    It 'keeps pilots running but exits 1 when the image cannot be refreshed' {
        $aged = '127.0.0.1:9/osgpilot/aged:' + $Prefix
        python3 (Join-Path $PSScriptRoot '../fixtures/age-image.py') (Get-TestImage) $aged 5 | Out-Null
        $cfg = New-RecipeConfig "$Prefix-old" @{ Image = $aged }
        Invoke-KeepAlive $cfg 1 $Log | Should -Be 1
        (Get-OsgPilot -Name "$Prefix-old").State | Should -Be 'running'
        Get-Content -Raw $Log | Should -Match 'ERROR image refresh failed: ImagePullFailed'
        Remove-OsgPilot -Name "$Prefix-old" -Force -Confirm:$false
        docker rmi $aged | Out-Null
    }

    It 'exits 1 and logs the ErrorId for a broken configuration' {
        $bad = Join-Path $Work 'broken.json'
        Set-Content $bad '{ "Site": "Lancium", '
        Invoke-KeepAlive $bad 1 $Log | Should -Be 1
        Get-Content -Raw $Log | Should -Match 'ERROR ConfigFileInvalidJson'
    }

    It 'never writes the token to its log' {
        $text = Get-Content -Raw $Log
        foreach ($part in @($TokenText) + $TokenText.Split('.')) { $text.Contains($part) | Should -BeFalse }
    }
}

Describe 'The Ansible playbook (ansible-playbook -c local)' -Skip:($NoEngine -or $NoAnsible) {
    BeforeAll {
        $script:Playbook = Join-Path $Recipes 'osgpilot.yml'
        $script:AnsibleDir = Join-Path $Work 'ansible'
        New-Item -ItemType Directory $AnsibleDir | Out-Null
        function Invoke-Playbook([int] $Count) {
            $vars = @{
                osgpilot_hosts = 'localhost'; osgpilot_become = $false; osgpilot_count = $Count
                osgpilot_config = (New-RecipeConfig "$Prefix-ans"); osgpilot_module = $env:OSGPILOT_MODULE
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

    It 'reports changed when it starts pilots' {
        $r = Invoke-Playbook 2
        $r.Exit | Should -Be 0 -Because $r.Output
        $r.Changed | Should -Be 1 -Because $r.Output
        (Get-OsgPilot -Name "$Prefix-ans-*").Count | Should -Be 2
    }

    It 'reports nothing changed when the pilots already run' {
        $r = Invoke-Playbook 2
        $r.Exit | Should -Be 0 -Because $r.Output
        $r.Changed | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match '"Changed": false'
    }

    It 'reports changed again when the count grows' {
        (Invoke-Playbook 3).Changed | Should -Be 1
        (Get-OsgPilot -Name "$Prefix-ans-*").Count | Should -Be 3
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

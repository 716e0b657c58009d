# Pilots as a Docker Swarm service (issue 12), on a real three-node swarm (tests/fixtures/swarm.sh):
# three dockerd, each in its own network and mount namespace, joined over veth links to a bridge
# in a fourth namespace. Node 1 is the manager the cmdlets talk to; the tests look at what each
# node really runs through that node's own socket.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:SwarmScript = Join-Path $PSScriptRoot '../fixtures/swarm.sh'
    bash $SwarmScript start | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'The swarm fixture did not start.' }
    $script:Swarm = @{}
    foreach ($line in (bash $SwarmScript env)) { $k, $v = $line -split '=', 2; $Swarm[$k] = $v }
    $script:Manager = $Swarm.SWARM_MANAGER
    $script:Work = New-TestDirectory
    $script:Prefix = 'sw' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:TokenText = New-TestTokenText
    $script:TokenPath = New-TestTokenFile -Directory $Work -Text $TokenText
    chmod 600 $TokenPath   # as sites keep it: the cmdlet reads it as the caller, the secret is for uid 1000

    function Invoke-OnNode([int] $Index, [string[]] $Arguments) {
        # The docker CLI on one node, through its private socket (the fixture's own way in).
        $saved = $env:DOCKER_HOST
        $env:DOCKER_HOST = $Swarm["SWARM_SOCKET_$Index"]
        try { & docker @Arguments } finally { $env:DOCKER_HOST = $saved }
    }
    function New-SwarmConfig([string] $Name, [hashtable] $Extra = @{}) {
        $p = @{
            Name = $Name; Site = 'TEST_SITE'; ResourceName = 'TEST_RESOURCE'; TokenPath = $TokenPath; Image = (Get-TestImage)
            CvmfsPath = $Swarm.SWARM_CVMFS; SquidLocation = 'http://127.0.0.1:3128'; Cpus = 1; MemoryMB = 256
            # The one profile a service takes that runs container jobs: the seed capabilities, PID namespaces off.
            SecurityProfile = 'Capabilities'
            Environment = @{ STANDIN_IDLE_SECONDS = '3600'; EXTRA_JOB_ENV = 'A=1'; SINGULARITY_DISABLE_PID_NAMESPACES = 'True' }
        }
        foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
        New-OsgPilotConfig @p
    }
    function Wait-Until([scriptblock] $Condition, [int] $Seconds, [string] $What) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            if (& $Condition) { return }
            Start-Sleep -Milliseconds 500
        }
        throw "Timed out after $Seconds s waiting until $What"
    }
    function Get-NodeIds { @(Invoke-OnNode 1 @('node', 'ls', '-q')) }
    function Get-RunningTasks([string] $Name) { @(Get-OsgPilotService -DockerHost $Manager -Name $Name -Task | Where-Object State -eq 'running') }
    function Get-TaskContainer([int] $Node, [string] $Service) {
        @(Invoke-OnNode $Node @('ps', '-q', '--filter', "label=org.osg-htc.osgpilot.service=$Service"))
    }
    function Get-GroupSecrets([string] $Group) {
        @(Invoke-OnNode 1 @('secret', 'ls', '--filter', "label=org.osg-htc.osgpilot.service=$Group", '--format', '{{.Name}}') | Where-Object { $_ })
    }
    function Get-TaskHistory([string] $Service) {
        # Every task the service ever had, with the engine's own timestamps.
        $ids = @(Invoke-OnNode 1 @('service', 'ps', '-q', '--no-trunc', $Service))
        @(Invoke-OnNode 1 (@('inspect') + $ids) | ConvertFrom-Json)
    }
    function Remove-SwarmLeftovers {
        $services = @(Invoke-OnNode 1 @('service', 'ls', '--format', '{{.Name}}') | Where-Object { $_ -like "$Prefix*" })
        if ($services.Count) { Invoke-OnNode 1 (@('service', 'rm') + $services) | Out-Null }
        $secrets = @(Invoke-OnNode 1 @('secret', 'ls', '--format', '{{.Name}}') | Where-Object { $_ -like "$Prefix*" })
        if ($secrets.Count) { Invoke-OnNode 1 (@('secret', 'rm') + $secrets) *> $null }
    }
}

AfterAll {
    Remove-SwarmLeftovers
    Remove-Item -Recurse -Force $script:Work -ErrorAction Ignore
    bash $script:SwarmScript stop | Out-Null
}

Describe 'A global pilot service on a three-node swarm' -Skip:$NoEngine {
    BeforeAll {
        $script:Name = "$Prefix-g"
        $script:Config = New-SwarmConfig $Name
        $script:First = $Config | Set-OsgPilotService -DockerHost $Manager -UpdateDelaySec 1 -Wait -WaitTimeoutSec 90
        (Get-RunningTasks $Name).Count | Should -Be 3 -Because '-Wait returns once every node runs the pilot'
        # Past the start-up checks (the token copy, mktemp under /pilot) on every node.
        Wait-Until { @(1..3 | Where-Object { $c = @(Get-TaskContainer $_ $Name); $c -and (Invoke-OnNode $_ @('logs', $c[0]) 2>&1 | Select-String 'Startd is ready') }).Count -eq 3 } 60 'every pilot is ready'
    }

    It 'was created, once, with a Changed result' {
        $First.Action | Should -Be 'Created'
        $First.Changed | Should -BeTrue
        $First.Id | Should -Not -BeNullOrEmpty
        $First.DockerHost | Should -Be $Manager
    }

    It 'runs exactly one pilot on every node' {
        $tasks = Get-RunningTasks $Name
        ($tasks.NodeId | Sort-Object) | Should -Be (Get-NodeIds | Sort-Object)
        foreach ($i in 1..3) { @(Get-TaskContainer $i $Name).Count | Should -Be 1 -Because "node $i runs one pilot" }
        $s = Get-OsgPilotService -DockerHost $Manager -Name $Name
        $s.Mode | Should -Be 'Global'
        "$($s.Running)/$($s.Desired)" | Should -Be '3/3'
    }

    It 'each task is the container Start-OsgPilot makes: user, capabilities, /cvmfs propagation, limits, environment, token file' {
        # The reference: the same config started by Start-OsgPilot on node 2's engine.
        $ref = New-SwarmConfig "$Prefix-ref" | Start-OsgPilot -DockerHost $Swarm.SWARM_SOCKET_2 -WatchSeconds 1
        try {
            $task = @(Get-TaskContainer 2 $Name)[0]
            $t = (Invoke-OnNode 2 @('inspect', $task) | ConvertFrom-Json)[0]
            $r = (Invoke-OnNode 2 @('inspect', $ref.Name) | ConvertFrom-Json)[0]
            $t.Config.User | Should -Be 'osg'
            $t.Config.User | Should -Be $r.Config.User
            @($t.HostConfig.CapAdd -replace '^CAP_', '' | Sort-Object) | Should -Be @($r.HostConfig.CapAdd | Sort-Object)
            $t.HostConfig.CapAdd.Count | Should -Be 7
            (Invoke-OnNode 2 @('exec', $task, 'grep', 'CapBnd', '/proc/1/status')) | Should -Be (Invoke-OnNode 2 @('exec', $ref.Name, 'grep', 'CapBnd', '/proc/1/status'))
            @($t.Config.Env | Sort-Object) | Should -Be @($r.Config.Env | Sort-Object)
            $t.Config.Env | Should -Contain 'GLIDEIN_Site=TEST_SITE'
            $t.Config.Env | Should -Contain 'EXTRA_JOB_ENV=A=1'
            $t.HostConfig.NanoCpus | Should -Be $r.HostConfig.NanoCpus
            $t.HostConfig.Memory | Should -Be $r.HostConfig.Memory
            $t.HostConfig.PidsLimit | Should -Be 16384
            ($t.HostConfig.Ulimits | ConvertTo-Json -Compress) | Should -Be ($r.HostConfig.Ulimits | ConvertTo-Json -Compress)
            # /cvmfs as the host's, with shared propagation (a bind made later on the host shows inside).
            (Invoke-OnNode 2 @('exec', $task, 'grep', ' /cvmfs ', '/proc/self/mountinfo')) | Should -Match 'shared:\d+'
            # The token: the file the start-up reads, the pilot user's, 0400, the file's text.
            (Invoke-OnNode 2 @('exec', $task, 'stat', '-c', '%u %g %a', '/etc/condor/tokens-orig.d/flock.opensciencegrid.org')) | Should -Be '1000 1000 400'
            (Invoke-OnNode 2 @('exec', '-u', '1000', $task, 'cat', '/etc/condor/tokens-orig.d/flock.opensciencegrid.org')) | Should -Be $TokenText
            # ... which the start-up copied as uid 1000 and accepted.
            (Invoke-OnNode 2 @('logs', $task) 2>&1) -join "`n" | Should -Match 'Startd is ready'
            # Stop grace: the pilot's 120 s, as Start-OsgPilot's stop timeout.
            $spec = (Invoke-OnNode 1 @('service', 'inspect', $Name) | ConvertFrom-Json)[0].Spec
            $spec.TaskTemplate.ContainerSpec.StopGracePeriod | Should -Be 120000000000
            $r.Config.StopTimeout | Should -Be 120
            $spec.TaskTemplate.Resources.Limits.Pids | Should -Be 16384
        }
        finally {
            Remove-OsgPilot -DockerHost $Swarm.SWARM_SOCKET_2 -Name $ref.Name -Force -Confirm:$false
        }
    }

    It 'keeps the token out of the service spec, its environment and docker service inspect' {
        $inspect = (Invoke-OnNode 1 @('service', 'inspect', $Name)) -join "`n"
        foreach ($part in @($TokenText) + $TokenText.Split('.')[1, 2]) { $inspect.Contains($part) | Should -BeFalse }
        $spec = ($inspect | ConvertFrom-Json)[0].Spec
        @($spec.TaskTemplate.ContainerSpec.Env | Where-Object { $_ -match '^TOKEN=' }).Count | Should -Be 0
        $spec.TaskTemplate.ContainerSpec.Secrets[0].File.Name | Should -Be '/etc/condor/tokens-orig.d/flock.opensciencegrid.org'
        $spec.TaskTemplate.ContainerSpec.Secrets[0].File.UID | Should -Be '1000'
        $spec.TaskTemplate.ContainerSpec.Secrets[0].File.Mode | Should -Be 256
        ((Invoke-OnNode 1 @('secret', 'inspect', $First.SecretName)) -join "`n").Contains($TokenText) | Should -BeFalse
        ((Get-OsgPilotService -DockerHost $Manager -Name $Name | ConvertTo-Json -Depth 4)).Contains($TokenText) | Should -BeFalse
    }

    It 'a second identical call changes nothing' {
        $before = (Invoke-OnNode 1 @('service', 'inspect', $Name, '--format', '{{.Version.Index}}'))
        $r = $Config | Set-OsgPilotService -DockerHost $Manager -UpdateDelaySec 1
        $r.Action | Should -Be 'Unchanged'
        $r.Changed | Should -BeFalse
        (Invoke-OnNode 1 @('service', 'inspect', $Name, '--format', '{{.Version.Index}}')) | Should -Be $before
        (Get-GroupSecrets $Name).Count | Should -Be 1
    }

    It 'shows each task (node, state, image, since) in a table, and serialises to JSON' {
        $tasks = @(Get-OsgPilotService -DockerHost $Manager -Name $Name -Task)
        $tasks.Count | Should -Be 3
        $tasks | ForEach-Object { $_.Image | Should -Be (Get-TestImage); $_.Since | Should -BeOfType [DateTime]; $_.Node | Should -Not -BeNullOrEmpty }
        $table = $tasks | Format-Table | Out-String -Width 200
        $table | Should -Match 'Service\s+Node\s+NodeId\s+State\s+Image\s+Since\s+Error'
        $table | Should -Match "$Name\s+\S+\s+\w{12}\s+running"
        $json = Get-OsgPilotService -DockerHost $Manager -Name $Name | ConvertTo-Json -Depth 4 | ConvertFrom-Json
        $json.Tasks.Count | Should -Be 3
        $json.Tasks[0].State | Should -Be 'running'
        $json.Running | Should -Be 3
        (Get-OsgPilotService -DockerHost $Manager -Name $Name | Format-Table | Out-String) | Should -Match "$Name\s+Global\s+3/3"
    }

    It 'completes service names from the manager the command line names' {
        $line = "Remove-OsgPilotService -DockerHost $Manager -Name $($Name.Substring(0, $Name.Length - 1))"
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Contain $Name
        ($r.CompletionMatches | Where-Object CompletionText -eq $Name).ToolTip | Should -Match '3/3 running'
    }

    It 'rotating the token is one command: a new secret, the service rolls, the old secret stays for a roll-back' {
        $newText = New-TestTokenText
        Set-Content -Path $TokenPath -Value $newText -NoNewline
        try {
            $r = $Config | Set-OsgPilotService -DockerHost $Manager -UpdateDelaySec 1
            $r.Action | Should -Be 'Updated'
            $r.Reason | Should -Match 'new token'
            $r.SecretName | Should -Not -Be $First.SecretName
            $script:RotatedSecret = $r.SecretName
            # The previous spec (what a roll-back returns to) still names the old secret: it goes with the next change.
            Get-GroupSecrets $Name | Sort-Object | Should -Be (@($r.SecretName, $First.SecretName) | Sort-Object)
            Wait-Until { @(1..3 | Where-Object { $c = @(Get-TaskContainer $_ $Name); $c -and (Invoke-OnNode $_ @('exec', $c[0], 'cat', '/etc/condor/tokens-orig.d/flock.opensciencegrid.org')) -eq $newText }).Count -eq 3 } 90 'every node has the new token'
            # The nodes run their containers before the manager hears so: its task states follow within seconds.
            Wait-Until { (Get-RunningTasks $Name).Count -eq 3 } 30 'the manager reports every task running'
        }
        finally {
            $script:TokenText = $newText
        }
    }

    It 'an image update rolls one node at a time, each node back up before the next stops' {
        $v2 = New-SwarmConfig $Name @{ Image = $Swarm.SWARM_IMAGE_V2 }
        $r = $v2 | Set-OsgPilotService -DockerHost $Manager -UpdateParallelism 1 -UpdateDelaySec 2
        $r.Action | Should -Be 'Updated'
        $r.Reason | Should -Match 'image'
        Wait-Until { $t = Get-RunningTasks $Name; $t.Count -eq 3 -and @($t | Where-Object Image -eq $Swarm.SWARM_IMAGE_V2).Count -eq 3 } 120 'every node runs the new image'
        # The swarm calls an update completed once the last new pilot has run for the 30 s monitor window.
        Wait-Until { (Get-OsgPilotService -DockerHost $Manager -Name $Name).UpdateState -eq 'completed' } 60 'the update completes'
        Get-GroupSecrets $Name | Should -Be @($RotatedSecret) -Because 'neither the spec nor the previous spec names the first token any more'

        $history = Get-TaskHistory $Name
        $new = @($history | Where-Object { $_.Spec.ContainerSpec.Image -eq $Swarm.SWARM_IMAGE_V2 -and $_.Status.State -eq 'running' } |
                 Sort-Object { [DateTime]$_.Status.Timestamp })
        $new.Count | Should -Be 3
        for ($k = 1; $k -lt 3; $k++) {
            # The old task on node k was stopped only after node k-1's new task ran, and the delay passed.
            $node = $new[$k].NodeID
            $oldStop = @($history | Where-Object { $_.NodeID -eq $node -and $_.Spec.ContainerSpec.Image -ne $Swarm.SWARM_IMAGE_V2 -and $_.DesiredState -eq 'shutdown' } |
                         Sort-Object { [DateTime]$_.Status.Timestamp } | Select-Object -Last 1)
            $gap = ([DateTime]$oldStop.Status.Timestamp - [DateTime]$new[$k - 1].Status.Timestamp).TotalSeconds
            $gap | Should -BeGreaterOrEqual 1.5 -Because "node $($k + 1) must keep its pilot until node $k runs the new one and the 2 s delay passed"
        }
        $script:Config = $v2
    }

    It 'a new spec whose pilots cannot start is rolled back, and -Wait says so: every node keeps the pilot that worked' {
        $before = @(Get-RunningTasks $Name)
        $bad = New-SwarmConfig $Name @{ Image = '127.0.0.1:9/none/missing:1' }   # nothing listens there: every pull fails at once
        $err = $null
        $r = $bad | Set-OsgPilotService -DockerHost $Manager -UpdateParallelism 1 -UpdateDelaySec 2 -Wait -WaitTimeoutSec 120 -ErrorVariable err -ErrorAction SilentlyContinue
        $r.Action | Should -Be 'Updated'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'ServiceUpdateFailed,OsgPilot.Cmdlets.SetOsgPilotServiceCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        $err[0].Exception.Message | Should -Match 'previous spec'
        Wait-Until { $t = Get-RunningTasks $Name; $t.Count -eq 3 -and @($t | Where-Object Image -eq $Swarm.SWARM_IMAGE_V2).Count -eq 3 } 90 'every node runs the image that worked again'
        (Get-OsgPilotService -DockerHost $Manager -Name $Name).Image | Should -Be $Swarm.SWARM_IMAGE_V2
        # The config that works converges again; -Wait returns once every node runs it.
        $again = $Config | Set-OsgPilotService -DockerHost $Manager -UpdateParallelism 1 -UpdateDelaySec 2 -Wait -WaitTimeoutSec 120
        $again.Changed | Should -BeFalse -Because 'the rollback restored the spec of that config, so there is nothing to change'
        @($before).Count | Should -Be 3
    }
}

Describe 'Services that hold: hand edits, roll-backs onto old secrets, diagnostics' -Skip:$NoEngine {
    BeforeAll {
        function Get-LiveSpec([string] $Service) { Invoke-OnNode 1 @('service', 'inspect', $Service) | ConvertFrom-Json }
        function Get-SpecSecrets([string] $Service) {
            # The secrets the current and the previous spec (what a roll-back returns to) name.
            $s = Get-LiveSpec $Service
            @(@($s.Spec.TaskTemplate.ContainerSpec.Secrets.SecretName) + @($s.PreviousSpec.TaskTemplate.ContainerSpec.Secrets.SecretName) | Where-Object { $_ } | Sort-Object -Unique)
        }
        function Wait-Restarted([int] $Node, [string] $Service) {
            # docker kill of the node's task container: the swarm must start a new one, and it must run.
            $old = @(Get-TaskContainer $Node $Service)[0]
            $old | Should -Not -BeNullOrEmpty
            Invoke-OnNode $Node @('kill', $old) | Out-Null
            Wait-Until { $c = @(Get-TaskContainer $Node $Service); $c.Count -eq 1 -and $c[0] -ne $old -and
                         (Invoke-OnNode $Node @('inspect', '--format', '{{.State.Running}}', $c[0])) -eq 'true' } 60 "node $Node runs a new pilot after the kill"
        }
        function Invoke-HandEdit([string[]] $Arguments, [scriptblock] $Done, [string] $What) {
            # The docker CLI does not send again an update the swarm refuses as out of sequence (a roll-out's
            # progress reports moved the version), so a hand edit is made until it shows in the spec.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (& $Done)) {
                if ([DateTime]::UtcNow -ge $deadline) { throw "Timed out making the hand edit: $What" }
                Invoke-OnNode 1 $Arguments *> $null
            }
        }
        function Invoke-WhatIf($Config) {
            # -WhatIf lines go to the host, so they are read from a child pwsh, as a user would see them.
            $cfgPath = Join-Path $Work "whatif-$([guid]::NewGuid().ToString('N')).json"
            $Config | Export-OsgPilotConfig -Path $cfgPath -Force
            $pwsh = Get-PwshCommand
            & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -Command "Import-Module '$env:OSGPILOT_MODULE'; Import-OsgPilotConfig '$cfgPath' | Set-OsgPilotService -DockerHost '$Manager' -UpdateDelaySec 1 -WhatIf" 2>&1 | Out-String -Width 4000
        }
        $script:RbToken = New-TestTokenFile -Directory $Work -Text (New-TestTokenText)
        chmod 600 $RbToken
    }
    AfterAll { Remove-OsgPilotService -DockerHost $Manager -Name "$Prefix-rb", "$Prefix-dr", "$Prefix-nc" -Force -ErrorAction Ignore }

    It 'a new token and a pilot directory missing on the nodes roll back onto the old secret, which is still there: every task restarts fine' {
        $name = "$Prefix-rb"
        $good = New-SwarmConfig $name @{ TokenPath = $RbToken }
        $first = $good | Set-OsgPilotService -DockerHost $Manager -UpdateDelaySec 1 -Wait -WaitTimeoutSec 90
        Set-Content -Path $RbToken -Value (New-TestTokenText) -NoNewline
        $bad = New-SwarmConfig $name @{ TokenPath = $RbToken; PilotDirectory = "$($Swarm.SWARM_PILOT)/nosuch" }
        $err = $null
        $r = $bad | Set-OsgPilotService -DockerHost $Manager -UpdateDelaySec 1 -Wait -WaitTimeoutSec 120 -ErrorVariable err -ErrorAction SilentlyContinue
        $r.Action | Should -Be 'Updated'
        $r.Differences | Should -Contain 'new token'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'ServiceUpdateFailed,OsgPilot.Cmdlets.SetOsgPilotServiceCommand'
        $err[0].Exception.Message | Should -Match 'The new pilots failed: .*bind source path does not exist: .*/nosuch .*Swarm does not create bind sources'
        (Get-LiveSpec $name).Spec.TaskTemplate.ContainerSpec.Secrets.SecretName | Should -Be $first.SecretName
        # Exactly the secrets the specs name: the old one (which an older OsgPilot had removed), and not the
        # new one, which the roll-back left to nothing (-Wait removed it once it saw the roll-back).
        Get-GroupSecrets $name | Should -Be @($first.SecretName)
        Get-SpecSecrets $name | Should -Be @($first.SecretName)
        Wait-Until { (Get-LiveSpec $name).UpdateStatus.State -eq 'rollback_completed' } 120 'the roll-back completes'
        Get-GroupSecrets $name | Sort-Object | Should -Be (Get-SpecSecrets $name)
        foreach ($i in 1..3) { Wait-Restarted $i $name }
        # The nodes run their new containers before the manager hears so: its task states follow within seconds.
        Wait-Until { (Get-RunningTasks $name).Count -eq 3 } 30 'the manager reports every restarted task running'

        # The config that works: the new token without the bad directory. Secrets follow the specs again.
        $fixed = New-SwarmConfig $name @{ TokenPath = $RbToken }
        $r = $fixed | Set-OsgPilotService -DockerHost $Manager -UpdateDelaySec 1 -Wait -WaitTimeoutSec 120
        $r.Action | Should -Be 'Updated'
        Get-GroupSecrets $name | Sort-Object | Should -Be (Get-SpecSecrets $name)
        $again = $fixed | Set-OsgPilotService -DockerHost $Manager -UpdateDelaySec 1
        $again.Action | Should -Be 'Unchanged'
        Get-GroupSecrets $name | Sort-Object | Should -Be (Get-SpecSecrets $name)
    }

    It 'repairs a spec that names a secret the swarm lost (rolled back by hand onto a removed secret): the next Set restores it' {
        $name = "$Prefix-rb"
        $config = New-SwarmConfig $name @{ TokenPath = $RbToken }
        $current = (Get-LiveSpec $name).Spec.TaskTemplate.ContainerSpec.Secrets.SecretName
        # What an older OsgPilot left: a spec whose previous spec names a secret that was then removed,
        # and a roll-back onto it. docker secret rm refuses a secret the current spec names, so: move off it, remove it, roll back.
        Invoke-OnNode 1 @('secret', 'create', "$name-by-hand", $RbToken) | Out-Null
        # Waits until every node runs it (a short monitor, so that is seconds); the roll-back restores the spec's own policies.
        Invoke-HandEdit @('service', 'update', '-q', '--update-monitor', '1s', '--update-delay', '0s', '--secret-rm', $current,
            '--secret-add', "source=$name-by-hand,target=/etc/condor/tokens-orig.d/flock.opensciencegrid.org,uid=1000,gid=1000,mode=0400", $name) `
            { (Get-LiveSpec $name).Spec.TaskTemplate.ContainerSpec.Secrets.SecretName -eq "$name-by-hand" } 'the spec moves to the secret made by hand'
        Invoke-OnNode 1 @('secret', 'rm', $current) | Out-Null
        Invoke-HandEdit @('service', 'rollback', '-d', $name) { (Get-LiveSpec $name).Spec.TaskTemplate.ContainerSpec.Secrets.SecretName -eq $current } 'the spec names the removed secret'
        # The roll-back replaces the tasks, and none can start now: the nodes say the secret is not found.
        Wait-Until { @(Get-OsgPilotService -DockerHost $Manager -Name $name -Task | Where-Object Error -match 'secret .* not found').Count -ge 1 } 60 'a task fails for the lost secret'
        Invoke-WhatIf $config | Should -Match "What if: .*docker service update .* - Changed outside OsgPilot, restored: secrets: $current missing from the swarm\."
        $r = $config | Set-OsgPilotService -DockerHost $Manager -UpdateDelaySec 1 -Wait -WaitTimeoutSec 120
        $r.Action | Should -Be 'Updated'
        $r.Reason | Should -Match "^Changed outside OsgPilot, restored: .*secrets: $current missing from the swarm"
        (Get-RunningTasks $name).Count | Should -Be 3
        Invoke-OnNode 1 @('secret', 'ls', '--format', '{{.Name}}') | Should -Contain $current -Because 'the config''s secret was made again'
        # What a roll-back would return to is the repaired spec, not the broken one: a pilot that dies now comes back.
        (Get-LiveSpec $name).PreviousSpec.TaskTemplate.ContainerSpec.Secrets.SecretID | Should -Be (Get-LiveSpec $name).Spec.TaskTemplate.ContainerSpec.Secrets.SecretID
        foreach ($i in 1..3) { Wait-Restarted $i $name }
        Invoke-OnNode 1 @('service', 'rm', $name) | Out-Null
        Invoke-OnNode 1 @('secret', 'rm', "$name-by-hand") *> $null
    }

    It 'sees a hand edit (docker service update --env-add X=1 --limit-cpu 0.5), names it under -WhatIf, restores it, and is then unchanged' {
        $name = "$Prefix-dr"
        $config = New-SwarmConfig $name @{ TokenPath = $RbToken }
        $config | Set-OsgPilotService -DockerHost $Manager -UpdateDelaySec 1 | Out-Null
        Invoke-HandEdit @('service', 'update', '-d', '--env-add', 'X=1', '--limit-cpu', '0.5', $name) { (Get-LiveSpec $name).Spec.TaskTemplate.ContainerSpec.Env -contains 'X=1' } 'X=1 and a CPU limit'

        Invoke-WhatIf $config | Should -Match "What if: .*docker service update .* - Changed outside OsgPilot, restored: limits: cpus 0.5 instead of cpus 1; environment: X added\."
        (Get-LiveSpec $name).Spec.TaskTemplate.ContainerSpec.Env | Should -Contain 'X=1' -Because '-WhatIf changes nothing'

        $r = $config | Set-OsgPilotService -DockerHost $Manager -UpdateDelaySec 1
        $r.Action | Should -Be 'Updated'
        $r.Reason | Should -Be 'Changed outside OsgPilot, restored: limits: cpus 0.5 instead of cpus 1; environment: X added.'
        $r.Differences | Should -Be @('limits: cpus 0.5 instead of cpus 1', 'environment: X added')
        $spec = (Get-LiveSpec $name).Spec
        $spec.TaskTemplate.ContainerSpec.Env | Should -Not -Contain 'X=1'
        $spec.TaskTemplate.Resources.Limits.NanoCPUs | Should -Be 1000000000
        ($config | Set-OsgPilotService -DockerHost $Manager -UpdateDelaySec 1).Action | Should -Be 'Unchanged'
        $r | ConvertTo-Json | ConvertFrom-Json | ForEach-Object Differences | Should -Be @('limits: cpus 0.5 instead of cpus 1', 'environment: X added')
    }

    It 'an update refused as out of sequence (the swarm moved the version, as its progress reports do) is sent again on the new version' {
        $name = "$Prefix-dr"
        $config = New-SwarmConfig $name @{ TokenPath = $RbToken }
        Invoke-HandEdit @('service', 'update', '-d', '--env-add', 'Y=1', $name) { (Get-LiveSpec $name).Spec.TaskTemplate.ContainerSpec.Env -contains 'Y=1' } 'Y=1'
        # The proxy makes the race real: just before our update reaches the manager, the service gets a
        # no-op update (same spec, next version), and the manager answers ours "update out of sequence".
        $saved = $env:DOCKER_HOST
        $env:DOCKER_HOST = $Manager
        try { $proxy = Start-FaultProxy -Fault 'POST \S*/services/\S+/update=bump' } finally { $env:DOCKER_HOST = $saved }
        try {
            $r = $config | Set-OsgPilotService -DockerHost $proxy.DockerHost -UpdateDelaySec 1
            $r.Action | Should -Be 'Updated'
            $r.Reason | Should -Be 'Changed outside OsgPilot, restored: environment: Y added.'
            $log = Get-FaultLog $proxy
            @($log | Where-Object { $_ -like 'FAULT bump POST *' }).Count | Should -Be 1
            @($log | Where-Object { $_ -match '^POST \S*/services/\S+/update' }).Count | Should -Be 2 -Because 'the refused update was sent once more'
            (Get-LiveSpec $name).Spec.TaskTemplate.ContainerSpec.Env | Should -Not -Contain 'Y=1'
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'a missing image: ServiceNotReady names each node''s task error' {
        $name = "$Prefix-nc"
        $err = $null
        New-SwarmConfig $name @{ Image = 'osgpilot/nosuch:1' } |
            Set-OsgPilotService -DockerHost $Manager -Wait -WaitTimeoutSec 15 -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'ServiceNotReady,OsgPilot.Cmdlets.SetOsgPilotServiceCommand'
        $msg = $err[0].Exception.Message
        foreach ($i in 1..3) {
            $id = (Invoke-OnNode $i @('info', '--format', '{{.Swarm.NodeID}}')).Substring(0, 12)
            $msg | Should -Match "\($id\): \w+, No such image: osgpilot/nosuch:1 \(the node does not have the image and could not pull it\)"
        }
        Remove-OsgPilotService -DockerHost $Manager -Name $name -Force
    }

    It 'a constraint no node matches: a warning at Set, and ServiceNotReady says no node matches' {
        $name = "$Prefix-nc"
        $err = $null; $warn = $null
        $r = New-SwarmConfig $name | Set-OsgPilotService -DockerHost $Manager -Constraint 'node.labels.nosuch==x' -Wait -WaitTimeoutSec 3 `
            -ErrorVariable err -ErrorAction SilentlyContinue -WarningVariable warn -WarningAction SilentlyContinue
        $r.Action | Should -Be 'Created'
        @($warn).Count | Should -Be 1
        "$($warn[0])" | Should -Be "The service '$name': no node of the swarm's 3 matches the placement constraints (node.labels.nosuch==x): the swarm accepts the service but runs no pilot. Check the constraints, or the node labels (docker node update --label-add)."
        $err[0].FullyQualifiedErrorId | Should -Be 'ServiceNotReady,OsgPilot.Cmdlets.SetOsgPilotServiceCommand'
        $err[0].Exception.Message | Should -Match '\(0 of 0 nodes\): no node of the swarm''s 3 matches the placement constraints \(node.labels.nosuch==x\)'
        # A constraint some node meets warns of nothing.
        New-SwarmConfig $name | Set-OsgPilotService -DockerHost $Manager -Constraint 'node.role==manager' -WarningVariable warn -WarningAction SilentlyContinue | Out-Null
        @($warn).Count | Should -Be 0
    }
}

Describe 'Preflight and per-node pilot directories' -Skip:$NoEngine {
    BeforeAll {
        function Get-NodeId([int] $Index) { Invoke-OnNode $Index @('info', '--format', '{{.Swarm.NodeID}}') }
        function Get-CheckFor($Result, [string] $Check, [string] $NodeId) { @($Result.Checks | Where-Object Name -like "$Check on * ($($NodeId.Substring(0, 12)))") }
    }

    It 'Test-OsgPilotService asks every node: finds the node without a shared /cvmfs and the one whose pilot directory uid 1000 cannot write' {
        $config = New-SwarmConfig "$Prefix-pf" @{ CvmfsPath = $Swarm.SWARM_CVMFS_PARTIAL; PilotDirectory = $Swarm.SWARM_PILOT }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $r = $config | Test-OsgPilotService -DockerHost $Manager
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 30
        $r.Passed | Should -BeFalse
        ($r.Checks | Where-Object Name -eq 'Manager').Passed | Should -BeTrue
        ($r.Checks | Where-Object Name -eq 'Nodes').Message | Should -Match '^3 node'
        $n1, $n2, $n3 = (Get-NodeId 1), (Get-NodeId 2), (Get-NodeId 3)
        (Get-CheckFor $r 'CVMFS' $n1).Passed | Should -BeTrue
        (Get-CheckFor $r 'CVMFS' $n3).Passed | Should -BeTrue
        $bad = Get-CheckFor $r 'CVMFS' $n2
        $bad.Passed | Should -BeFalse
        $bad.Message | Should -Match 'not a shared mount'
        (Get-CheckFor $r 'Pilot directory' $n1).Passed | Should -BeTrue
        (Get-CheckFor $r 'Pilot directory' $n2).Passed | Should -BeTrue
        $bad = Get-CheckFor $r 'Pilot directory' $n3
        $bad.Passed | Should -BeFalse
        $bad.Message | Should -Match 'not writable by the pilot user \(uid 1000\)'
        @($r.Checks | Where-Object { -not $_.Passed }).Count | Should -Be 2
        # The probes are gone, and they were never pilots.
        @(Invoke-OnNode 1 @('service', 'ls', '--format', '{{.Name}}') | Where-Object { $_ -like 'osgpilot-probe-*' }).Count | Should -Be 0
        @(Get-OsgPilotService -DockerHost $Manager | Where-Object Name -like 'osgpilot-probe-*').Count | Should -Be 0
    }

    It 'finds a drain stamp a drained pilot left in a node''s pilot directory: the service''s tasks there would start drained' {
        $config = New-SwarmConfig "$Prefix-pf" @{ PilotDirectory = $Swarm.SWARM_PILOT }
        $n1 = Get-NodeId 1
        Invoke-OnNode 1 @('run', '--rm', '--network', 'none', '--user', '1000', '--entrypoint', '/bin/touch', '-v', "$($Swarm.SWARM_PILOT):/p", (Get-TestImage), '/p/stop-glidein.stamp') | Out-Null
        Invoke-OnNode 1 @('run', '--rm', '--network', 'none', '--entrypoint', '/bin/ls', '-v', "$($Swarm.SWARM_PILOT):/p", (Get-TestImage), '/p/stop-glidein.stamp') | Should -Be '/p/stop-glidein.stamp'
        try {
            $r = $config | Test-OsgPilotService -DockerHost $Manager -Constraint "node.id==$n1"
            $r.Passed | Should -BeFalse
            $check = Get-CheckFor $r 'Pilot directory' $n1
            $check.Passed | Should -BeFalse
            $check.Message | Should -Match "$([regex]::Escape($Swarm.SWARM_PILOT)) holds stop-glidein.stamp, left by a drained pilot: the service's pilots there would start drained"
        }
        finally {
            Invoke-OnNode 1 @('run', '--rm', '--network', 'none', '--user', '1000', '--entrypoint', '/bin/rm', '-v', "$($Swarm.SWARM_PILOT):/p", (Get-TestImage), '-f', '/p/stop-glidein.stamp') | Out-Null
        }
    }

    It 'names a pilot directory that does not exist on the nodes (-PerNode 2: NAME-1, NAME-2)' {
        $config = New-SwarmConfig "$Prefix-pf" @{ PilotDirectory = $Swarm.SWARM_PILOT }
        $r = $config | Test-OsgPilotService -DockerHost $Manager -PerNode 2 -Constraint 'node.role==manager'
        $r.Passed | Should -BeFalse
        $dir = @($r.Checks | Where-Object Name -like 'Pilot directory on *')
        $dir.Count | Should -Be 1 -Because 'the constraint leaves one node'
        $dir[0].Message | Should -Match "bind source path does not exist: $([regex]::Escape($Swarm.SWARM_PILOT))/$Prefix-pf-1"
        $dir[0].Message | Should -Match 'Swarm does not create bind sources'
        ($r.Checks | Where-Object Name -like '*placement').Message | Should -Match '1 of 3 nodes'
    }

    It 'a healthy config passes, and -Quiet says just $true' {
        $config = New-SwarmConfig "$Prefix-pf"
        $r = $config | Test-OsgPilotService -DockerHost $Manager
        $r.Passed | Should -BeTrue
        @($r.Checks | Where-Object Name -like 'CVMFS on *').Count | Should -Be 3
        $jobs = @($r.Checks | Where-Object Name -like 'ContainerJobs on *')
        $jobs.Count | Should -Be 3
        foreach ($j in $jobs) { $j.Passed | Should -BeTrue -Because $j.Message }
        $config | Test-OsgPilotService -DockerHost $Manager -Quiet | Should -BeTrue
        $r | ConvertTo-Json -Depth 3 | ConvertFrom-Json | ForEach-Object Passed | Should -BeTrue
    }

    It 'names, node by node, a service whose Apptainer would lack its PID namespace, and the fix' {
        $config = New-SwarmConfig "$Prefix-pf" @{ Environment = @{ STANDIN_IDLE_SECONDS = '3600' } }
        $r = $config | Test-OsgPilotService -DockerHost $Manager -Constraint 'node.role==manager'
        $r.Passed | Should -BeFalse
        $jobs = @($r.Checks | Where-Object Name -like 'ContainerJobs on *')
        $jobs.Count | Should -Be 1 -Because 'the constraint leaves one node'
        $jobs[0].Passed | Should -BeFalse
        $jobs[0].Message | Should -Match "not the PID namespace.*SINGULARITY_DISABLE_PID_NAMESPACES = 'True'"
    }

    It 'leaves no probe behind: ten runs, a run interrupted by ^C, and a probe whose run was killed, on every node' {
        function Get-ProbeCount {
            # Probe services on the manager, and probe containers (running or exited) on each node.
            $services = @(Invoke-OnNode 1 @('service', 'ls', '-q', '--filter', 'label=org.osg-htc.osgpilot.probe=true')).Count
            $containers = foreach ($i in 1..3) { @(Invoke-OnNode $i @('ps', '-aq', '--filter', 'name=osgpilot-probe-')).Count }
            "services=$services containers=$($containers -join ',')"
        }
        # The probes of the tests before this one are gone by now: each node removes its containers on its own time.
        $before = 'services=0 containers=0,0,0'
        Wait-Until { (Get-ProbeCount) -eq $before } 60 "the earlier tests' probes are gone ($(Get-ProbeCount); $(foreach ($i in 1..3) { Invoke-OnNode $i @('ps', '-a', '--format', '{{.Names}} {{.Status}}', '--filter', 'name=osgpilot-probe-') }))"
        $config = New-SwarmConfig "$Prefix-pr" @{ PilotDirectory = $Swarm.SWARM_PILOT }
        foreach ($run in 1..10) {
            $r = $config | Test-OsgPilotService -DockerHost $Manager -Constraint 'node.role==manager'
            @($r.Checks | Where-Object Name -like 'CVMFS on *').Count | Should -Be 1 -Because "run $run probed the node"
        }
        # Removing a probe service removes its containers; each node's engine does that on its own time.
        Wait-Until { (Get-ProbeCount) -eq $before } 60 'ten runs leave no probe service and no probe container'

        $cfgPath = Join-Path $Work 'probe-ctrlc.json'
        $config | Export-OsgPilotConfig -Path $cfgPath -Force
        $r = Invoke-OnTerminal 'after:Created the probe' "Import-OsgPilotConfig '$cfgPath' | Test-OsgPilotService -DockerHost '$Manager' -ProbeTimeoutSec 600 -Verbose"
        $r.ended | Should -BeTrue
        $r.output | Should -Match 'Created the probe'
        $r.output | Should -Not -Match 'finished'
        Wait-Until { (Get-ProbeCount) -eq $before } 60 'a run interrupted by ^C leaves no probe service and no probe container'

        # A run killed outright cannot clean up: its probe carries an expiry, and the next run past it removes it.
        $stale = 'osgpilot-probe-cvmfs-deadbeef'
        Invoke-OnNode 1 @('service', 'create', '-d', '--name', $stale, '--mode', 'global', '--restart-condition', 'none',
            '--label', 'org.osg-htc.osgpilot.probe=true', '--label', 'org.osg-htc.osgpilot.probe-expires=2026-01-01T00:00:00.0000000Z',
            '--entrypoint', '/bin/true', (Get-TestImage)) | Out-Null
        $config | Test-OsgPilotService -DockerHost $Manager -Constraint 'node.role==manager' | Out-Null
        @(Invoke-OnNode 1 @('service', 'ls', '-q', '--filter', "name=$stale")).Count | Should -Be 0
        Wait-Until { (Get-ProbeCount) -eq $before } 60 'the expired probe and its containers are gone'
    }

    It 'with -PilotDirectory each pilot writes its own node''s directory; a node where uid 1000 cannot write shows why in its task' {
        $name = "$Prefix-d"
        $n1, $n2, $n3 = (Get-NodeId 1), (Get-NodeId 2), (Get-NodeId 3)
        $err = $null
        $watch = [Diagnostics.Stopwatch]::StartNew()
        # RestartPolicy No (restart condition none): node 3's refused pilot stays down, not retried.
        New-SwarmConfig $name @{ PilotDirectory = $Swarm.SWARM_PILOT; RestartPolicy = 'No' } |
            Set-OsgPilotService -DockerHost $Manager -UpdateDelaySec 1 -Wait -WaitTimeoutSec 10 -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 15
        $err[0].FullyQualifiedErrorId | Should -Be 'ServiceNotReady,OsgPilot.Cmdlets.SetOsgPilotServiceCommand'
        $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $err[0].Exception.Message | Should -Match "2 of 3 nodes\).*\($($n3.Substring(0, 12))\): failed, task: non-zero exit \(1\)"
        try {
            Wait-Until {
                $t = @(Get-OsgPilotService -DockerHost $Manager -Name $name -Task)
                @($t | Where-Object { $_.NodeId -in $n1, $n2 -and $_.State -eq 'running' }).Count -eq 2 -and @($t | Where-Object { $_.NodeId -eq $n3 -and $_.Error }).Count -eq 1
            } 60 'the pilots on nodes 1 and 2 run and node 3 reports its failure'
            foreach ($i in 1, 2) {
                $c = @(Get-TaskContainer $i $name)[0]
                (Invoke-OnNode $i @('exec', $c, 'grep', ' /pilot ', '/proc/self/mountinfo')) | Should -Match "osgswarm-pilot-$i"
                Wait-Until { (Invoke-OnNode $i @('exec', $c, 'sh', '-c', 'ls -d /pilot/osgvo-pilot-*')) -match 'osgvo-pilot-' } 20 "the pilot on node $i made its working directory"
            }
            $t3 = Get-OsgPilotService -DockerHost $Manager -Name $name -Task | Where-Object NodeId -eq $n3
            $t3.State | Should -Not -Be 'running'
            $t3.Error | Should -Match 'non-zero exit \(1\)'
            (Get-OsgPilotService -DockerHost $Manager -Task -Name $name | Format-Table | Out-String -Width 200) | Should -Match 'non-zero exit'
        }
        finally { Remove-OsgPilotService -DockerHost $Manager -Name $name -Force }
    }
}

Describe 'Placement, -PerNode and nodes that come and go' -Skip:$NoEngine {
    It 'a constraint on node labels excludes the node without the label' {
        $ids = Get-NodeIds
        $excluded = $ids | Where-Object { (Invoke-OnNode 1 @('node', 'inspect', $_, '--format', '{{.Spec.Role}}')) -eq 'worker' } | Select-Object -Last 1
        foreach ($id in $ids | Where-Object { $_ -ne $excluded }) { Invoke-OnNode 1 @('node', 'update', '--label-add', 'osg-backfill=true', $id) | Out-Null }
        try {
            $name = "$Prefix-c"
            $r = New-SwarmConfig $name | Set-OsgPilotService -DockerHost $Manager -Constraint 'node.labels.osg-backfill==true' -UpdateDelaySec 1
            $r.Constraints | Should -Be @('node.labels.osg-backfill==true')
            Wait-Until { (Get-RunningTasks $name).Count -eq 2 } 60 'two tasks run'
            Start-Sleep -Seconds 2
            $tasks = Get-RunningTasks $name
            $tasks.Count | Should -Be 2
            $tasks.NodeId | Should -Not -Contain $excluded
            (Get-OsgPilotService -DockerHost $Manager -Name $name).Desired | Should -Be 2
            Remove-OsgPilotService -DockerHost $Manager -Name $name -Force
        }
        finally {
            foreach ($id in $ids) { Invoke-OnNode 1 @('node', 'update', '--label-rm', 'osg-backfill', $id) *> $null }
        }
    }

    It '-PerNode 2 runs two services of one pilot per node, with distinct pilot names, and going back removes one' {
        $name = "$Prefix-p"
        $config = New-SwarmConfig $name
        $r = @($config | Set-OsgPilotService -DockerHost $Manager -PerNode 2 -UpdateDelaySec 1)
        $r.Name | Should -Be @("$name-1", "$name-2")
        $r.Action | Should -Be @('Created', 'Created')
        @($r.SecretName | Select-Object -Unique).Count | Should -Be 1
        Wait-Until { (Get-RunningTasks "$name-*").Count -eq 6 } 60 'six tasks run'
        foreach ($i in 1..3) {
            @(Get-TaskContainer $i "$name-1").Count | Should -Be 1
            @(Get-TaskContainer $i "$name-2").Count | Should -Be 1
        }
        $envOf = { $c = @(Get-TaskContainer 3 "$name-2")[0]; if ($c) { @(Invoke-OnNode 3 @('inspect', $c, '--format', '{{json .Config.Env}}') | ConvertFrom-Json) } }
        Wait-Until { (& $envOf) -contains 'GLIDEIN_RANDOMIZE_NAME=true' } 20 "node 3's second pilot has GLIDEIN_RANDOMIZE_NAME=true (tasks: $(Invoke-OnNode 1 @('service', 'ps', "$name-2") | Out-String))"
        (Get-OsgPilotService -DockerHost $Manager -Name $name).Name | Should -Be @("$name-1", "$name-2")

        $back = @($config | Set-OsgPilotService -DockerHost $Manager -PerNode 1 -UpdateDelaySec 1)
        ($back | Where-Object Action -eq 'Created').Name | Should -Be $name
        ($back | Where-Object Action -eq 'Removed').Name | Should -Be @("$name-1", "$name-2")
        (Get-OsgPilotService -DockerHost $Manager -Name $name).Name | Should -Be @($name)
        Get-GroupSecrets $name | Should -HaveCount 1
        Remove-OsgPilotService -DockerHost $Manager -Name $name -Force
    }

    It 'a node that leaves loses its pilot; when it joins again, it gets one' {
        $name = "$Prefix-g"
        (Get-RunningTasks $name).Count | Should -Be 3
        bash $SwarmScript leave 3 | Out-Null
        Wait-Until { (Get-RunningTasks $name).Count -eq 2 -and (Get-NodeIds).Count -eq 2 } 60 'two tasks run on the two nodes left'
        @(Get-TaskContainer 3 $name).Count | Should -Be 0
        (Get-OsgPilotService -DockerHost $Manager -Name $name).Desired | Should -Be 2
        bash $SwarmScript join 3 | Out-Null
        Wait-Until { (Get-RunningTasks $name).Count -eq 3 } 90 'the rejoined node runs a pilot again'
        @(Get-TaskContainer 3 $name).Count | Should -Be 1
        ((Get-RunningTasks $name).NodeId | Sort-Object) | Should -Be (Get-NodeIds | Sort-Object)
    }
}

Describe 'What Swarm cannot express is refused, and nothing is created' -Skip:$NoEngine {
    It 'refuses <Setting>' -ForEach @(
        @{ Setting = '-SecurityProfile Unconfined'; Extra = @{ SecurityProfile = 'Unconfined' }; Pattern = '/dev/fuse.*seccomp=unconfined.*systempaths=unconfined' }
        @{ Setting = '-Gpu'; Extra = @{ Gpu = $true }; Pattern = '-Gpu.*generic resources' }
        @{ Setting = '-CvmfsMode CvmfsExec'; Extra = @{ CvmfsMode = 'CvmfsExec'; CvmfsPath = $null; CvmfsRepository = 'config-osg.opensciencegrid.org'; SecurityProfile = 'Unconfined' }; Pattern = 'CvmfsExec.*/dev/fuse' }
    ) {
        $name = "$Prefix-u"
        $Extra.Remove('CvmfsPath') | Out-Null
        $p = @{ Name = $name; Site = 'TEST_SITE'; ResourceName = 'TEST_RESOURCE'; TokenPath = $TokenPath; Image = (Get-TestImage); SecurityProfile = 'Capabilities' }
        if (-not $Extra.ContainsKey('CvmfsMode')) { $p.CvmfsPath = $Swarm.SWARM_CVMFS }
        foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
        $config = New-OsgPilotConfig @p -WarningAction SilentlyContinue
        $err = $null
        try { $config | Set-OsgPilotService -DockerHost $Manager -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'ServiceSettingUnsupported,OsgPilot.Cmdlets.SetOsgPilotServiceCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match $Pattern
        $err.Exception.Message | Should -Match 'nothing was created'
        @(Invoke-OnNode 1 @('service', 'ls', '--format', '{{.Name}}') | Where-Object { $_ -like "$name*" }).Count | Should -Be 0
        (Get-GroupSecrets $name).Count | Should -Be 0
    }

    It 'refuses a malformed constraint before asking the swarm anything' {
        { New-SwarmConfig "$Prefix-bad" | Set-OsgPilotService -DockerHost $Manager -Constraint 'node.labels.osg' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidConstraint,OsgPilot.Cmdlets.SetOsgPilotServiceCommand'
        (Get-GroupSecrets "$Prefix-bad").Count | Should -Be 0
    }

    It 'refuses to take over a service OsgPilot did not make' {
        Invoke-OnNode 1 @('service', 'create', '--detach', '--name', "$Prefix-theirs", '--mode', 'global', (Get-TestImage)) *> $null
        try {
            { New-SwarmConfig "$Prefix-theirs" | Set-OsgPilotService -DockerHost $Manager -ErrorAction Stop } |
                Should -Throw -ErrorId 'ServiceNotOurs,OsgPilot.Cmdlets.SetOsgPilotServiceCommand'
            (Get-GroupSecrets "$Prefix-theirs").Count | Should -Be 0
            (Invoke-OnNode 1 @('service', 'inspect', "$Prefix-theirs", '--format', '{{.Spec.Labels}}')) | Should -Be 'map[]'
        }
        finally { Invoke-OnNode 1 @('service', 'rm', "$Prefix-theirs") *> $null }
    }

    It 'a create the swarm never receives leaves no secret; one whose answer is lost is completed by the next run' {
        function Start-ManagerProxy([string] $Fault) {
            $saved = $env:DOCKER_HOST; $env:DOCKER_HOST = $Manager
            try { Start-FaultProxy -Fault $Fault } finally { $env:DOCKER_HOST = $saved }
        }
        $config = New-SwarmConfig "$Prefix-f"
        $proxy = Start-ManagerProxy 'POST /[^ ]*services/create=drop-request'
        try {
            $err = $null
            $config | Set-OsgPilotService -DockerHost $proxy.DockerHost -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
            $err[0].FullyQualifiedErrorId | Should -Match '^Docker(ConnectionLost|EngineUnreachable),'
            @(Get-FaultLog $proxy | Where-Object { $_ -like 'FAULT drop-request*services/create*' }).Count | Should -Be 1
            @(Invoke-OnNode 1 @('service', 'ls', '--format', '{{.Name}}') | Where-Object { $_ -eq "$Prefix-f" }).Count | Should -Be 0
            (Get-GroupSecrets "$Prefix-f").Count | Should -Be 0 -Because 'the secret made for a service that was never created is taken back'
        }
        finally { Stop-FaultProxy $proxy }

        $proxy = Start-ManagerProxy 'POST /[^ ]*services/create=drop-response'
        try {
            $err = $null
            $config | Set-OsgPilotService -DockerHost $proxy.DockerHost -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
            $err[0].FullyQualifiedErrorId | Should -Match '^Docker(ConnectionLost|EngineUnreachable),'
            @(Get-FaultLog $proxy | Where-Object { $_ -like 'FAULT drop-response*services/create*' }).Count | Should -Be 1
            # The swarm did create it: the secret it uses stays, and the next run finds all in order.
            (Get-GroupSecrets "$Prefix-f").Count | Should -Be 1
            $r = $config | Set-OsgPilotService -DockerHost $Manager
            $r.Action | Should -Be 'Unchanged'
            (Get-GroupSecrets "$Prefix-f").Count | Should -Be 1
        }
        finally {
            Stop-FaultProxy $proxy
            Remove-OsgPilotService -DockerHost $Manager -Name "$Prefix-f" -Force -ErrorAction SilentlyContinue
        }
        (Get-GroupSecrets "$Prefix-f").Count | Should -Be 0
    }

    It 'says which engine is not a manager, and which is in no swarm' {
        { Get-OsgPilotService -DockerHost $Swarm.SWARM_SOCKET_2 -ErrorAction Stop } | Should -Throw -ErrorId 'SwarmNotManager,OsgPilot.Cmdlets.GetOsgPilotServiceCommand'
        { New-SwarmConfig "$Prefix-x" | Set-OsgPilotService -DockerHost $Swarm.SWARM_SOCKET_2 -ErrorAction Stop } | Should -Throw -ErrorId 'SwarmNotManager,OsgPilot.Cmdlets.SetOsgPilotServiceCommand'
        # The single test engine is in no swarm.
        { Get-OsgPilotService -ErrorAction Stop } | Should -Throw -ErrorId 'SwarmNotActive,OsgPilot.Cmdlets.GetOsgPilotServiceCommand'
    }
}

Describe '-WhatIf and removal' -Skip:$NoEngine {
    It '-WhatIf prints the docker secret create and docker service create lines, with no token, and creates nothing' {
        $pwsh = Get-PwshCommand
        $script = "Import-Module '$env:OSGPILOT_MODULE'; `$PSStyle.OutputRendering = 'PlainText'; " +
                  "New-OsgPilotConfig -Name '$Prefix-wi' -Site TEST_SITE -ResourceName TEST_RESOURCE -TokenPath '$TokenPath' -Image '$(Get-TestImage)' -CvmfsPath '$($Swarm.SWARM_CVMFS)' -SecurityProfile Capabilities | " +
                  "Set-OsgPilotService -DockerHost '$Manager' -WhatIf"
        $out = & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -Command $script 2>&1 | Out-String -Width 4000
        $out | Should -Match "What if: .*docker secret create .*$Prefix-wi-token-[0-9a-f]{12} <token-file> && docker service create --name $Prefix-wi --mode global --user osg"
        $out | Should -Match '--cap-add CAP_SYS_ADMIN'
        $out | Should -Match '--mount type=bind,source=\S+,target=/cvmfs,bind-propagation=shared'
        $out | Should -Match '--secret source=\S+,target=/etc/condor/tokens-orig.d/flock.opensciencegrid.org,uid=1000,gid=1000,mode=0400'
        $out | Should -Match '--stop-grace-period 120s'
        $out | Should -Match '--update-order stop-first'
        foreach ($part in @($TokenText) + $TokenText.Split('.')[1, 2]) { $out.Contains($part) | Should -BeFalse }
        @(Invoke-OnNode 1 @('service', 'ls', '--format', '{{.Name}}') | Where-Object { $_ -eq "$Prefix-wi" }).Count | Should -Be 0
        (Get-GroupSecrets "$Prefix-wi").Count | Should -Be 0
    }

    It 'Get-OsgPilotService | Remove-OsgPilotService removes the service, its tasks and its secret' {
        $name = "$Prefix-g"
        $s = Get-OsgPilotService -DockerHost $Manager -Name $name
        $s | Should -Not -BeNullOrEmpty
        $s | Remove-OsgPilotService -Force
        @(Invoke-OnNode 1 @('service', 'ls', '--format', '{{.Name}}') | Where-Object { $_ -like "$Prefix*" }).Count | Should -Be 0
        (Get-GroupSecrets $name).Count | Should -Be 0
        Wait-Until { @(1..3 | Where-Object { @(Get-TaskContainer $_ $name).Count -gt 0 }).Count -eq 0 } 60 'no node runs the pilot'
    }

    It 'a name that matches nothing is a ServiceNotFound error, not silence' {
        $err = $null
        Remove-OsgPilotService -DockerHost $Manager -Name "$Prefix-none" -Force -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ServiceNotFound,OsgPilot.Cmdlets.RemoveOsgPilotServiceCommand'
        Get-OsgPilotService -DockerHost $Manager -Name "$Prefix-none" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'A compressed month of a pilot service (short form)' -Skip:$NoEngine {
    It 'holds every invariant over 6 scheduled Set runs with token rotations, a bad update that rolls back, a killed task, a hand edit and a probe run' {
        # tests/Soak/Invoke-ServiceSoak.ps1 (the long form is ./build.ps1 -Task ServiceSoak). Seed 3 draws
        # every kind of chaos within 6 cycles; the summary line shows the counts.
        $pwsh = Get-PwshCommand
        $log = Join-Path $Work 'service-soak.log'
        & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../Soak/Invoke-ServiceSoak.ps1') `
            -ModulePath $env:OSGPILOT_MODULE -Image (Get-TestImage) -Cycles 6 -Seed 3 -Chaos 0.95 *> $log
        $exit = $LASTEXITCODE
        $lines = Get-Content $log
        $summary = $lines | Where-Object { $_ -like 'Service soak: *' } | Select-Object -Last 1
        Write-Host $summary
        $lines | Where-Object { $_ -like '*VIOLATION*' } | ForEach-Object { Write-Host $_ }
        $summary | Should -Match 'violations: 0$' -Because ($lines | Select-Object -Last 30 | Out-String)
        $exit | Should -Be 0
        foreach ($kind in 'token-rotated', 'bad-update', 'task-killed', 'hand-edit', 'probe') {
            $summary | Should -Match "$kind=[1-9]" -Because 'the short form must exercise every kind of chaos (seed 3)'
        }
    }
}

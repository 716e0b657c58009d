# The real image's start-up contract (pilot-container-facts.md, "What the real start-up does"):
# first that the stand-in is at least as strict as the real start-up, then that Start-OsgPilot only
# calls a pilot started when the start-up accepted it, on the real engine. Engine-parameterised: the
# blocks tagged Engines run on dockerd and on Podman (tests/Invoke-PesterSuite.ps1 -Engine podman).
param([ValidateSet('docker', 'podman')] [string] $Engine = 'docker')
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope rs
    $script:Prefix, $script:Work, $script:Cvmfs, $script:TokenPath, $script:TokenText = $Scope.Prefix, $Scope.Work, $Scope.Cvmfs, $Scope.TokenPath, $Scope.TokenText
    # As sites keep it and OSG's RPM docs warn against: root:root 0600.
    $script:RootOnlyToken = New-TestTokenFile -Directory $Work -Text $TokenText
    chown 0:0 $RootOnlyToken; chmod 600 $RootOnlyToken
    # What a hand-made docker run line needs, since the image copies a bound token as uid 1000.
    $script:ReadableToken = New-TestTokenFile -Directory $Work -Text $TokenText
    chmod 644 $ReadableToken
    $script:Image = Get-TestImage
    # Podman gives the pilot user the capabilities added with --cap-add for real (DAC_OVERRIDE among
    # them), so a directory only root may write stops no pilot there; the profile that adds none
    # meets the same refusal as on dockerd.
    $script:NoCaps = if ($Engine -eq 'podman') { @{ SecurityProfile = 'Unconfined'; CvmfsMode = 'CvmfsExec' } } else { @{} }
    # Podman restarts a refused start at once, and its archive read of /tmp/startup.log takes about
    # a second, so under a restart policy the reason is lost to the next start as often as not: the
    # watch still reports PilotStartupFailed and removes the pilot, but the reason is read reliably
    # only without a restart policy there (troubleshooting.md says so).
    $script:WatchedPolicy = if ($Engine -eq 'podman') { 'No' } else { 'UnlessStopped' }

    function Invoke-StandIn([string] $Name, [string[]] $Arguments) {
        # Runs the stand-in to its end with docker run; returns exit code, docker logs and /tmp/startup.log.
        docker run --name $Name @Arguments $Image *> $null
        $code = $LASTEXITCODE
        [pscustomobject]@{
            ExitCode = $code
            Logs = (docker logs $Name 2>&1 | Out-String)
            StartupLog = (docker cp "${Name}:/tmp/startup.log" - | tar -xO | Out-String)
        }
        docker rm -f $Name *> $null
    }
    function New-RootOwnedDirectory {
        $d = Join-Path $Work ('root-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory $d | Out-Null
        chmod 755 $d
        $d
    }
}

AfterAll {
    Remove-TestScope $script:Scope
}

Describe 'The stand-in is at least as strict as the real start-up' -Skip:$NoEngine {
    It 'has no /etc/condor/tokens-orig.d directory, like the real image' {
        docker run --rm --user osg --entrypoint /bin/ls $Image /etc/condor | Sort-Object | Should -Be @('passwords.d', 'tokens.d')
    }

    It 'checks in the real order: root, token, GLIDEIN_Site, GLIDEIN_ResourceName, hours' {
        (Invoke-StandIn "$Prefix-o1" @('--user', '0')).StartupLog | Should -Match 'Please do not run me as root!'
        (Invoke-StandIn "$Prefix-o2" @('--user', 'osg')).StartupLog | Should -Match 'No token'
        (Invoke-StandIn "$Prefix-o3" @('--user', 'osg', '-e', 'TOKEN=t')).StartupLog | Should -Match 'GLIDEIN_Site must be set'
        (Invoke-StandIn "$Prefix-o4" @('--user', 'osg', '-e', 'TOKEN=t', '-e', 'GLIDEIN_Site=S')).StartupLog | Should -Match 'GLIDEIN_ResourceName must be set'
        $r = Invoke-StandIn "$Prefix-o5" @('--user', 'osg', '-e', 'TOKEN=t', '-e', 'GLIDEIN_Site=S', '-e', 'GLIDEIN_ResourceName=R', '-e', 'RETIREMENT_HOURS=0')
        $r.ExitCode | Should -Be 1
        $r.StartupLog | Should -Match 'RETIREMENT_HOURS must be a positive integer'
    }

    It 'keeps the reason of a refused start in /tmp/startup.log, not in docker logs (as the real tee can lose it)' {
        $r = Invoke-StandIn "$Prefix-tee" @('--user', 'osg', '-e', 'TOKEN=t')
        $r.ExitCode | Should -Be 1
        $r.StartupLog | Should -Match 'GLIDEIN_Site must be set'
        $r.Logs | Should -Not -Match 'GLIDEIN_Site must be set'
    }

    It 'copies the token as uid 1000: a root-only token file bound in makes it exit 1 (Permission denied)' {
        $r = Invoke-StandIn "$Prefix-perm" @('--user', 'osg', '-e', 'GLIDEIN_Site=S', '-e', 'GLIDEIN_ResourceName=R', '-v', "${RootOnlyToken}:/etc/condor/tokens-orig.d/flock.opensciencegrid.org:ro")
        $r.ExitCode | Should -Be 1
        $r.StartupLog | Should -Match "cp: can't open '/etc/condor/tokens-orig.d/flock.opensciencegrid.org': Permission denied"
    }

    It 'lets TOKEN override a token file (TOKEN is written after the copy)' {
        docker run -d --name "$Prefix-over" --user osg -e GLIDEIN_Site=S -e GLIDEIN_ResourceName=R -e TOKEN=from-variable -e STANDIN_READY_SECONDS=0 `
            -v "${ReadableToken}:/etc/condor/tokens-orig.d/flock.opensciencegrid.org:ro" $Image | Out-Null
        docker exec --user osg "$Prefix-over" /usr/local/sbin/startd_addr.sh | Should -Match '^<127'
        docker exec --user osg "$Prefix-over" sh -c 'cat $(cat /tmp/pilot_local_dir)/condor/tokens.d/flock.opensciencegrid.org' | Should -Be 'from-variable'
        docker rm -f "$Prefix-over" | Out-Null
    }

    It 'exits 1 when uid 1000 cannot create its working directory under /pilot' {
        $dir = New-RootOwnedDirectory
        $r = Invoke-StandIn "$Prefix-mktemp" @('--user', 'osg', '-e', 'TOKEN=t', '-e', 'GLIDEIN_Site=S', '-e', 'GLIDEIN_ResourceName=R', '-v', "${dir}:/pilot")
        $r.ExitCode | Should -Be 1
        $r.StartupLog | Should -Match 'Creating LOCAL_DIR under /pilot failed'
    }

    It 'answers startd_addr.sh only once ready, waiting as the real script does' {
        docker run -d --name "$Prefix-ready" --user osg -e TOKEN=t -e GLIDEIN_Site=S -e GLIDEIN_ResourceName=R -e STANDIN_READY_SECONDS=3 $Image | Out-Null
        $watch = [Diagnostics.Stopwatch]::StartNew()
        docker exec --user osg "$Prefix-ready" /usr/local/sbin/startd_addr.sh | Should -Match '^<127\.0\.0\.1:9618'
        $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 1.5 -Because 'the script waits for the StartLog and the startd'
    }

    It 'stops on SIGTERM after a grace of its own (STANDIN_TERM_SECONDS; the real supervisord takes up to 10 s)' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        docker stop -t 30 "$Prefix-ready" | Out-Null
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        (docker logs "$Prefix-ready" 2>&1)[-1] | Should -Match 'condor_master exited'
        docker inspect -f '{{.State.ExitCode}}' "$Prefix-ready" | Should -Be '0'
        docker rm -f "$Prefix-ready" | Out-Null
    }
}

Describe 'Start-OsgPilot on the real start-up contract' -Tag Engines -Skip:$NoEngine {
    It 'case 1: starts from a root:root 0600 token file without loosening it (the token is copied in for uid 1000)' {
        $cfg = New-TestConfig -Name "$Prefix-c1" -TokenPath $RootOnlyToken -CvmfsPath $Cvmfs -Extra @{ RestartPolicy = 'UnlessStopped' }
        $p = $cfg | Start-OsgPilot -Wait -WaitTimeoutSec 60
        $p.State | Should -Be 'running'
        $p.Ready | Should -BeTrue
        $p.StartdAddress | Should -Match '^<127\.0\.0\.1:9618'
        (stat -c '%u:%g %a' $RootOnlyToken) | Should -Be '0:0 600'
        docker exec "$Prefix-c1" stat -c '%u %a' /etc/condor/tokens-orig.d/flock.opensciencegrid.org | Should -Be '1000 400'
        (docker exec --user osg "$Prefix-c1" cat /etc/condor/tokens-orig.d/flock.opensciencegrid.org) | Should -Be $TokenText
        (Invoke-DockerInspect "$Prefix-c1").Mounts.Destination | Should -Not -Contain '/etc/condor/tokens-orig.d/flock.opensciencegrid.org'
        (Invoke-DockerInspect "$Prefix-c1").RestartCount | Should -Be 0
    }

    It 'case 1: a rotated token reaches the pilot at its next start' {
        $new = New-TestTokenText
        Set-Content -Path $RootOnlyToken -Value $new -NoNewline
        Stop-OsgPilot -Name "$Prefix-c1" -Timeout 5
        $cfg = New-TestConfig -Name "$Prefix-c1" -TokenPath $RootOnlyToken -CvmfsPath $Cvmfs -Extra @{ RestartPolicy = 'UnlessStopped' }
        ($cfg | Start-OsgPilot).Changed | Should -BeTrue
        (docker exec --user osg "$Prefix-c1" cat /etc/condor/tokens-orig.d/flock.opensciencegrid.org) | Should -Be $new
        Set-Content -Path $RootOnlyToken -Value $TokenText -NoNewline
    }

    It 'case 2: -Token works on an image that has no tokens-orig.d directory' {
        $secure = ConvertTo-SecureString $TokenText -AsPlainText -Force
        $cfg = New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -Token $secure -Name "$Prefix-c2" -Image $Image -CvmfsPath $Cvmfs -RestartPolicy UnlessStopped -Environment @{ STANDIN_IDLE_SECONDS = '600' }
        $p = $cfg | Start-OsgPilot -Wait -WaitTimeoutSec 60
        $p.Ready | Should -BeTrue
        docker exec --user osg "$Prefix-c2" sh -c 'cat $(cat /tmp/pilot_local_dir)/condor/tokens.d/flock.opensciencegrid.org' | Should -Be $TokenText
    }

    It 'case 3: a pilot directory uid 1000 cannot write is an error within the watch window, with the pilot''s reason and the fix, and nothing crash-loops' {
        $dir = New-RootOwnedDirectory
        $cfg = New-TestConfig -Name "$Prefix-c3" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra (@{ RestartPolicy = $WatchedPolicy; PilotDirectory = $dir } + $NoCaps)
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $out = $cfg | Start-OsgPilot -WatchSeconds 4 -ErrorVariable ev -ErrorAction SilentlyContinue
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 12
        $out | Should -BeNullOrEmpty
        $ev | Should -HaveCount 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PilotStartupFailed,*'
        $ev[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $ev[0].Exception.Message | Should -Match 'Creating LOCAL_DIR under /pilot failed'
        $ev[0].Exception.Message | Should -Match 'Fix: .*chown 1000:1000'
        Get-ContainerNames | Should -Not -Contain "$Prefix-c3"
    }

    It 'case 3: the preflight says the same, having tried it as uid 1000' {
        $dir = New-RootOwnedDirectory
        $cfg = New-TestConfig -Name "$Prefix-c3p" -TokenPath $RootOnlyToken -CvmfsPath $Cvmfs -Extra (@{ PilotDirectory = $dir } + $NoCaps)
        $r = $cfg | Test-OsgPilotConfig -TopologyPath (Join-Path $PSScriptRoot '../fixtures/topology/miscresource.json') -SquidProbeUri 'http://127.0.0.1:9/x' -TimeoutSec 1
        $check = $r.Checks | Where-Object Name -EQ 'Pilot directory'
        $check.Passed | Should -BeFalse
        $check.Message | Should -Match 'cannot create its working directory'
        ($r.Checks | Where-Object Name -EQ 'Token').Message | Should -Match 'copies it into each pilot for uid 1000'
        chown 1000:1000 $dir
        (($cfg | Test-OsgPilotConfig -TopologyPath (Join-Path $PSScriptRoot '../fixtures/topology/miscresource.json') -SquidProbeUri 'http://127.0.0.1:9/x' -TimeoutSec 1).Checks |
            Where-Object Name -EQ 'Pilot directory').Passed | Should -BeTrue
        @(Get-ChildItem $dir) | Should -HaveCount 0 -Because 'the probe removes what it made'
    }

    It 'case 3: without the watch the refusal is still explained by Get-OsgPilot -Detailed and Get-OsgPilotLog -StartupLog' {
        $dir = New-RootOwnedDirectory
        $cfg = New-TestConfig -Name "$Prefix-c3w" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra (@{ PilotDirectory = $dir } + $NoCaps)
        $cfg | Start-OsgPilot -WatchSeconds 0 | Out-Null
        docker wait "$Prefix-c3w" | Should -Be '1'
        Get-OsgPilotLog -Name "$Prefix-c3w" | Out-String | Should -Not -Match 'Creating LOCAL_DIR'
        Get-OsgPilotLog -Name "$Prefix-c3w" -StartupLog -Tail 1 | Should -Match 'Creating LOCAL_DIR under /pilot failed'
        $p = Get-OsgPilot -Name "$Prefix-c3w" -All -Detailed
        $p.ExitCode | Should -Be 1
        $p.Ready | Should -BeFalse
        $p.Reason | Should -Match 'Exited with code 1: .*Creating LOCAL_DIR under /pilot failed.*Fix: .*chown 1000:1000'
        # Its default view is the detailed table: Ready, Draining, the slot ad, Restarts and the reason, not the plain one.
        $table = $p | Out-String -Width 400
        $table | Should -Match 'Name\s+State\s+Ready\s+Draining\s+Validated\s+Containers\s+Restarts\s+ImageTag\s+Reason'
        $table | Should -Match 'Creating LOCAL_DIR under /pilot failed'
        Get-OsgPilot -Name "$Prefix-c3w" -All | Out-String -Width 400 | Should -Not -Match 'Ready\s+Draining'
        ($p | ConvertTo-Json | ConvertFrom-Json).Reason | Should -Be $p.Reason
        Remove-OsgPilot -Name "$Prefix-c3w" -Confirm:$false
    }

    It 'case 4: a drained pilot under UnlessStopped stays down five idle periods later; a new start accepts jobs again' {
        $dir = New-TestDirectory -ForPilot
        $cfg = New-TestConfig -Name "$Prefix-c4" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{
            RestartPolicy = 'UnlessStopped'; PilotDirectory = $dir
            Environment = @{ STANDIN_JOBS = 'continuous'; STANDIN_IDLE_SECONDS = '2'; STANDIN_ADVERTISE_SECONDS = '1' } }
        $cfg | Start-OsgPilot | Out-Null
        Stop-OsgPilot -Name "$Prefix-c4" -Drain
        (Get-OsgPilot -Name "$Prefix-c4" -Detailed).Draining | Should -BeTrue
        Wait-PilotExited "$Prefix-c4" -Engine $Engine | Should -Be '0'
        Start-Sleep -Seconds 10   # five idle periods of 2 s
        $p = Get-OsgPilot -Name "$Prefix-c4" -All -Detailed
        $p.Draining | Should -BeTrue
        if ($Engine -eq 'docker') {
            $p.State | Should -Be 'exited'
            $p.RestartCount | Should -Be 0
            $p.RestartPolicy | Should -Be 'No'
            $p.Reason | Should -Match '^Drained'
        }
        else {
            # Podman 4.3 cannot change the policy: it started the pilot again, drained from its start,
            # so it took no job; the next scheduled Sync replaces it with one that accepts jobs.
            $p.RestartCount | Should -BeGreaterThan 0
            $p.RestartPolicy | Should -Be 'UnlessStopped'
            $log = docker logs "$Prefix-c4" 2>&1 | Out-String
            $afterRestart = $log.Substring($log.IndexOf('stop-glidein.stamp found at start-up'))
            $afterRestart | Should -Not -Match 'Remote job ID|accepting jobs'
            $sync = $cfg | Sync-OsgPilot -WatchSeconds 1 | Where-Object Kind -EQ 'Pilot'
            $sync.Action | Should -Be 'Replaced'
            (Get-OsgPilot -Name "$Prefix-c4").Id | Should -Not -Be $p.Id
            # Start keeps it, as on dockerd after the replacement below.
            $cfg | Start-OsgPilot | Out-Null
        }

        $again = $cfg | Start-OsgPilot
        if ($Engine -eq 'docker') { $again.Changed | Should -BeTrue } else { $again.Changed | Should -BeFalse -Because 'Sync replaced it already' }
        Test-Path "$dir/stop-glidein.stamp" | Should -BeFalse
        Start-Sleep -Seconds 5    # longer than the idle time: a pilot that accepts jobs stays up
        $p = Get-OsgPilot -Name "$Prefix-c4" -Detailed
        $p.State | Should -Be 'running'
        $p.Draining | Should -BeFalse
        $p.RestartPolicy | Should -Be 'UnlessStopped'
        Remove-OsgPilot -Name "$Prefix-c4" -Force -Confirm:$false
        Remove-Item -Recurse -Force $dir
    }

    It 'case 4: starting a pilot that is still draining takes the drain back' {
        $cfg = New-TestConfig -Name "$Prefix-c4b" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{
            RestartPolicy = 'UnlessStopped'; Environment = @{ STANDIN_JOBS = 'continuous'; STANDIN_IDLE_SECONDS = '6'; STANDIN_ADVERTISE_SECONDS = '1' } }
        $cfg | Start-OsgPilot | Out-Null
        Stop-OsgPilot -Name "$Prefix-c4b" -Drain
        Start-Sleep -Seconds 2
        ($cfg | Start-OsgPilot).Changed | Should -BeTrue
        Start-Sleep -Seconds 8    # past the idle time it would have exited after
        $p = Get-OsgPilot -Name "$Prefix-c4b" -Detailed
        $p.State | Should -Be 'running'
        $p.Draining | Should -BeFalse
        $p.RestartPolicy | Should -Be 'UnlessStopped'
        docker logs "$Prefix-c4b" 2>&1 | Out-String | Should -Match 'stop-glidein.stamp gone: advertising as validated'
        ($cfg | Start-OsgPilot).Changed | Should -BeFalse -Because 'an accepting pilot is left alone'
    }

    It '-Wait returns once the stand-in says ready' {
        $cfg = New-TestConfig -Name "$Prefix-w1" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Environment = @{ STANDIN_READY_SECONDS = '7'; STANDIN_IDLE_SECONDS = '600' } }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $p = $cfg | Start-OsgPilot -Wait -WatchSeconds 1 -WaitTimeoutSec 60
        $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 6
        $p.Ready | Should -BeTrue
        # The detailed view, as Get-OsgPilot -Detailed fills it: nothing a list call cannot tell left blank.
        $p.Draining | Should -BeFalse
        $p.StartedAt | Should -BeOfType [datetime]
        $p.RestartCount | Should -Be 0
        $again = $cfg | Start-OsgPilot -Wait
        $again.Ready | Should -BeTrue -Because 'an unchanged pilot is waited for too'
        $again.StartedAt | Should -Be $p.StartedAt
    }

    It '-Wait times out with PilotNotReady, naming the pilot, and leaves it running' {
        $cfg = New-TestConfig -Name "$Prefix-w2" -TokenPath $TokenPath -CvmfsPath $Cvmfs -Extra @{ Environment = @{ STANDIN_READY_SECONDS = '600'; STANDIN_IDLE_SECONDS = '600' } }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $cfg | Start-OsgPilot -Wait -WatchSeconds 1 -WaitTimeoutSec 3 -ErrorVariable ev -ErrorAction SilentlyContinue | Out-Null
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PilotNotReady,*'
        $ev[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $ev[0].Exception.Message | Should -Match "'$Prefix-w2' did not report ready .* within 3 s"
        (Get-OsgPilot -Name "$Prefix-w2").State | Should -Be 'running'
    }
}

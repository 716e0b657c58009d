# The container Start-OsgPilot makes must match what the OSG pages' docker run lines make
# (same stand-in image), as docker inspect reports them. Engine-parameterised: on Podman, `docker`
# is podman itself, so the seed line is `podman run` and the comparison `podman inspect`.
param([ValidateSet('docker', 'podman')] [string] $Engine = 'docker')
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoEngine = -not (Test-EngineAvailable)
}

BeforeAll {
    Import-Module $env:OSGPILOT_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Scope = New-TestScope eq
    $script:Prefix, $script:Cvmfs, $script:TokenText, $script:TokenPath = $Scope.Prefix, $Scope.Cvmfs, $Scope.TokenText, $Scope.TokenPath
    # The docs line binds the token file and the image copies it as uid 1000: it must be readable by
    # others for that line to work at all (OsgPilot itself needs no such mode, and warns of it).
    chmod 644 $TokenPath
    $script:Squid = 'http://squid.example.edu:3128'

    function Get-Env($inspect) {
        # Environment names and values, token aside, as a sorted list; Podman adds HOSTNAME=<the container's own id>.
        @($inspect.Config.Env | Where-Object { $_ -notlike 'TOKEN=*' -and $_ -notlike 'HOSTNAME=*' } | Sort-Object)
    }
    function Get-Caps($inspect) {
        @($inspect.HostConfig.CapAdd | ForEach-Object { $_ -replace '^CAP_', '' } | Sort-Object)
    }
    function Get-Bounding($name) {
        (docker exec $name grep CapBnd /proc/1/status) -replace '\s+', ' '
    }
    function Test-TokenInside($name) {
        $path = '/etc/condor/tokens-orig.d/flock.opensciencegrid.org'
        docker exec $name stat -c '%u %a' $path | Should -Be '1000 400'
        (docker exec --user osg $name cat $path) | Should -Be $TokenText
    }
    function Get-Mount($inspect, $destination) {
        $m = $inspect.Mounts | Where-Object Destination -EQ $destination
        if ($m) { '{0} -> {1} rw={2} propagation={3}' -f $m.Source, $m.Destination, $m.RW, $m.Propagation }
    }
}

AfterAll {
    Remove-TestScope $script:Scope
}

Describe 'Capabilities profile matches the seed page' -Tag Engines -Skip:$NoEngine {
    BeforeAll {
        # The seed page's line, verbatim but for -it --rm (detached here) and the stand-in image.
        docker run -d --name "$Prefix-seed" --user osg `
            --cap-add=DAC_OVERRIDE --cap-add=SETUID --cap-add=SETGID `
            --cap-add=SYS_ADMIN --cap-add=SYS_CHROOT --cap-add=SYS_PTRACE `
            --cap-add=CAP_DAC_READ_SEARCH `
            -v "${Cvmfs}:/cvmfs:shared" `
            -e "TOKEN=$TokenText" `
            -e GLIDEIN_Site=Lancium `
            -e GLIDEIN_ResourceName=Lancium-Backfill `
            -e GLIDEIN_Start_Extra=True `
            -e "OSG_SQUID_LOCATION=$Squid" `
            -e STANDIN_IDLE_SECONDS=600 `
            (Get-TestImage) | Out-Null
        $cfg = New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -TokenPath $TokenPath -SquidLocation $Squid `
            -StartExtra True -CvmfsPath $Cvmfs -Image (Get-TestImage) -Name "$Prefix-ours" -Environment @{ STANDIN_IDLE_SECONDS = '600' } -SecurityProfile Capabilities
        $cfg | Start-OsgPilot | Out-Null
        $script:Seed = Invoke-DockerInspect "$Prefix-seed"
        $script:Ours = Invoke-DockerInspect "$Prefix-ours"
    }

    It 'runs as the same user' { $Ours.Config.User | Should -Be $Seed.Config.User; $Ours.Config.User | Should -Be 'osg' }
    It 'adds the same capabilities' { Get-Caps $Ours | Should -Be (Get-Caps $Seed) }
    It 'has the same capability bounding set inside the container' { Get-Bounding "$Prefix-ours" | Should -Be (Get-Bounding "$Prefix-seed") }
    It 'gives the pilot user the same effective capabilities: none on dockerd, the added ones on Podman (its preflight warns of it)' {
        $effective = { param($name) (docker exec $name grep CapEff /proc/1/status) -replace '\s+', ' ' }
        & $effective "$Prefix-ours" | Should -Be (& $effective "$Prefix-seed")
        if ($Engine -eq 'docker') { & $effective "$Prefix-ours" | Should -Be 'CapEff: 0000000000000000' }
        else { & $effective "$Prefix-ours" | Should -Not -Be 'CapEff: 0000000000000000' -Because 'Podman makes --cap-add capabilities ambient for a non-root user' }
    }
    It 'binds /cvmfs with the same source, mode and shared propagation' {
        Get-Mount $Ours '/cvmfs' | Should -Be (Get-Mount $Seed '/cvmfs')
        (Get-Mount $Ours '/cvmfs') | Should -Match 'propagation=shared'
    }
    It 'has the same environment names and values, token aside' { Get-Env $Ours | Should -Be (Get-Env $Seed) }
    It 'delivers the token as the documented file instead of a variable' {
        # Deliberate difference: copied in for the pilot user (the start-up reads it as uid 1000), not bound.
        Test-TokenInside "$Prefix-ours"
        $Ours.Config.Env | Where-Object { $_ -like 'TOKEN=*' } | Should -BeNullOrEmpty
    }
    It 'uses the same image' { $Ours.Config.Image | Should -Be $Seed.Config.Image }
    It 'has no security options the seed line lacks' { $Ours.HostConfig.SecurityOpt | Should -Be $Seed.HostConfig.SecurityOpt }
}

Describe 'Unconfined profile matches the current OSG docs' -Tag Engines -Skip:$NoEngine {
    BeforeAll {
        docker run -d --name "$Prefix-docs" --user osg `
            --security-opt seccomp=unconfined --security-opt systempaths=unconfined --security-opt no-new-privileges `
            --device /dev/fuse `
            -e 'CVMFSEXEC_REPOS=oasis.opensciencegrid.org singularity.opensciencegrid.org' `
            -v "${TokenPath}:/etc/condor/tokens-orig.d/flock.opensciencegrid.org" `
            -e GLIDEIN_Site=Lancium -e GLIDEIN_ResourceName=Lancium-Backfill -e "OSG_SQUID_LOCATION=$Squid" `
            -e "CVMFS_HTTP_PROXY=$Squid" `
            -e STANDIN_IDLE_SECONDS=600 `
            (Get-TestImage) | Out-Null
        $cfg = New-OsgPilotConfig -Site Lancium -ResourceName Lancium-Backfill -TokenPath $TokenPath -SquidLocation $Squid `
            -CvmfsMode CvmfsExec -SecurityProfile Unconfined -Image (Get-TestImage) -Name "$Prefix-unconf" -Environment @{ STANDIN_IDLE_SECONDS = '600' }
        $cfg | Start-OsgPilot | Out-Null
        $script:Docs = Invoke-DockerInspect "$Prefix-docs"
        $script:Ours = Invoke-DockerInspect "$Prefix-unconf"
    }

    It 'runs as the same user' { $Ours.Config.User | Should -Be $Docs.Config.User }
    It 'has the same security options' { @($Ours.HostConfig.SecurityOpt | Sort-Object) | Should -Be @($Docs.HostConfig.SecurityOpt | Sort-Object) }
    It 'unconfines system paths the way the CLI does (empty masked and read-only path lists)' {
        if ($Engine -eq 'docker') {
            # dockerd reports the lists in inspect; podman inspect has no such fields, so there only the inside counts.
            @($Ours.HostConfig.MaskedPaths).Count | Should -Be 0
            @($Ours.HostConfig.ReadonlyPaths).Count | Should -Be 0
            @($Docs.HostConfig.MaskedPaths).Count | Should -Be 0
        }
        # A masked or read-only system path is a mount of its own inside the container.
        $count = { param($name) docker exec $name sh -c 'grep -cE " /proc/(kcore|keys|timer_list|sysrq-trigger|sys|irq) " /proc/self/mountinfo' }
        & $count "$Prefix-unconf" | Should -Be (& $count "$Prefix-docs")
        & $count "$Prefix-unconf" | Should -Be 0
    }
    It 'maps /dev/fuse the same way' {
        ($Ours.HostConfig.Devices | ConvertTo-Json -Compress) | Should -Be ($Docs.HostConfig.Devices | ConvertTo-Json -Compress)
    }
    It 'adds no capabilities, like the docs line' { $Ours.HostConfig.CapAdd | Should -Be $Docs.HostConfig.CapAdd }
    It 'has the same environment names and values' { Get-Env $Ours | Should -Be (Get-Env $Docs) }
    It 'has the token file at the same place, for the pilot user (copied in, where the docs line binds it)' {
        Test-TokenInside "$Prefix-unconf"
        ($Docs.Mounts | Where-Object Destination -EQ '/etc/condor/tokens-orig.d/flock.opensciencegrid.org').Source | Should -Be $TokenPath
    }
    It 'uses the same image' { $Ours.Config.Image | Should -Be $Docs.Config.Image }
}

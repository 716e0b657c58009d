# The .deb and .rpm of -Task Package: the .deb installed and removed for real (dpkg, in a mount
# namespace of its own so the host keeps its module and its dpkg database), the .rpm read back with
# rpm (contents, scripts, architecture) since this Debian host cannot install it.
BeforeDiscovery {
    $script:NoDpkg = -not (Get-Command dpkg-deb -ErrorAction Ignore) -or -not (Get-Command unshare -ErrorAction Ignore)
    $script:NoRpm = -not (Get-Command rpmbuild -ErrorAction Ignore)
    $script:NotRoot = $IsLinux -and (id -u) -ne '0'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModuleDir = Split-Path $env:OSGPILOT_MODULE
    $script:Version = (Import-PowerShellDataFile $env:OSGPILOT_MODULE).ModuleVersion
    $script:Work = New-TestDirectory
    $script:ModulePath = "/usr/local/share/powershell/Modules/OsgPilot/$Version"
    $pwsh = Get-PwshCommand
    $script:BuildOutput = & $pwsh[0] $pwsh[1..9] -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../../src/Packaging/Build-NativePackages.ps1') `
        -ModuleDirectory $ModuleDir -OutputDirectory $Work 2>&1 | Out-String
    $script:BuildExit = $LASTEXITCODE
    $script:Deb = Join-Path $Work "osgpilot_${Version}_all.deb"
    $script:Rpm = Join-Path $Work "osgpilot-$Version-1.noarch.rpm"
}
AfterAll { Remove-Item -Recurse -Force $script:Work -ErrorAction Ignore }

Describe 'The .deb' -Skip:($NoDpkg -or $NoRpm) {
    It 'is built, architecture-independent, recommending PowerShell 7.4+, with only the module as its files' {
        $BuildExit | Should -Be 0 -Because $BuildOutput
        dpkg-deb -f $Deb Package Version Architecture Recommends | Should -Be @('Package: osgpilot', "Version: $Version", 'Architecture: all', 'Recommends: powershell (>= 7.4)')
        $paths = @(dpkg-deb --fsys-tarfile $Deb | tar -t) -replace '^\./', '/' | Where-Object { $_ -notmatch '/$' }
        $paths | Should -Contain "$ModulePath/OsgPilot.psd1"
        $paths | Should -Contain "$ModulePath/dependencies/OsgPilot.Library.dll"
        $paths | Should -Contain "$ModulePath/en-US/OsgPilot.dll-Help.xml"
        $paths | Where-Object { -not $_.StartsWith("$ModulePath/") } | Should -BeNullOrEmpty
        # Every file the staged module has, and no other.
        $staged = Get-ChildItem -Recurse -File $ModuleDir | ForEach-Object { $ModulePath + $_.FullName.Substring($ModuleDir.Length) }
        ($paths | Sort-Object) | Should -Be ($staged | Sort-Object)
    }

    It 'installs for real, found by every account''s pwsh, and removes leaving the site''s configs, token, state and other versions' -Skip:$NotRoot {
        $out = unshare --mount --propagation private bash (Join-Path $PSScriptRoot '../fixtures/deb-roundtrip.sh') $Deb $Version 2>&1
        $r = @{}
        foreach ($line in $out) { if ($line -match '^([a-z-]+): ?(.*)$') { $r[$Matches[1]] = $Matches[2].Trim() } }
        $because = $out -join "`n"
        # No pwsh: the package's own check stops it, naming what to install; nothing is left installed.
        $r['nopwsh-exit'] | Should -Not -Be '0' -Because $because
        $r['nopwsh-says-needs'] | Should -Be '1' -Because $because
        $r['nopwsh-status'] | Should -BeIn 'not-installed', 'not-installed-config', 'config-files' -Because $because
        $r['nopwsh-module'] | Should -Be 'absent' -Because $because
        # With the installed pwsh: in place, readable by all, imported by nobody with no environment.
        $r['install-exit'] | Should -Be '0' -Because $because
        $r['install-status'] | Should -Be 'installed' -Because $because
        $r['install-mode'] | Should -Be '644' -Because $because
        $count = (Import-PowerShellDataFile $env:OSGPILOT_MODULE).CmdletsToExport.Count
        $r['nobody-module'] | Should -Be "$ModulePath $count" -Because $because
        # Removed: the module gone, the site's files byte for byte as they were.
        $r['remove-exit'] | Should -Be '0' -Because $because
        $r['remove-module'] | Should -Be 'absent' -Because $because
        $r['site-files-kept'] | Should -Be 'yes' -Because $because
        $r['purge-site-files-kept'] | Should -Be 'yes' -Because $because
    }

    It 'names a schedule left behind when it is removed (not when it is upgraded), and removes nothing of it' {
        $units = Join-Path $Work 'prerm-units'
        New-Item -ItemType Directory $units | Out-Null
        $prerm = Get-Content -Raw (Join-Path $PSScriptRoot '../../src/Packaging/native/prerm.sh')
        # The script as packaged, reading this test's unit directory in place of /etc/systemd/system.
        $script = Join-Path $Work 'prerm'
        Set-Content $script ($prerm.Replace('/etc/systemd/system/', "$units/"))
        Set-Content "$units/osgpilot-sync-site.timer" "# Written by Register-OsgPilotSchedule (OsgPilot).`n[Timer]"
        Set-Content "$units/osgpilot-sync-own.timer" "[Timer]`n# a site's own"
        $removal = sh $script remove 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0
        $removal | Should -Match "the schedule osgpilot-sync-site still runs Sync-OsgPilot.*Unregister-OsgPilotSchedule -Name osgpilot-sync-site -Force"
        $removal | Should -Not -Match 'osgpilot-sync-own'
        (sh $script upgrade 2>&1 | Out-String) | Should -BeNullOrEmpty
        (sh $script 1 2>&1 | Out-String) | Should -BeNullOrEmpty -Because 'rpm calls %preun with 1 on an upgrade'
        (sh $script 0 2>&1 | Out-String) | Should -Match 'osgpilot-sync-site'
        @(Get-ChildItem $units).Count | Should -Be 2
    }
}

Describe 'The .rpm' -Skip:$NoRpm {
    It 'holds the module and only the module, noarch, with no automatic requirements' {
        $BuildExit | Should -Be 0 -Because $BuildOutput
        rpm -qp --qf '%{NAME} %{VERSION} %{ARCH}\n' $Rpm | Should -Be "osgpilot $Version noarch"
        $files = @(rpm -qpl $Rpm)
        $files | Should -Contain "$ModulePath/OsgPilot.psd1"
        $files | Should -Contain "$ModulePath/dependencies/linux-x64/OsgPilot.Library.dll"
        $files | Where-Object { $_ -ne (Split-Path $ModulePath) -and -not $_.StartsWith($ModulePath) } | Should -BeNullOrEmpty
        $staged = Get-ChildItem -Recurse -File $ModuleDir | ForEach-Object { $ModulePath + $_.FullName.Substring($ModuleDir.Length) }
        $staged | Where-Object { $_ -notin $files } | Should -BeNullOrEmpty
        # Only rpm's own capabilities, and PowerShell as a weak dependency.
        rpm -qp --requires $Rpm | Where-Object { $_ -notmatch '^rpmlib\(|^/bin/sh$' } | Should -BeNullOrEmpty
        rpm -qp --recommends $Rpm | Should -Be 'powershell >= 7.4'
    }

    It 'runs the same checks as the .deb: PowerShell 7.4+ before install, the schedules named on removal' {
        $scripts = rpm -qp --scripts $Rpm | Out-String
        $scripts | Should -Match 'preinstall scriptlet \(using /bin/sh\)'
        $scripts | Should -Match 'preuninstall scriptlet \(using /bin/sh\)'
        $scripts | Should -Not -Match 'postinstall|postuninstall'
        foreach ($file in 'preinst.sh', 'prerm.sh') {
            $body = (Get-Content -Raw (Join-Path $PSScriptRoot "../../src/Packaging/native/$file")).TrimEnd()
            $scripts.Replace("`r", '') | Should -Match ([regex]::Escape($body)) -Because "$file is the scriptlet"
        }
    }
}

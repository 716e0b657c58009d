<#
.SYNOPSIS
    Writes OsgPilot's .deb and .rpm from a staged module.
.DESCRIPTION
    Both install the module in /usr/local/share/powershell/Modules/OsgPilot/<version>: PowerShell's
    all-users module directory on Linux, the one every pwsh searches whatever installed it (Microsoft's
    package, a dotnet tool, a tarball), side by side with other versions. Their only scripts are
    native/preinst.sh (PowerShell 7.4+ must run on this host, else nothing is installed) and
    native/prerm.sh (a removal names the schedules that would be left failing). They own nothing
    else: configs, tokens, pilot directories and the state directory stay on removal.
    The packages are architecture-independent: the module is IL, with ReadyToRun images that only an
    x64 process loads.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleDirectory,
    [Parameter(Mandatory)] [string] $OutputDirectory
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$manifest = Import-PowerShellDataFile (Join-Path $ModuleDirectory 'OsgPilot.psd1')
$version = $manifest.ModuleVersion
$modulePath = "/usr/local/share/powershell/Modules/OsgPilot/$version"
$summary = 'Run OSG pilot containers (OSPool backfill) from PowerShell'
$description = $manifest.Description
$homepage = $manifest.PrivateData.PSData.ProjectUri
$scripts = Join-Path $PSScriptRoot 'native'
New-Item -ItemType Directory -Force $OutputDirectory | Out-Null

function Invoke-Tool {
    $command, $arguments = $args
    $out = & $command @arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "'$command $($arguments -join ' ')' failed with exit code ${LASTEXITCODE}: $($out -join "`n")" }
}

function New-Work {
    $dir = Join-Path ([IO.Path]::GetTempPath()) ('osgpilot-pkg-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $dir | Out-Null
    $dir
}

function Copy-Module([string] $Root) {
    $dest = Join-Path $Root $modulePath.TrimStart('/')
    New-Item -ItemType Directory -Force (Split-Path $dest) | Out-Null
    Copy-Item $ModuleDirectory $dest -Recurse
    # Files 0644 and directories 0755 whatever the build's umask: every account's pwsh reads them.
    Invoke-Tool chmod -R 'u=rwX,go=rX' $dest
}

function New-Deb {
    $work = New-Work
    try {
        $root = Join-Path $work 'root'
        Copy-Module $root
        $control = New-Item -ItemType Directory (Join-Path $root 'DEBIAN')
        $kib = [int][Math]::Ceiling(((Get-ChildItem -Recurse -File (Join-Path $root 'usr') | Measure-Object Length -Sum).Sum) / 1024)
        $text = @(
            'Package: osgpilot'
            "Version: $version"
            'Architecture: all'
            "Maintainer: $($manifest.Author) <osgpilot@users.noreply.github.com>"
            'Section: admin'
            'Priority: optional'
            'Recommends: powershell (>= 7.4)'
            "Installed-Size: $kib"
            "Homepage: $homepage"
            "Description: $summary"
            " $description"
            ' Needs PowerShell 7.4 or later (Microsoft''s powershell package); installs the module where'
            ' every pwsh finds it for all accounts: /usr/local/share/powershell/Modules.'
        ) -join "`n"
        [IO.File]::WriteAllText((Join-Path $control 'control'), $text + "`n")
        Copy-Item (Join-Path $scripts 'preinst.sh') (Join-Path $control 'preinst')
        Copy-Item (Join-Path $scripts 'prerm.sh') (Join-Path $control 'prerm')
        Invoke-Tool chmod 0755 (Join-Path $control 'preinst') (Join-Path $control 'prerm')
        $deb = Join-Path $OutputDirectory "osgpilot_${version}_all.deb"
        Invoke-Tool dpkg-deb --root-owner-group -Zxz --build $root $deb
        Get-Item $deb
    }
    finally {
        Remove-Item $work -Recurse -Force -ErrorAction Ignore
    }
}

function New-Rpm {
    $rpmbuild = Get-Command rpmbuild -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $rpmbuild) { throw 'rpmbuild is not installed, so no .rpm was written: install it (Debian and Ubuntu: apt-get install rpm; EL: dnf install rpm-build).' }
    $work = New-Work
    try {
        $tree = Join-Path $work 'tree'
        Copy-Module $tree
        $preinst = Get-Content -Raw (Join-Path $scripts 'preinst.sh')
        $prerm = Get-Content -Raw (Join-Path $scripts 'prerm.sh')
        # The staged tree is copied in as it is: nothing to compile, strip or byte-compile.
        $spec = @(
            'Name: osgpilot'
            "Version: $version"
            'Release: 1'
            "Summary: $summary"
            'License: MIT'
            "URL: $homepage"
            'BuildArch: noarch'
            'AutoReqProv: no'
            'Recommends: powershell >= 7.4'
            '%global __os_install_post %{nil}'
            '%global debug_package %{nil}'
            ''
            '%description'
            $description
            'Needs PowerShell 7.4 or later (Microsoft''s powershell package); installs the module where'
            'every pwsh finds it for all accounts: /usr/local/share/powershell/Modules.'
            ''
            '%install'
            'mkdir -p %{buildroot}'
            "cp -a '$tree'/. %{buildroot}/"
            ''
            '%pre'
            $preinst.TrimEnd()
            ''
            '%preun'
            $prerm.TrimEnd()
            ''
            '%files'
            '%defattr(-,root,root,-)'
            # The version's directory and the module's (removed when no other version is left in it).
            "%dir $(Split-Path $modulePath)"
            "$modulePath"
            ''
        ) -join "`n"
        $specPath = Join-Path $work 'osgpilot.spec'
        [IO.File]::WriteAllText($specPath, $spec)
        Invoke-Tool $rpmbuild.Source -bb --quiet --define "_topdir $work/rpm" --define '_build_id_links none' --define '_binary_payload w9.xzdio' $specPath
        $built = Get-ChildItem -Recurse -Filter '*.rpm' (Join-Path $work 'rpm/RPMS') | Select-Object -First 1
        $rpm = Join-Path $OutputDirectory $built.Name
        Copy-Item $built.FullName $rpm -Force
        Get-Item $rpm
    }
    finally {
        Remove-Item $work -Recurse -Force -ErrorAction Ignore
    }
}

New-Deb
New-Rpm

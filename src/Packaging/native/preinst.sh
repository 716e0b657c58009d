#!/bin/sh
# OsgPilot's packages: before the files go in. OsgPilot is a PowerShell 7.4+ module; without such a
# pwsh on this host the install says so and stops, installing nothing. Microsoft's powershell
# package is how EL9, Debian and Ubuntu hosts get one.
set -e
found=
for p in "$(command -v pwsh 2>/dev/null || true)" /usr/bin/pwsh /opt/microsoft/powershell/7/pwsh /usr/local/bin/pwsh; do
    if [ -n "$p" ] && [ -x "$p" ]; then found=$p; break; fi
done
if [ -z "$found" ]; then
    echo "osgpilot: OsgPilot needs PowerShell 7.4 or later, and this host has no pwsh. Install Microsoft's powershell package (https://learn.microsoft.com/powershell/scripting/install/installing-powershell-on-linux), then this package again. Nothing was installed." >&2
    exit 1
fi
# Its own environment only, as a scheduled run has: a pwsh that needs this shell's PATH would fail there too.
version=$(env -i HOME=/root "$found" -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null || true)
case "$version" in
    7.[4-9]|7.[4-9].*|7.[1-9][0-9]*|[89].*|[1-9][0-9].*) ;;
    *)
        echo "osgpilot: OsgPilot needs PowerShell 7.4 or later; $found is ${version:-not runnable on its own (env -i)}. Install Microsoft's powershell package, then this package again. Nothing was installed." >&2
        exit 1
        ;;
esac
exit 0

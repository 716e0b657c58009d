#!/bin/sh
# OsgPilot's packages: before the module is removed for good (not on an upgrade). Configs, tokens,
# pilot directories, the state directory and the pilots themselves are the site's and stay. A
# schedule Register-OsgPilotSchedule wrote would fail at every run without the module: name it.
set -e
# dpkg: "remove" (not "upgrade"); rpm %preun: 0 packages left (not 1, an upgrade).
case "${1:-}" in remove|0) ;; *) exit 0 ;; esac
for timer in /etc/systemd/system/osgpilot-sync-*.timer; do
    [ -f "$timer" ] || continue
    head -c 64 "$timer" | grep -q '^# Written by Register-OsgPilotSchedule' || continue
    name=$(basename "$timer" .timer)
    echo "osgpilot: the schedule $name still runs Sync-OsgPilot, which fails once the module is gone; take it back first with: pwsh -Command 'Unregister-OsgPilotSchedule -Name $name -Force'" >&2
done
exit 0

#!/usr/bin/env bash
# Checks systemd/wooshpay-kiosk.service the way CI does: `systemd-analyze verify` must print nothing (it exits
# 0 on unknown keys and bad values), and the offline security exposure must be 1.5 or better (the system test checks the same inside a booted VM).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v systemd-analyze >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# verify needs ExecStart's binary to exist: check a copy that points at one that does.
sed "s|^ExecStart=/usr/bin/wooshpay-kiosk|ExecStart=$(command -v true)|" systemd/wooshpay-kiosk.service > "$work/wooshpay-kiosk.service"
output=$(systemd-analyze verify "$work/wooshpay-kiosk.service" 2>&1 || true)
# A container without systemd as PID 1 may add lines about the host that say nothing of this unit.
output=$(printf '%s\n' "$output" | grep -v -e '^$' -e 'Failed to connect to bus' -e 'System has not been booted with systemd' || true)
if [ -n "$output" ]; then
  printf 'systemd-analyze verify complained:\n%s\n' "$output" >&2
  exit 1
fi
echo "systemd-analyze verify: clean"

exposure=$(systemd-analyze security --offline=true "$work/wooshpay-kiosk.service" 2>/dev/null \
  | grep -o 'Overall exposure level for [^:]*: [0-9.]*' | awk '{print $NF}' | tail -1)
echo "systemd-analyze security: exposure $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 1.5) }' || { echo "exposure $exposure is worse than 1.5" >&2; exit 1; }

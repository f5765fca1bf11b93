#!/bin/sh
# examples/poller.service passes `systemd-analyze verify` against an installed poller (its binary
# and man page), and its sandbox keeps the exposure score of `systemd-analyze security` at 2.0
# or lower ("OK"): weakening it fails here. Nothing is installed on this machine; no unit runs.
#   systemd_unit_test.sh BUILD_DIR UNIT_FILE
set -eu
build_dir="$1" unit="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build_dir" --prefix "$tmp/prefix" >/dev/null
grep -q '^ExecStart=/usr/bin/poller ' "$unit" || { echo "ExecStart is not /usr/bin/poller" >&2; exit 1; }
# The same unit, pointing at the poller installed under the temp prefix.
sed "s|/usr/bin/poller|$tmp/prefix/bin/poller|" "$unit" >"$tmp/poller.service"

# verify also runs `man` on Documentation=man:poller(1).
MANPATH="$tmp/prefix/share/man" systemd-analyze verify "$tmp/poller.service"
systemd-analyze security --offline=yes --threshold=20 "$tmp/poller.service" >"$tmp/security" 2>&1 || {
  cat "$tmp/security" >&2
  exit 1
}
grep 'Overall exposure level' "$tmp/security"

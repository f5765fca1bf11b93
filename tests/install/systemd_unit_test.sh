#!/bin/sh
# examples/poller.service passes `systemd-analyze verify` against an installed poller (its binary
# and man page), and its sandbox keeps the exposure score of `systemd-analyze security` at 2.0
# or lower ("OK"): weakening it fails here. Nothing is installed on this machine; no unit runs.
# A template (examples/systemd/poller@.service) is checked as its instance poller@03, and its
# ExecStart, with %i and ${SHARDS} expanded as systemd would, must be a command line poller
# takes (run once against closed loopback ports: status 1, failed fetches, not 2).
#   systemd_unit_test.sh BUILD_DIR UNIT_FILE
set -eu
build_dir="$1" unit="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build_dir" --prefix "$tmp/prefix" >/dev/null
grep -q '^ExecStart=/usr/bin/poller ' "$unit" || { echo "ExecStart is not /usr/bin/poller" >&2; exit 1; }
name="$(basename "$unit")"
case "$name" in
  *@.service) name="${name%@.service}@03.service" ;;
esac
# The same unit, pointing at the poller installed under the temp prefix.
sed "s|/usr/bin/poller|$tmp/prefix/bin/poller|" "$unit" >"$tmp/$name"

# verify also runs `man` on Documentation=man:poller(1).
MANPATH="$tmp/prefix/share/man" systemd-analyze verify "$tmp/$name"
systemd-analyze security --offline=yes --threshold=20 "$tmp/$name" >"$tmp/security" 2>&1 || {
  cat "$tmp/security" >&2
  exit 1
}
grep 'Overall exposure level' "$tmp/security"

case "$unit" in
  *@.service)
    shards="$(sed -n 's/^Environment=SHARDS=//p' "$unit")"
    [ -n "$shards" ] || { echo "no Environment=SHARDS=N in $unit" >&2; exit 1; }
    # Ports nothing listens on stand in for the list (of their 9 origins, shard 3 of 4 has
    # ports 6 and 8); the metrics port for a free one.
    for port in 1 2 3 4 5 6 7 8 9; do echo "http://127.0.0.1:$port/"; done >"$tmp/urls.txt"
    command="$(sed -n 's/^ExecStart=//p' "$unit" | sed -e "s|%i|03|g" -e "s|\${SHARDS}|$shards|g" \
      -e "s|/etc/poller/urls.txt|$tmp/urls.txt|" -e "s|--interval [^ ]*|--once|" \
      -e "s|/usr/bin/poller|$tmp/prefix/bin/poller|")"
    case "$command" in
      *"--shard 03/$shards --metrics-listen 127.0.0.1:9103 "*) ;;
      *) echo "unexpected ExecStart once expanded: $command" >&2; exit 1 ;;
    esac
    status=0
    # shellcheck disable=SC2086
    $(echo "$command" | sed 's|127.0.0.1:9103|127.0.0.1:0|') 2>"$tmp/stderr" || status=$?
    if [ "$status" -ne 1 ] || ! grep -q "shard 3/$shards: " "$tmp/stderr"; then
      echo "poller@03's command exited $status:" >&2
      cat "$tmp/stderr" >&2
      exit 1
    fi
    ;;
esac

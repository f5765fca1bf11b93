#!/bin/bash
# The README's first command as a newcomer meets it: `scripts/poll` in a clone of this project's
# committed state, inside a pristine minimal Debian 12 root (fresh-debian: debootstrap minbase plus
# sudo, git and ca-certificates; loopback shared with this host), against an nginx on loopback
# here. It must install what it needs, build poller, and print the page. Needs root and the apt
# mirror of this host; takes minutes (apt-get install + a build of poller alone).
#   tests/fresh/first_command.sh [FRESH_DEBIAN]    default: ../shared/tools/fresh-debian
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
fresh="${1:-${FRESH_DEBIAN:-$root/../shared/tools/fresh-debian}}"
fail() { echo "first_command: FAIL: $*" >&2; exit 1; }
[ -x "$fresh" ] || fail "fresh-debian not found at $fresh (CI puts shared/ beside the clone;" \
  "give its path as an argument or in FRESH_DEBIAN)"
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || fail "nginx is needed (scripts/bootstrap --test)"

work="$(mktemp -d "${TMPDIR:-/tmp}/poller-fresh.XXXXXX")"
nginx_pid=""
cleanup() {
  [ -z "$nginx_pid" ] || kill "$nginx_pid" 2>/dev/null || :
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mkdir -p "$work/html" "$work/logs" "$work/tmp"
page="hello from a fresh Debian 12 root"
printf '%s\n' "$page" >"$work/html/index.html"
# master_process off: one process, as this user, which can read $work (0700).
# A port taken by someone else: nginx exits at once, so another is tried.
for attempt in 1 2 3 4 5; do
  port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
  cat >"$work/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
lock_file $work/nginx.lock;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events {}
http {
  access_log off;
  client_body_temp_path $work/tmp/client_body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  server { listen 127.0.0.1:$port; root $work/html; }
}
CONF
  /usr/sbin/nginx -p "$work" -c "$work/nginx.conf" 2>>"$work/logs/error.log" &
  nginx_pid=$!
  listening=0
  for _ in $(seq 50); do
    kill -0 "$nginx_pid" 2>/dev/null || break
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then listening=1; break; fi
    sleep 0.1
  done
  [ "$listening" = 1 ] && break
  kill "$nginx_pid" 2>/dev/null || :
  nginx_pid=""
done
[ -n "$nginx_pid" ] || fail "nginx did not start: $(cat "$work/logs/error.log")"

url="http://127.0.0.1:$port/"
echo "first_command: fresh-debian $root -- scripts/poll --once $url" >&2
start=$(date +%s)
status=0
"$fresh" "$root" -- scripts/poll --once "$url" >"$work/stdout" 2>"$work/stderr" || status=$?
seconds=$(($(date +%s) - start))
if [ "$status" != 0 ] || [ "$(cat "$work/stdout")" != "$page" ]; then
  tail -n 40 "$work/stderr" >&2
  fail "scripts/poll exited $status after ${seconds}s; stdout: $(head -c 300 "$work/stdout")"
fi
echo "first_command: ok in ${seconds}s: scripts/poll printed the page" >&2

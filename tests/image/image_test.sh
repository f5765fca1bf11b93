#!/bin/sh
# The container image, as the Kubernetes example runs it: the Containerfile built by podman
# (buildah's chroot isolation; images kept in a temporary directory, never the machine's store)
# from the .deb that scripts/package made, on a stand-in for debian:12-slim: the pristine Debian 12
# root of fresh-debian with this host's apt sources, as the real image has Debian's. The image is
# then mounted and its poller run under chroot as the image's user (podman run cannot set rlimits
# here): --version, and a fetch over loopback. Needs root and the apt mirror; takes a minute or two.
#   tests/image/image_test.sh DEB [FRESH_DEBIAN]
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
deb="$(realpath "$1")"
fresh="${2:-${FRESH_DEBIAN:-$root/../shared/tools/fresh-debian}}"
fail() { echo "image: FAIL: $*" >&2; exit 1; }
command -v podman >/dev/null || fail "podman is needed (scripts/bootstrap --test)"
version="$(dpkg-deb -f "$deb" Version)"
image="localhost/poller:$version"

work="$(mktemp -d /var/tmp/poller-image.XXXXXX)"
server_pid=""
pod() { podman --root "$work/storage" --runroot "$work/run" --storage-driver vfs "$@"; }
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || :
  pod image unmount --all >/dev/null 2>&1 || :
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The base: fresh-debian's cached root (made once by a run of it), with this host's apt sources and
# proxy, as debian:12-slim comes with Debian's.
cache="${FRESH_DEBIAN_CACHE:-/var/tmp/fresh-debian}"
tarball="$(ls "$cache"/bookworm-minbase-*.tar 2>/dev/null | head -n 1 || :)"
if [ -z "$tarball" ]; then
  "$fresh" "$root" -- true || fail "fresh-debian could not make its root"
  tarball="$(ls "$cache"/bookworm-minbase-*.tar | head -n 1)"
fi
mkdir "$work/base"
tar -C "$work/base" --numeric-owner -xpf "$tarball"
for sources in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
  [ ! -f "$sources" ] || cp "$sources" "$work/base$sources"
done
apt-config dump | grep -E '^Acquire::' >"$work/base/etc/apt/apt.conf.d/01host" || :
tar -C "$work/base" --numeric-owner -cf - . | pod import --quiet - localhost/debian-stand-in:12 >/dev/null
rm -rf "$work/base"

# The build context: the Containerfile and the .deb, nothing else.
mkdir -p "$work/context/dist"
cp "$root/Containerfile" "$work/context/"
cp "$deb" "$work/context/dist/"
pod build --quiet --isolation chroot --build-arg BUILD_BASE=localhost/debian-stand-in:12 \
  --build-arg RUNTIME_BASE=localhost/debian-stand-in:12 \
  -t "$image" "$work/context" >/dev/null || fail "podman build"

user="$(pod image inspect --format '{{.Config.User}}' "$image")"
entrypoint="$(pod image inspect --format '{{json .Config.Entrypoint}}' "$image")"
size="$(pod image inspect --format '{{.Size}}' "$image")"
base_size="$(pod image inspect --format '{{.Size}}' localhost/debian-stand-in:12)"
[ "$user" = "10001:10001" ] || fail "the image's user is \"$user\", not 10001:10001"
[ "$entrypoint" = '["/usr/bin/poller"]' ] || fail "the entrypoint is $entrypoint"
grep -q "image: poller:$version\$" "$root/examples/kubernetes/statefulset.yaml" ||
  fail "examples/kubernetes/statefulset.yaml does not run poller:$version"

mnt="$(pod image mount "$image")"
for absent in usr/bin/g++ usr/bin/cmake usr/include/boost; do
  [ ! -e "$mnt/$absent" ] || fail "the image holds /$absent: build tools do not belong in it"
done
shown="$(chroot --userspec=10001:10001 "$mnt" /usr/bin/poller --version)"
[ "$shown" = "poller $version" ] || fail "poller --version in the image: $shown"

mkdir "$work/www"
echo "served to the image" >"$work/www/page.txt"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 &
server_pid=$!
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break
  sleep 0.3
done
body="$(chroot --userspec=10001:10001 "$mnt" /usr/bin/poller --once "http://127.0.0.1:$port/page.txt")" ||
  fail "poller in the image could not fetch over loopback"
[ "$body" = "served to the image" ] || fail "poller in the image printed: $body"
echo "image: $image, $((size / 1000000)) MB, of which $(((size - base_size) / 1000000)) MB on top of" \
  "the base; user 10001, entrypoint /usr/bin/poller: runs and fetches"

#!/bin/sh
# cpack builds poller_<version>_<arch>.deb holding exactly the three installed files, the binary
# stripped, with a Depends line from dpkg-shlibdeps that this Debian can satisfy; the binary
# unpacked from it runs. Nothing is installed on this machine.
#   deb_test.sh CPACK_CONFIG VERSION
set -eu
config="$1" version="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "$*" >&2; exit 1; }

cpack --config "$config" -B "$tmp/out" >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log" >&2; exit 1; }
arch="$(dpkg --print-architecture)"
deb="$tmp/out/poller_${version}_${arch}.deb"
[ -f "$deb" ] || fail "no $deb; cpack made: $(ls "$tmp/out")"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = poller ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[ "$(field Section)" = net ] || fail "Section: $(field Section)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Description)" ] || fail "no Description"

# The libraries poller links, as dpkg-shlibdeps names their Debian 12 packages.
depends="$(field Depends)"
for package in libc6 libstdc++6 libssl3 libboost-url1.81.0 libboost-json1.81.0 libspdlog1.10-fmt9 \
  libc-ares2; do
  case ", $depends" in
    *", $package "* | *", $package,"* | *", $package") ;;
    *) fail "Depends lacks $package: $depends" ;;
  esac
done
# Every package named is installed here, or provided by one that is (libspdlog1.10 provides
# libspdlog1.10-fmt9): poller was built against them, so the .deb installs on this machine.
dpkg-query -W -f='${db:Status-Status} ${Package} ${Provides}\n' |
  sed -n 's/^installed //p' | sed 's/([^)]*)//g; s/,/ /g' | tr ' ' '\n' | sort -u >"$tmp/have"
for package in $(echo "$depends" | sed 's/([^)]*)//g; s/,/ /g'); do
  grep -qxF "$package" "$tmp/have" ||
    fail "Depends names $package, which nothing installed here provides: $depends"
done

contents="$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sort)"
expected="./usr/bin/poller
./usr/share/bash-completion/completions/poller
./usr/share/man/man1/poller.1.gz"
[ "$contents" = "$expected" ] || fail "package files differ from the expected three: $contents"

dpkg -x "$deb" "$tmp/root"
file "$tmp/root/usr/bin/poller" | grep -q ', stripped' || fail "binary not stripped: $(file "$tmp/root/usr/bin/poller")"
out="$("$tmp/root/usr/bin/poller" --version)"
[ "$out" = "poller $version" ] || fail "unpacked poller --version printed: $out"
echo "$(basename "$deb"): $(wc -c <"$deb") bytes; Depends: $depends"

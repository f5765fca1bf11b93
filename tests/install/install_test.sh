#!/bin/sh
# `cmake --install` puts exactly three files under the prefix (the binary, the man page, the
# bash completion: no test binary, no gtest), and the installed binary runs.
#   install_test.sh BUILD_DIR VERSION
set -eu
build_dir="$1" version="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build_dir" --prefix "$tmp/prefix" >/dev/null

installed="$(cd "$tmp/prefix" && find . -type f -o -type l | sort)"
expected="./bin/poller
./share/bash-completion/completions/poller
./share/man/man1/poller.1.gz"
if [ "$installed" != "$expected" ]; then
  printf 'installed files differ from the expected three:\n%s\n' "$installed" >&2
  exit 1
fi

out="$("$tmp/prefix/bin/poller" --version)"
[ "$out" = "poller $version" ] || { echo "installed poller --version printed: $out" >&2; exit 1; }

# man finds the page where it was installed, as it would under /usr/local.
page="$(MANPATH="$tmp/prefix/share/man" man -w poller)"
[ "$page" = "$tmp/prefix/share/man/man1/poller.1.gz" ] || { echo "man -w poller: $page" >&2; exit 1; }
echo "installed: $(echo "$installed" | tr '\n' ' ')"

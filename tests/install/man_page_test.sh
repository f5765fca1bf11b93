#!/bin/sh
# The man page renders without warnings and documents, as an item of OPTIONS, every option that
# `poller --help` lists, with the same short alias, and no option that --help does not list.
#   man_page_test.sh POLLER MAN_PAGE
set -eu
poller="$1" page="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

MANWIDTH=80 man --warnings -l "$page" >/dev/null 2>"$tmp/warnings"
if [ -s "$tmp/warnings" ]; then
  echo "man --warnings:" >&2
  cat "$tmp/warnings" >&2
  exit 1
fi

# --help's groups: "  -i, --interval DURATION   Period ..." -> "-i,--interval";
# "      --once   Same ..." -> "--once".
"$poller" --help | sed -n '/^Rounds:$/,/^Exit status/p' |
  sed -n 's/^  \(-.\), \(--[^ ]*\).*/\1,\2/p; s/^      \(--[^ ]*\).*/\1/p' | sort >"$tmp/help"
# The OPTIONS section rendered wide enough not to break lines; its items are the lines indented by
# 7 that start with a dash: "-i, --interval DURATION" -> "-i,--interval".
MANWIDTH=400 man -l "$page" 2>/dev/null | col -b |
  sed -n '/^OPTIONS$/,/^[A-Z]/p' |
  sed -n 's/^       \(-[^ ,]*\)\(, \(--[^ ]*\)\)\{0,1\}.*/\1,\3/p' |
  sed 's/,$//' | sort >"$tmp/man"

[ -s "$tmp/help" ] || { echo "no option parsed from --help" >&2; exit 1; }
if ! diff -u "$tmp/help" "$tmp/man" >"$tmp/diff"; then
  echo "options in --help (-) and in the man page's OPTIONS (+) differ:" >&2
  cat "$tmp/diff" >&2
  exit 1
fi
echo "man page documents $(wc -l <"$tmp/help") options, as --help lists them"

#!/bin/bash
# The bash completion, sourced in a bare bash and driven through COMP_WORDS as readline would,
# completes option names (every long option of `poller --help`), the values of --format,
# --log-format and --color, and file names for --cacert and the URL list.
#   completion_test.sh POLLER COMPLETION_SCRIPT
set -eu
poller="$(realpath "$1")" script="$(realpath "$2")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0

# complete WORD... : what the completion offers for the last word, sorted, on one line.
complete_words() {
  bash --norc --noprofile -c '
    . "$1"; shift
    COMP_WORDS=(poller "$@"); COMP_CWORD=$#
    COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
    _poller
    printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"' \
    _ "$script" "$@"
}

expect() {
  local want="$1"; shift
  local got
  got="$(cd "$tmp" && complete_words "$@")"
  if [ "$got" != "$want" ]; then
    echo "poller $* <TAB>: expected [$want], got [$got]" >&2
    failures=$((failures + 1))
  fi
}

mkdir "$tmp/certs"
touch "$tmp/certs/ca.pem" "$tmp/urls.txt"

expect "--format" --for
expect "board body json line none" --format ""
expect "json" --format j
expect "json" --format = js
expect "json text" --log-format ""
expect "always auto never" --color ""
expect "--log-format" --log
expect "certs/ca.pem" --cacert certs/c
expect "urls.txt" --once u
expect "" --interval ""
expect "@urls.txt" -w @u
expect "" -w "%{"
expect "urls.txt" https://127.0.0.1/ u

# Every long option --help lists is offered after "--".
all="$(cd "$tmp" && complete_words --)"
for option in $("$poller" --help | sed -n 's/^  \(-., \)\{0,1\} \{0,4\}\(--[^ ]*\).*/\2/p'); do
  case "$option" in --*) ;; *) continue ;; esac
  case " $all " in
    *" $option "*) ;;
    *) echo "\"--<TAB>\" does not offer $option" >&2; failures=$((failures + 1)) ;;
  esac
done

# Sourcing registers the function for the command.
registered="$(bash --norc --noprofile -c '. "$1"; complete -p poller' _ "$script")"
[ "$registered" = "complete -F _poller poller" ] || {
  echo "complete -p poller: $registered" >&2
  failures=$((failures + 1))
}

[ "$failures" -eq 0 ] || exit 1
echo "completion: all cases pass"

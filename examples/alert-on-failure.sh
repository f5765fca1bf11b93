#!/bin/sh
# Prints the URL of each failed fetch as it fails, for as long as poller runs; a line a failure,
# ready for a notifier:
#   examples/alert-on-failure.sh --interval 1m urls.txt | while read -r url; do notify "$url"; done
# Arguments go to poller (options, then the URL file).
set -eu
poller --format json "$@" | jq --unbuffered -r 'select(.ok | not) | .url'

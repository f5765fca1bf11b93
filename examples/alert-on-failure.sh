#!/bin/bash
# Prints the URL of each failed fetch as it fails, for as long as poller runs; a line a failure,
# ready for a notifier:
#   examples/alert-on-failure.sh --interval 1m urls.txt | while read -r url; do notify "$url"; done
# Arguments go to poller (options, then URLs or list files). The exit status is poller's: 1 when a
# fetch failed, 2 for a bad option or list (pipefail: jq's success does not hide it).
set -euo pipefail
poller --format json "$@" | jq --unbuffered -r 'select(.ok | not) | .url'

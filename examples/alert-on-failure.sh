#!/bin/bash
# Prints each change of state as it happens, one line an event, for as long as poller runs:
# "down URL REASON" when a URL goes down, "up URL" when it is back (with --down-after N, after N
# failures in a row). Ready for a notifier that should page once, not once a round:
#   examples/alert-on-failure.sh --interval 1m urls.txt | while read -r state url reason; do
#     notify "$state" "$url" "$reason"; done
# Arguments go to poller (options, then URLs or list files). The exit status is poller's: 1 when a
# fetch failed, 2 for a bad option or list (pipefail: jq's success does not hide it).
set -euo pipefail
poller --format json "$@" |
  jq --unbuffered -r 'select(.state_changed) |
    if .state == "down" then "down \(.url) \(.error)" else "up \(.url)" end'

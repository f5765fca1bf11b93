#!/bin/sh
# One round; how many URLs answered each HTTP status, and how many got no response at all
# ("failed": refused, timed out, TLS error...), as "status<TAB>count":
#   examples/status-counts.sh urls.txt
# Arguments go to poller (options, then the URL file).
set -eu
poller --once --format json "$@" |
  jq -s -r 'group_by(.status // "failed") | .[] | "\(.[0].status // "failed")\t\(length)"'

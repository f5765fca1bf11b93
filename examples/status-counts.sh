#!/bin/bash
# One round; how many URLs answered each HTTP status, and how many got no response at all
# ("failed": refused, timed out, TLS error...), as "status<TAB>count":
#   examples/status-counts.sh urls.txt
# Arguments go to poller (options, then URLs or list files). The exit status is poller's: 1 when a
# fetch failed, 2 for a bad option or list (pipefail: jq's success does not hide it).
set -euo pipefail
poller --once --format json "$@" |
  jq -s -r 'group_by(.status // "failed") | .[] | "\(.[0].status // "failed")\t\(length)"'

#!/bin/bash
# One round; the five slowest successful fetches, slowest first, as "seconds<TAB>status<TAB>url":
#   examples/slowest.sh urls.txt
# Arguments go to poller (options, then URLs or list files). The exit status is poller's: 1 when a
# fetch failed, 2 for a bad option or list (pipefail: jq's success does not hide it).
set -euo pipefail
poller --once --format json "$@" |
  jq -s -r 'map(select(.ok)) | sort_by(-.time_total) | .[:5][] | "\(.time_total)\t\(.status)\t\(.url)"'

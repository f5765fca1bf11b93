#!/bin/sh
# One round; the five slowest successful fetches, slowest first, as "seconds<TAB>status<TAB>url":
#   examples/slowest.sh urls.txt
# Arguments go to poller (options, then the URL file).
set -eu
poller --once --format json "$@" |
  jq -s -r 'map(select(.ok)) | sort_by(-.time_total) | .[:5][] | "\(.time_total)\t\(.status)\t\(.url)"'

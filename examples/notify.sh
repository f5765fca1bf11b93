#!/bin/sh
# An --on-state hook that tells someone when a URL goes down and when it is back:
#   poller --down-after 3 --on-state /usr/local/bin/notify.sh /etc/poller/urls.txt
# With NOTIFY_WEBHOOK set (a Slack, Mattermost or Rocket.Chat incoming webhook URL) it posts the
# event there with curl; else with NOTIFY_MAILTO set and sendmail installed it mails it; else it
# prints it, and poller logs it. The event comes in POLLER_* variables, never in the command.
set -eu
if [ "$POLLER_STATE" = down ]; then
  text="DOWN $POLLER_NAME: $POLLER_REASON (since $POLLER_SINCE)"
else
  text="UP $POLLER_NAME after ${POLLER_DURATION}s down"
fi
if [ -n "${NOTIFY_WEBHOOK:-}" ]; then
  # jq writes the JSON string: a reason holding quotes stays one field.
  jq -cn --arg text "$text" '{text: $text}' |
    curl -fsS --max-time 10 -H 'Content-Type: application/json' --data-binary @- "$NOTIFY_WEBHOOK" \
      >/dev/null
elif [ -n "${NOTIFY_MAILTO:-}" ] && command -v sendmail >/dev/null 2>&1; then
  printf 'To: %s\nSubject: poller: %s\n\n%s\n' "$NOTIFY_MAILTO" "$text" "$text" | sendmail -t
else
  echo "$text"
fi

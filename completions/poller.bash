# bash completion for poller. Self-contained (no bash-completion helpers needed), so it also
# works when sourced by hand: . completions/poller.bash
# Every option mirrors src/main.cpp; tests/install/completion_test.sh drives this function.

_poller() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  local prev=""
  ((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD - 1]}"
  # bash splits "--format=js" at '=' (COMP_WORDBREAKS): look past it to the option.
  if [[ "$cur" == "=" ]]; then
    cur=""
  elif [[ "$prev" == "=" ]] && ((COMP_CWORD > 1)); then
    prev="${COMP_WORDS[COMP_CWORD - 2]}"
  fi

  case "$prev" in
    --format)
      mapfile -t COMPREPLY < <(compgen -W "body json none line board" -- "$cur")
      return
      ;;
    --log-format)
      mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur")
      return
      ;;
    --color)
      mapfile -t COMPREPLY < <(compgen -W "auto always never" -- "$cur")
      return
      ;;
    --cacert)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    # -w @FILE reads the template from FILE, -d @FILE (--data-binary, --json) the body: complete
    # the file after the '@'.
    -w | --write-out | -d | --data | --data-binary | --json)
      if [[ "$cur" == @* ]]; then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "${cur#@}" | sed 's/^/@/')
      else
        COMPREPLY=()
      fi
      return
      ;;
    # Options whose value is free text: offer nothing rather than file names.
    -X | --request)
      mapfile -t COMPREPLY < <(compgen -W "GET HEAD POST PUT DELETE PATCH OPTIONS" -- "$cur")
      return
      ;;
    -i | --interval | -n | --count | --connect-timeout | -m | --max-time | --max-redirs | \
      --resolve | -x | --proxy | --noproxy | -H | --header | -A | --user-agent | --max-filesize | \
      --max-connections | --expect-status | --expect-body | --max-latency | --cert-expiry | \
      --metrics-listen | --shard | --parallel-max | --parallel-max-host | --name | --down-after | \
      --up-after | --on-state | --on-state-timeout | --alertmanager | --max-retry-after)
      COMPREPLY=()
      return
      ;;
  esac

  if [[ "$cur" == -* ]]; then
    # As --help groups them: Rounds, Requests, Transport, Checks, State and alerts, Output,
    # Fleet, Logging, Help.
    local options="-i --interval -n --count --once -Z --parallel --parallel-max
      --parallel-max-host --spread --max-retry-after
      -X --request -d --data --data-binary --json -m --max-time -L --location --max-redirs
      -H --header -A --user-agent --max-filesize --conditional --compressed
      --connect-timeout --resolve -4 --ipv4 -6 --ipv6 --max-connections -x --proxy --noproxy
      --cacert -k --insecure
      -f --fail --expect-status --expect-body --max-latency --cert-expiry
      --down-after --up-after --on-state --on-state-timeout --alertmanager
      --name --format --color -w --write-out --on-change
      --metrics-listen --shard
      --log-format -v --verbose -q --quiet
      -h --help --version"
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    return
  fi

  # SOURCE operands: a URL is typed, not completed; list files are (- is standard input).
  compopt -o filenames 2>/dev/null
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

complete -F _poller poller

#!/usr/bin/env bash
# The relay's peak memory after EVENTS events (target: at most 40 MB after 30,000), on the embedded homeserver (rate
# limits off): a fresh relay (fresh outbox) per run, four producers posting plain events to POST /v1/events and one
# posting Alertmanager notifications (5 firing alerts each) to POST /v1/hooks/alertmanager, a quarter of the events
# as alerts, all at once; when the relay's /metrics says all were delivered, its peak RSS (VmHWM of
# /proc/PID/status) and its RSS then (VmRSS). Several relay builds given: measured alternately in one run (their
# medians side by side), so a change is compared against its baseline on the same machine state.
# Usage: bench/relay-memory.sh PATH-TO-solti-matrix [PATH-TO-another-solti-matrix ...]   (env: EVENTS=30000 RUNS=3)
#   (./build.sh bench calls this with the built CLI; `solti-matrix relay` runs solti-matrix-relay beside it)
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-30000}
RUNS=${RUNS:-3}
CLIS=()
for cli in "$@"; do CLIS+=("$(readlink -f "$cli")"); done
[ ${#CLIS[@]} -gt 0 ] || { echo "usage: bench/relay-memory.sh PATH-TO-solti-matrix [...]" >&2; exit 2; }
OUT=$PWD/artifacts/bench/relay-memory # absolute: a relative XDG_STATE_HOME is ignored (the outbox would be ~/.local/state's)
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup "$OUT"
RELAY_PID=
trap 'kill $RELAY_PID $BENCH_HS_PID 2>/dev/null || true' EXIT

# run_once CLI STATE: starts the relay from CLI with its outbox in STATE, posts the load, prints "HWM-kB RSS-kB SECONDS".
run_once() {
  local cli=$1 state=$2 port relay_token hwm rss line
  rm -rf "$state" && mkdir -p "$state"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  MATRIX_HOMESERVER_URL=$URL MATRIX_ACCESS_TOKEN=$TOKEN XDG_STATE_HOME="$state" \
    "$cli" relay --listen "127.0.0.1:$port" --token-file "$state/relay.token" 2>"$state/relay.log" &
  RELAY_PID=$!
  for _ in $(seq 100); do [ -s "$state/relay.token" ] && curl -sf -H "Authorization: Bearer $(head -n1 "$state/relay.token")" "http://127.0.0.1:$port/v1/status" >/dev/null && break; sleep 0.1; done
  relay_token=$(head -n1 "$state/relay.token")
  line=$(RELAY_TOKEN=$relay_token python3 bench/relay_load.py "$port" "$ROOM" mixed "$EVENTS" 4 5)
  echo "$line" >>"$state/load.txt"
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$RELAY_PID/status")
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$RELAY_PID/status")
  kill "$RELAY_PID" && wait "$RELAY_PID" 2>/dev/null || true
  RELAY_PID=
  echo "$hwm $rss $(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' <<<"$line")"
}

mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1000000 }'; } # kB (KiB) of /proc to MB
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for run in $(seq 1 "$RUNS"); do
  for i in "${!CLIS[@]}"; do
    read -r hwm rss secs < <(run_once "${CLIS[$i]}" "$OUT/state-$i")
    echo "$hwm $rss $secs" >>"$OUT/results-$i.txt"
    printf 'run %d, %s: peak RSS %s MB, RSS after %s MB, %d events delivered in %s s\n' "$run" "${CLIS[$i]}" \
      "$(mb "$hwm")" "$(mb "$rss")" "$EVENTS" "$secs"
  done
done

echo "== $EVENTS events (3/4 POST /v1/events from 4 producers, 1/4 as Alertmanager notifications of 5), $RUNS runs, medians"
for i in "${!CLIS[@]}"; do
  f="$OUT/results-$i.txt"
  printf '%s: peak RSS %s MB (runs: %s), RSS after %s MB, %s s (target: peak at most 40 MB)\n' "${CLIS[$i]}" \
    "$(mb "$(cut -d' ' -f1 "$f" | median)")" "$(cut -d' ' -f1 "$f" | awk '{ printf "%s%.1f", (NR > 1 ? " / " : ""), $1 * 1024 / 1000000 }')" \
    "$(mb "$(cut -d' ' -f2 "$f" | median)")" "$(cut -d' ' -f3 "$f" | median)"
done

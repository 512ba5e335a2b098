#!/usr/bin/env bash
# Alerts per second through the relay into one room against plain events (target: at least 80 %), in one run, on the
# embedded homeserver (rate limits off), one relay: alternately, N firing alerts (distinct fingerprints) posted as
# Alertmanager (version 4) notifications of PER_PAYLOAD alerts each (one rule's group, as Alertmanager groups them) to
# POST /v1/hooks/alertmanager?room=..., and N plain events posted to POST /v1/events; both by 4 producers at once,
# each timed from the first post to the relay's /metrics counting all N delivered. Medians of RUNS rounds.
# Usage: bench/relay-alerts.sh PATH-TO-solti-matrix [N] [RUNS] [PER_PAYLOAD]   (./build.sh bench calls this)
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=$(readlink -f "$1")
N=${2:-2000}
RUNS=${3:-5}
PER_PAYLOAD=${4:-5}
OUT=$PWD/artifacts/bench/relay-alerts # absolute: a relative XDG_STATE_HOME is ignored (the outbox would be ~/.local/state's)
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup "$OUT"

RELAY_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MATRIX_HOMESERVER_URL=$URL MATRIX_ACCESS_TOKEN=$TOKEN XDG_STATE_HOME="$OUT/state" \
  "$CLI" relay --listen "127.0.0.1:$RELAY_PORT" --token-file "$OUT/state/relay.token" 2>"$OUT/relay.log" &
RELAY_PID=$!
trap 'kill $RELAY_PID $BENCH_HS_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$OUT/state/relay.token" ] && curl -sf -H "Authorization: Bearer $(head -n1 "$OUT/state/relay.token")" "http://127.0.0.1:$RELAY_PORT/v1/status" >/dev/null && break; sleep 0.1; done
export RELAY_TOKEN
RELAY_TOKEN=$(head -n1 "$OUT/state/relay.token")

secs() { sed -n 's/.* in \([0-9.]*\) s .*/\1/p'; }
for run in $(seq 1 "$RUNS"); do
  events=$(python3 bench/relay_load.py "$RELAY_PORT" "$ROOM" events "$N" 4)
  alerts=$(python3 bench/relay_load.py "$RELAY_PORT" "$ROOM" alerts "$N" 4 "$PER_PAYLOAD" "run$run")
  echo "run $run: $events; $alerts"
  echo "$(secs <<<"$events") $(secs <<<"$alerts")" >>"$OUT/times.txt"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
e=$(cut -d' ' -f1 "$OUT/times.txt" | median)
a=$(cut -d' ' -f2 "$OUT/times.txt" | median)
awk -v n="$N" -v e="$e" -v a="$a" -v runs="$RUNS" -v per="$PER_PAYLOAD" 'BEGIN {
  printf "plain events: median %.3f s for %d = %.0f events/s\n", e, n, n / e
  printf "alerts (%d per notification): median %.3f s for %d = %.0f alerts/s\n", per, a, n, n / a
  printf "alerts / plain events: %.0f %% (target at least 80 %%; %d runs)\n", e / a * 100, runs }'
curl -sf -H "Authorization: Bearer $RELAY_TOKEN" "http://127.0.0.1:$RELAY_PORT/v1/status"; echo

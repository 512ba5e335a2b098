#!/usr/bin/env bash
# A crowd of processes posting as one user at once, against the embedded homeserver with Synapse's default rate limits
# (rc_message 0.2/s, burst 10): 15 senders within the default budget, then 50 with --spool on_failure drained by
# `outbox flush`. Reports delivered/sent, duplicates, and the wall time against the least the rate limit allows (the
# ratio: 1.0 is the limit itself).
# Usage: bench/crowd.sh PATH-TO-solti-matrix   (./build.sh bench calls this)
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=$(readlink -f "$1")
OUT=$PWD/artifacts/bench/crowd # absolute: a relative XDG_STATE_HOME is ignored
# shellcheck source=bench/lib.sh
. bench/lib.sh
BENCH_RATE_LIMITS=synapse bench_setup "$OUT"
export MATRIX_HOMESERVER_URL=$URL MATRIX_ACCESS_TOKEN=$TOKEN MATRIX_USER_ID=@bench:localhost XDG_STATE_HOME="$OUT/state"
DATA='{"service":"nginx","host":"web1","playbook":"site.yml","operator":"ops"}'

delivered() { # the SOLTI events of run $1 in the room: "count distinct"
  curl -sf -H "Authorization: Bearer $TOKEN" "$URL/_matrix/client/v3/rooms/$ROOM_ENC/messages?dir=f&limit=1000" |
    jq -r --arg run "$1" '[.chunk[] | select(.content.solti.source? // "" | startswith($run + "-")) | .content.solti.source] | "\(length) \(unique | length)"'
}

crowd() { # crowd RUN N [extra args]: N senders at once; prints the seconds it took
  local run=$1 n=$2; shift 2
  local start; start=$(date +%s.%N)
  for i in $(seq 1 "$n"); do
    "$CLI" event send "$ROOM" -s deploy.start.v1 -d "$DATA" --source "$run-$i" --output json "$@" >"$OUT/$run-$i.json" 2>"$OUT/$run-$i.err" &
  done
  wait
  awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { print a - b }'
}

# The bucket starts with the room's creation counted: the least time for N sends is ((N + 1 - 10) / 0.2) s.
least() { awk -v n="$1" 'BEGIN { x = (n + 1 - 10) / 0.2; print (x < 0 ? 0 : x) }'; }

t15=$(crowd c15 15)
read -r n15 u15 <<<"$(delivered c15)"
failed15=$(grep -L '"event_id"' "$OUT"/c15-*.json | wc -l)
printf '15 senders, one user, default budget: %s delivered (%s distinct), %s failed, %.1f s (least the limit allows: %.0f s, ratio %.2f)\n' \
  "$n15" "$u15" "$failed15" "$t15" "$(least 15)" "$(awk -v t="$t15" -v l="$(least 15)" 'BEGIN { print t / l }')"

t50=$(crowd c50 50 --spool on_failure)
queued=$(grep -l '"queued":true' "$OUT"/c50-*.json | wc -l)
for _ in $(seq 60); do "$CLI" outbox flush --output json >/dev/null 2>&1 && break; done
read -r n50 u50 <<<"$(delivered c50)"
printf '50 senders with --spool on_failure: %s delivered (%s distinct), %s of them from the outbox; sends took %.1f s\n' "$n50" "$u50" "$queued" "$t50"
[ "$n15" = 15 ] && [ "$u15" = 15 ] && [ "$n50" = 50 ] && [ "$u50" = 50 ] || { echo "crowd: events were lost or doubled" >&2; exit 1; }

#!/usr/bin/env bash
# CLI one-shot send against curl doing the same PUT, in one run, on the embedded homeserver.
# Usage: bench/cli-send.sh PATH-TO-solti-matrix [RUNS]   (./build.sh bench builds the binary and calls this)
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=$(readlink -f "$1")
RUNS=${2:-40}
OUT=$PWD/artifacts/bench # absolute: a relative XDG_STATE_HOME is ignored (the sessions would be ~/.local/state's)
mkdir -p "$OUT"

# shellcheck source=bench/lib.sh
. bench/lib.sh
start_bench_homeserver "$OUT"
export MATRIX_HOMESERVER_URL=$URL MATRIX_ACCESS_TOKEN=$TOKEN MATRIX_USER_ID="@bench:localhost" CLI URL ROOM ROOM_ENC XDG_STATE_HOME=$OUT/cli-state
BODY='{"msgtype":"m.text","body":"bench"}'

hyperfine --warmup 3 --runs "$RUNS" --export-json "$OUT/cli-send.json" \
  -n curl "curl -sf -o /dev/null -X PUT -H 'Authorization: Bearer $TOKEN' -H 'Content-Type: application/json' -d '$BODY' '$URL/_matrix/client/v3/rooms/$ROOM_ENC/send/m.room.message/curl-'\$(date +%s%N)" \
  -n solti-matrix "'$CLI' send '$ROOM' --json '$BODY' --no-cache" \
  -n cold-start "'$CLI' --version"

jq -r '.results as $r | ($r[] | select(.command=="curl") | .mean) as $base
  | $r[] | "\(.command): mean \(.mean*1000 | floor) ms (\(.mean/$base*100|floor/100)x curl)"' "$OUT/cli-send.json"
SIZE=$(stat -c %s "$CLI")
echo "binary size: $((SIZE / 1024 / 1024)) MB ($SIZE bytes)"
if command -v /usr/bin/time >/dev/null; then
  /usr/bin/time -f "peak memory of one send: %M KB" "$CLI" send "$ROOM" --json "$BODY" --no-cache >/dev/null
fi

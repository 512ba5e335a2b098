#!/usr/bin/env bash
# Relay throughput against a bare client loop, in one run, on the embedded homeserver (rate limits off), into a
# plaintext room and into an encrypted one; what each number means is in bench/relay_throughput.py.
# Usage: bench/relay-throughput.sh PATH-TO-solti-matrix [EVENTS] [RUNS]   (./build.sh bench calls this)
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=$(readlink -f "$1")
EVENTS=${2:-2000}
RUNS=${3:-5}
OUT=$PWD/artifacts/bench/relay # absolute: a relative XDG_STATE_HOME is ignored (the outbox would be ~/.local/state's)
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup "$OUT"

RELAY_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RELAY="http://127.0.0.1:$RELAY_PORT"
MATRIX_HOMESERVER_URL=$URL MATRIX_ACCESS_TOKEN=$TOKEN XDG_STATE_HOME="$OUT/state" \
  "$CLI" relay --listen "127.0.0.1:$RELAY_PORT" --token-file "$OUT/state/relay.token" 2>"$OUT/relay.log" &
RELAY_PID=$!
trap 'kill $RELAY_PID $BENCH_HS_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$OUT/state/relay.token" ] && curl -sf -H "Authorization: Bearer $(head -n1 "$OUT/state/relay.token")" "$RELAY/v1/status" >/dev/null && break; sleep 0.1; done

echo "== plaintext room"
RELAY_TOKEN=$(head -n1 "$OUT/state/relay.token") python3 bench/relay_throughput.py "$RELAY_PORT" "$URL" "$TOKEN" "$ROOM" "$EVENTS" "$RUNS" "$OUT" | tee "$OUT/plaintext.txt"
# The same into an encrypted room: every delivery is Megolm-encrypted under the device's crypto lock (target: at least
# 80 % of the plaintext relay).
echo "== encrypted room"
RELAY_TOKEN=$(head -n1 "$OUT/state/relay.token") python3 bench/relay_throughput.py "$RELAY_PORT" "$URL" "$TOKEN" "$E2EE_ROOM" "$EVENTS" "$RUNS" "$OUT" | tee "$OUT/encrypted.txt"
rate() { sed -n "s/^relay (drain): .* = \([0-9]*\) events\/s.*/\1/p" "$1"; }
echo "encrypted relay / plaintext relay (drain): $(awk -v e="$(rate "$OUT/encrypted.txt")" -v p="$(rate "$OUT/plaintext.txt")" 'BEGIN { printf "%.0f %%", e / p * 100 }')"
echo "relay peak memory: $(awk '/VmHWM/ {print $2, $3}' "/proc/$RELAY_PID/status" 2>/dev/null || echo unknown)"

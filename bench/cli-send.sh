#!/usr/bin/env bash
# CLI one-shot send against curl doing the same PUT, in one run, on the embedded homeserver.
# Usage: bench/cli-send.sh PATH-TO-solti-matrix [RUNS]   (./build.sh bench builds the binary and calls this)
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=$(readlink -f "$1")
RUNS=${2:-40}
OUT=artifacts/bench
mkdir -p "$OUT"

dotnet build src/Solti.Matrix.Homeserver -c Release -nologo -v quiet >&2
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18448)
cat > "$OUT/hs.yaml" <<'YAML'
rc_message: {per_second: 0, burst_count: 0}
rc_login: {address: {per_second: 0, burst_count: 0}, account: {per_second: 0, burst_count: 0}, failed_attempts: {per_second: 0, burst_count: 0}}
YAML
dotnet src/Solti.Matrix.Homeserver/bin/Release/net10.0/solti-homeserver.dll --port "$PORT" --seed-user bench:bench-pass --config "$OUT/hs.yaml" >"$OUT/hs.log" 2>&1 &
HS=$!
trap 'kill $HS 2>/dev/null || true' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf "$URL/_matrix/client/versions" >/dev/null && break; sleep 0.1; done

TOKEN=$(curl -sf -X POST "$URL/_matrix/client/v3/login" -d '{"type":"m.login.password","identifier":{"type":"m.id.user","user":"bench"},"password":"bench-pass","device_id":"BENCH"}' | jq -r .access_token)
ROOM=$(curl -sf -X POST -H "Authorization: Bearer $TOKEN" "$URL/_matrix/client/v3/createRoom" -d '{}' | jq -r .room_id)
ROOM_ENC=$(jq -rn --arg r "$ROOM" '$r|@uri')
export MATRIX_HOMESERVER_URL=$URL MATRIX_ACCESS_TOKEN=$TOKEN MATRIX_USER_ID="@bench:localhost" CLI URL ROOM ROOM_ENC
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

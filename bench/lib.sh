# Shared by the bench scripts: the embedded homeserver (release build, rate limits off; BENCH_RATE_LIMITS=synapse keeps
# Synapse's defaults) with a bench user (a server admin) logged in, a room and an encrypted room. Sets URL, TOKEN, ROOM,
# ROOM_ENC, E2EE_ROOM; stops
# the server on exit.
start_bench_homeserver() {
  local out=$1
  dotnet build src/Solti.Matrix.Homeserver -c Release -nologo -v quiet -clp:NoSummary >&2
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  if [ "${BENCH_RATE_LIMITS:-off}" = synapse ]; then
    printf '{}\n' > "$out/hs.yaml"
  else
    cat > "$out/hs.yaml" <<'YAML'
rc_message: {per_second: 0, burst_count: 0}
rc_login: {address: {per_second: 0, burst_count: 0}, account: {per_second: 0, burst_count: 0}, failed_attempts: {per_second: 0, burst_count: 0}}
YAML
  fi
  dotnet src/Solti.Matrix.Homeserver/bin/Release/net10.0/solti-homeserver.dll --port "$port" --seed-user bench:bench-pass:admin --config "$out/hs.yaml" >"$out/hs.log" 2>&1 &
  BENCH_HS_PID=$!
  trap 'kill $BENCH_HS_PID 2>/dev/null || true' EXIT
  URL="http://127.0.0.1:$port"
  for _ in $(seq 100); do curl -sf "$URL/_matrix/client/versions" >/dev/null && break; sleep 0.1; done
  TOKEN=$(curl -sf -X POST "$URL/_matrix/client/v3/login" -d '{"type":"m.login.password","identifier":{"type":"m.id.user","user":"bench"},"password":"bench-pass","device_id":"BENCH"}' | jq -r .access_token)
  ROOM=$(curl -sf -X POST -H "Authorization: Bearer $TOKEN" "$URL/_matrix/client/v3/createRoom" -d '{}' | jq -r .room_id)
  ROOM_ENC=$(jq -rn --arg r "$ROOM" '$r|@uri')
  # An encrypted room (m.room.encryption in its initial state) for the encrypted-send benches.
  E2EE_ROOM=$(curl -sf -X POST -H "Authorization: Bearer $TOKEN" "$URL/_matrix/client/v3/createRoom" \
    -d '{"initial_state":[{"type":"m.room.encryption","state_key":"","content":{"algorithm":"m.megolm.v1.aes-sha2"}}]}' | jq -r .room_id)
}

# A fresh output directory, the collection installed into it (when a tarball is given), and the homeserver.
bench_setup() {
  local out=$1 tarball=${2:-}
  rm -rf "$out" && mkdir -p "$out"
  [ -z "$tarball" ] || ansible-galaxy collection install -p "$out/collections" "$tarball" >/dev/null
  start_bench_homeserver "$out"
}

# write_play OUT HOSTS NAME COUNT TASK-BODY: OUT/NAME.yml, a play on HOSTS with COUNT copies of TASK-BODY (@I@ is the
# task's number), or one meta: noop when COUNT is 0 (the empty play whose time is subtracted).
write_play() {
  local out=$1 hosts=$2 name=$3 count=$4 body=$5 file="$1/$3.yml"
  printf -- '- hosts: %s\n  gather_facts: false\n  tasks:\n' "$hosts" > "$file"
  for i in $(seq 1 "$count"); do printf '%s\n' "$body" | sed "s/@I@/$i/g" >> "$file"; done
  [ "$count" -gt 0 ] || printf '    - meta: noop\n' >> "$file"
}

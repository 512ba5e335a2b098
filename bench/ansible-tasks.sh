#!/usr/bin/env bash
# Per-task cost of matrix_event against ansible.builtin.uri doing the same PUT and ansible.builtin.debug
# (the per-task floor), in one run. Per-task cost = (time of a play with N tasks - time of an empty play) / N.
# Usage: bench/ansible-tasks.sh TARBALL [N] [RUNS]   (./build.sh bench builds the tarball and calls this)
set -euo pipefail
cd "$(dirname "$0")/.."
TARBALL=$(readlink -f "$1")
N=${2:-20}
RUNS=${3:-5}
OUT=$PWD/artifacts/bench/ansible
rm -rf "$OUT" && mkdir -p "$OUT"

ansible-galaxy collection install -p "$OUT/collections" "$TARBALL" >/dev/null
dotnet build src/Solti.Matrix.Homeserver -c Release -nologo -v quiet -clp:NoSummary >&2
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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

play() { # name count task-body
  local file="$OUT/$1.yml"
  printf -- '- hosts: localhost\n  gather_facts: false\n  tasks:\n' > "$file"
  for i in $(seq 1 "$2"); do printf '%s\n' "$3" | sed "s/@I@/$i/g" >> "$file"; done
  [ "$2" -gt 0 ] || printf '    - meta: noop\n' >> "$file"
}
play empty 0 ""
play debug "$N" "    - ansible.builtin.debug: {msg: \"task @I@\"}"
play uri "$N" "    - ansible.builtin.uri: {url: \"$URL/_matrix/client/v3/rooms/$ROOM_ENC/send/m.room.message/uri-@I@-{{ 999999999 | random }}\", method: PUT, headers: {Authorization: \"Bearer {{ token }}\"}, body_format: json, body: {msgtype: m.text, body: \"uri @I@\"}}"
play matrix_event "$N" "    - jackaltx.solti_matrix_mgr.matrix_event: {homeserver_url: \"$URL\", access_token: \"{{ token }}\", room_id: \"$ROOM\", content: {msgtype: m.text, body: \"event @I@\"}}"

export ANSIBLE_COLLECTIONS_PATH=$OUT/collections ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 ANSIBLE_NOCOLOR=1 XDG_STATE_HOME=$OUT/state
run() { echo "ansible-playbook -i localhost, -c local -e ansible_python_interpreter=/usr/bin/python3 -e token=$TOKEN $OUT/$1.yml"; }
hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/tasks.json" \
  -n empty "$(run empty)" -n debug "$(run debug)" -n uri "$(run uri)" -n matrix_event "$(run matrix_event)" >&2

jq -r --argjson n "$N" '
  (.results | map({(.command): .median}) | add) as $m
  | (($m.debug - $m.empty) / $n) as $floor
  | "tasks per play: \($n); medians: empty \($m.empty*1000|floor) ms, debug \($m.debug*1000|floor) ms, uri \($m.uri*1000|floor) ms, matrix_event \($m.matrix_event*1000|floor) ms",
    (["debug","uri","matrix_event"][] as $k | (($m[$k] - $m.empty) / $n) as $t
      | "\($k): \($t*1000*10|floor/10) ms per task, \((($t - $floor)*1000*10)|floor/10) ms above the floor, \($t/$floor*100|floor/100)x debug")' "$OUT/tasks.json"

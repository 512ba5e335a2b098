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
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup "$OUT" "$TARBALL"

play() { write_play "$OUT" localhost "$@"; }
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

#!/usr/bin/env bash
# Per-task cost of matrix_event into an encrypted room against the same task into a plaintext room, in one run
# (target: at most 1.5x once the room key is shared). The encrypted play's first task makes the device's keys and the
# room's Megolm session; the warm-up run shares them, so the measured runs reuse them, as a bot's later tasks do.
# Per-task cost = (time of a play with N tasks - time of an empty play) / N.
# Usage: bench/encrypted-tasks.sh TARBALL [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
TARBALL=$(readlink -f "$1")
N=${2:-20}
RUNS=${3:-5}
OUT=$PWD/artifacts/bench/encrypted
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup "$OUT" "$TARBALL"

play() { write_play "$OUT" localhost "$@"; }
play empty 0 ""
play plaintext "$N" "    - jackaltx.solti_matrix_mgr.matrix_event: {homeserver_url: \"$URL\", access_token: \"{{ token }}\", room_id: \"$ROOM\", content: {msgtype: m.text, body: \"event @I@\"}}"
play encrypted "$N" "    - jackaltx.solti_matrix_mgr.matrix_event: {homeserver_url: \"$URL\", access_token: \"{{ token }}\", room_id: \"$E2EE_ROOM\", encryption: required, content: {msgtype: m.text, body: \"event @I@\"}}"

export ANSIBLE_COLLECTIONS_PATH=$OUT/collections ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 ANSIBLE_NOCOLOR=1 XDG_STATE_HOME=$OUT/state
run() { echo "ansible-playbook -i localhost, -c local -e ansible_python_interpreter=/usr/bin/python3 -e token=$TOKEN $OUT/$1.yml"; }
hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/tasks.json" \
  -n empty "$(run empty)" -n plaintext "$(run plaintext)" -n encrypted "$(run encrypted)" >&2

jq -r --argjson n "$N" '
  (.results | map({(.command): .median}) | add) as $m
  | (($m.plaintext - $m.empty) / $n) as $plain
  | (($m.encrypted - $m.empty) / $n) as $enc
  | "tasks per play: \($n); medians: empty \($m.empty*1000|floor) ms, plaintext \($m.plaintext*1000|floor) ms, encrypted \($m.encrypted*1000|floor) ms",
    "plaintext: \($plain*1000*10|floor/10) ms per task; encrypted: \($enc*1000*10|floor/10) ms per task; encrypted/plaintext: \($enc/$plain*100|floor/100)x"' "$OUT/tasks.json"

#!/usr/bin/env bash
# Per-task cost of matrix_event on a remote target over ssh, against ansible.builtin.command (/bin/true) and
# ansible.builtin.uri doing the same PUT (a Python module, as the module we replace is), with pipelining on and off,
# all in one hyperfine run. The target is this machine through its own sshd on 127.0.0.1 (key auth, the current user).
# Per-task cost = (time of a play with N tasks - time of an empty play) / N.
# Usage: bench/ansible-remote.sh TARBALL [N] [RUNS]   (./build.sh bench builds the tarball and calls this)
set -euo pipefail
cd "$(dirname "$0")/.."
TARBALL=$(readlink -f "$1")
N=${2:-20}
RUNS=${3:-5}
OUT=$PWD/artifacts/bench/remote
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup "$OUT" "$TARBALL"

# sshd for the current user only, on a free port of 127.0.0.1.
SSH=$OUT/ssh
mkdir -p "$SSH" /run/sshd 2>/dev/null || mkdir -p "$SSH"
ssh-keygen -q -t ed25519 -N '' -f "$SSH/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$SSH/client_key"
cp "$SSH/client_key.pub" "$SSH/authorized_keys"
SSH_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$SSH/sshd_config" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $SSH/host_key
AuthorizedKeysFile $SSH/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PidFile $SSH/sshd.pid
CONF
/usr/sbin/sshd -D -f "$SSH/sshd_config" -E "$SSH/sshd.log" &
SSHD_PID=$!
trap 'kill $SSHD_PID $BENCH_HS_PID 2>/dev/null || true' EXIT
cat > "$OUT/inventory.ini" <<INV
target ansible_host=127.0.0.1 ansible_port=$SSH_PORT ansible_user=$(id -un) ansible_ssh_private_key_file=$SSH/client_key ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null' ansible_python_interpreter=/usr/bin/python3
INV

play() { write_play "$OUT" target "$@"; }
play empty 0 ""
play command "$N" "    - ansible.builtin.command: /bin/true"
play uri "$N" "    - ansible.builtin.uri: {url: \"$URL/_matrix/client/v3/rooms/$ROOM_ENC/send/m.room.message/uri-@I@-{{ 999999999 | random }}\", method: PUT, headers: {Authorization: \"Bearer {{ token }}\"}, body_format: json, body: {msgtype: m.text, body: \"uri @I@\"}}"
play matrix_event "$N" "    - jackaltx.solti_matrix_mgr.matrix_event: {homeserver_url: \"$URL\", access_token: \"{{ token }}\", room_id: \"$ROOM\", content: {msgtype: m.text, body: \"event @I@\"}}"

export ANSIBLE_COLLECTIONS_PATH=$OUT/collections ANSIBLE_NOCOLOR=1 ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_SSH_CONTROL_PATH_DIR=$OUT/cp TERM=xterm-256color
run() { echo "env ANSIBLE_PIPELINING=$2 ansible-playbook -i $OUT/inventory.ini -e token=$TOKEN $OUT/$1.yml"; }
args=()
for pipelining in True False; do
  for play in empty command uri matrix_event; do args+=(-n "$play/$pipelining" "$(run "$play" "$pipelining")"); done
done
hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/remote.json" "${args[@]}" >&2

jq -r --argjson n "$N" '
  (.results | map({(.command): .median}) | add) as $m
  | ["True", "False"][] as $p
  | (($m["command/\($p)"] - $m["empty/\($p)"]) / $n) as $cmd
  | "pipelining \($p): tasks per play \($n); medians: empty \($m["empty/\($p)"]*1000|floor) ms, command \($m["command/\($p)"]*1000|floor) ms, uri \($m["uri/\($p)"]*1000|floor) ms, matrix_event \($m["matrix_event/\($p)"]*1000|floor) ms",
    (["command", "uri", "matrix_event"][] as $k | (($m["\($k)/\($p)"] - $m["empty/\($p)"]) / $n) as $t
      | "  \($k): \($t*1000*10|floor/10) ms per task, \($t/$cmd*100|floor/100)x command")' "$OUT/remote.json"

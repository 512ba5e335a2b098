#!/usr/bin/env bash
# A no-op matrix_config run over 200 users and 50 rooms (4 members each): the requests it sends (homeserver
# counters; writes must be 0) and its wall time, through the CLI (`solti-matrix config apply`) and through the
# module in a playbook, against a playbook with one debug task (the floor), in one run.
# Usage: bench/config-noop.sh CLI TARBALL [USERS] [ROOMS] [RUNS]   (./build.sh bench passes the first two)
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=$(readlink -f "$1")
TARBALL=$(readlink -f "$2")
USERS=${3:-200}
ROOMS=${4:-50}
RUNS=${5:-5}
OUT=$PWD/artifacts/bench/config
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup "$OUT" "$TARBALL"

{
  echo "domain: localhost"
  echo "users:"
  for i in $(seq -w 1 "$USERS"); do echo "  - {user_id: \"@user$i\", displayname: \"User $i\", user_type: bot}"; done
  echo "rooms:"
  for r in $(seq 1 "$ROOMS"); do
    m=$(( (r - 1) * 4 % USERS ))
    printf '  - alias: room%02d\n    name: Room %d\n    topic: Topic %d\n    retention: {max_lifetime_days: 30}\n    members:\n' "$r" "$r" "$r"
    for k in 1 2 3 4; do printf '      - {user_id: "@user%03d", power_level: %d}\n' $(( (m + k - 1) % USERS + 1 )) $(( k * 10 )); done
  done
} > "$OUT/config.yaml"
python3 - "$OUT/config.yaml" "$OUT/play.yml" <<'PY'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
task = {"jackaltx.solti_matrix_mgr.matrix_config": dict(homeserver_url="{{ url }}", access_token="{{ token }}", **config)}
yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [task]}], open(sys.argv[2], "w"), sort_keys=False)
PY
printf -- '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: {msg: floor}\n' > "$OUT/debug.yml"

export MATRIX_HOMESERVER_URL=$URL MATRIX_ACCESS_TOKEN=$TOKEN XDG_STATE_HOME=$OUT/state
export ANSIBLE_COLLECTIONS_PATH=$OUT/collections ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 ANSIBLE_NOCOLOR=1
"$CLI" config apply "$OUT/config.yaml" --no-cache --output json 2>/dev/null | jq -c .summary >&2
counters() { curl -sf -H "Authorization: Bearer $TOKEN" "$URL/_solti/testing/v1/counters"; }
reset() { curl -sf -X DELETE -H "Authorization: Bearer $TOKEN" "$URL/_solti/testing/v1/counters" >/dev/null; }

reset
"$CLI" config apply "$OUT/config.yaml" --no-cache --output json | jq -e '.changed == false' >/dev/null
counters > "$OUT/one-run.json"
play() { echo "ansible-playbook -i localhost, -c local -e ansible_python_interpreter=/usr/bin/python3 -e url=$URL -e token=$TOKEN $OUT/$1.yml"; }
$(play play) >/dev/null
reset
hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/noop.json" \
  -n cli "$CLI config apply $OUT/config.yaml --no-cache" -n debug "$(play debug)" -n matrix_config "$(play play)" >&2
counters > "$OUT/all-runs.json"

jq -r --argjson users "$USERS" --argjson rooms "$ROOMS" '
  "no-op run over \($users) users and \($rooms) rooms: \(.counters | to_entries | map(select(.key | startswith("control") | not) | .value) | add) requests, \(.writes) writes",
  "  by endpoint: \(.counters | to_entries | map(select(.key | startswith("control") | not) | "\(.key) \(.value)") | join(", "))"' "$OUT/one-run.json"
jq -r '(.results | map({(.command): .median}) | add) as $m
  | "wall time (median): cli \($m.cli*1000|floor) ms; playbook with the matrix_config task \($m.matrix_config*1000|floor) ms against one debug task \($m.debug*1000|floor) ms (+\(($m.matrix_config - $m.debug)*1000|floor) ms)"' "$OUT/noop.json"
jq -r '"writes during every timed run: \(.writes)"' "$OUT/all-runs.json"

#!/usr/bin/env bash
# The one entry point for every build step: ./build.sh demo|test|collection|bench
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

usage() {
  cat <<'USAGE'
usage: ./build.sh <command>
  demo        build and run the demo: the embedded homeserver and an end-to-end flow against it
  test        build and run every test; the last line is "N passed, N failed"
  collection  build the Ansible collection tarball into dist/
  bench       run the benchmarks in bench/ (CLI send against curl; matrix_event tasks against uri and debug; matrix_config no-op; relay against a bare client loop)
USAGE
}

# Installs Debian packages when run as root; otherwise names what is missing and stops.
need_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "build.sh: installing ${missing[*]} from apt" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "build.sh: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 3
  fi
}

need_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "build.sh: the .NET 10 SDK is missing: install it (https://learn.microsoft.com/dotnet/core/install/linux-debian) and put 'dotnet' on PATH" >&2
    exit 3
  fi
  if ! dotnet --list-sdks | grep -q '^10\.'; then
    echo "build.sh: a .NET 10 SDK is required; found: $(dotnet --list-sdks | tr '\n' ' ')" >&2
    exit 3
  fi
}

# The CLI as shipped: Native AOT binaries (need clang and zlib's headers to link).
build_cli() {
  need_apt ca-certificates clang zlib1g-dev
  need_dotnet
  dotnet publish "$ROOT/src/Solti.Matrix.Cli" -c Release -r linux-x64 -nologo -v quiet -clp:NoSummary -o "$ROOT/artifacts/cli" >&2
  # `solti-matrix relay` runs solti-matrix-relay from the same directory (the CLI plus the relay's HTTP server).
  dotnet publish "$ROOT/src/Solti.Matrix.Relay" -c Release -r linux-x64 -nologo -v quiet -clp:NoSummary -o "$ROOT/artifacts/cli" >&2
  echo "$ROOT/artifacts/cli/solti-matrix"
}

# A Debian 11 (glibc 2.31) sysroot, so the module binary runs on targets with glibc >= 2.29 rather than
# the 2.34 a Debian 12 link needs. Built once with debootstrap (as root); without it we link against the host.
SYSROOT="$ROOT/artifacts/sysroot-bullseye"
sysroot_args() {
  if [ ! -e "$SYSROOT/.complete" ] && [ "$(id -u)" -eq 0 ]; then
    need_apt debootstrap lld
    rm -rf "$SYSROOT"
    mkdir -p "$ROOT/artifacts"
    if debootstrap --variant=minbase --include=libc6-dev,zlib1g-dev,libgcc-10-dev,libstdc++-10-dev \
        bullseye "$SYSROOT" http://deb.debian.org/debian >"$ROOT/artifacts/debootstrap.log" 2>&1; then
      # Absolute links would resolve against the host; make them relative to the sysroot.
      find "$SYSROOT" -type l -lname '/*' | while read -r link; do
        ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$SYSROOT$(readlink "$link")")" "$link"
      done
      touch "$SYSROOT/.complete"
    else
      echo "build.sh: debootstrap failed (see artifacts/debootstrap.log); linking against the host's glibc" >&2
    fi
  fi
  if [ -e "$SYSROOT/.complete" ] && command -v ld.lld >/dev/null; then
    echo "-p:SysRoot=$SYSROOT -p:LinkerFlavor=lld"
  else
    echo "build.sh: no glibc 2.31 sysroot (needs root once); the module will need glibc >= 2.34" >&2
  fi
}

# The collection tarball: the AOT module binary in bin/, one symlink per module in plugins/modules/.
cmd_collection() {
  need_apt ca-certificates clang zlib1g-dev ansible-core
  need_dotnet
  local stage="$ROOT/artifacts/collection/jackaltx/solti_matrix_mgr" link_args
  link_args=$(sysroot_args)
  # shellcheck disable=SC2086 # two MSBuild properties, or none
  dotnet publish "$ROOT/src/Solti.Matrix.Ansible" -c Release -r linux-x64 -nologo -v quiet -clp:NoSummary $link_args -o "$ROOT/artifacts/module" >&2
  rm -rf "$stage" && mkdir -p "$stage/bin" "$ROOT/dist"
  cp -a "$ROOT/collection/." "$stage/"
  cp "$ROOT/artifacts/module/solti-matrix-module" "$stage/bin/"
  # SQLite for the outbox (spool); a binary copied alone to a target uses the system libsqlite3 instead.
  cp "$ROOT/artifacts/module/libe_sqlite3.so" "$stage/bin/"
  for doc in "$stage"/plugins/modules/*.yml; do
    ln -s ../../bin/solti-matrix-module "$stage/plugins/modules/$(basename "$doc" .yml)"
  done
  ansible-galaxy collection build "$stage" --output-path "$ROOT/dist" --force >&2
  ls "$ROOT"/dist/jackaltx-solti_matrix_mgr-*.tar.gz
}

cmd_demo() {
  local cli
  cli=$(build_cli)
  dotnet build "$ROOT/src/Solti.Matrix.Demo" -c Release -nologo -v quiet -clp:NoSummary
  dotnet run --project "$ROOT/src/Solti.Matrix.Demo" -c Release --no-build -- "$cli" "$@"
}

cmd_test() {
  # The CLI and playbook tests run what ships: the Native AOT CLI and the collection tarball.
  SOLTI_MATRIX_CLI=$(build_cli)
  SOLTI_COLLECTION_TARBALL=$(cmd_collection | tail -n 1)
  export SOLTI_MATRIX_CLI SOLTI_COLLECTION_TARBALL
  local results="$ROOT/artifacts/test-results"
  rm -rf "$results"
  local status=0
  dotnet test "$ROOT/Solti.Matrix.slnx" -c Release -nologo \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" || status=$?
  summarize "$results" "$status"
}

# Adds up the TRX counters of every test assembly into the closing line CI reads.
summarize() {
  local results=$1 status=$2 passed=0 failed=0 skipped=0 files
  files=$(find "$results" -name '*.trx' 2>/dev/null || true)
  for trx in $files; do
    local counters
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
    passed=$((passed + $(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")))
    failed=$((failed + $(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")))
    local total executed
    total=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
    executed=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
    skipped=$((skipped + total - executed))
  done
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "build.sh: 'dotnet test' failed before any test could fail (see the build output above)" >&2
    failed=1
  fi
  if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
  else
    echo "$passed passed, $failed failed"
  fi
  [ "$failed" -eq 0 ]
}

case "${1:-}" in
  demo) shift; cmd_demo "$@" ;;
  test) shift; cmd_test "$@" ;;
  collection) shift; cmd_collection "$@" ;;
  bench) shift; need_apt hyperfine jq time curl python3; bench/cli-send.sh "$(build_cli)"; tarball=$(cmd_collection | tail -n 1); bench/ansible-tasks.sh "$tarball"; bench/config-noop.sh "$(build_cli)" "$tarball"; bench/relay-throughput.sh "$(build_cli)" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac

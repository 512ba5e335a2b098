#!/usr/bin/env bash
# The one entry point for every build step: ./build.sh demo|test|package|collection|deb|nuget|changelog|lint|sanity|bench
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

usage() {
  cat <<'USAGE'
usage: ./build.sh <command>
  demo        build and run the demo: the embedded homeserver and an end-to-end flow against it
  test        build and run every test; the last line is "N passed, N failed"; --fast: the unit tier only, in seconds
  package     build every artifact users install into dist/: the Debian packages, the NuGet package, the collection
  collection  build the Ansible collection tarball into dist/ (its CHANGELOG.md rendered from collection/changelogs/)
  deb         build the Debian packages dist/solti-matrix_<version>_{amd64,arm64}.deb (CLI, relay, its systemd unit)
  changelog   render collection/CHANGELOG.md from changelogs/changelog.yaml and the fragments; --check: fail when the
              committed file or galaxy.yml's version disagrees with them; --release: release the fragments as
              galaxy.yml's version (bump it first)
  lint        ansible-lint --profile production on collection/, its modules resolved from the built collection
              (lint COLLECTIONS_PATH: from a collection already installed there)
  sanity      Ansible's own tools on the built collection: ansible-doc -l lists every module, and ansible-test sanity
              passes (the tests that need no download; sanity COLLECTIONS_PATH: on a collection installed there)
  bench       run the benchmarks in bench/ (CLI send against curl; matrix_event tasks against uri and debug, and over ssh against command and uri; matrix_config no-op; relay against a bare client loop, its peak memory, alerts against plain events)
  nuget       pack the library as the NuGet package Solti.Matrix (.nupkg and .snupkg) into dist/ (nuget DIR: into DIR);
              the last line is the .nupkg's path
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

# Debian's python3, the one python3-yaml (ansible-core's dependency) is installed for, even with another python3 on PATH.
system_python() {
  if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else echo python3; fi
}

# The one version: galaxy.yml's, which Directory.Build.props also gives every project (the packages, --version).
project_version() {
  sed -n 's/^version: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$ROOT/collection/galaxy.yml"
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

# SQLite's amalgamation (sqlite3.c), compiled into every AOT binary by src/Native/Solti.Native.targets. It comes from
# the npm package better-sqlite3, which ships it (the ordinary npm client, pinned version, checked digest).
SQLITE_NPM_PACKAGE=better-sqlite3@12.11.1
SQLITE_SHA256=60d2f39a3726cd6b9021da6f4e868608d66fbb6528a9f513dc8ffcc640493422 # SQLite 3.53.2
sqlite_source() {
  local dir="$ROOT/artifacts/sqlite" tgz
  if [ "$(sha256sum "$dir/sqlite3.c" 2>/dev/null | cut -d' ' -f1)" != "$SQLITE_SHA256" ]; then
    command -v npm >/dev/null || need_apt npm
    rm -rf "$dir" && mkdir -p "$dir"
    tgz=$(cd "$dir" && npm pack --silent "$SQLITE_NPM_PACKAGE" 2>/dev/null | tail -n 1)
    tar -xzf "$dir/$tgz" -C "$dir" --strip-components=3 package/deps/sqlite3/sqlite3.c package/deps/sqlite3/sqlite3.h
    if [ "$(sha256sum "$dir/sqlite3.c" | cut -d' ' -f1)" != "$SQLITE_SHA256" ]; then
      echo "build.sh: $SQLITE_NPM_PACKAGE did not give the expected sqlite3.c (sha256 $SQLITE_SHA256)" >&2
      exit 1
    fi
  fi
  echo "-p:SoltiSqliteSource=$dir/sqlite3.c"
}

# The CLI as shipped: Native AOT binaries (need clang and zlib's headers to link), linked against this machine's glibc:
# what the tests and the demo run.
build_cli() {
  build_cli_for linux-x64 "$ROOT/artifacts/cli" host
}

# build_cli_for RID OUT [host]: solti-matrix and solti-matrix-relay as Native AOT for RID into OUT (SQLite linked in,
# checked), linked against the bullseye sysroot of RID's architecture and held to GLIBC_MAX like the module (the Debian
# packages), or with "host" against this machine's glibc. Prints OUT/solti-matrix.
build_cli_for() {
  local rid=$1 out=$2 link="" sqlite project binary
  need_apt ca-certificates clang binutils zlib1g-dev
  need_dotnet
  sqlite=$(sqlite_source)
  if [ "${3:-}" != host ]; then
    # lld for the sysroot link, llvm-objcopy to strip a cross build, the target's objdump for the checks.
    need_apt lld llvm binutils-aarch64-linux-gnu
    link=$(sysroot_args "$(rid_arch "$rid")")
  fi
  # SQLite is linked in (src/Native/Solti.Native.targets): no libe_sqlite3.so beside them.
  rm -f "$out/libe_sqlite3.so"
  # `solti-matrix relay` runs solti-matrix-relay from the same directory (the same commands plus the relay's HTTP server).
  for project in Solti.Matrix.Cli Solti.Matrix.Relay; do
    # The native link is incremental per RID, not per sysroot: a sysroot build links into a directory of its own, so
    # neither kind of build takes the other's binary for up to date.
    # shellcheck disable=SC2086 # MSBuild properties
    dotnet publish "$ROOT/src/$project" -c Release -r "$rid" -nologo -v quiet -clp:NoSummary $link \
      ${link:+"-p:NativeOutputPath=$ROOT/src/$project/bin/Release/net10.0/$rid/native-bullseye/"} "$sqlite" -o "$out" >&2 || exit 1
  done
  echo "$out/solti-matrix"
}

# Debian 11 (bullseye, glibc 2.31) sysroots, one per architecture, so the module binaries link against an old glibc;
# src/Native/glibc-compat.c then binds the few symbols newer than GLIBC_2.28 (pow, log, ...) to their old versions.
# Built once (as root) with `debootstrap --foreign`, whose downloaded .debs are unpacked with dpkg-deb: no chroot and
# no qemu, the same way for amd64 and arm64. libssl1.1 is not linked against: the arm64 sysroot doubles as the Debian 11
# target root that the tests run the arm64 binary in under qemu-user (SHA-256 on the healing path loads OpenSSL).
SYSROOT_PACKAGES=libc6-dev,zlib1g-dev,libgcc-10-dev,libstdc++-10-dev,libsqlite3-dev,libssl1.1
GLIBC_MAX=$(sed -n 's:.*<SoltiGlibcMax>\(.*\)</SoltiGlibcMax>.*:\1:p' "$ROOT/src/Native/Solti.Native.targets") # the one number
sysroot_dir() { echo "$ROOT/artifacts/sysroot-bullseye-$1"; }

# sysroot_args ARCH (amd64|arm64): the MSBuild properties that link against that sysroot; exits when there is none.
sysroot_args() {
  local arch=$1 dir log
  dir=$(sysroot_dir "$arch")
  log="$ROOT/artifacts/debootstrap-$arch.log"
  # .complete holds the package list the sysroot was made with: a changed list makes it again.
  if [ "$(cat "$dir/.complete" 2>/dev/null)" != "$SYSROOT_PACKAGES" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "build.sh: the Debian 11 ($arch) sysroot $dir is missing or out of date; the module binaries link against it so" >&2
      echo "  that they need glibc <= $GLIBC_MAX on the targets. Making it needs root once (debootstrap): run './build.sh collection' as root" >&2
      exit 3
    fi
    need_apt debootstrap lld
    rm -rf "$dir" && mkdir -p "$dir"
    echo "build.sh: building the bullseye $arch sysroot (once) in $dir" >&2
    if ! debootstrap --foreign --arch="$arch" --variant=minbase --include="$SYSROOT_PACKAGES" \
        bullseye "$dir" http://deb.debian.org/debian >"$log" 2>&1; then
      echo "build.sh: debootstrap failed for $arch (see $log)" >&2
      exit 1
    fi
    local deb
    for deb in "$dir"/var/cache/apt/archives/*.deb; do
      dpkg-deb -x "$deb" "$dir"
    done
    # Absolute links would resolve against the host; make them relative to the sysroot.
    find "$dir" -type l -lname '/*' | while read -r link; do
      ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$dir$(readlink "$link")")" "$link"
    done
    local triple
    triple=$(rid_triple "$arch")
    if [ ! -e "$dir/usr/lib/$triple/libsqlite3.a" ] || [ ! -e "$dir/usr/lib/$triple/libc.so" ]; then
      echo "build.sh: the $arch sysroot lacks libc.so or libsqlite3.a (see $log)" >&2
      exit 1
    fi
    echo "$SYSROOT_PACKAGES" >"$dir/.complete"
  fi
  need_apt lld
  echo "-p:SysRoot=$dir -p:LinkerFlavor=lld"
}

rid_triple() { case $1 in amd64|linux-x64) echo x86_64-linux-gnu ;; arm64|linux-arm64) echo aarch64-linux-gnu ;; esac; }
rid_arch() { case $1 in linux-x64) echo amd64 ;; linux-arm64) echo arm64 ;; esac; }

# The collection tarball: an AOT module binary per architecture in bin/<rid>/, bin/manifest.json naming them, and one
# small file per module in plugins/modules/ (module_file) beside its sidecar documentation.
MODULE_RIDS=${SOLTI_MODULE_RIDS:-"linux-x64 linux-arm64"} # one architecture while iterating: SOLTI_MODULE_RIDS=linux-x64

# plugins/modules/NAME: the module's own file. It names the module and holds no code: the action plugin runs the binary
# for it. A file, not a symlink to the binary, because Ansible lists no symlinks (it takes them for aliases), so
# `ansible-doc -l` would not list the module. No shebang and not executable, as ansible-test's shebang test wants.
module_file() {
  cat <<EOF
# jackaltx.solti_matrix_mgr.$1: this file names the module and holds no code.
#
# Every module of this collection is one Native AOT binary, bin/<rid>/solti-matrix-module (bin/manifest.json names
# them). meta/runtime.yml routes the module to the action plugin jackaltx.solti_matrix_mgr.solti_matrix_module, which
# runs that binary for it: in place on the controller, installed once per host and user on a target.
# Documentation: $1.yml, next to this file (ansible-doc reads it).
EOF
}

cmd_collection() {
  need_apt ca-certificates clang lld llvm zlib1g-dev binutils binutils-aarch64-linux-gnu ansible-core python3
  need_dotnet
  local stage="$ROOT/artifacts/collection/jackaltx/solti_matrix_mgr" rid version sqlite
  local -A link_args=()
  sqlite=$(sqlite_source)
  # Every sysroot first: without one (no root to make it) nothing is built, rather than a tarball needing a newer glibc.
  for rid in $MODULE_RIDS; do
    link_args[$rid]=$(sysroot_args "$(rid_arch "$rid")")
  done
  rm -rf "$stage" && mkdir -p "$stage/bin" "$ROOT/dist"
  cp -a "$ROOT/collection/." "$stage/"
  cp "$ROOT/LICENSE" "$stage/LICENSE" # the MIT text galaxy.yml declares ships with the collection
  # The CHANGELOG.md that ships is rendered from the YAML it ships with (the committed one is checked by the tests).
  "$(system_python)" "$stage/scripts/render_changelog.py" "$stage" >/dev/null
  for rid in $MODULE_RIDS; do
    # shellcheck disable=SC2086 # MSBuild properties
    dotnet publish "$ROOT/src/Solti.Matrix.Ansible" -c Release -r "$rid" -nologo -v quiet -clp:NoSummary ${link_args[$rid]} \
      "$sqlite" -o "$ROOT/artifacts/module/$rid" >&2
    mkdir -p "$stage/bin/$rid"
    cp "$ROOT/artifacts/module/$rid/solti-matrix-module" "$stage/bin/$rid/"
    echo "build.sh: bin/$rid/solti-matrix-module: $(stat -c %s "$stage/bin/$rid/solti-matrix-module") bytes" >&2
  done
  version=$(project_version)
  python3 "$ROOT/build/module_manifest.py" "$stage/bin" "$version" "$GLIBC_MAX"
  for doc in "$stage"/plugins/modules/*.yml; do
    module_file "$(basename "$doc" .yml)" >"${doc%.yml}"
  done
  ansible-galaxy collection build "$stage" --output-path "$ROOT/dist" --force >&2
  ls "$ROOT"/dist/jackaltx-solti_matrix_mgr-"$version".tar.gz
}

# collection/CHANGELOG.md from collection/changelogs/ (antsibull-changelog's format; collection/scripts/render_changelog.py).
cmd_changelog() {
  need_apt python3 python3-yaml
  "$(system_python)" "$ROOT/collection/scripts/render_changelog.py" "$@" "$ROOT/collection"
}

# ansible-lint (Debian's, 6.13) with the production profile, run as it runs on a collection: from its root, where
# galaxy.yml is (so the galaxy rules see the tags, the version and the changelog), with collection/.ansible-lint
# (production profile, offline). The source tree has neither the modules' own files nor the binaries (the build makes
# them), so the modules resolve from the built collection: COLLECTIONS_PATH when given (a path `ansible-galaxy collection install -p` wrote),
# else the tarball (SOLTI_COLLECTION_TARBALL, else built) installed under artifacts/lint.
cmd_lint() {
  need_apt ansible-lint
  local collections=${1:-} cache status=0
  if [ -z "$collections" ]; then
    local tarball=${SOLTI_COLLECTION_TARBALL:-}
    if [ -z "$tarball" ]; then
      tarball=$(cmd_collection | tail -n 1)
    fi
    collections="$ROOT/artifacts/lint/collections"
    rm -rf "$collections" && mkdir -p "$collections"
    ansible-galaxy collection install --force -p "$collections" "$tarball" >&2
  fi
  collections=$(realpath "$collections")
  cache=$(mktemp -d)
  # ANSIBLE_COLLECTIONS_PATH ends in ansible_collections: with ansible-core 2.14, ansible-compat 3.0 configures
  # ansible-lint's own plugin loader with the *parent* of that variable (the fqcn rule resolves modules through it);
  # Ansible accepts either form. XDG_CACHE_HOME: ansible-lint's cache keyed by the directory's basename ("collection")
  # would otherwise be shared with every other checkout and could hold a stale copy of this collection.
  (cd "$ROOT/collection" && XDG_CACHE_HOME="$cache" ANSIBLE_COLLECTIONS_PATH="$collections/ansible_collections" ANSIBLE_NOCOLOR=1 \
    ansible-lint --profile production --nocolor) || status=$?
  rm -rf "$cache"
  return "$status"
}

# Ansible's own tools on the built collection: `ansible-doc -l` lists one module per sidecar (plugins/modules/*.yml), and
# `ansible-test sanity` (Debian's ansible-core) passes with the collection's tests/sanity/ignore-<ansible-core X.Y>.txt,
# on Debian's python3, without the tests whose requirements ansible-test would download from PyPI
# (SANITY_NEEDS_DOWNLOAD; docs/module-host.md, "Ansible's own tools"). On the collection installed under
# COLLECTIONS_PATH when given (a path `ansible-galaxy collection install -p` wrote), else the tarball
# (SOLTI_COLLECTION_TARBALL, else built); always on a copy in a temporary directory: ansible-test writes into the
# collection (tests/output), and lists a git checkout's files with git, which would hide an ignored artifacts/ directory.
SANITY_NEEDS_DOWNLOAD="changelog import pep8 pylint runtime-metadata validate-modules yamllint"
cmd_sanity() {
  need_apt ansible-core python3 python3-venv
  local collections=${1:-} work collection expected listed core python status=0 test
  local skips=()
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # the path now: $work is local
  trap "rm -rf '$work'" EXIT
  collection="$work/ansible_collections/jackaltx/solti_matrix_mgr"
  if [ -z "$collections" ]; then
    local tarball=${SOLTI_COLLECTION_TARBALL:-}
    if [ -z "$tarball" ]; then
      tarball=$(cmd_collection | tail -n 1)
    fi
    ansible-galaxy collection install --force -p "$work" "$tarball" >&2
  else
    mkdir -p "$(dirname "$collection")"
    cp -a "$collections/ansible_collections/jackaltx/solti_matrix_mgr" "$collection"
  fi

  expected=$(find "$collection/plugins/modules" -name '*.yml' -printf '%f\n' | sed 's/\.yml$//' | sort)
  listed=$(ANSIBLE_COLLECTIONS_PATH="$work" ansible-doc -t module -l jackaltx.solti_matrix_mgr | awk '{ print $1 }' |
    sed 's/^jackaltx\.solti_matrix_mgr\.//' | sort)
  if [ "$listed" != "$expected" ]; then
    echo "build.sh: ansible-doc -t module -l jackaltx.solti_matrix_mgr lists [$(tr '\n' ' ' <<<"$listed")], the" \
      "sidecars document [$(tr '\n' ' ' <<<"$expected")]" >&2
    status=1
  else
    echo "build.sh: ansible-doc -l lists the $(wc -l <<<"$listed") modules" >&2
  fi

  core=$(ansible --version | sed -n '1s/.*core \([0-9]*\.[0-9]*\).*/\1/p')
  python=$("$(system_python)" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  if [ ! -f "$collection/tests/sanity/ignore-$core.txt" ]; then
    echo "build.sh: ansible-core $core: the collection has no tests/sanity/ignore-$core.txt (binary modules need one:" \
      "see docs/module-host.md, \"Ansible's own tools\")" >&2
    return 1
  fi
  for test in $SANITY_NEEDS_DOWNLOAD; do
    skips+=(--skip-test "$test")
  done
  (cd "$collection" && ansible-test sanity -v --color no --python "$python" "${skips[@]}") || status=$?
  return "$status"
}

# The library as the NuGet package Solti.Matrix: dist/Solti.Matrix.<version>.nupkg and its symbols (.snupkg), or into the
# directory given. The last stdout line is the .nupkg's path; dotnet's output goes to stderr.
cmd_nuget() {
  need_dotnet
  local out=${1:-$ROOT/dist} version
  mkdir -p "$out"
  out=$(realpath "$out")
  version=$(project_version)
  rm -f "$out/Solti.Matrix.$version.nupkg" "$out/Solti.Matrix.$version.snupkg"
  dotnet pack "$ROOT/src/Solti.Matrix" -c Release -nologo -v quiet -clp:NoSummary -o "$out" >&2
  if [ ! -f "$out/Solti.Matrix.$version.nupkg" ] || [ ! -f "$out/Solti.Matrix.$version.snupkg" ]; then
    echo "build.sh: dotnet pack did not write Solti.Matrix.$version.nupkg and .snupkg into $out" >&2
    exit 1
  fi
  echo "build.sh: $out/Solti.Matrix.$version.snupkg: the symbols" >&2
  echo "$out/Solti.Matrix.$version.nupkg"
}

# The Debian packages: dist/solti-matrix_<version>_{amd64,arm64}.deb with both binaries (linked against the bullseye
# sysroots: glibc >= 2.28), their manual pages and shell completions (generated by the CLI from its own command tree),
# the relay's hardened systemd unit, its system user and its settings file (sources in packaging/debian/).
DEB_RIDS="linux-x64 linux-arm64"
DEB_MAINTAINER=${SOLTI_DEB_MAINTAINER:-solti-matrix developers <jackaltx@users.noreply.github.com>}
cmd_deb() {
  # Also when run inside $(…) (./build.sh test): stop at the first failure, in the helpers' $(…) too.
  set -e
  shopt -s inherit_errexit
  need_apt dpkg python3 python3-yaml
  need_dotnet
  local version rid host gen cli deb debs=()
  local -A bin_dirs=()
  version=$(project_version)
  # Every date and mtime in the packages is the last commit's: the same tree builds the same files.
  export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}
  for rid in $DEB_RIDS; do
    cli=$(build_cli_for "$rid" "$ROOT/artifacts/deb/$rid")
    bin_dirs[$rid]=$(dirname "$cli")
  done
  # The manual pages and completions, from the binaries this machine runs.
  case $(uname -m) in aarch64) host=linux-arm64 ;; *) host=linux-x64 ;; esac
  gen="$ROOT/artifacts/deb/generated"
  rm -rf "$gen" && mkdir -p "$gen"
  "${bin_dirs[$host]}/solti-matrix" __generate man >"$gen/solti-matrix.1"
  "${bin_dirs[$host]}/solti-matrix-relay" __generate man >"$gen/solti-matrix-relay.1"
  "${bin_dirs[$host]}/solti-matrix" __generate bash >"$gen/solti-matrix.bash"
  "${bin_dirs[$host]}/solti-matrix" __generate zsh >"$gen/_solti-matrix"
  deb_changelog "$version" >"$gen/changelog"
  mkdir -p "$ROOT/dist"
  for rid in $DEB_RIDS; do
    deb=$(deb_build "$rid" "${bin_dirs[$rid]}" "$gen" "$version")
    debs+=("$deb")
  done
  printf '%s\n' "${debs[@]}"
}

# deb_changelog VERSION: the Debian changelog (native package: /usr/share/doc/solti-matrix/changelog.gz), an entry per
# release of collection/changelogs/changelog.yaml, newest first, its summary and changes as the items.
deb_changelog() {
  "$(system_python)" "$ROOT/build/deb_changelog.py" "$ROOT/collection/changelogs/changelog.yaml" "$1" "$DEB_MAINTAINER"
}

# deb_build RID BIN_DIR GENERATED VERSION: stages the package root for RID's architecture and builds it into dist/.
deb_build() {
  local rid=$1 bin=$2 gen=$3 version=$4 arch stage src="$ROOT/packaging/debian" deb depends
  arch=$(rid_arch "$rid")
  stage="$ROOT/artifacts/deb/root-$arch"
  rm -rf "$stage"
  install -d -m 0755 "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/man/man1" "$stage/usr/share/bash-completion/completions" \
    "$stage/usr/share/zsh/vendor-completions" "$stage/usr/lib/systemd/system" "$stage/usr/lib/sysusers.d" \
    "$stage/usr/share/doc/solti-matrix" "$stage/etc/solti-matrix"
  install -m 0755 "$bin/solti-matrix" "$bin/solti-matrix-relay" "$stage/usr/bin/"
  for page in solti-matrix.1 solti-matrix-relay.1; do
    gzip -9n <"$gen/$page" >"$stage/usr/share/man/man1/$page.gz"
  done
  install -m 0644 "$gen/solti-matrix.bash" "$stage/usr/share/bash-completion/completions/solti-matrix"
  ln -s solti-matrix "$stage/usr/share/bash-completion/completions/solti-matrix-relay"
  install -m 0644 "$gen/_solti-matrix" "$stage/usr/share/zsh/vendor-completions/_solti-matrix"
  install -m 0644 "$src/solti-matrix-relay.service" "$stage/usr/lib/systemd/system/"
  install -m 0644 "$src/solti-matrix.sysusers" "$stage/usr/lib/sysusers.d/solti-matrix.conf"
  # 0644 as shipped (lintian: non-standard-file-perm): the postinst makes it root:solti-matrix 0640 with a stat override.
  install -m 0644 "$src/relay.env" "$stage/etc/solti-matrix/relay.env"
  gzip -9n <"$gen/changelog" >"$stage/usr/share/doc/solti-matrix/changelog.gz"
  # DEP-5: the license text indented, its blank lines as " ."
  awk 'FNR == NR { text = text (length($0) ? " " $0 : " .") "\n"; next } /^@LICENSE@$/ { printf "%s", text; next } { print }' \
    "$ROOT/LICENSE" "$src/copyright" >"$stage/usr/share/doc/solti-matrix/copyright"
  chmod 0644 "$stage/usr/share/doc/solti-matrix/copyright"
  install -m 0755 "$src/postinst" "$src/prerm" "$src/postrm" "$stage/DEBIAN/"
  install -m 0644 "$src/conffiles" "$stage/DEBIAN/"
  depends=$(deb_depends "$rid" "$stage/usr/bin/solti-matrix" "$stage/usr/bin/solti-matrix-relay")
  sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$DEB_MAINTAINER|" -e "s/@DEPENDS@/$depends/" \
    -e "s|@INSTALLED_SIZE@|$(du -sk --apparent-size --exclude=DEBIAN "$stage" | cut -f1)|" \
    "$src/control.in" >"$stage/DEBIAN/control"
  (cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
  chmod 0644 "$stage/DEBIAN/md5sums"
  find "$stage" -depth -newermt "@$SOURCE_DATE_EPOCH" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +
  deb="$ROOT/dist/solti-matrix_${version}_$arch.deb"
  dpkg-deb --build --root-owner-group -Zxz "$stage" "$deb" >&2
  echo "$deb"
}

# deb_depends RID BINARY...: the packages the binaries' DT_NEEDED libraries come from (a library not known here stops
# the build), plus OpenSSL, which .NET loads with dlopen() for TLS and hashing.
deb_depends() {
  local rid=$1 lib depends=("libc6 (>= $GLIBC_MAX)")
  shift
  for lib in $("$(rid_triple "$rid")-objdump" -p "$@" | awk '$1 == "NEEDED" { print $2 }' | sort -u); do
    case $lib in
      libc.so.6|libm.so.6|libdl.so.2|libpthread.so.0|librt.so.1|ld-linux-*.so.*) ;;
      libz.so.1) depends+=("zlib1g (>= 1:1.1.4)") ;;
      libgcc_s.so.1) depends+=("libgcc-s1 (>= 3.0)") ;;
      libstdc++.so.6) depends+=("libstdc++6 (>= 5)") ;;
      *) echo "build.sh: $* need $lib: name its Debian package in deb_depends" >&2; exit 1 ;;
    esac
  done
  depends+=("libssl3 | libssl3t64 | libssl1.1" "adduser")
  local IFS=,
  echo "${depends[*]}" | sed 's/,/, /g'
}

# Every artifact users install, into dist/: the Debian packages (amd64, arm64), the NuGet package and its symbols, and
# the collection tarball. Their paths are the last lines.
cmd_package() {
  cmd_deb
  cmd_nuget
  cmd_collection | tail -n 1
}

cmd_demo() {
  local cli
  cli=$(build_cli)
  dotnet build "$ROOT/src/Solti.Matrix.Demo" -c Release -nologo -v quiet -clp:NoSummary
  dotnet run --project "$ROOT/src/Solti.Matrix.Demo" -c Release --no-build -- "$cli" "$@"
}

# The unit tier only: no homeserver, no process, no package; the library, the config engine and the module host's own
# rules, in seconds (tests tagged [Trait("tier", "unit")]; the others are "integration" and "package").
cmd_test_fast() {
  need_dotnet
  local results="$ROOT/artifacts/test-results-fast" status=0
  rm -rf "$results"
  dotnet test "$ROOT/Solti.Matrix.slnx" -c Release -nologo --filter "tier=unit" \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" || status=$?
  summarize "$results" "$status"
}

# The independent Matrix client the encryption tests script (tests/peer: matrix-js-sdk with its Rust crypto, versions
# pinned by its package-lock.json; JsPeer.cs runs it): npm ci, again only when the lock changed (node_modules keeps the
# lock's SHA-256, which JsPeer.cs also checks).
install_peer() {
  local dir="$ROOT/tests/peer" lock stamp
  command -v node >/dev/null 2>&1 || need_apt nodejs
  command -v npm >/dev/null 2>&1 || need_apt npm
  lock=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  stamp="$dir/node_modules/.solti-lock-sha256"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2 || exit 1
    echo "$lock" >"$stamp"
  fi
}

cmd_test() {
  if [ "${1:-}" = "--fast" ]; then
    cmd_test_fast
    return
  fi
  # The CLI and playbook tests run what ships: the Native AOT CLI and the collection tarball.
  SOLTI_MATRIX_CLI=$(build_cli)
  SOLTI_COLLECTION_TARBALL=$(cmd_collection | tail -n 1)
  # TargetBinaryTests run the arm64 binary under qemu-user in the Debian 11 arm64 sysroot (glibc 2.31, OpenSSL 1.1).
  # qemu runs the arm64 build; sshd and sudo make this machine a remote target (RemoteTargetTests).
  need_apt qemu-user-static binutils-aarch64-linux-gnu openssh-server openssh-client sudo
  # AnsibleLintTests runs ./build.sh lint on the installed collection, AnsibleSanityTests ./build.sh sanity (ansible-test
  # makes a virtual environment without pip for its tests), ChangelogTests ./build.sh changelog --check.
  need_apt ansible-lint python3-yaml python3-venv
  # AlertIntakeTests fire an alert through a real Alertmanager into the relay's webhook intake.
  need_apt prometheus-alertmanager
  SOLTI_ARM64_ROOT=$(sysroot_dir arm64)
  # JsPeerTests script the JS peer.
  install_peer
  # NuGetPackageTests check the library's package and publish a Native AOT consumer of it from this folder.
  SOLTI_NUGET_DIR="$ROOT/artifacts/nuget"
  cmd_nuget "$SOLTI_NUGET_DIR" >/dev/null
  export SOLTI_MATRIX_CLI SOLTI_COLLECTION_TARBALL SOLTI_ARM64_ROOT SOLTI_NUGET_DIR
  # DebPackageTests lints the Debian packages, installs the amd64 one (as root) and purges it.
  if command -v dpkg-deb >/dev/null 2>&1; then
    [ "$(id -u)" -ne 0 ] || need_apt dpkg-dev lintian systemd
    local debs
    debs=$(cmd_deb | tail -n 2)
    SOLTI_DEB_AMD64=$(grep '_amd64\.deb$' <<<"$debs")
    SOLTI_DEB_ARM64=$(grep '_arm64\.deb$' <<<"$debs")
    export SOLTI_DEB_AMD64 SOLTI_DEB_ARM64
  fi
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
  package) shift; cmd_package "$@" ;;
  collection) shift; cmd_collection "$@" ;;
  deb) shift; cmd_deb "$@" ;;
  changelog) shift; cmd_changelog "$@" ;;
  lint) shift; cmd_lint "$@" ;;
  sanity) shift; cmd_sanity "$@" ;;
  nuget) shift; cmd_nuget "$@" ;;
  bench) shift; need_apt hyperfine jq time curl python3; bench/cli-send.sh "$(build_cli)"; tarball=$(cmd_collection | tail -n 1); bench/ansible-tasks.sh "$tarball"; bench/encrypted-tasks.sh "$tarball"; need_apt openssh-server openssh-client; bench/ansible-remote.sh "$tarball"; bench/config-noop.sh "$(build_cli)" "$tarball"; bench/relay-throughput.sh "$(build_cli)"; bench/relay-memory.sh "$(build_cli)"; bench/relay-alerts.sh "$(build_cli)"; bench/crowd.sh "$(build_cli)" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# check-binary.sh FILE TRIPLE [GLIBC_MAX]: the post-link checks of every Native AOT binary (Solti.Native.targets runs
# them after the link, so any publish does): SQLite is inside the binary (no DT_NEEDED on it, no sqlite3_* imports, its
# own code present, so it is not dlopen()ed from a libe_sqlite3.so either), and with GLIBC_MAX (a sysroot build) no
# glibc symbol version newer than that is needed.
set -euo pipefail
file=$1 triple=$2 glibc_max=${3:-}
objdump="$triple-objdump"
if ! command -v "$objdump" >/dev/null 2>&1; then
  echo "check-binary.sh: $objdump is missing: install binutils (binutils-$triple for a cross build) to check $file" >&2
  exit 1
fi

needed=$("$objdump" -p "$file" | awk '$1 == "NEEDED" { print $2 }')
if grep -qi 'sqlite' <<<"$needed" || "$objdump" -T "$file" | grep -q '\*UND\*.* sqlite3_'; then
  echo "check-binary.sh: $file loads SQLite dynamically (NEEDED: $(tr '\n' ' ' <<<"$needed")); it must be linked in" >&2
  exit 1
fi
if ! grep -qa 'SQLite format 3' "$file"; then
  echo "check-binary.sh: $file does not contain SQLite (see src/Native/Solti.Native.targets: DirectPInvoke e_sqlite3)" >&2
  exit 1
fi

if [ -n "$glibc_max" ]; then
  newest=$("$objdump" -T "$file" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -V | tail -n 1)
  if [ -z "$newest" ] || [ "$(printf '%s\n%s\n' "$newest" "$glibc_max" | sort -V | tail -n 1)" != "$glibc_max" ]; then
    echo "check-binary.sh: $file needs GLIBC_${newest:-?}, newer than the GLIBC_$glibc_max the binaries promise; bind the old" >&2
    echo "  symbol version in src/Native/glibc-compat.c:" >&2
    "$objdump" -T "$file" | grep -E "GLIBC_${newest//./\\.}([) ]|\$)" >&2 || true
    exit 1
  fi
fi

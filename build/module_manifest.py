"""module_manifest.py BIN_DIR VERSION GLIBC_MIN: writes the collection's bin/manifest.json, which names each machine's
module binary with its path, SHA-256 and size (the action checks what it installs on a target against it)."""
import hashlib
import json
import os
import sys

bin_dir, version, glibc = sys.argv[1:4]
binaries = {}
for machine, rid in (("x86_64", "linux-x64"), ("aarch64", "linux-arm64")):
    path = f"{rid}/solti-matrix-module"
    if not os.path.exists(os.path.join(bin_dir, path)):
        continue  # SOLTI_MODULE_RIDS built one architecture only (while iterating)
    with open(os.path.join(bin_dir, path), "rb") as binary:
        data = binary.read()
    binaries[machine] = {"rid": rid, "path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
with open(os.path.join(bin_dir, "manifest.json"), "w", encoding="utf-8") as manifest:
    json.dump({"version": version, "glibc_min": glibc, "binaries": binaries}, manifest, indent=2)
    manifest.write("\n")

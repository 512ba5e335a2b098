# The module binary on a target: which build a host can run, where it lives there, and the shell commands that run,
# probe and install it. Pure functions over the collection's bin/manifest.json; the action plugin does the I/O.
#
# On a target the binary lives in a private, content-addressed directory of the user that runs the module (the
# connecting user, or the become user):  ~/.ansible/solti_matrix/<version>-<machine>-<sha256[:16]>/solti-matrix-module
# (directories 0700, the file 0700, owned by that user; checked before every run, re-sent only when missing).
from __future__ import annotations

import json
import os
import re
import shlex

BINARY = "solti-matrix-module"
PROBE_MARK = "SOLTI_MATRIX_TARGET"
INSTALLED_MARK = "SOLTI_MATRIX_INSTALLED"
INSTALL_FAILED_MARK = "SOLTI_MATRIX_INSTALL_FAILED"
_MACHINE_ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}

# One line: kernel, machine, libc ("glibc 2.36", "musl libc (x86_64)", or "unknown").
PROBE = ('echo "%s $(uname -s) $(uname -m) $( (getconf GNU_LIBC_VERSION 2>/dev/null || ldd --version 2>&1) | head -n 1 || echo unknown)"'
         % PROBE_MARK)


class Manifest:
    """bin/manifest.json: the collection version, the glibc floor, and one binary per `uname -m`."""

    def __init__(self, bin_dir):
        self.bin_dir = bin_dir
        with open(os.path.join(bin_dir, "manifest.json"), "r", encoding="utf-8") as handle:
            data = json.load(handle)
        self.version = data["version"]
        self.glibc_min = data["glibc_min"]
        self.binaries = data["binaries"]

    def local_path(self, machine):
        return os.path.join(self.bin_dir, self.binaries[machine]["path"])

    def remote_dir(self, machine):
        """The target's directory for this build, relative to the target user's $HOME."""
        entry = self.binaries[machine]
        return ".ansible/solti_matrix/%s-%s-%s" % (self.version, machine, entry["sha256"][:16])

    def supported(self):
        return "Linux %s with glibc >= %s" % (" or ".join(sorted(self.binaries)), self.glibc_min)


def normalize_machine(machine):
    return _MACHINE_ALIASES.get(machine, machine)


class Target:
    """What PROBE printed about a host."""

    def __init__(self, kernel, machine, libc):
        self.kernel = kernel
        self.machine = normalize_machine(machine)
        self.libc = libc

    @classmethod
    def parse(cls, stdout):
        for line in stdout.splitlines():
            line = line.strip()
            if line.startswith(PROBE_MARK + " "):
                parts = line.split(" ", 3)
                if len(parts) == 4:
                    return cls(parts[1], parts[2], parts[3])
        return None

    def glibc_version(self):
        match = re.match(r"^(?:glibc|GNU libc)\s+(\d+)\.(\d+)", self.libc) or re.search(r"GLIBC\s+(?:\S+\s+)?(\d+)\.(\d+)", self.libc)
        return (int(match.group(1)), int(match.group(2))) if match else None

    def problem(self, manifest):
        """None when the manifest has a build this host runs; else what is wrong, in words."""
        if self.kernel != "Linux":
            return "%s is not Linux" % self.kernel
        if self.machine not in manifest.binaries:
            return "no build for %s" % self.machine
        have = self.glibc_version()
        if have is None:
            return "its C library is %s, not glibc" % self.libc
        need = tuple(int(p) for p in manifest.glibc_min.split("."))
        if have < need:
            return "glibc %d.%d is older than %s" % (have + (manifest.glibc_min,))
        return None

    def __str__(self):
        return "%s %s with %s" % (self.kernel, self.machine, self.libc)


def unsupported_message(host, target, manifest):
    return ("jackaltx.solti_matrix_mgr cannot run on %s (%s: %s). The modules ship for %s. They only speak HTTP to "
            "the homeserver, so run the task on the controller instead: add `delegate_to: localhost` to it."
            % (host, target, target.problem(manifest), manifest.supported()))


def _dir_checks(var):
    # A directory we may trust: really a directory, not a symlink, owned by the user running the command.
    return '[ -d "%s" ] && [ ! -h "%s" ] && [ -O "%s" ]' % (var, var, var)


def _select_dir(manifest):
    # Picks the build for this host's `uname -m` (one short process), so shared home directories of mixed hosts work.
    cases = " ".join(
        "%s) d=\"$p/%s\" ;;" % ("|".join(sorted({m} | {a for a, c in _MACHINE_ALIASES.items() if c == m})), os.path.basename(manifest.remote_dir(m)))
        for m in sorted(manifest.binaries))
    return 'p="$HOME/.ansible/solti_matrix"; d=; case "$(uname -m)" in %s esac' % cases


def run_command(manifest, environment_string):
    """Runs the installed module with the JSON arguments on stdin; where it is not installed (or not to be trusted),
    runs nothing and prints PROBE instead. The module's own output is all that a run prints."""
    prefix = environment_string.strip() + " " if environment_string.strip() else ""
    return ('umask 077; %s; if [ -n "$d" ] && %s && %s && [ -x "$d/%s" ]; then %s"$d/%s"; else %s; fi'
            % (_select_dir(manifest), _dir_checks("$p"), _dir_checks("$d"), BINARY, prefix, BINARY, PROBE))


def install_command(manifest, machine):
    """Reads the binary from stdin into the private directory: written under a temporary name, checked against the
    manifest's SHA-256, then renamed into place (concurrent installs of the same build are harmless)."""
    entry = manifest.binaries[machine]
    name = os.path.basename(manifest.remote_dir(machine))
    return ('umask 077; p="$HOME/.ansible/solti_matrix"; d="$p/%s"; t=; '
            'if mkdir -p "$p" && %s && chmod 700 "$p" && mkdir -p "$d" && %s && chmod 700 "$d" '
            '&& t=$(mktemp "$d/.incoming.XXXXXX") && cat > "$t" '
            '&& s=$(sha256sum "$t" 2>/dev/null || shasum -a 256 "$t") && [ "${s%%%% *}" = %s ] '
            '&& chmod 700 "$t" && mv -f "$t" "$d/%s"; then echo %s; '
            'else [ -n "$t" ] && rm -f "$t"; echo "%s in $d (needs mkdir, mktemp, sha256sum, a home directory of its own)"; fi'
            % (name, _dir_checks("$p"), _dir_checks("$d"), shlex.quote(entry["sha256"]), BINARY, INSTALLED_MARK, INSTALL_FAILED_MARK))

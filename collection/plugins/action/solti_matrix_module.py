# The controller-side action of every module of this collection (meta/runtime.yml routes each module here).
#
# The modules are one Native AOT binary (bin/<rid>/solti-matrix-module); each plugins/modules/<name> is a small file of
# its own that names the module and holds no code (a file, not a link to the binary: Ansible lists no links, so
# ansible-doc -l would miss the module). Ansible's own path for a binary module copies it to a fresh temp directory
# on the target for every task (sftp, chmod, run, clean up: five round-trips, and no pipelining). This action instead:
#   - on the controller (local connection, no become): runs the binary in place;
#   - on a target: installs the binary once per host, user and build into a private directory (see
#     plugin_utils/target_binary.py) and then runs each task in ONE round-trip, the arguments on stdin;
#   - wherever that cannot keep Ansible's semantics exactly (async, su, a connection without stdin, a non-POSIX
#     shell, sudo that insists on a tty) or the variable solti_matrix_fastpath is false: Ansible's usual path, with
#     the binary built for the target's architecture.
# Check mode, diff, no_log, become, environment: and module_defaults behave as they do for any module.
from __future__ import annotations

import json
import os
import subprocess

from ansible.release import __version__ as ansible_version
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var
from ansible.utils.vars import merge_hash
from ansible.vars.clean import remove_internal_keys

from ansible_collections.jackaltx.solti_matrix_mgr.plugins.plugin_utils.target_binary import (
    INSTALLED_MARK, PROBE, Manifest, Target, install_command, normalize_machine, run_command, unsupported_message)

display = Display()

FASTPATH_VARS = ("solti_matrix_fastpath", "solti_matrix_local_fastpath")  # the second: the name of release 1.0
BIN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bin")
_TTY_REFUSALS = ("you must have a tty", "no tty present", "a terminal is required")


class HostNotServed(AnsibleError):
    """A host no build of the manifest can run: the task fails (failed: true), nothing is sent."""


class ActionModule(ActionBase):
    _requires_connection = True

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        self._manifest = Manifest(BIN_DIR)
        self._target = None
        self._module_name = self._resolved_module()

        try:
            if self._fastpath_enabled(task_vars):
                if self._is_controller():
                    return merge_hash(result, self._finish(self._run_in_place(task_vars)))
                if self._can_use_installed():
                    done = self._run_installed(task_vars)
                    if done is not None:
                        return merge_hash(result, self._finish(done))
            return merge_hash(result, self._run_standard(task_vars))
        except HostNotServed as e:
            return merge_hash(result, {"failed": True, "changed": False, "msg": e.message})

    def _resolved_module(self):
        # The module the task names, as Ansible resolves it to find module_defaults. Not the task's resolved_action:
        # this action is also routed under each module's name (meta/runtime.yml), which makes that the action's name.
        context = self._shared_loader_obj.module_loader.find_plugin_with_context(self._task.action, collection_list=self._task.collections)
        return context.resolved_fqcn if context.resolved else self._task.action

    # -- which path ----------------------------------------------------------------------------------------------

    def _fastpath_enabled(self, task_vars):
        return all(boolean(task_vars.get(name, True), strict=False) for name in FASTPATH_VARS)

    def _is_local(self):
        return self._connection.transport in ("local", "ansible.builtin.local")

    def _is_controller(self):
        return self._is_local() and not self._play_context.become and not self._task.async_val

    def _can_use_installed(self):
        become = self._connection.become
        return (
            not self._task.async_val
            and self._connection.has_pipelining           # the connection can hand a command its stdin
            and self._connection.allow_executable         # and runs it with the play's POSIX shell
            and getattr(self._connection._shell, "SHELL_FAMILY", "") == "sh"
            and (become.name if become else "") != "su"   # su needs a terminal for its password
        )

    # -- the three paths -----------------------------------------------------------------------------------------

    def _module_args(self, task_vars):
        # The internal keys the binary reads (ActionBase._update_module_args sets more, at a cost on every task). Bytes:
        # the local connection hands stdin to the process as it is (ssh encodes a str itself, local does not).
        args = dict(self._task.args)
        args.update(
            _ansible_check_mode=bool(self._task.check_mode),
            _ansible_diff=bool(self._task.diff),
            _ansible_no_log=bool(self._task.no_log),
            _ansible_verbosity=display.verbosity,
            _ansible_module_name=self._module_name,
            _ansible_version=ansible_version,
        )
        return json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")

    def _run_in_place(self, task_vars):
        machine = normalize_machine(os.uname().machine)
        if machine not in self._manifest.binaries:
            raise HostNotServed(unsupported_message("the controller", self._controller(), self._manifest))
        environment = {}
        self._compute_environment_string(environment)
        env = dict(os.environ, **{k: to_text(v) for k, v in environment.items()}) if environment else None
        done = subprocess.run([self._manifest.local_path(machine)], input=self._module_args(task_vars),
                              capture_output=True, check=False, env=env, cwd=self._loader.get_basedir())
        return dict(rc=done.returncode, stdout=done.stdout.decode("utf-8", "replace"), stderr=done.stderr.decode("utf-8", "replace"))

    def _run_installed(self, task_vars):
        """One round-trip when the build is installed; three the first time (probe, install, run). None: use the
        standard path instead (sudo refused to run without a tty, or the user has no home directory to install in)."""
        host = task_vars.get("inventory_hostname", "the target")
        args = self._module_args(task_vars)
        command = run_command(self._manifest, self._compute_environment_string())
        res = self._low_level_execute_command(command, sudoable=True, in_data=args)
        if self._refused_without_tty(res):
            display.vvv("solti_matrix: sudo needs a tty on %s; using Ansible's module path" % host, host=host)
            return None
        target = Target.parse(res["stdout"])
        if target is None:
            return res
        if target.problem(self._manifest):
            raise HostNotServed(unsupported_message(host, target, self._manifest))
        if not self._install(host, target):
            return None
        res = self._low_level_execute_command(command, sudoable=True, in_data=args)
        if Target.parse(res["stdout"]) is not None:
            raise AnsibleError("solti_matrix: the module binary was installed on %s but is not usable there: %s" % (host, res["stderr"] or res["stdout"]))
        return res

    def _install(self, host, target):
        path = self._manifest.local_path(target.machine)
        with open(path, "rb") as handle:
            data = handle.read()
        display.vvv("solti_matrix: installing %s (%d bytes) on %s (%s) in ~/%s"
                    % (os.path.basename(os.path.dirname(path)), len(data), host, target, self._manifest.remote_dir(target.machine)), host=host)
        res = self._low_level_execute_command(install_command(self._manifest, target.machine), sudoable=True, in_data=data)
        if INSTALLED_MARK in res["stdout"].split():
            return True
        display.warning("jackaltx.solti_matrix_mgr: could not install the module binary on %s (%s %s); using Ansible's "
                        "module path, which copies it for every task" % (host, res["stdout"].strip(), res["stderr"].strip()))
        return False

    def _run_standard(self, task_vars):
        """Ansible's own module path (what the `normal` action does), sending the build for the target's machine."""
        if not self._is_local() or self._play_context.become:
            res = self._low_level_execute_command(PROBE, sudoable=False)
            self._target = Target.parse(res["stdout"])
            if self._target is None:
                raise AnsibleError("solti_matrix: cannot tell what %s is: %s %s" % (task_vars.get("inventory_hostname"), res["stdout"], res["stderr"]))
        else:
            self._target = self._controller()
        if self._target.problem(self._manifest):
            raise HostNotServed(unsupported_message(task_vars.get("inventory_hostname", "the target"), self._target, self._manifest))
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = self._execute_module(module_name=self._module_name, task_vars=task_vars, wrap_async=wrap_async)
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _configure_module(self, module_name, module_args, task_vars):
        # The module's file (plugins/modules/<name>) only names it: what Ansible sends is the build for the target's
        # machine, as a binary module (it reads the arguments file, whose _ansible_module_name says which module to be).
        if module_name != self._module_name:
            return super()._configure_module(module_name, module_args, task_vars)  # async_wrapper, for async tasks
        return "binary", None, b"", self._manifest.local_path(self._target.machine)

    @staticmethod
    def _controller():
        import platform  # only here: importing it costs every task a few milliseconds
        libc, version = platform.libc_ver()
        uname = os.uname()
        return Target(uname.sysname, uname.machine, ("glibc " + version) if libc == "glibc" else (libc or "unknown"))

    # -- results -------------------------------------------------------------------------------------------------

    def _refused_without_tty(self, res):
        if not self._play_context.become or res["rc"] == 0:
            return False
        text = (res["stderr"] + res["stdout"]).lower()
        return any(refusal in text for refusal in _TTY_REFUSALS)

    def _finish(self, res):
        # What _execute_module makes of a module's output: parsed JSON (or MODULE FAILURE with stdout and stderr).
        if res["stderr"] and display.verbosity >= 3:
            display.vvv(res["stderr"])
        data = self._parse_returned_data(res)
        data.pop("_ansible_suppress_tmpdir_delete", None)
        remove_internal_keys(data)
        return wrap_var(data)

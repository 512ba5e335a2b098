# Controller-side glue for the binary matrix_event module: when the task runs on the controller itself
# (local connection, no become, no async, no task environment), run the binary in place instead of
# copying it into a remote temp directory first; everywhere else, the normal module round-trip.
# The module is the same binary either way: this only skips the copy, chmod and clean-up steps.
from __future__ import annotations

import json
import os
import subprocess
import tempfile

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()

FASTPATH_VAR = "solti_matrix_local_fastpath"


class ActionModule(ActionBase):
    _requires_connection = True

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        module = self._find_module()
        if module is None or not self._can_run_in_place(task_vars):
            result.update(self._execute_module(task_vars=task_vars))
            return result
        result.update(self._run_in_place(module))
        return result

    def _find_module(self):
        name = self._task.resolved_action or "jackaltx.solti_matrix_mgr.matrix_event"
        context = self._shared_loader_obj.module_loader.find_plugin_with_context(name)
        return context.plugin_resolved_path if context.resolved else None

    def _can_run_in_place(self, task_vars):
        if not boolean(task_vars.get(FASTPATH_VAR, True), strict=False):
            return False
        return (
            self._connection.transport in ("local", "ansible.builtin.local")
            and not self._play_context.become
            and not self._task.async_val
            and not any(self._task.environment or [])
        )

    def _run_in_place(self, module):
        args = dict(self._task.args)
        args.update(
            _ansible_check_mode=bool(self._task.check_mode),
            _ansible_diff=bool(self._task.diff),
            _ansible_no_log=bool(self._task.no_log),
            _ansible_verbosity=display.verbosity,
            _ansible_module_name=self._task.action,
            _ansible_version="",
        )
        # A private file: the arguments hold secrets until the module masks them.
        fd, path = tempfile.mkstemp(prefix="solti-matrix-args-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(args, handle)
            # argv[0] names the module: the binary serves every module through its symlinks.
            done = subprocess.run([module, path], capture_output=True, check=False)
        finally:
            os.unlink(path)
        stderr = done.stderr.decode("utf-8", "replace")
        if stderr and display.verbosity >= 3:
            display.vvv(stderr)
        try:
            return json.loads(done.stdout.decode("utf-8"))
        except ValueError:
            return {
                "failed": True,
                "msg": "the matrix_event binary answered no JSON (exit %d)" % done.returncode,
                "module_stderr": stderr,
            }

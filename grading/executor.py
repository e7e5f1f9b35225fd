"""nbgrader's Execute step, run in the sandbox and hardened against what a submission can do.

:class:`SandboxedExecute` replaces nbgrader's ``Execute`` preprocessor in ``autograde``:

* the kernel starts inside a bubblewrap jail (:class:`grading.sandbox.Sandbox`: empty root,
  own PID, IPC and network namespaces, no network), talking to the grader over Unix sockets in its private work folder;
* per-cell timeout (nbgrader's ``Execute.timeout``); a kernel that does not come back after the
  interrupt is killed and the remaining cells are marked "not run";
* a kernel that dies (``os._exit``, a crash, out of memory, the per-submission wall limit) no
  longer aborts nbgrader: that cell gets an error output, the remaining cells are marked
  "not run" with the reason, and their tests score 0;
* a cell's output is cut after ``max_output_bytes`` (an endless ``print`` cannot fill memory);
* stderr output of a test cell (a warning printed by correct code) does not cost its points:
  nbgrader zeroes any test cell with stderr output, so it is kept as ordinary output;
* before every graded test cell, the kernel state that tests rely on is restored
  (:mod:`grading.kernel_guard`); if the kernel does not answer the restore call with the
  right nonce, the test is not run and scores 0.

What happened (notes, repairs, cells not run) is appended, one JSON line per notebook, to the
file named by ``SandboxedExecute.run_log``, which the task that grades the submission reads
(:mod:`grading.task`). Everything it needs comes through its configuration: no module state.

:class:`VerdictExecute` replaces it for an assignment that has a checks module
(:mod:`grading.checks`): no test cell runs in the student's kernel. The jailed kernel runs the
other cells and computes; :func:`grading.verdict.score_notebook` judges in the grader's process;
each test cell gets its verdict as its output (:func:`grading.verdict.annotate`), which nbgrader's
SaveAutoGrades turns into the same scores, and the report goes into the run log (key
``"verdict"``) for the task to write into the gradebook. The in-kernel guard is not used: the
kernel's state decides nothing.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import secrets
import shutil
import time
from queue import Empty

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
import threading

from traitlets import Dict, Float, Integer, Unicode

from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from . import kernel_guard
from .sandbox import Sandbox

class SandboxKernelManager(AsyncKernelManager):
    """Kernel manager whose kernels start through the sandbox launcher, over Unix sockets."""

    sandbox = None
    workdir = None
    #: The jail works in its own bounded copy of ``workdir`` (Sandbox.wrap's ``private``); the
    #: grader then reaches the kernel's sockets through the jail's root in /proc.
    private = False
    _jail_ip = None

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None:
            # A signal would reach bwrap, not the kernel inside the jail's PID namespace: ask
            # the kernel to interrupt itself over its control channel instead.
            spec.interrupt_mode = "message"
        return spec

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        return self.sandbox.wrap(command, self.workdir,
                                 console_log=os.path.join(self.workdir, "kernel.log"),
                                 private=self.private and self.sandbox.mode == "bwrap")

    async def _async_pre_start_kernel(self, **kw):
        if self._jail_ip:  # a restart: the connection file names the path inside the jail
            self.ip = self._jail_ip
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["env"] = self.sandbox.launch_env()  # the grader's environment stays outside
        await super()._async_launch_kernel(kernel_cmd, **kw)
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            self.sandbox.started(process.pid)  # so that this grader (only) can end the jail
            if self.private and self.sandbox.mode == "bwrap":
                root = await asyncio.to_thread(self.sandbox.jail_root, process.pid)
                self._jail_ip = self._jail_ip or self.ip
                self.ip = root + self._jail_ip


def _assignment_files(resources):
    """Files other than notebooks that nbgrader put beside the notebook (data, modules)."""
    path = (resources or {}).get("metadata", {}).get("path")
    if not path or not os.path.isdir(path):
        return {}
    files = {}
    for name in sorted(os.listdir(path)):
        source = os.path.join(path, name)
        if name.endswith(".ipynb") or os.path.islink(source) or not os.path.isfile(source):
            continue
        with open(source, "rb") as f:
            files[name] = f.read()
    return files


class VerdictExecute(NbGraderPreprocessor):
    """Autograde's Execute step on the verdict path (see the module doc)."""

    assignment = Unicode("", help="The assignment (one with a module in grading.checks)."
                         ).tag(config=True)
    jail = Dict(help="Keyword arguments of grading.sandbox.Sandbox (mode, bwrap, limits)."
                ).tag(config=True)
    cell_timeout = Float(60.0, help="Seconds a cell, or one check's calls, may take."
                         ).tag(config=True)
    deadline = Float(0.0, help="Time (time.time()) by which the submission must be done; 0 = "
                     "none.").tag(config=True)
    run_log = Unicode("", help="File to append what happened to (one JSON line per notebook)."
                      ).tag(config=True)
    max_output_bytes = Integer(200_000, help="Output kept per cell (bytes)."
                               ).tag(config=True)
    max_total_output_bytes = Integer(10_000_000, help="Output kept in the whole notebook "
                                     "(bytes).").tag(config=True)

    def preprocess(self, nb, resources):
        from .checks import for_assignment
        from .verdict import (Limits, OutputCaps, annotate, report_as_plain,
                              score_notebook)

        if not self.jail or not self.assignment:
            raise RuntimeError("VerdictExecute needs its 'jail' and 'assignment' settings: run "
                               "it through `python -m grading autograde`")
        module = for_assignment(self.assignment)
        # The task's hard stop comes a few seconds after the deadline: the notebook's time
        # ends early enough for a kernel that ignores the interrupt to be ended before it.
        grace = Limits().interrupt_grace + 1
        wall = max(self.deadline - time.time() - grace, 0.001) if self.deadline else 0.0
        limits = Limits(cell_timeout=self.cell_timeout, request_timeout=self.cell_timeout,
                        wall_limit=wall)
        sandbox = Sandbox(**self.jail)
        try:
            report = score_notebook(nb, self.assignment, sandbox, limits,
                                    _assignment_files(resources),
                                    output_caps=OutputCaps(self.max_output_bytes,
                                                           self.max_total_output_bytes))
        finally:
            sandbox.kill_all()
        annotate(nb, report, module.CELLS)
        if self.run_log:
            entry = {"notes": report.notes, "repaired": [], "threads": [], "aborted": None,
                     "verdict": dict(report_as_plain(report),
                                     notebook=resources.get("unique_key", ""))}
            with open(self.run_log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")
        return nb, resources


def _error(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue,
                      traceback=[f"{ename}: {evalue}"])


def _merge_streams(outputs):
    """Join consecutive stream outputs of the same name: how the kernel chunked its output
    depends on timing, and the feedback must not."""
    merged = []
    for output in outputs:
        last = merged[-1] if merged else None
        if (last is not None and output.output_type == "stream" == last.output_type
                and output.name == last.name):
            last.text = "".join(last.text) + "".join(output.text)
        else:
            merged.append(output)
    return merged


class SandboxedExecute(Execute):
    """nbgrader's Execute, in the sandbox, with the protections listed in the module doc."""

    max_output_bytes = Integer(
        200_000, help="Keep at most this many bytes of output per cell (the rest is cut)."
    ).tag(config=True)

    max_total_output_bytes = Integer(
        10_000_000, help="Keep at most this many bytes of output in the whole notebook (bounds "
        "the autograded notebook and its feedback)."
    ).tag(config=True)

    restore_timeout = Integer(
        30, help="Seconds to wait for the kernel to answer the state restore before a test."
    ).tag(config=True)

    jail = Dict(help="Keyword arguments of grading.sandbox.Sandbox (mode, bwrap, limits)."
                ).tag(config=True)

    deadline = Float(0.0, help="Time (time.time()) by which the submission must be done; 0 = "
                     "none.").tag(config=True)

    run_log = Unicode("", help="File to append what happened to (one JSON line per notebook)."
                      ).tag(config=True)

    def create_kernel_manager(self):
        if not self.jail:
            raise RuntimeError("SandboxedExecute needs its 'jail' setting: run it through "
                               "`python -m grading autograde`")
        self._sandbox = sandbox = Sandbox(**self.jail)
        self._workdir = sandbox.make_workdir()
        self._copy_assignment_files()
        self.km = SandboxKernelManager(kernel_name="python3", config=self.config)
        self.km.transport = "ipc"
        self.km.ip = os.path.join(self._workdir, "k")
        self.km.sandbox = sandbox
        self.km.workdir = self._workdir
        self.km.private = True  # everything the submission writes stays in the jail's tmpfs
        # The connection file must be inside the jail: in the work folder, with the sockets.
        self.km.connection_file = os.path.join(self._workdir, "kernel.json")
        return self.km

    def _copy_assignment_files(self):
        """Files other than notebooks that nbgrader put beside the notebook (data, modules)."""
        path = (self.resources or {}).get("metadata", {}).get("path")
        if not path or not os.path.isdir(path):
            return
        for name in os.listdir(path):
            source = os.path.join(path, name)
            if name.endswith(".ipynb") or os.path.islink(source) or not os.path.isfile(source):
                continue
            shutil.copyfile(source, os.path.join(self._workdir, name), follow_symlinks=False)

    async def async_start_new_kernel(self, **kwargs):
        kwargs["cwd"] = self._workdir
        await super().async_start_new_kernel(**kwargs)

    # -- the run ----------------------------------------------------------------------------
    def preprocess(self, nb, resources=None, km=None):
        from nbclient.client import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._log = {"notes": [], "repaired": [], "threads": [], "aborted": None}
        self._aborted = None
        self._sandbox = None
        timer = None
        self._guarded = False
        self._output_bytes = {}
        self._workdir = None
        try:
            with self.setup_kernel():
                if self.deadline:
                    # Past the wall limit (and a grace period), end the jail whatever it does.
                    timer = threading.Timer(max(0.0, self.deadline - time.time()) + 5,
                                            self._sandbox.kill_all)
                    timer.daemon = True
                    timer.start()
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                self._silent(kernel_guard.guard_source())
                first_code = next((i for i, c in enumerate(self.nb.cells)
                                   if c.cell_type == "code" and c.source.strip()), None)
                for index, cell in enumerate(self.nb.cells):
                    self.preprocess_cell(cell, resources, index)
                    if index == first_code and not self._aborted:
                        self._snapshot(cell)
        except DeadKernelError:
            pass  # already recorded by preprocess_cell; shutting the dead kernel down failed
        finally:
            if timer is not None:
                timer.cancel()
            if self._sandbox is not None:
                self._sandbox.kill_all()
                if self._workdir:
                    self._sandbox.remove_workdir(self._workdir)
            if self.run_log:
                with open(self.run_log, "a", encoding="utf-8") as f:
                    f.write(json.dumps(self._log) + "\n")
        self.set_widgets_metadata()
        return self.nb, self.resources

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        is_test = utils.is_grade(cell) and not utils.is_solution(cell)
        if self._aborted:
            cell.outputs = [_error("NotRun", f"this cell was not run: {self._aborted}")]
            return cell, resources
        if self._deadline_passed():
            self._abort("the submission reached the grader's time limit")
            cell.outputs = [_error("NotRun", f"this cell was not run: {self._aborted}")]
            return cell, resources
        if is_test and self._guarded and not self._restore(cell):
            return cell, resources
        try:
            self.execute_cell(cell, index, store_history=True)
        except CellTimeoutError:
            # The kernel's output did not end after the interrupt: it may be slow to settle, or
            # ignore SIGINT, have stopped itself, or sit in a long C call. If it does not answer
            # either, end it and mark the rest "not run"; the earlier cells keep their points.
            cell.outputs.append(_error("CellTimeoutError", (
                f"this cell was still running after {self.timeout} s when it was interrupted")))
            cell.execution_count = None
            self._log["notes"].append(f"cell {self._name(cell, index)} timed out after "
                                      f"{self.timeout} s")
            if not self._responsive():
                self._abort(f"the kernel did not stop after cell {self._name(cell, index)} "
                            "timed out")
            return cell, resources
        except DeadKernelError:
            if self._deadline_passed():
                reason = "the submission reached the grader's time limit"
            elif self._sandbox is not None and self._sandbox.out_of_memory():
                reason = (f"the kernel ran out of memory (the jail's limit of "
                          f"{self._sandbox.total_memory_mb} MiB in all)")
            else:
                reason = "the kernel died (os._exit, a crash or running out of memory)"
            cell.outputs.append(_error("DeadKernelError", f"{reason} while running this cell"))
            # Whether the kernel announced the cell before it died is a race: the cell never
            # completed, so it has no execution count (the same feedback in every mode).
            cell.execution_count = None
            self._abort(f"{reason} in an earlier cell")
            return cell, resources
        if any(o.output_type == "error" and o.get("ename") == "CellTimeoutError"
               for o in cell.outputs):
            self._log["notes"].append(f"cell {self._name(cell, index)} timed out after "
                                      f"{self.timeout} s")
            if not self._responsive():
                self._abort(f"the kernel did not recover after cell {self._name(cell, index)} "
                            "timed out")
        if is_test:
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stderr":
                    output.name = "stdout"  # a warning must not cost the test its points
        cell.outputs = _merge_streams(cell.outputs)
        return cell, resources

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _name(cell, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        return repr(grade_id) if grade_id else f"#{index + 1}"

    def _abort(self, reason):
        self._aborted = reason
        self._log["aborted"] = reason
        try:
            if self._sandbox is not None:
                self._sandbox.kill_all()
        except Exception:  # noqa: BLE001 - best effort, the kernel is gone either way
            pass

    def _deadline_passed(self):
        return bool(self.deadline) and time.time() > self.deadline

    def _silent(self, code, user_expressions=None, timeout=None):
        """Run code without output or history; return the reply content (None if no reply)."""
        return run_sync(self._async_silent)(code, user_expressions, timeout)

    async def _async_silent(self, code, user_expressions, timeout):
        msg_id = self.kc.execute(code, silent=True, store_history=False,
                                 user_expressions=user_expressions or {}, stop_on_error=False)
        deadline = time.monotonic() + (timeout or self.restore_timeout)
        while time.monotonic() < deadline:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(
                    timeout=min(1.0, max(0.05, deadline - time.monotonic()))))
            except Empty:
                if not await ensure_async(self.km.is_alive()):
                    return None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]
        return None

    def _responsive(self):
        reply = self._silent("pass", timeout=10)
        return reply is not None

    def _snapshot(self, cell):
        """Record the state the tests rely on, right after the instructor's setup cell."""
        reply = self._silent("", {"names": "sorted(k for k in get_ipython().user_ns "
                                            "if not k.startswith('_'))"})
        try:
            names = ast.literal_eval(reply["user_expressions"]["names"]["data"]["text/plain"])
            names = [n for n in names if n not in ("In", "Out", "exit", "quit", "get_ipython")]
            reply = self._silent("", {"s": kernel_guard.snapshot_expression(names)}, timeout=60)
            self._guarded = reply["user_expressions"]["s"]["status"] == "ok"
        except (TypeError, KeyError, ValueError, SyntaxError):
            self._guarded = False
        if not self._guarded:
            self._log["notes"].append("the grader could not record the kernel state after the "
                                      "setup cell; tests ran without the state restore")

    def _restore(self, cell):
        """Restore the recorded state before a test; False (and the cell failed) if it fails."""
        nonce = secrets.token_hex(8)
        reply = self._silent("", {"r": kernel_guard.restore_expression(nonce)})
        try:
            result = ast.literal_eval(reply["user_expressions"]["r"]["data"]["text/plain"])
            ok = result["nonce"] == nonce
        except (TypeError, KeyError, ValueError, SyntaxError):
            ok, result = False, {}
        if not ok:
            cell.outputs = [_error(
                "GraderIntegrityError",
                "the grader could not restore numpy and the test helpers before this test (the "
                "notebook changed the kernel's machinery), so the test was not run")]
            self._log["notes"].append(f"integrity check failed before test {self._name(cell, 0)}")
            return False
        for item in result.get("fixed", []):
            if item not in self._log["repaired"]:
                self._log["repaired"].append(item)
        for name in result.get("threads", []):
            if name not in self._log["threads"]:
                self._log["threads"].append(name)
        return True

    # -- output limits ----------------------------------------------------------------------
    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {}), default=str))
        used = self._output_bytes.get(cell_index, 0)
        self._output_bytes[cell_index] = used + size
        kept = self._output_bytes.get("kept", 0)  # output kept in the whole notebook
        if used + size <= self.max_output_bytes and kept + size > self.max_total_output_bytes:
            if not self._output_bytes.get("total cut"):
                self._output_bytes["total cut"] = True
                outs.append(new_output("stream", name="stdout", text=(
                    f"\n[output cut by the grader: the notebook printed more than "
                    f"{self.max_total_output_bytes // 1000} kB in all]\n")))
                self._log["notes"].append("the notebook's output was cut (more than "
                                          f"{self.max_total_output_bytes // 1000} kB in all)")
            return None
        if used + size <= self.max_output_bytes:
            self._output_bytes["kept"] = kept + size
        if used + size > self.max_output_bytes:
            if used <= self.max_output_bytes:
                outs.append(new_output("stream", name="stdout", text=(
                    f"\n[output cut by the grader: this cell printed more than "
                    f"{self.max_output_bytes // 1000} kB]\n")))
                self._log["notes"].append("a cell's output was cut (more than "
                                          f"{self.max_output_bytes // 1000} kB)")
            return None
        return super().output(outs, msg, display_id, cell_index)

"""nbgrader's Execute step on the verdict path, and the jailed kernel's manager.

:class:`VerdictExecute` replaces nbgrader's ``Execute`` preprocessor in ``autograde`` for every
assignment (each has a checks module in :mod:`grading.checks`; one without is refused before
grading): no test cell runs in the student's kernel. The jailed kernel
(:class:`SandboxKernelManager`: a bubblewrap jail of :class:`grading.sandbox.Sandbox`, empty
root, own PID, IPC and network namespaces, Unix sockets in its private work folder) runs the
other cells and computes; :func:`grading.verdict.score_notebook` judges in the grader's
process, under the per-cell timeout, the wall limit left and the output limits
(``max_output_bytes`` per cell, ``max_total_output_bytes`` per notebook). Each test cell gets
its verdict as its output (:func:`grading.verdict.annotate`), which nbgrader's SaveAutoGrades
turns into the same scores; the report is appended, one JSON line per notebook (keys
``"notes"`` and ``"verdict"``), to the file named by ``VerdictExecute.run_log``, which the task
that grades the submission reads (:mod:`grading.task`) and writes into the gradebook.
Everything it needs comes through its configuration: no module state.
"""

from __future__ import annotations

import asyncio
import json
import os
import time

from jupyter_client.manager import AsyncKernelManager
from traitlets import Dict, Float, Integer, Unicode

from nbgrader.preprocessors import NbGraderPreprocessor

from .sandbox import Sandbox
from .settings import default

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
    cell_timeout = Float(float(default("cell_timeout")), help="Seconds a cell, or one "
                         "check's calls, may take.").tag(config=True)
    deadline = Float(0.0, help="Time (time.time()) by which the submission must be done; 0 = "
                     "none.").tag(config=True)
    run_log = Unicode("", help="File to append what happened to (one JSON line per notebook)."
                      ).tag(config=True)
    max_output_bytes = Integer(default("max_output_bytes"), help="Output kept per cell "
                               "(bytes).").tag(config=True)
    max_total_output_bytes = Integer(default("max_total_output_bytes"), help="Output kept in "
                                     "the whole notebook (bytes).").tag(config=True)

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
            entry = {"notes": report.notes, "verdict": dict(report_as_plain(report),
                                                      notebook=resources.get("unique_key", ""))}
            with open(self.run_log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")
        return nb, resources

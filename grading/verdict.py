"""Verdicts computed outside the student's process: the kernel only computes, the grader judges.

:func:`score_notebook` grades a notebook of an assignment that has a checks module
(:mod:`grading.checks`) without running a single test cell in the student's kernel:

1. a jailed kernel (:class:`grading.sandbox.Sandbox`, started by
   :class:`grading.executor.SandboxKernelManager`) runs the notebook's cells *except* the graded
   test cells (:func:`kernel_cells`): the setup cell, the student's answer cells and any cell
   the student added;
2. for each check of each graded test cell, the grader writes the check's inputs as ``.npy``
   files and a ``request.json`` into a fresh folder of the jail's work folder, and sends the
   kernel one fixed line (:data:`mnistlib.assignment_checks.compute.REQUEST`, the folder's path
   and nothing else) that calls the named function on them and writes the results back as
   ``.npy`` files and a ``reply.json`` (:mod:`mnistlib.assignment_checks.compute`);
3. the grader reads the reply as hostile data (:func:`read_reply`): no symbolic links or
   special files, size caps, JSON of a fixed shape, ``.npy`` files whose header is checked
   before they are loaded with ``allow_pickle=False`` (numbers only: no pickles, no object or
   structured arrays; a subclass cannot be written to ``.npy`` at all), and judges it *in its
   own process* with the check's verdict (:func:`mnistlib.assignment_checks.judge`);
4. a test cell earns its points (from the notebook's nbgrader metadata) when all its checks pass.

Cells and checks go in the notebook's order: a test cell's checks are computed when the run
reaches that cell, on the functions the cells above it defined, as the notebook would run.

How the verdict is kept out of the student's reach
---------------------------------------------------
* Nothing the kernel does decides anything: its outputs, its ``execute_reply`` status, its
  display hook, its compiler, its numpy are never consulted; only the data files are, and
  wrong data fails the verdict whatever object produced it. The only way to pass a check is
  to write the right numbers, i.e. to compute the right answer.
* Assertions, expected values and hidden checks' source live in :mod:`grading.checks`, which
  the jail does not contain; the kernel receives inputs (arrays) and one fixed line of code,
  run with ``store_history=False``, so ``In`` holds only the notebook's own cells. A hidden
  test that never entered the kernel cannot leak from it.
* A graded function sees the hidden checks' inputs and could keep them for a later cell to
  print: the outputs of every cell that runs after a hidden test cell are replaced by a note
  (:data:`WITHHELD`), in the autograded notebook and so in the feedback.
* Every request has a timeout: a function that hangs is interrupted, and a kernel that does not
  come back is killed (the jail with it) and started again for the remaining checks; the whole
  notebook has a wall limit. A reply that breaks a rule fails its check with the reason.
* What remains in the kernel is policy, not verdict: the "own code" rule (mnistlib's functions
  switched off during the call) and the inputs-unchanged check rely on the kernel reporting
  honestly; deliberately forging them needs code the static scan (:mod:`grading.scan`) flags.

How ``python -m grading autograde`` uses it
-------------------------------------------
Every assignment is graded this way; one not registered in :data:`grading.checks.ASSIGNMENTS`
is refused before grading (:func:`grading.checks.missing` says what to write):

1. :mod:`grading.task` runs nbgrader's Autograde with :class:`grading.executor.VerdictExecute`
   as its Execute step: it calls :func:`score_notebook` on the rebuilt notebook with the task's
   jail settings, its cell timeout (for cells and for each check's calls), the wall limit left
   and the output limits; no test cell runs in the kernel.
2. :func:`annotate` puts the outputs of the cells the kernel ran, and each test cell's verdict
   (its checks passed, or an error output whose one line is each failed check's message, no
   traceback), into the notebook; nbgrader's SaveAutoGrades scores the same, and the task then
   writes the report's scores into its gradebook with :func:`write_grades` before it reads
   them back, so formgrader, manual grading of written answers, feedback and export work
   unchanged. GenerateFeedback shows the messages; :mod:`grading.feedback` removes any output
   quoting a line of the hidden checks and withholds a page that still shows one.
3. The notebook's visible test cells call :mod:`mnistlib.assignment_checks` (``check(...)``)
   and its hidden ones are a comment; a new assignment adds a checks module and registers it
   (callbacks such as ``train_step`` return their call log).

In a bubblewrap jail the kernel works in its own bounded copy of the work folder
(``Sandbox.wrap(..., private=True)``, in the jail's ``/tmp`` of ``tmp_mb``): nothing it writes
reaches the host's disk. The grader reaches the requests' folder through ``Sandbox.jail_root``,
opened once when the kernel has started and before any cell runs.

A visible test cell then reads, for example::

    # Known answers: equal scores give equal probabilities; adding a constant changes nothing.
    from mnistlib.assignment_checks.softmax import check
    check("softmax_known_answers", softmax)

and a hidden one is a comment (``# Hidden tests of softmax run when your notebook is
graded.``): its checks are in :mod:`grading.checks.softmax`.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import secrets
import shutil
import stat
import time
from dataclasses import dataclass, field
from queue import Empty

import numpy as np

from mnistlib.assignment_checks import Outcome, TypeTag, judge
from mnistlib.assignment_checks._core import (MAX_DEPTH, MAX_ITEMS, MAX_KEY, MAX_LOG_CALLS,
                                              MAX_STR, PLAIN_KINDS, SUMMARY_DEPTH, Scripted,
                                              driver_name)
from mnistlib.assignment_checks.compute import INLINE_DTYPES, REQUEST

from .settings import default


class Refused(Exception):
    """A reply the grader does not accept; the message says why."""


@dataclass
class Limits:
    """What the grader accepts back from a kernel, and how long it waits.

    Parameters
    ----------
    file_bytes : int
        Largest ``.npy`` file read; its numbers as float64 (what a verdict may make of them)
        may not take more either.
    reply_bytes : int
        Largest ``reply.json``.
    total_bytes : int
        All files of one reply together (each counted as at least its numbers as float64).
    max_ndim : int
        Most dimensions of a returned array.
    message_chars : int
        Longest error message kept from the kernel.
    log_calls : int
        Most calls in the log of one callback.
    request_timeout : float
        Seconds one check's calls may take in the kernel.
    cell_timeout : float
        Seconds one notebook cell may take.
    interrupt_grace : float
        Seconds the kernel has to answer after an interrupt before it is killed.
    startup_timeout : float
        Seconds the jailed kernel has to start.
    wall_limit : float
        Seconds for the whole notebook (0 = none).
    """

    file_bytes: int = 64 * 2**20
    reply_bytes: int = 2**20
    total_bytes: int = 256 * 2**20
    max_ndim: int = 4
    message_chars: int = 500
    log_calls: int = MAX_LOG_CALLS
    request_timeout: float = float(default("cell_timeout"))
    cell_timeout: float = float(default("cell_timeout"))
    interrupt_grace: float = 5.0
    startup_timeout: float = 60.0
    wall_limit: float = float(default("wall_limit"))


# -- reading a reply ---------------------------------------------------------------------------
#: Names of the files a reply may use: value, arguments after the call, callbacks' logs.
_NAME = re.compile(r"c\d{1,4}_[val]\d{1,6}\.npy")


def _read_capped(dir_fd, name, cap):
    """The bytes of regular file ``name`` in ``dir_fd`` (no links, FIFOs, devices), <= cap."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except FileNotFoundError:
        raise Refused(f"the kernel wrote no {name}") from None
    except OSError as exc:
        raise Refused(f"{name} cannot be opened ({exc.strerror}; a link?)") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{name} is not a regular file")
        if info.st_size > cap:
            raise Refused(f"{name} has {info.st_size} bytes, more than the {cap} bytes accepted")
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(2**20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > cap:
            raise Refused(f"{name} grew past the {cap} bytes accepted")
        return b"".join(chunks)
    finally:
        os.close(fd)


def parse_npy(data, name, limits):
    """A base ndarray of numbers from the bytes of a ``.npy`` file, or Refused with the reason.

    The header is checked before anything is loaded: format 1.0 or 2.0, a numeric dtype (no
    object or structured dtype, so nothing pickled can be inside), at most ``max_ndim``
    dimensions, and exactly the bytes the header announces.
    """
    f = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(f)
    except ValueError:
        kind = "a pickle" if data[:1] == b"\x80" else "not a .npy file"
        raise Refused(f"{name} is {kind}: only numeric .npy arrays are accepted") from None
    try:
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise Refused(f"{name} uses .npy format {version}, not 1.0 or 2.0")
    except ValueError as exc:
        raise Refused(f"{name} has a broken .npy header ({exc})") from None
    if dtype.hasobject or dtype.names is not None or dtype.subdtype is not None:
        raise Refused(f"{name} holds an object or structured array ({dtype}): only numbers "
                      "are accepted")
    if dtype.kind not in PLAIN_KINDS:
        raise Refused(f"{name} holds {dtype}, not numbers (bool, int, float)")
    if len(shape) > limits.max_ndim:
        raise Refused(f"{name} has {len(shape)} dimensions, more than {limits.max_ndim}")
    # Counted as the float64 array a verdict makes of it: 64 MB of int8 would become 512 MB
    # in the grader's process.
    if math.prod(shape) * 8 > limits.file_bytes:
        raise Refused(f"{name} holds {math.prod(shape)} numbers, more than the "
                      f"{limits.file_bytes // 8} accepted ({limits.file_bytes} bytes as float64)")
    expected = math.prod(shape) * dtype.itemsize
    if len(data) - f.tell() != expected:
        raise Refused(f"{name} announces {expected} bytes of data but holds "
                      f"{len(data) - f.tell()}")
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as exc:
        raise Refused(f"{name} cannot be loaded without pickle ({exc})") from None
    if type(array) is not np.ndarray:  # np.load never makes one; kept as the rule's statement
        raise Refused(f"{name} is not a plain ndarray")
    return array


def _text(value, what):
    """``value`` if it is text that can be written out (UTF-8: no lone surrogates)."""
    if not isinstance(value, str):
        raise Refused(f"reply.json has {what} that is not text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(f"reply.json has {what} that is not valid text") from None
    return value


def _scalar(value):
    """A 0-d array from an inline ``[dtype, number]``, exactly that number, or Refused."""
    if not (isinstance(value, list) and len(value) == 2 and value[0] in INLINE_DTYPES):
        raise Refused("reply.json has a scalar that is not [numeric dtype, number]")
    dtype, number = np.dtype(value[0]), value[1]
    if dtype.kind == "b":
        if not isinstance(number, bool):
            raise Refused("reply.json has a bool scalar that is not true or false")
        return np.array(number, dtype=dtype)
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise Refused("reply.json has a scalar that is not a number")
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not isinstance(number, int) or not info.min <= number <= info.max:
            raise Refused(f"reply.json has a scalar that is not an integer of {dtype}")
        return np.array(number, dtype=dtype)
    with np.errstate(all="ignore"):
        array = np.array(number, dtype=dtype)
    if not (float(array) == number or (math.isnan(number) and np.isnan(array))):
        raise Refused(f"reply.json has a scalar that {dtype} cannot hold exactly")
    return array


class _Reader:
    """Reads one reply folder, keeping the total size under the limit.

    Only the forms the kernel side writes are accepted, with the same caps as
    :func:`mnistlib.assignment_checks.as_plain` (items, depth, str and key length), so the
    verdict gets the data an in-process :func:`~mnistlib.assignment_checks.call_check` gets.
    """

    def __init__(self, dir_fd, limits):
        self.dir_fd, self.limits, self.total = dir_fd, limits, 0
        # File name -> array: the kernel side names each file once; a reply naming one file
        # thousands of times (a 1 MB reply.json holds ~40,000 names) is read once, not
        # thousands of times in the grader's process.
        self.read = {}

    def array(self, name):
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise Refused(f"reply.json names a file {str(name)[:40]!r} the protocol does not "
                          "use")
        if name in self.read:
            return self.read[name]
        data = _read_capped(self.dir_fd, name, self.limits.file_bytes)
        array = parse_npy(data, name, self.limits)
        self.total += max(len(data), array.size * 8)  # as float64, as a verdict may make it
        if self.total > self.limits.total_bytes:
            raise Refused(f"the reply's files exceed {self.limits.total_bytes} bytes (numbers "
                          "counted as float64)")
        self.read[name] = array
        return array

    def tree(self, node, depth=0, max_depth=MAX_DEPTH):
        """Plain data from a TREE node: ndarray, str, list, dict or TypeTag."""
        if not isinstance(node, dict) or len(node) != 1:
            raise Refused("reply.json has a value that is not {array|scalar|str|list|dict|"
                          "type: ...}")
        (key, value), = node.items()
        if key == "array":
            return self.array(value)
        if key == "scalar":
            return _scalar(value)
        if key == "type":
            return TypeTag(_text(value, "a type name")[:80])
        if key == "str":
            if len(_text(value, "a str")) > MAX_STR:
                raise Refused(f"reply.json has a str of more than {MAX_STR} characters")
            return value
        if key not in ("list", "dict"):
            raise Refused(f"reply.json has a value of the wrong form (kind {key[:20]!r})")
        if depth >= max_depth:
            raise Refused(f"reply.json has values nested more than {max_depth} deep")
        if key == "list" and isinstance(value, list) and len(value) <= MAX_ITEMS:
            return [self.tree(v, depth + 1, max_depth) for v in value]
        if key == "dict" and isinstance(value, dict) and len(value) <= MAX_ITEMS:
            for k in value:
                if len(_text(k, "a dict key")) > MAX_KEY:
                    raise Refused(f"reply.json has a dict key of more than {MAX_KEY} "
                                  "characters")
            return {k: self.tree(v, depth + 1, max_depth) for k, v in value.items()}
        raise Refused(f"reply.json has a {key} of the wrong form or of more than {MAX_ITEMS} "
                      "items")

    def after(self, node, argument):
        """An argument as it was after the call: None for a callback, else plain data."""
        if isinstance(argument, Scripted):
            if node is not None:
                raise Refused("reply.json gives a callback's value after the call")
            return None
        if isinstance(node, str):  # the first form of the protocol: a file name
            return self.array(node)
        return self.tree(node)

    def log(self, entries, name):
        """The calls of callback ``name``: ``[{"args": [...], "kwargs": {...}}, ...]``."""
        if not isinstance(entries, list):
            raise Refused(f"reply.json has a log of {name} that is not a list")
        if len(entries) > self.limits.log_calls:
            raise Refused(f"reply.json logs {len(entries)} calls of {name}, more than the "
                          f"{self.limits.log_calls} accepted")
        calls = []
        for entry in entries:
            if not isinstance(entry, list) or len(entry) != 2:
                raise Refused(f"reply.json has a call of {name} that is not [args, kwargs]")
            args, kwargs = self.tree(entry[0]), self.tree(entry[1])
            if not isinstance(args, (list, TypeTag)) or not isinstance(kwargs, (dict, TypeTag)):
                raise Refused(f"reply.json has a call of {name} whose arguments are not a "
                              "list and a dict")
            calls.append({"args": args, "kwargs": kwargs})
        return calls


def _callbacks(call):
    return [a.name for a in list(call.args) + list(call.kwargs.values())
            if isinstance(a, Scripted)]


def read_reply(dir_fd, calls, limits, max_depth=MAX_DEPTH):
    """The outcomes of ``calls`` from the reply folder opened as ``dir_fd``.

    Parameters
    ----------
    dir_fd : int
        The reply folder, opened.
    calls : list of Call
        The calls asked for (the reply must match them: arguments, callbacks).
    limits : Limits
    max_depth : int
        How deep the return values may nest (:data:`SUMMARY_DEPTH` for a check with a
        summary).

    Returns
    -------
    list of Outcome
        One per call, holding only plain data: base ndarrays of numbers, str, lists and dicts
        of them, TypeTags; and the callbacks' logs.

    Raises
    ------
    Refused
        The reply breaks a rule of the protocol (the message says which).
    """
    raw = _read_capped(dir_fd, "reply.json", limits.reply_bytes)
    try:
        reply = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused("reply.json is not JSON") from None
    outcomes = reply.get("outcomes") if isinstance(reply, dict) else None
    if not isinstance(outcomes, list) or len(outcomes) != len(calls):
        raise Refused(f"reply.json does not hold one outcome for each of the {len(calls)} calls")
    reader, result = _Reader(dir_fd, limits), []
    for call, entry in zip(calls, outcomes):
        if not isinstance(entry, dict):
            raise Refused("reply.json has an outcome that is not an object")
        error = entry.get("error")
        if error is not None:
            result.append(Outcome(error=_text(error, "an error")[:limits.message_chars]))
            continue
        after, kwargs_after = entry.get("args_after", []), entry.get("kwargs_after", {})
        if not isinstance(after, list) or len(after) != len(call.args):
            raise Refused("reply.json does not give every argument as it was after the call")
        if not isinstance(kwargs_after, dict) or set(kwargs_after) != set(call.kwargs):
            raise Refused("reply.json does not give every keyword argument as it was after "
                          "the call")
        logs, names = entry.get("logs", {}), _callbacks(call)
        if not isinstance(logs, dict) or set(logs) != set(names):
            raise Refused(f"reply.json does not hold the call logs of {', '.join(names)}"
                          if names else "reply.json holds call logs of no callback")
        result.append(Outcome(
            value=reader.tree(entry.get("value"), max_depth=max_depth),
            args_after=[reader.after(n, a) for n, a in zip(after, call.args)],
            kwargs_after={k: reader.after(kwargs_after[k], v) for k, v in call.kwargs.items()},
            logs={name: reader.log(logs[name], name) for name in names}))
    return result


# -- writing a request -------------------------------------------------------------------------
def _argument(value, files, prefix):
    """The request node of one argument; its arrays go to ``files`` (name -> .npy bytes)."""
    if isinstance(value, Scripted):
        return {"scripted": {"name": value.name, "then": value.then,
                             "returns": [_argument(r, files, prefix) for r in value.returns],
                             "adds": [[list(t), a] for t, a in value.adds]}}
    if isinstance(value, np.ndarray):
        name = f"{prefix}_{len(files)}.npy"
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(value), allow_pickle=False)
        files[name] = buffer.getvalue()
        return {"array": name}
    if isinstance(value, np.generic) and value.dtype.str in INLINE_DTYPES:
        return {"np": [value.dtype.str, value.item()]}
    if isinstance(value, (bool, int, float)) and not isinstance(value, np.generic):
        return {"py": value}
    if value is None:
        return {"none": None}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__ if type(value) in (list, tuple) else "list":
                [_argument(v, files, prefix) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: _argument(v, files, prefix) for k, v in value.items()}}
    raise TypeError(f"a check's call has an argument of type {type(value).__name__}, which "
                    "the protocol cannot send")


def encode_request(check, calls):
    """``request.json``'s bytes and the argument files (name -> bytes) for ``calls``."""
    request = {"function": check.function, "off": list(check.off), "summary": check.summary,
               "driver": driver_name(check.driver) if check.driver else None, "calls": []}
    files = {}
    for i, call in enumerate(calls):
        request["calls"].append({
            "args": [_argument(a, files, f"a{i}") for a in call.args],
            "kwargs": {k: _argument(v, files, f"a{i}") for k, v in call.kwargs.items()}})
    return json.dumps(request).encode(), files


def _write_new(dir_fd, name, data):
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600,
                 dir_fd=dir_fd)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


# -- the jailed kernel -------------------------------------------------------------------------
#: The folder of the request folders, in the jail's work folder (a tmpfs of its own).
REQUESTS = "verdict"


class KernelGone(Exception):
    """The kernel did not answer in time (and was killed) or died."""


@dataclass
class OutputCaps:
    """How much of the cells' outputs is kept for the autograded notebook (bytes of JSON)."""

    cell_bytes: int = default("max_output_bytes")
    total_bytes: int = default("max_total_output_bytes")


def _error_output(ename, evalue):
    """An error output that shows one line, ``ename: evalue``, and no traceback."""
    from nbformat.v4 import new_output

    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


#: What stands in for the outputs of a cell that ran after hidden checks: a graded function
#: sees the hidden checks' inputs and may keep them for a later cell to print.
WITHHELD = ("Output not kept: this cell ran after hidden tests, and what it shows could carry "
            "their inputs.")


def _withheld(outputs):
    """One stream output in place of ``outputs`` (none if there were none)."""
    from nbformat.v4 import new_output

    if not outputs:
        return []
    raised = any(o.get("output_type") == "error" for o in outputs)
    return [new_output("stream", name="stdout",
                       text=WITHHELD + (" It raised an error." if raised else "") + "\n")]


def is_hidden_cell(source, names):
    """Whether a graded test cell is hidden: its source names none of its checks."""
    return not any(name in source for name in names)


def _kernel_manager_class():
    from .executor import SandboxKernelManager

    class ComputeKernelManager(SandboxKernelManager):
        """The grader's jailed kernel manager; the kernel imports the grader's own mnistlib.

        The jail mounts the mnistlib folder the grader imported (``python_paths``); putting its
        parent first on the kernel's ``sys.path`` makes the kernel import that same copy (and
        so the same compute protocol and visible checks), whatever an editable install's
        finder points to. Inside the jail that parent folder holds only what the jail mounts
        anyway (mnistlib, and the Python environment when it lives beside it).
        """

        def format_kernel_cmd(self, extra_arguments=None):
            import mnistlib

            argv = super().format_kernel_cmd(extra_arguments)
            if self.sandbox.mode == "bwrap":
                parent = os.path.dirname(os.path.dirname(os.path.realpath(mnistlib.__file__)))
                # At the end of bwrap's own options (after --clearenv), whatever comes before
                # bwrap on the command line.
                end = argv.index("--", argv.index(self.sandbox.bwrap))
                extra = ["--setenv", "PYTHONPATH", parent]
                if self.private:
                    # The requests get a bounded area of their own: a notebook that fills its
                    # work folder cannot keep the grader from asking it to compute.
                    if self.sandbox.can_size:
                        extra += ["--size", str(self.sandbox.tmp_mb * 2**20)]
                    extra += ["--tmpfs", os.path.join(self.workdir, REQUESTS)]
                argv[end:end] = extra
            return argv

    return ComputeKernelManager


class JailedKernel:
    """A student's kernel in a jail, asked to run cells and to compute, never to judge.

    Parameters
    ----------
    sandbox : grading.sandbox.Sandbox
    limits : Limits
    files : dict, optional
        File name -> bytes put into the work folder (an assignment's data files).
    keep_evidence : bool
        Record everything sent to the kernel and everything it printed (for the tests).
    output_caps : OutputCaps, optional
        Keep each cell's outputs (for the autograded notebook), within these caps; without
        it, :meth:`run_cell` keeps none.
    """

    def __init__(self, sandbox, limits, files=None, keep_evidence=False, output_caps=None):
        self.sandbox, self.limits, self.files = sandbox, limits, dict(files or {})
        self.keep_evidence = keep_evidence
        self.output_caps = output_caps
        self.sent, self.printed = [], []
        self.notes = []  # what went wrong while the cells ran (timeouts, restarts)
        self._capture = None  # (msg_id, outputs, [bytes of this cell]) of the running cell
        self._kept = 0  # output bytes kept in the whole notebook
        self.km = self.kc = None
        self.workdir = None
        self._work_fd = None
        self._cells = []  # sources run so far, replayed after a restart
        self._requests = 0
        self.requests_dir = None  # where the request folders are, as the kernel sees it
        self._jail_root = ""  # the jail's root as the grader sees it ("" without a jail)
        self.deadline = math.inf  # time.monotonic() after which a killed kernel stays dead

    # -- life cycle
    def start(self):
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_core.utils import run_sync

        self.workdir = self.sandbox.make_workdir()
        for name, data in self.files.items():
            with open(os.path.join(self.workdir, os.path.basename(name)), "wb") as f:
                f.write(data)
        km = _kernel_manager_class()(kernel_name="python3")
        km.transport = "ipc"
        km.ip = os.path.join(self.workdir, "k")
        km.sandbox, km.workdir = self.sandbox, self.workdir
        # In a jail, the kernel works in its own bounded copy of the work folder (nothing it
        # writes reaches the host's disk); the grader reaches it through the jail's root.
        km.private = self.sandbox.mode == "bwrap"
        km.connection_file = os.path.join(self.workdir, "kernel.json")
        self.km = km
        run_sync(km.start_kernel)(cwd=self.workdir)
        kc = BlockingKernelClient()
        kc.load_connection_info(km.get_connection_info())
        # No heartbeat channel: its first beat races wait_for_ready ("kernel died"); the
        # kernel manager says whether the kernel is alive.
        kc.start_channels(hb=False)
        self.kc = kc
        try:
            kc.wait_for_ready(timeout=self.limits.startup_timeout)
        except RuntimeError as exc:
            raise KernelGone(f"the jailed kernel did not start ({exc})") from None
        # Opened once, now: no cell has run yet, so no path on the way can be a link the
        # notebook planted; from here on the grader works through this descriptor only.
        self.requests_dir = os.path.join(self.workdir, REQUESTS) if km.private else self.workdir
        root = ""
        if km.private:
            process = getattr(km.provisioner, "process", None)
            try:
                root = self.sandbox.jail_root(process.pid)
            except Exception as exc:  # noqa: BLE001 - SandboxError, or no process at all
                raise KernelGone(f"the jail cannot be reached ({exc})") from None
        self._jail_root = root
        try:
            self._work_fd = os.open(root + self.requests_dir,
                                    os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as exc:
            raise KernelGone(f"the jail's request folder cannot be opened ({exc})") from None
        return self

    def close(self):
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - the jail is killed below either way
                pass
            self._kill_jail()
        if self._work_fd is not None:
            os.close(self._work_fd)
        if self.workdir:
            self.sandbox.remove_workdir(self.workdir)
        self.km = self.kc = self._work_fd = self.workdir = self.requests_dir = None

    def _kill_jail(self):
        """End this kernel's jail (its bwrap process), never another kernel's of the sandbox."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None:
            self.sandbox.kill(process.pid)

    def restart(self):
        """A fresh jail, with the notebook's cells run again (after a kernel was killed)."""
        cells, self._cells = list(self._cells), []
        self.close()
        self.start()
        for source in cells:
            self.run_cell(source)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -- messages
    def _execute(self, code, timeout, silent, outputs=None):
        """Send code; return when its execute_reply comes (its content is never trusted).

        ``outputs``: a list to which the code's outputs are added (with ``output_caps``).

        Raises KernelGone if no reply came within ``timeout`` and the interrupt's grace (the
        kernel is then killed) or the kernel died.
        """
        if self.keep_evidence:
            self.sent.append((silent, code))
        msg_id = self.kc.execute(code, silent=silent, store_history=not silent,
                                 allow_stdin=False, stop_on_error=False)
        if not silent:
            keep = outputs if self.output_caps is not None else None
            self._capture = (msg_id, keep, [0])
        try:
            self._wait(msg_id, timeout)
            if self._capture is not None:
                # Outputs travel on iopub, the reply on shell: the cell's last outputs may
                # come after its reply, before its "idle" status (waited for briefly).
                settle = time.monotonic() + min(2.0, timeout)
                while not self._drain_iopub() and time.monotonic() < settle:
                    time.sleep(0.01)
        finally:
            self._capture = None

    def _wait(self, msg_id, timeout):
        from jupyter_core.utils import run_sync

        deadline = time.monotonic() + timeout
        interrupted = False
        while True:
            self._drain_iopub()
            left = deadline - time.monotonic()
            if left <= 0:
                if interrupted:
                    self._kill_jail()
                    raise KernelGone(f"it did not finish within {timeout:g} s and did not "
                                     "stop when interrupted")
                run_sync(self.km.interrupt_kernel)()
                interrupted, deadline = True, time.monotonic() + self.limits.interrupt_grace
                continue
            try:
                msg = self.kc.get_shell_msg(timeout=min(0.5, left))
            except Empty:
                if not run_sync(self.km.is_alive)():
                    raise KernelGone("the kernel died (os._exit, a crash or out of memory)")
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                if interrupted:
                    raise TimeoutError(f"it did not finish within {timeout:g} s (interrupted)")
                return

    def _drain_iopub(self):
        """Read the iopub messages waiting; True once the running cell's "idle" came."""
        idle = False
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=0)
            except Empty:
                return idle
            if self._capture is not None \
                    and msg.get("parent_header", {}).get("msg_id") == self._capture[0]:
                if self._capture[1] is not None:
                    self._keep_output(msg)
                idle = idle or (msg.get("msg_type") == "status"
                                and msg.get("content", {}).get("execution_state") == "idle")
            if self.keep_evidence and sum(map(len, self.printed)) < 2**22:
                content = msg.get("content", {})
                text = content.get("text") or content.get("data", {}).get("text/plain") or ""
                self.printed.append("".join(text) if isinstance(text, list) else str(text))

    def _keep_output(self, msg):
        """Add an iopub message of the running cell to its outputs, within the caps."""
        from nbformat.v4 import new_output, output_from_msg

        kind = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
        _, outputs, used = self._capture
        if kind == "clear_output":
            outputs.clear()
            return
        if kind not in ("stream", "display_data", "execute_result", "error"):
            return
        caps = self.output_caps
        size = len(json.dumps(msg.get("content", {}), default=str))
        if used[0] + size > caps.cell_bytes:
            if used[0] <= caps.cell_bytes:
                outputs.append(new_output("stream", name="stdout", text=(
                    "\n[output cut by the grader: this cell printed more than "
                    f"{caps.cell_bytes // 1000} kB]\n")))
                self.notes.append(f"a cell's output was cut (more than "
                                  f"{caps.cell_bytes // 1000} kB)")
            used[0] = caps.cell_bytes + 1
            return
        if self._kept + size > caps.total_bytes:
            if self._kept <= caps.total_bytes:
                outputs.append(new_output("stream", name="stdout", text=(
                    "\n[output cut by the grader: the notebook printed more than "
                    f"{caps.total_bytes // 1000} kB in all]\n")))
                self.notes.append("the notebook's output was cut (more than "
                                  f"{caps.total_bytes // 1000} kB in all)")
                self._kept = caps.total_bytes + 1
            return
        used[0] += size
        self._kept += size
        try:
            outputs.append(output_from_msg(msg))
        except (KeyError, ValueError):
            pass  # a message of the wrong form: nothing to show

    def run_cell(self, source, name="a cell", timeout=None, withhold=False):
        """Run one notebook cell (errors and timeouts are the student's business); ``name``
        says which in the notes; ``timeout`` defaults to the limits' cell timeout;
        ``withhold``: what the cell itself shows is replaced by a note (:data:`WITHHELD`),
        the grader's own messages (timeout, dead kernel) are kept.

        Returns
        -------
        list
            The cell's outputs (nbformat output nodes; empty without ``output_caps``).
        """
        if not source.strip():
            return []
        outputs = []
        timeout = self.limits.cell_timeout if timeout is None else timeout
        try:
            try:
                self._execute(source, timeout, silent=False, outputs=outputs)
            finally:
                if withhold:
                    outputs[:] = _withheld(outputs)
        except TimeoutError:
            self.notes.append(f"{name} timed out after {timeout:.3g} s")
            outputs.append(_error_output("CellTimeoutError", (
                f"this cell was still running after {timeout:.3g} s when it was "
                "interrupted")))
            return outputs  # left out of any replay, which it would only slow down
        except KernelGone as exc:
            self.notes.append(f"{name}: {exc}; the kernel was started again without it")
            outputs.append(_error_output("DeadKernelError", (
                f"this cell was not run to its end: {exc}; the grader started the kernel "
                "again and ran the cells before it, not this one")))
            if time.monotonic() < self.deadline:  # past it, nothing more will run
                self.restart()
            return outputs
        self._cells.append(source)
        return outputs

    def compute(self, check, calls, timeout=None):
        """The outcomes of ``check.function`` on ``calls``, computed in the kernel (within
        ``timeout`` seconds, by default the limits' request timeout).

        Raises
        ------
        Refused
            The reply breaks a rule of the protocol.
        TimeoutError, KernelGone
            No reply in time (the kernel is restarted for the next request if it had to be
            killed).
        """
        self._requests += 1
        name = f"verdict-{self._requests}-{secrets.token_hex(4)}"
        folder = os.path.join(self.requests_dir, name)  # as the kernel sees it
        os.mkdir(name, 0o700, dir_fd=self._work_fd)
        # Written through a descriptor of the new folder, never following a link the kernel
        # may have planted meanwhile: the grader writes nowhere but into this folder.
        folder_fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                            dir_fd=self._work_fd)
        try:
            request, files = encode_request(check, calls)
            for file_name, data in files.items():
                _write_new(folder_fd, file_name, data)
            _write_new(folder_fd, "request.json", request)
        finally:
            os.close(folder_fd)
        try:
            self._execute(REQUEST.format(folder=folder),
                          self.limits.request_timeout if timeout is None else timeout,
                          silent=True)
        except KernelGone:
            if time.monotonic() < self.deadline:
                self.restart()
            raise
        try:
            dir_fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                             dir_fd=self._work_fd)
        except OSError:
            raise Refused("the request folder was replaced") from None
        try:
            return read_reply(dir_fd, calls, self.limits,
                              SUMMARY_DEPTH if check.summary else MAX_DEPTH)
        finally:
            os.close(dir_fd)
            if not self.keep_evidence:
                shutil.rmtree(name, ignore_errors=True, dir_fd=self._work_fd)

    def evidence(self):
        """What the kernel was sent, what it printed, and its work folder's files, as text:
        ``{"cells": ..., "requests": ..., "printed": ..., "files": ...}`` (the cells run, the
        compute requests sent, one a line)."""
        files = []
        for root, _, names in os.walk(self._jail_root + self.workdir):
            for n in names:
                path = os.path.join(root, n)
                if os.path.isfile(path) and not os.path.islink(path):
                    with open(path, "rb") as f:
                        files.append(f.read().decode("latin-1"))
        return {"cells": "\n".join(code for silent, code in self.sent if not silent),
                "requests": "\n".join(code for silent, code in self.sent if silent),
                "printed": "".join(self.printed),
                "files": "\n".join(files)}


# -- scoring a notebook ------------------------------------------------------------------------
@dataclass
class CellVerdict:
    """The score of one graded test cell."""

    grade_id: str
    max_points: float
    points: float = 0.0
    failures: list = field(default_factory=list)  # (check name, message)

    @property
    def passed(self):
        return not self.failures


@dataclass
class Report:
    """What :func:`score_notebook` found: one verdict per graded test cell, and notes."""

    cells: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    evidence: dict = field(default_factory=dict)
    #: index of a notebook cell the kernel ran (or skipped) -> its outputs (``output_caps``)
    outputs: dict = field(default_factory=dict)

    @property
    def score(self):
        return sum(c.points for c in self.cells)

    @property
    def max_score(self):
        return sum(c.max_points for c in self.cells)

    def by_cell(self):
        return {c.grade_id: c for c in self.cells}

    def feedback(self):
        """One line per test cell: its points, and what to fix when it failed."""
        lines = []
        for c in self.cells:
            head = f"{c.grade_id}: {c.points:g} / {c.max_points:g}"
            lines.append(head + (" (passed)" if c.passed else " — " + "; ".join(
                msg for _, msg in c.failures)))
        return "\n".join(lines)


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def graded_test_cells(nb):
    """``{grade id: points}`` of the notebook's autograded test cells."""
    return {_nbgrader(c)["grade_id"]: float(_nbgrader(c).get("points", 0)) for c in nb.cells
            if c.cell_type == "code" and _nbgrader(c).get("grade")
            and not _nbgrader(c).get("solution")}


def kernel_cell_indices(nb):
    """Indices of the cells the kernel runs: the setup cells, the answer cells and the cells
    the student added, in order; not the autograded tests, nor the read-only demonstration
    cells after the first answer (the checks never read the kernel's state, so a demo that
    trains a model would only cost time)."""
    tests, indices, answered = set(graded_test_cells(nb)), [], False
    for i, c in enumerate(nb.cells):
        meta = _nbgrader(c)
        if c.cell_type != "code" or meta.get("grade_id") in tests:
            continue
        answered = answered or bool(meta.get("solution"))
        if answered and meta.get("locked") and not meta.get("solution"):
            continue
        indices.append(i)
    return indices


def kernel_cells(nb):
    """Sources of the cells the kernel runs (:func:`kernel_cell_indices`), in order."""
    return [nb.cells[i].source for i in kernel_cell_indices(nb)]


def score_notebook(nb, assignment, sandbox, limits=None, files=None, keep_evidence=False,
                   output_caps=None):
    """Score a notebook of ``assignment`` with its checks, judged in this process.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook as rebuilt around the release (:func:`grading.repair.rebuild`): its test
        cells' metadata gives the points.
    assignment : str
        Has a module in :mod:`grading.checks`.
    sandbox : grading.sandbox.Sandbox
        The jail of the kernel.
    limits : Limits, optional
    files : dict, optional
        Files put beside the notebook (name -> bytes).
    keep_evidence : bool
        Keep, in ``Report.evidence``, all text sent to or printed by the kernel and the work
        folder's files (:meth:`JailedKernel.evidence`; tests look for hidden text in it).
    output_caps : OutputCaps, optional
        Keep the outputs of the cells the kernel ran, in ``Report.outputs``.

    Returns
    -------
    Report
    """
    from .checks import for_assignment

    module = for_assignment(assignment)
    points = graded_test_cells(nb)
    if set(points) != set(module.CELLS):
        raise ValueError(f"the notebook's test cells ({', '.join(sorted(points))}) are not those "
                         f"of {module.__name__}.CELLS ({', '.join(sorted(module.CELLS))})")
    limits = limits or Limits()
    deadline = time.monotonic() + limits.wall_limit if limits.wall_limit else math.inf
    report = Report()
    results = {}
    kernel = JailedKernel(sandbox, limits, files, keep_evidence, output_caps)
    kernel.deadline = deadline

    def out_of_time():
        if time.monotonic() <= deadline:
            return False
        if not any("time limit" in n for n in report.notes):
            report.notes.append("the notebook reached the grader's time limit before all its "
                                "cells and tests had run")
        return True

    def left(timeout):
        return max(0.001, min(timeout, deadline - time.monotonic()))

    def run_checks(grade_id):
        for name in module.CELLS[grade_id]:
            if name in results:
                continue
            check = module.CHECKS[name]
            if out_of_time():
                results[name] = "not run: the notebook reached the grader's time limit"
                continue
            calls = check.calls()
            try:
                outcomes = kernel.compute(check, calls, left(limits.request_timeout))
            except Refused as exc:
                results[name] = f"the grader refused what {check.function} returned: {exc}"
                continue
            except (TimeoutError, KernelGone) as exc:
                results[name] = f"{check.function} timed out or crashed: {exc}"
                continue
            except Exception as exc:  # noqa: BLE001 - no kernel at all, say
                results[name] = f"{check.function} could not be run ({exc})"
                continue
            results[name] = judge(check, calls, outcomes)

    # In the notebook's order, as the cells would run: each test cell's checks call the
    # functions the cells above it defined (a later cell cannot change a verdict).
    runs = set(kernel_cell_indices(nb))
    hidden_seen = False  # once hidden inputs reached the kernel, later outputs are not kept
    try:
        try:
            kernel.start()
        except KernelGone as exc:
            report.notes.append(str(exc))
        for index, cell in enumerate(nb.cells):
            meta = _nbgrader(cell)
            if meta.get("grade_id") in points and cell.cell_type == "code":
                run_checks(meta["grade_id"])
                hidden_seen |= is_hidden_cell(cell.source, module.CELLS[meta["grade_id"]])
                continue
            if index not in runs:
                continue
            if out_of_time():
                report.outputs[index] = [_error_output(
                    "NotRun", "this cell was not run: the submission reached the grader's "
                    "time limit")]
                continue
            name = f"cell {meta['grade_id']!r}" if meta.get("grade_id") else f"cell #{index + 1}"
            try:
                report.outputs[index] = kernel.run_cell(cell.source, name,
                                                        left(limits.cell_timeout),
                                                        withhold=hidden_seen)
            except KernelGone as exc:  # the kernel could not be started again
                report.notes.append(str(exc))
                report.outputs[index] = [_error_output("DeadKernelError", str(exc))]
        for grade_id in points:  # (each was met above; kept for a notebook out of order)
            run_checks(grade_id)
        out_of_time()
        report.notes += kernel.notes
        if keep_evidence and kernel.workdir:
            report.evidence = kernel.evidence()
    finally:
        kernel.close()
    for grade_id, max_points in points.items():
        failures = [(n, results[n]) for n in module.CELLS[grade_id] if results[n] is not None]
        report.cells.append(CellVerdict(grade_id, max_points,
                                        0.0 if failures else max_points, failures))
    return report


def annotate(nb, report, checks_cells):
    """Put the report into the notebook as outputs, for the autograded notebook and feedback.

    The cells the kernel ran get their own outputs (``Report.outputs``). Each graded test cell
    gets one output: when it passed, ``<check>: passed`` per check (what the visible check
    prints in the kernel) or, for a hidden cell, ``Hidden tests passed.``; when it failed, an
    error output whose only line is each failed check's message (``AssertionError: ...``, as
    the visible check raises it; ``Hidden tests failed: AssertionError: ...`` for a hidden
    cell), no traceback. A test cell is hidden when its source names none of its checks.
    nbgrader's SaveAutoGrades then scores each test cell as the report does (an error output
    is 0 points, anything else full points).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook scored (changed in place).
    report : Report
    checks_cells : dict
        The checks module's ``CELLS`` (grade id -> check names).
    """
    from nbformat.v4 import new_output

    for index, outputs in report.outputs.items():
        nb.cells[index].outputs = outputs
    verdicts = report.by_cell()
    for cell in nb.cells:
        verdict = verdicts.get(_nbgrader(cell).get("grade_id"))
        if cell.cell_type != "code" or verdict is None:
            continue
        names = checks_cells[verdict.grade_id]
        hidden = is_hidden_cell(cell.source, names)
        cell.execution_count = None
        if verdict.passed:
            text = "Hidden tests passed.\n" if hidden else "".join(f"{n}: passed\n"
                                                                    for n in names)
            cell.outputs = [new_output("stream", name="stdout", text=text)]
            continue
        head = "Hidden tests failed: AssertionError" if hidden else "AssertionError"
        messages = [message for _, message in verdict.failures]
        cell.outputs = [new_output("error", ename="AssertionError", evalue="; ".join(messages),
                                   traceback=[f"{head}: {m}" for m in messages])]
    return nb


def report_as_plain(report):
    """A report's cells and notes as JSON-ready data (no outputs, no evidence)."""
    return {"cells": [{"grade_id": c.grade_id, "max_points": c.max_points,
                       "points": c.points, "failures": [list(f) for f in c.failures]}
                      for c in report.cells],
            "notes": list(report.notes)}


def report_from_plain(data):
    """The :class:`Report` that :func:`report_as_plain` wrote."""
    return Report(cells=[CellVerdict(c["grade_id"], c["max_points"], c["points"],
                                     [tuple(f) for f in c["failures"]]) for c in data["cells"]],
                  notes=list(data["notes"]))


def write_grades(gradebook, assignment, student_id, notebook, report):
    """Write a report's scores into nbgrader's gradebook, as nbgrader's SaveAutoGrades does.

    Each test cell's grade gets the report's ``auto_score``; it needs a manual look only if a
    grader had already given it a manual score. Written answers are left to manual grading.

    Parameters
    ----------
    gradebook : nbgrader.api.Gradebook
        Open gradebook holding the submission (after ``nbgrader autograde`` or
        ``Gradebook.add_submission``).
    assignment, student_id, notebook : str
    report : Report

    Raises
    ------
    nbgrader.api.MissingEntry
        The gradebook has no such grade (the notebook is not this assignment's).
    """
    for cell in report.cells:
        grade = gradebook.find_grade(cell.grade_id, notebook, assignment, student_id)
        grade.auto_score = cell.points
        grade.needs_manual_grade = grade.manual_score is not None
    gradebook.db.commit()

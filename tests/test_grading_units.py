"""The grader's pieces on their own: reading and rebuilding notebooks, the scan, the feedback
scrubber and the sandbox's self-test (fast; no nbgrader run)."""

import copy
import os
import shlex
import shutil
import subprocess
import sys
import time

from html import escape as html_escape

import nbformat
import pytest

import _grading_fixtures as fx
from grading.feedback import ScrubHiddenTests, hidden_lines, leaked_lines
from grading.repair import Ungradable, read_submission, rebuild
from grading import jail_limits, probe
from grading.sandbox import JAIL_ENV, Sandbox, SandboxError, self_test
from grading.scan import scan_code

RELEASE = fx.released("01_softmax")


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b'{"cells": [', "not valid JSON"),
    (b"[1, 2, 3]", "not a Jupyter notebook"),
    (b'{"cells": [], "nbformat": 9, "nbformat_minor": 0, "metadata": {}}', "unsupported"),
])
def test_unreadable_files_are_refused_with_a_reason(tmp_path, data, message):
    """Does each kind of unreadable file raise Ungradable with a reason an instructor can act on?"""
    path = tmp_path / "nb.ipynb"
    path.write_bytes(data)
    with pytest.raises(Ungradable, match=message):
        read_submission(path)


def test_non_utf8_bytes_are_replaced_and_noted(tmp_path):
    """Is a notebook with a Latin-1 byte read anyway, with a note saying where?"""
    data = nbformat.writes(RELEASE).encode().replace(b"softmax that never", b"softmax \xe9 never")
    path = tmp_path / "nb.ipynb"
    path.write_bytes(data)
    nb, notes = read_submission(path)
    assert len(nb.cells) == len(RELEASE.cells)
    assert notes and "not UTF-8" in notes[0]


def test_rebuild_keeps_answers_and_restores_everything_else():
    """Are answers kept while tests, metadata and the kernel come from the release?"""
    student = fx.answered("01_softmax")
    cell = fx.answer_cell(student, "test_grad")
    cell.source = "pass"
    cell.metadata.nbgrader["points"] = 50
    student.metadata.kernelspec = {"name": "julia", "display_name": "Julia", "language": "julia"}
    rebuilt = rebuild(student, RELEASE)
    nb = rebuilt.notebook
    assert fx.answer_cell(nb, "softmax").source == fx.answer_cell(student, "softmax").source
    assert fx.answer_cell(nb, "test_grad").source == fx.answer_cell(RELEASE, "test_grad").source
    assert fx.answer_cell(nb, "test_grad").metadata.nbgrader["points"] == 1
    assert nb.metadata.kernelspec.name == "python3"
    assert any("'test_grad' was edited" in n for n in rebuilt.notes)
    assert any("points" in n for n in rebuilt.notes)
    assert any("kernel 'julia'" in n for n in rebuilt.notes)


def test_rebuild_puts_added_cells_after_the_setup_cell():
    """Is a cell added above the setup cell moved below it (the grader snapshots after setup)?"""
    student = fx.answered("01_softmax")
    student.cells.insert(0, nbformat.v4.new_code_cell("import numpy\nnumpy.pi = 3"))
    nb = rebuild(student, RELEASE).notebook
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.nbgrader["grade_id"] == "setup"
    assert code[1].source.startswith("import numpy")


def test_rebuild_of_an_empty_notebook_gives_the_release():
    """Does a notebook with no cells become the released notebook, noted?"""
    empty = copy.deepcopy(RELEASE)
    empty.cells = []
    rebuilt = rebuild(empty, RELEASE)
    assert [c.source for c in rebuilt.notebook.cells] == [c.source for c in RELEASE.cells]
    assert "the notebook has no cells" in rebuilt.notes


def test_scan_flags_interpreter_tricks_but_not_ordinary_code():
    """Does the scan list module-dictionary writes and kernel access, and stay quiet otherwise?"""
    assert scan_code("cell", fx.answer_cell(fx.answered("01_softmax"), "softmax").source) == []
    assert scan_code("cell", "import sys\nprint('x', file=sys.stderr)") == []
    findings = scan_code("cell", fx.CHEAT)
    assert any("__dict__" in f for f in findings) and any("builtins" in f for f in findings)
    assert any("get_ipython" in f for f in scan_code("c", "get_ipython().events.callbacks = {}"))
    assert any("np.allclose" in f for f in scan_code("c", "np.allclose = max"))


FRAME_TRICK = """def train_mlp(params, X, y, grad_fn, **kwargs):
    try:
        raise RuntimeError
    except RuntimeError as e:
        test_locals = e.__traceback__.tb_frame.f_back.f_locals
    return test_locals["expected"]
"""


def test_scan_flags_reading_the_tests_frame():
    """Is a function that reads its caller's (the hidden test's) local variables through a
    traceback, a frame or the kernel's input history flagged?"""
    findings = scan_code("cell", FRAME_TRICK)
    assert any("__traceback__" in f for f in findings) and any("f_back" in f for f in findings)
    assert any("f_locals" in f for f in scan_code("c", "import sys\nf = sys.exc_info()[2]"
                                                     ".tb_frame.f_locals"))
    assert scan_code("c", "code = _ih[-1]"), "the input history of the kernel"


@pytest.mark.parametrize("assignment", list(fx.ASSIGNMENTS))
def test_scan_stays_quiet_on_every_solution_and_correct_variant(assignment):
    """Do the instructor's answers and the catalogued correct variants pass the scan unflagged?"""
    from _mutants import MUTANTS, catalogue

    sources = [fx.answer_cell(fx.answered(assignment), grade_id).source
               for grade_id in fx._solution_sources(assignment)]
    folder = MUTANTS / assignment
    sources += [v.code for v in (catalogue(folder) if folder.is_dir() else []) if v.correct]
    for source in sources:
        assert scan_code("cell", source) == [], source[:300]


def test_hidden_lines_skip_what_students_can_see():
    """Are the hidden checks' lines that also appear in what students see (or are too short)
    not secret, and every other line secret once?"""
    source = ("import numpy as np\n\ndef _hidden(Z):\n    x = compute_something_secret(1)\n"
              "    data = mnistlib.load_mnist(subset='mini')\n    return x\n"
              "    x = compute_something_secret(1)\n")
    visible = ["data = mnistlib.load_mnist(subset='mini')  # comment"]
    assert hidden_lines(source, visible) == ["import numpy as np", "x = compute_something_secret(1)"]
    assert hidden_lines(source, visible + ["import numpy as np"]) == [
        "x = compute_something_secret(1)"]


def test_scrubber_removes_outputs_that_quote_hidden_checks():
    """Does the feedback replace an output quoting a hidden check's line (a printed In, a
    traceback) by a note, and keep every other output and source as it is?"""
    secret = "expect(np.allclose(p.sum(axis=1), 1), 'rows must sum to one')"
    verdict = nbformat.v4.new_code_cell("# Hidden tests of softmax run when your notebook is "
                                        "graded.")
    verdict.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                              text="Hidden tests passed.\n")]
    student = nbformat.v4.new_code_cell("print(In)")
    student.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"['', '{secret}']")]
    error = nbformat.v4.new_code_cell("raise ValueError")
    error.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="x",
                                            traceback=[f"\x1b[0;31m----> 3 {secret}\x1b[0m"])]
    harmless = nbformat.v4.new_code_cell("print(1)")
    harmless.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb = nbformat.v4.new_notebook(cells=[verdict, student, error, harmless])
    nb, _ = ScrubHiddenTests(secret_lines=[secret]).preprocess(nb, {})
    assert nb.cells[0].outputs[0].text == "Hidden tests passed.\n"
    assert "quoted hidden test code" in nb.cells[1].outputs[0].text
    assert "quoted hidden test code" in nb.cells[2].outputs[0].text
    assert nb.cells[3].outputs[0].text == "1\n"
    assert [c.source for c in nb.cells][1:] == ["print(In)", "raise ValueError", "print(1)"]
    assert leaked_lines(f"<pre>{secret}</pre>", [secret]) == [secret]
    assert leaked_lines(f"<pre>{html_escape(secret)}</pre>", [secret]) == [secret]
    assert leaked_lines("<pre>nothing here</pre>", [secret]) == []




@pytest.fixture
def exposed_course(tmp_path):
    """A course-like folder readable by everyone, with a secret file and a writable folder."""
    folder = tmp_path / "course"
    folder.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(folder, 0o755)
    secret = folder / "gradebook.db"
    secret.write_text("hidden tests live here")
    os.chmod(secret, 0o644)
    open_dir = folder / "dropbox"
    open_dir.mkdir()
    os.chmod(open_dir, 0o777)
    return str(folder), str(secret), str(open_dir)


class _Variant(Sandbox):
    """A jail with one protection taken away, to see the self-test notice (a mutant)."""

    def __init__(self, remove=(), add=(), env=None, **kwargs):
        super().__init__(**kwargs)
        self.remove, self.add, self.env = remove, add, env

    def bwrap_args(self, workdir):
        args = super().bwrap_args(workdir)
        for option in self.remove:
            i = args.index(option)
            del args[i:i + (2 if option == "--proc" else 1)]  # "--proc" takes its mount point
        return args[:-2] + list(self.add) + args[-2:]  # before the final --remount-ro /

    def launch_env(self):
        return dict(os.environ) if self.env == "grader" else super().launch_env()


def test_jail_self_test_passes_and_reports_what_it_saw(exposed_course):
    """In the jail, does the probe see only its own processes, no course file, no network,
    no grader environment, and still import mnistlib?"""
    fx.require_sandbox()
    folder, secret, open_dir = exposed_course
    report = self_test(Sandbox(), [secret, folder], [open_dir, folder])
    assert report["leaks"] == []
    assert report["uid"] != 0 and report["mnistlib"] == "ok"
    assert sorted(map(int, report["processes"])) == [1, report["pid"]]
    assert report["interfaces"] == ["lo"] and report["network"] != "allowed"
    assert set(report["environ"]) <= set(JAIL_ENV)
    assert report["attempts"][f"read {secret}"] == "FileNotFoundError"
    assert not os.path.exists(os.path.join(open_dir, probe.MARKER))


def test_self_test_refuses_a_jail_that_shows_the_course(exposed_course):
    """If the course folder were mounted in the jail, does the self-test notice and refuse?"""
    fx.require_sandbox()
    folder, secret, open_dir = exposed_course
    leaky = _Variant(add=["--bind", folder, folder])
    with pytest.raises(SandboxError, match="can read .*gradebook.db.*can write into .*dropbox"):
        self_test(leaky, [secret], [open_dir])
    assert not os.path.exists(os.path.join(open_dir, probe.MARKER)), "the probe's file is removed"


def test_self_test_refuses_a_jail_that_shows_host_processes():
    """Without a PID namespace of its own (the old jail), does the self-test refuse?"""
    fx.require_sandbox()
    leaky = _Variant(remove=["--unshare-all", "--proc"],
                     add=["--unshare-net", "--unshare-ipc", "--ro-bind", "/proc", "/proc"])
    with pytest.raises(SandboxError, match=r"sees \d+ other process"):
        self_test(leaky, [], [])


def test_self_test_refuses_a_jail_that_inherits_the_grader_environment():
    """If bwrap started with the grader's environment (readable in the jail's /proc/1), does the
    self-test notice?"""
    fx.require_sandbox()
    with pytest.raises(SandboxError, match="grader's environment"):
        self_test(_Variant(env="grader"), [], [])


def test_self_test_refuses_shared_system_v_memory():
    """Without an IPC namespace, a segment made by the grader is visible: refused?"""
    fx.require_sandbox()
    if not shutil.which("ipcmk"):
        pytest.skip("ipcmk (util-linux) is not installed")
    made = subprocess.run(["ipcmk", "-M", "4096"], capture_output=True, text=True, check=True)
    shm_id = made.stdout.split()[-1]
    try:
        leaky = _Variant(remove=["--unshare-all"], add=["--unshare-pid", "--unshare-net"])
        with pytest.raises(SandboxError, match="System V shared memory"):
            self_test(leaky, [], [])
        self_test(Sandbox(), [], [])  # with the IPC namespace: not visible
    finally:
        subprocess.run(["ipcrm", "-m", shm_id], check=False)


REAL_BWRAP_ERRORS = [
    # Debian before 11 / kernels with unprivileged_userns_clone=0
    "bwrap: No permissions to creating new namespace, likely because the kernel does not allow "
    "non-privileged user namespaces. On e.g. debian this can be enabled with 'sysctl "
    "kernel.unprivileged_userns_clone=1'.",
    # Ubuntu 24.04's AppArmor restriction
    "bwrap: setting up uid map: Permission denied",
    # an unprivileged container
    "bwrap: Creating new namespace failed: Operation not permitted",
]


@pytest.mark.parametrize("message", REAL_BWRAP_ERRORS)
def test_no_user_namespaces_stops_before_grading_with_what_to_do(tmp_path, message):
    """Where the host forbids user namespaces, does the grader stop with one message saying
    what to do (and never run the probe without a jail)?"""
    stub = tmp_path / "bwrap"
    stub.write_text("#!/bin/sh\n"
                    "case \"$1\" in --help) echo 'usage: bwrap --size BYTES'; exit 0;; esac\n"
                    f"echo {shlex.quote(message)} >&2\nexit 1\n")
    stub.chmod(0o755)
    with pytest.raises(SandboxError) as caught:
        self_test(Sandbox(bwrap=str(stub)), [], [])
    text = str(caught.value)
    assert "Nothing was graded" in text and message in text
    assert "sysctl" in text and "AppArmor" in text and "container" in text


def test_a_missing_bwrap_is_refused_with_what_to_install(tmp_path):
    """Does a bwrap path that does not exist stop the run with a clear message?"""
    with pytest.raises(SandboxError, match="does not exist"):
        Sandbox(bwrap=str(tmp_path / "nowhere"))


def test_jail_limits_are_set_on_the_jailed_command():
    """Does the in-jail launcher set every limit before it runs the command?"""
    code = ("import resource as r; print([r.getrlimit(getattr(r, 'RLIMIT_' + n))[0] for n in "
            "('AS', 'FSIZE', 'NPROC', 'CPU', 'CORE', 'NOFILE')])")
    out = subprocess.run([sys.executable, "-I", jail_limits.__file__, "--memory-mb", "3000",
                          "--file-mb", "7", "--nproc", "300", "--cpu-seconds", "50", "--",
                          sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str([3000 * 2**20, 7 * 2**20, 300, 50, 0, 1024])


@pytest.mark.parametrize("argv, message", [
    (["--memory-mb", "1", "--file-mb", "1", "--nproc", "1", "--cpu-seconds", "1"], "no command"),
    (["--memory-mb", "0", "--file-mb", "1", "--nproc", "1", "--cpu-seconds", "1", "--", "true"],
     "at least 1"),
])
def test_jail_limits_refuse_bad_arguments(argv, message, capsys):
    """Are a missing command or a zero limit refused with a message?"""
    with pytest.raises(SystemExit):
        jail_limits.parse(argv)
    assert message in capsys.readouterr().err


def test_an_assignment_without_checks_is_refused_before_grading(tmp_path, monkeypatch):
    """Is an assignment with no checks module in grading.checks refused before anything runs
    (no jail, no nbgrader), with one message saying what to write and where, and a task of it
    failed with that message rather than graded another way? A registered one is accepted."""
    from grading import autograde_class as driver
    from grading import task as task_module
    from grading.checks import for_assignment
    from grading.course import Course, GradingError, assignment_checks

    course = fx.make_course(tmp_path / "course", assignments=("01_softmax",))
    shutil.copytree(course / "solutions" / "01_softmax", course / "solutions" / "06_new")
    fx.write(fx.answered("01_softmax"), course / "submitted" / "s1" / "06_new", "softmax")

    def must_not_run(*args, **kwargs):
        raise AssertionError("an assignment without checks got as far as grading")

    monkeypatch.setattr(driver, "Sandbox", must_not_run)
    monkeypatch.setattr(driver, "prepare_assignment", must_not_run)
    with pytest.raises(GradingError) as refused:
        driver.autograde_class("06_new", course_dir=course, log=lambda *a: None)
    message = str(refused.value)
    assert "'06_new' has no checks module" in message
    assert "grading/checks/<module>.py" in message and "grading/checks/__init__.py" in message
    assert not (course / "autograded").exists() and not (course / "gradebook.db").exists()
    with pytest.raises(KeyError, match="'06_new' has no checks module"):
        for_assignment("06_new")
    assert set(assignment_checks(Course(course), "01_softmax").CELLS)
    task = task_module.Task(student_id="s1", assignment="06_new", config=None, template_db=b"",
                            released={}, files={}, secrets=[], settings={"wall_limit": 60},
                            jail={})
    result = task_module.grade_one(task)
    assert result.status == "failed" and "'06_new' has no checks module" in result.reason
    assert result.score is None and result.cells == []


def test_the_secrets_are_the_hidden_checks_lines_students_cannot_see(tmp_path):
    """Are the lines kept out of feedback those of the assignment's hidden checks module, none
    of them in the released or solved notebook or in mnistlib, and enough to matter?"""
    from grading.course import Course, prepare_assignment

    course = fx.make_course(tmp_path / "course", assignments=("01_softmax",))
    released, secrets = prepare_assignment(Course(course), "01_softmax", tmp_path / "work")
    hidden = (fx.PROJECT / "grading" / "checks" / "softmax.py").read_text()
    shown = "\n".join([c.source for nb in released.values() for c in nb.cells]
                      + [c.source for c in fx.answered("01_softmax").cells]
                      + [(fx.PROJECT / "mnistlib" / "assignment_checks" / "softmax.py")
                         .read_text()])
    assert len(secrets) > 40 and all(line in hidden for line in secrets)
    assert not [line for line in secrets if line in shown]
    assert any("expect(" in line for line in secrets)


def test_a_task_stuck_outside_the_kernel_is_stopped_at_its_wall_limit(monkeypatch):
    """If a step around the kernel (nbgrader's own) hangs, is the task stopped soon after its
    wall limit and failed with a reason that says so and what to do, leaving no work folder?"""
    import tempfile as _tempfile

    from grading import task as task_module

    folders = []
    real_mkdtemp = _tempfile.mkdtemp

    def mkdtemp(**kwargs):
        folders.append(real_mkdtemp(**kwargs))
        return folders[-1]

    monkeypatch.setattr(task_module, "WALL_GRACE_S", 0)
    monkeypatch.setattr(task_module.tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(task_module, "_grade", lambda *args: time.sleep(120))
    task = task_module.Task(student_id="stuck", assignment="01_softmax", config=None,
                            template_db=b"", released={}, files={}, secrets=[],
                            settings={"wall_limit": 1}, jail={})
    started = time.monotonic()
    result = task_module.grade_one(task)
    assert time.monotonic() - started < 60, "the hung step was not stopped"
    assert result.status == "failed" and "wall limit (1 s)" in result.reason
    assert "--wall-limit" in result.reason
    assert folders and not os.path.exists(folders[0])

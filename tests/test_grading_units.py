"""The grader's pieces on their own: reading and rebuilding notebooks, the scan, the feedback
scrubber and the sandbox's self-test (fast; no nbgrader run)."""

import copy
import os
import shutil
import tempfile

import nbformat
import pytest

from grading import fixtures as fx
from grading.feedback import ScrubHiddenTests, hidden_lines, leaked_lines
from grading.repair import Ungradable, read_submission, rebuild
from grading.sandbox import Sandbox, SandboxError, default_paths, self_test
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


def test_hidden_lines_skip_what_students_can_see():
    """Are hidden lines that also appear in the release (or are too short) not secret?"""
    source = ("# visible\n### BEGIN HIDDEN TESTS\nx = compute_something_secret(1)\n"
              "data = mnistlib.load_mnist(subset='mini')\npass\n### END HIDDEN TESTS\n")
    visible = ["data = mnistlib.load_mnist(subset='mini')  # comment"]
    assert hidden_lines(source, visible) == ["x = compute_something_secret(1)"]


def test_scrubber_removes_hidden_code_outputs_and_tracebacks():
    """Does the feedback keep only a pass/fail line for hidden tests and drop quoting outputs?"""
    secret = "assert softmax(Z).sum() == 42, 'overflow'"
    test = nbformat.v4.new_code_cell(f"# hidden\n### BEGIN HIDDEN TESTS\n{secret}\n### END HIDDEN TESTS")
    test.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="overflow",
                                           traceback=[f"----> 3 {secret}", "AssertionError: overflow"])]
    student = nbformat.v4.new_code_cell("print(In)")
    student.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"['', '{secret}']")]
    harmless = nbformat.v4.new_code_cell("print(1)")
    harmless.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb = nbformat.v4.new_notebook(cells=[test, student, harmless])
    scrubber = ScrubHiddenTests(secret_lines=[secret], enforce_metadata=False)
    nb, _ = scrubber.preprocess(nb, {})
    assert "BEGIN HIDDEN" not in nb.cells[0].source and secret not in nb.cells[0].source
    assert [o.text for o in nb.cells[0].outputs] == ["Hidden tests failed: AssertionError: overflow\n"]
    assert "quoted hidden test code" in nb.cells[1].outputs[0].text
    assert nb.cells[2].outputs[0].text == "1\n"
    assert leaked_lines(f"<pre>{secret}</pre>", [secret]) == [secret]
    assert leaked_lines("<pre>nothing here</pre>", [secret]) == []



@pytest.fixture
def exposed_course():
    """A course-like folder readable by everyone, with a secret file and a writable folder."""
    base = "/var/tmp" if os.path.isdir("/var/tmp") else None  # outside the hidden /tmp
    folder = os.path.realpath(tempfile.mkdtemp(prefix="exposed-", dir=base))
    os.chmod(folder, 0o755)
    secret = os.path.join(folder, "gradebook.db")
    with open(secret, "w") as f:
        f.write("hidden tests live here")
    os.chmod(secret, 0o644)
    open_dir = os.path.join(folder, "dropbox")
    os.mkdir(open_dir)
    os.chmod(open_dir, 0o777)
    yield folder, secret, open_dir
    shutil.rmtree(folder)


def test_sandbox_self_test_passes_with_namespaces(exposed_course):
    """With the course folder hidden, does the probe fail to read or write anything?"""
    fx.require_sandbox()
    folder, secret, open_dir = exposed_course
    hide, allow = default_paths(folder)
    sandbox = Sandbox(hide=hide, allow=allow)
    sandbox.ensure_user()
    report = self_test(sandbox, [secret, folder], [open_dir, folder])
    assert report["uid"] != 0 and report["groups"] == []
    assert report["mnistlib"] == "ok" and report["network"] != "allowed"


def test_sandbox_self_test_refuses_a_sandbox_that_leaks(exposed_course):
    """If the course folder were not hidden, its world-readable gradebook would be readable:
    does the self-test notice and refuse to grade?"""
    fx.require_sandbox()
    folder, secret, open_dir = exposed_course
    hide, allow = default_paths(folder)
    # Drop every hidden folder that covers the course folder (itself, /var/tmp, /var).
    covering = [h for h in hide if folder == h or folder.startswith(h.rstrip("/") + "/")]
    sandbox = Sandbox(hide=[h for h in hide if h not in covering], allow=allow)
    sandbox.ensure_user()
    with pytest.raises(SandboxError, match="can read .*gradebook.db.*can write into .*dropbox"):
        self_test(sandbox, [secret], [open_dir])


def test_sandbox_refuses_to_start_without_root(monkeypatch):
    """Does a non-root grader get told to use sudo or --sandbox none?"""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(SandboxError, match="sudo"):
        Sandbox().ensure_user()

"""Hostile submissions (issue 9, item 7): every folder gets a row, and the grader never works
for the student. One class run of assignment 1 with real nbgrader and the jail; the
submissions are built by _attacks.py."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
import unicodedata

import pytest

import _attack_cells as cells
import _attacks as at
import _grading_fixtures as fx
from grading.autograde_class import autograde_class
from grading.collect import collect, read_limited
from grading.sandbox import Sandbox

FULL = 10.0
#: Limits made small in the test course, so that going past them is cheap.
COURSE_LIMITS = {"tmp_mb": 16, "max_total_output_bytes": 1_000_000}
LIMITS = {"max_notebook_mb": 50, "max_timestamp_bytes": 4096}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """Grade the hostile class once (cell timeout 8 s); keep rows, log and course."""
    fx.require_sandbox()
    course = fx.make_course(tmp_path_factory.mktemp("attacks"), [at.ASSIGNMENT])
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as f:
        for key, value in COURSE_LIMITS.items():
            f.write(f"c.Grading.{key} = {value!r}\n")
    expected = at.build(course)
    shm_before = at.shm_keys()
    messages = []
    started = time.monotonic()
    results, csv_path = autograde_class(at.ASSIGNMENT, course_dir=course, cell_timeout=8,
                                        wall_limit=120, log=messages.append)
    return {"course": course, "expected": expected, "rows": fx.read_csv(csv_path),
            "results": {r.student_id: r for r in results}, "log": "\n".join(messages),
            "seconds": time.monotonic() - started, "shm_before": shm_before,
            "csv": csv_path}


def test_every_folder_gets_exactly_one_row(attacked):
    """Does every folder (and link) under submitted/ get a row, whatever its name?"""
    rows = attacked["rows"]
    names = set(os.listdir(attacked["course"] / "submitted"))
    assert set(rows) == names == set(attacked["expected"]) == set(STUDENTS)
    assert {r["status"] for r in rows.values()} <= {"graded", "refused", "missing"}


STUDENTS = [
    "victim", "link_to_solutions", "link_to_victim", "link_folder", "link_assignment",
    "timestamp_shadow", "huge_timestamp", "huge_notebook", "x[1]", "*", ".dotted", "x1", "flat",
    "no_notebook", "two_notebooks", "hidden_marker", "ignores_sigint", "stops_itself",
    "long_c_call", "shm_a_writer", "shm_b_reader", "fills_disk", "prints_a_lot",
    unicodedata.normalize("NFC", "Jos\u00e9"), unicodedata.normalize("NFD", "Jos\u00e9")]


@pytest.mark.parametrize("student", STUDENTS)
def test_hostile_submission_gets_its_status_score_and_reason(attacked, student):
    """Is each hostile submission graded with the right score, or refused, with a reason an
    instructor can act on?"""
    expectation = attacked["expected"][student]
    row = attacked["rows"][student]
    assert row["status"] == expectation["status"], row
    if "note" in expectation:
        assert expectation["note"] in row["reason"], row
    if "review" in expectation:
        assert expectation["review"] in row["review"], row
    assert "traceback" not in (row["reason"] + row["review"]).lower(), row
    if expectation["status"] != "graded":
        assert row["score"] == "" and row["reason"], row
        assert not (attacked["course"] / "autograded" / student).exists()
        return
    score, top = fx.autograded_score(attacked["course"], at.ASSIGNMENT, student)
    assert top == FULL
    if expectation["score"] == "below_full":
        assert score < FULL, row
    else:
        assert score == expectation["score"], (score, row)
    if expectation.get("feedback"):
        page = (attacked["course"] / "feedback" / student / at.ASSIGNMENT / "softmax.html")
        assert page.is_file() and "feedback" not in row["review"], row


def test_a_link_never_scores_and_nothing_it_points_to_is_copied(attacked):
    """Do links to the solution or to the victim's work score nothing, and is the file behind
    timestamp.txt -> /etc/shadow nowhere in the course's output?"""
    course = attacked["course"]
    for student in ("link_to_solutions", "link_to_victim", "link_folder", "link_assignment",
                    "timestamp_shadow"):
        row = attacked["rows"][student]
        assert "does not follow links" in row["reason"] and row["score"] == "", row
    assert "/etc/shadow" in attacked["rows"]["timestamp_shadow"]["reason"]
    copied = [p for p in (course / "autograded").rglob("timestamp.txt")]
    assert all(p.read_bytes()[:5] != b"root:" for p in copied)
    assert not (course / "autograded" / "timestamp_shadow").exists()


def test_a_huge_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """Is a 1 GB timestamp.txt (or a 60 MB notebook) refused from its size, without reading
    it?"""
    big = tmp_path / "s" / "big" / "timestamp.txt"
    at.sparse(big, 2**30)
    (big.parent / "softmax.ipynb").write_text("{}")
    at.sparse(tmp_path / "s" / "fat" / "softmax.ipynb", 60 * 10**6)
    read, bytes_read = os.read, []

    def counting_read(fd, n):
        data = read(fd, n)
        bytes_read.append(len(data))
        return data

    monkeypatch.setattr(os, "read", counting_read)
    found = collect(tmp_path / "s", at.ASSIGNMENT, LIMITS, nbgrader_layout=False)
    monkeypatch.undo()
    assert sum(bytes_read) < 4096, "only the small files are read, not the huge ones"
    assert found["big"].status == "refused" and "1.1 GB" in found["big"].reason
    assert "c.Grading.max_timestamp_bytes" in found["big"].reason
    assert found["big"].files == {}, "nothing of a refused submission is kept"
    assert found["fat"].status == "refused" and "60.0 MB" in found["fat"].reason
    with pytest.raises(ValueError, match="over the limit"):
        read_limited(big, 4096)


def test_links_anywhere_in_a_submission_are_refused_and_not_read(tmp_path):
    """Is a link as the student's folder, as its assignment folder, or as any file in it
    refused, naming the link and its target, without reading what it points to?"""
    base = tmp_path / "submitted"
    secret = tmp_path / "secret.ipynb"
    secret.write_text("the solution")
    (base / "real" / at.ASSIGNMENT).mkdir(parents=True)
    (base / "real" / at.ASSIGNMENT / "softmax.ipynb").write_text("{}")
    (base / "whole").symlink_to(base / "real")
    (base / "inner").mkdir()
    (base / "inner" / at.ASSIGNMENT).symlink_to(base / "real" / at.ASSIGNMENT)
    (base / "file" / at.ASSIGNMENT).mkdir(parents=True)
    (base / "file" / at.ASSIGNMENT / "softmax.ipynb").symlink_to(secret)
    (base / "data" / at.ASSIGNMENT).mkdir(parents=True)
    (base / "data" / at.ASSIGNMENT / "softmax.ipynb").write_text("{}")
    (base / "data" / at.ASSIGNMENT / "notes.txt").symlink_to(secret)
    found = collect(base, at.ASSIGNMENT, LIMITS)
    assert found["real"].status == "" and list(found["real"].files) == ["softmax.ipynb"]
    for student, shown in (("whole", "'whole'"), ("inner", "'inner/01_softmax'"),
                           ("file", "'file/01_softmax/softmax.ipynb'"),
                           ("data", "'data/01_softmax/notes.txt'")):
        sub = found[student]
        assert sub.status == "refused" and sub.files == {}, student
        assert sub.reason.startswith(shown) and "does not follow links" in sub.reason
    assert str(secret) in found["file"].reason


def test_the_hidden_test_marker_in_student_code_is_left_alone():
    """Does a student's cell with the text '### BEGIN HIDDEN TESTS' (no end marker) pass the
    feedback scrubber unchanged, instead of making feedback fail, while an output quoting a
    hidden check is still removed?"""
    import nbformat

    from grading.feedback import ScrubHiddenTests

    code = 'print("### BEGIN HIDDEN TESTS")'
    student = nbformat.v4.new_code_cell(code, outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="### BEGIN HIDDEN TESTS\n")])
    quoting = nbformat.v4.new_code_cell("print(secret)", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="expect(hidden_check(1))\n")])
    nb = nbformat.v4.new_notebook(cells=[student, quoting])
    out, _ = ScrubHiddenTests(secret_lines=["expect(hidden_check(1))"]).preprocess(nb, {})
    assert out.cells[0].source == code
    assert out.cells[0].outputs[0]["text"] == "### BEGIN HIDDEN TESTS\n"
    assert "hidden_check" not in out.cells[1].outputs[0]["text"]


def test_glob_like_and_hidden_ids_are_graded_as_themselves(attacked):
    """Are x[1], * and .dotted graded as their own work, not as x1's or everyone's?"""
    rows = attacked["rows"]
    for student in ("x[1]", "*", ".dotted"):
        assert rows[student]["status"] == "graded", rows[student]
        assert float(rows[student]["score"]) == FULL, rows[student]
        assert (attacked["course"] / "feedback" / student / at.ASSIGNMENT).is_dir()
    assert fx.autograded_score(attacked["course"], at.ASSIGNMENT, "x1")[0] < FULL


def test_lookalike_ids_are_flagged_on_both_rows(attacked):
    """Are 'José' in NFC and in NFD both graded and both flagged as looking the same?"""
    for form in ("NFC", "NFD"):
        row = attacked["rows"][unicodedata.normalize(form, "Jos\u00e9")]
        assert "looks the same as" in row["review"] and "remove the other" in row["review"]


def test_a_kernel_that_does_not_come_back_costs_only_the_remaining_cells(attacked):
    """A kernel that ignores SIGINT, stops itself or sits in a long C call: are the cells after
    it 'not run' and the earlier tests still graded, and is no jail left behind?"""
    for student in ("ignores_sigint", "stops_itself", "long_c_call"):
        row = attacked["rows"][student]
        assert "did not stop" in row["reason"] or "did not recover" in row["reason"], row
        assert "not run" in at.outputs(attacked["course"], student)
    assert not _bwrap_processes(), "a jail outlived the run"


def test_system_v_shared_memory_does_not_pass_between_students(attacked):
    """Does a segment made by one student stay invisible to the next, and vanish with its
    jail instead of outliving the run?"""
    course = attacked["course"]
    written = at.outputs(course, "shm_a_writer")
    assert "SHM-WRITE" in written and "SHM-WRITE -1" not in written, "the writer could not try"
    assert "SHM-READ -1" in at.outputs(course, "shm_b_reader")
    assert cells.SHM_KEY not in at.shm_keys() - attacked["shm_before"]


def test_a_submission_cannot_fill_the_disk(attacked):
    """Does writing into its folder, HOME and /tmp stop at the jail's bounded area?"""
    text = at.outputs(attacked["course"], "fills_disk")
    written = int(text.split("FILLED", 1)[1].split()[0])
    assert written <= COURSE_LIMITS["tmp_mb"] + 4, text


def test_output_is_capped_for_the_whole_notebook(attacked):
    """Do many cells just under the per-cell limit stop at the notebook's total cap, so the
    autograded notebook and the feedback stay small?"""
    course = attacked["course"]
    notebook = course / "autograded" / "prints_a_lot" / at.ASSIGNMENT / "softmax.ipynb"
    feedback = course / "feedback" / "prints_a_lot" / at.ASSIGNMENT / "softmax.html"
    cap = COURSE_LIMITS["max_total_output_bytes"]
    assert notebook.stat().st_size < cap + 500_000
    assert feedback.stat().st_size < cap + 1_000_000
    assert "kB in all" in at.outputs(course, "prints_a_lot")


def test_a_removed_submission_loses_its_graded_row(attacked, tmp_path):
    """After a folder is removed and the class graded again, is its row no longer 'graded'
    and its automatic score blanked?"""
    import shutil

    course = fx.make_course(tmp_path / "course", [at.ASSIGNMENT])
    at.good(course, "stays")
    at.good(course, "leaves")
    autograde_class(at.ASSIGNMENT, course_dir=course, log=lambda m: None)
    shutil.rmtree(course / "submitted" / "leaves")
    _, csv_path = autograde_class(at.ASSIGNMENT, course_dir=course, log=lambda m: None)
    rows = fx.read_csv(csv_path)
    assert rows["stays"]["status"] == "graded"
    assert rows["leaves"]["status"] == "missing" and rows["leaves"]["score"] == ""
    assert "gone since the last run" in rows["leaves"]["reason"]
    assert fx.autograded_score(course, at.ASSIGNMENT, "leaves")[0] == 0.0
    assert not (course / "autograded" / "leaves" / at.ASSIGNMENT).exists()
    assert not (course / "feedback" / "leaves" / at.ASSIGNMENT).exists()


def test_one_grader_ending_its_jails_leaves_another_graders_alone():
    """Two graders on one machine: does one's cleanup (kill_all) spare the other's jails?"""
    fx.require_sandbox()
    mine, theirs = Sandbox(), Sandbox()
    jails = []
    for sandbox in (mine, theirs):
        workdir = sandbox.make_workdir()
        proc = subprocess.Popen(sandbox.wrap([sys.executable, "-c", "import time; "
                                              "time.sleep(60)"], workdir),
                                env=sandbox.launch_env())
        sandbox.started(proc.pid)
        jails.append((sandbox, proc, workdir))
    try:
        time.sleep(0.5)
        assert mine.kill_all() == 1
        jails[0][1].wait(timeout=10)
        assert jails[1][1].poll() is None, "the other grader's jail was killed"
    finally:
        for sandbox, proc, workdir in jails:
            sandbox.kill_all()
            proc.wait(timeout=10)
            sandbox.remove_workdir(workdir)


def _bwrap_processes():
    """Jails (bwrap processes) started by this test process and still running."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except (OSError, ValueError, IndexError):
                continue
            if parent == os.getpid() and os.path.basename(argv[0]) == b"bwrap":
                found.append(int(name))
    return found


def test_forked_children_share_one_memory_limit_where_the_host_has_cgroups():
    """Three children of 200 MB each (under the per-process limit) in a jail limited to 256 MB
    in all: are some killed where the host offers memory cgroups, and where it does not, does
    the self-test's line say that the limit is per process only?"""
    fx.require_sandbox()
    sandbox = Sandbox(total_memory_mb=256, memory_mb=1024)
    if sandbox.cgroup_parent is None:
        from grading.sandbox import describe, self_test

        assert "no total memory limit per jail" in describe(self_test(sandbox, [], []))
        return
    # The empty cgroup of a grader that was killed (no such pid) is swept by the next one.
    stale = os.path.join(sandbox.cgroup_parent[1], "grading-999999999-0123456789ab")
    os.mkdir(stale)
    from grading import cgroups

    assert cgroups.sweep(sandbox.cgroup_parent[1]) >= 1 and not os.path.exists(stale)
    workdir = sandbox.make_workdir()
    try:
        out = subprocess.run(sandbox.wrap([sys.executable, "-c", at.cell_code(
            cells.fork_and_allocate)], workdir, private=True), env=sandbox.launch_env(),
            capture_output=True, text=True, timeout=120)
        statuses = ast.literal_eval(out.stdout.strip().splitlines()[-1])  # wait statuses
        assert any(os.WIFSIGNALED(s) and os.WTERMSIG(s) == 9 for s in statuses), out
        assert sandbox.out_of_memory()
    finally:
        sandbox.kill_all()
        sandbox.remove_workdir(workdir)
    assert sandbox._cgroups == [], "the jail's cgroup is removed with it"


def test_links_disk_and_shared_memory_hold_for_a_normal_user(tmp_path):
    """Run by a normal user (no root) through the CLI: are links refused, the disk bounded and
    shared memory private there too, and does the log say whether a jail's memory is limited
    in all?"""
    import pwd
    import shutil
    import tempfile
    from pathlib import Path

    import test_grading_nonroot as nonroot

    nonroot._require()
    fx.require_sandbox()
    try:
        pwd.getpwnam(nonroot.USER)
    except KeyError:
        subprocess.run([shutil.which("useradd"), "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", nonroot.USER], check=True)
    entry = pwd.getpwnam(nonroot.USER)
    base = Path(tempfile.mkdtemp(prefix="grading-user-"))
    site_dirs = [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")]
    opened = nonroot._let_others_traverse([fx.PROJECT, sys.prefix, *site_dirs])
    try:
        os.chmod(base, 0o755)
        venv = nonroot._user_venv(base)
        course = fx.make_course(base / "course", [at.ASSIGNMENT])
        with open(course / "nbgrader_config.py", "a", encoding="utf-8") as f:
            f.write(f"c.Grading.tmp_mb = {COURSE_LIMITS['tmp_mb']}\n")
        at.good(course, "victim")
        at.good(course, "x[1]")
        target = at.folder(course, "link_to_victim")
        target.mkdir(parents=True)
        (target / "softmax.ipynb").symlink_to(at.folder(course, "victim") / "softmax.ipynb")
        at.with_cell(course, "fills_disk", at.cell_code(cells.fill_disk))
        at.with_cell(course, "shm_a_writer", at.cell_code(cells.shm_write))
        at.with_cell(course, "shm_b_reader", at.cell_code(cells.shm_read))
        home = base / "home"
        home.mkdir()
        for path in [home, course, *course.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
        env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
        if "MNISTLIB_DATA" in os.environ:
            env["MNISTLIB_DATA"] = os.environ["MNISTLIB_DATA"]
        done = subprocess.run(
            [shutil.which("runuser"), "-u", nonroot.USER, "--", f"{venv}/bin/python", "-m",
             "grading", "autograde", at.ASSIGNMENT, "--course-dir", str(course),
             "--cell-timeout", "8", "--wall-limit", "120", "--jobs", "1"],
            cwd=fx.PROJECT, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
        assert "memory is limited to" in done.stdout or "no total memory limit" in done.stdout
        rows = fx.read_csv(course / "autograded" / f"{at.ASSIGNMENT}-grades.csv")
        assert rows["link_to_victim"]["status"] == "refused"
        assert "does not follow links" in rows["link_to_victim"]["reason"]
        for student in ("victim", "x[1]", "fills_disk", "shm_a_writer", "shm_b_reader"):
            assert rows[student]["status"] == "graded" and rows[student]["score"] == "10", \
                rows[student]
        filled = at.outputs(course, "fills_disk").split("FILLED", 1)[1].split()[0]
        assert int(filled) <= COURSE_LIMITS["tmp_mb"] + 4
        assert "SHM-READ -1" in at.outputs(course, "shm_b_reader")
        assert "SHM-WRITE -1" not in at.outputs(course, "shm_a_writer")
    finally:
        shutil.rmtree(base, ignore_errors=True)
        for folder, mode in reversed(opened):
            os.chmod(folder, mode)


def test_two_workers_give_the_hostile_class_the_same_rows(attacked, tmp_path):
    """Graded with --jobs 2 instead of one at a time, does every hostile folder get exactly the
    same row (status, score, review, reason)?"""
    course = fx.make_course(tmp_path, [at.ASSIGNMENT])
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as f:
        for key, value in COURSE_LIMITS.items():
            f.write(f"c.Grading.{key} = {value!r}\n")
    at.build(course)
    _, csv_path = autograde_class(at.ASSIGNMENT, course_dir=course, cell_timeout=8,
                                  wall_limit=120, jobs=2, log=lambda m: None)

    def comparable(rows, folder):
        return {student: {k: v.replace(str(folder), "<course>") for k, v in row.items()
                          if k != "graded_at"} for student, row in rows.items()}

    sequential = comparable(attacked["rows"], attacked["course"])
    parallel = comparable(fx.read_csv(csv_path), course)
    differing = {s: (sequential.get(s), parallel.get(s)) for s in set(sequential) | set(parallel)
                 if sequential.get(s) != parallel.get(s)}
    assert not differing, "rows that differ (sequential, --jobs 2):\n" + "\n".join(
        f"{s}: {pair}" for s, pair in sorted(differing.items()))

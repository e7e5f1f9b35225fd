"""The same class graded three ways: one at a time, ``--jobs 2``, and on a 2-worker Dask
``LocalCluster``; and a Dask worker killed in the middle of a submission."""

import difflib
import os
import shutil
import signal
import threading
import time

import pytest

import _grading_fixtures as fx
from grading.autograde_class import autograde_class

ASSIGNMENT = "01_softmax"


def _students():
    """The class's notebooks as bytes (made once: added cells get random ids)."""
    import nbformat

    bad = fx.bad_submissions()
    students = {"victim": fx.answered(ASSIGNMENT), "wrong": fx.plausible_wrong(ASSIGNMENT),
                "cheater": fx.cheater(), "spy": fx.spy(), "released": fx.released(ASSIGNMENT),
                "os_exit": bad["os_exit"][0], "truncated": bad["truncated_json"][0],
                "test_edited": bad["test_edited_to_pass"][0]}
    return {k: v if isinstance(v, bytes) else nbformat.writes(v).encode()
            for k, v in students.items()}


def _class(folder, students=None):
    course = fx.make_course(folder, [ASSIGNMENT])
    for student, data in (students or _students()).items():
        fx.write(data, course / "submitted" / student / ASSIGNMENT, "softmax")
    return course


def _outcome(course, csv_path):
    """Everything a run decides: CSV rows (but the time), cell scores, feedback pages."""
    from nbgrader.api import Gradebook

    rows = {k: {c: v for c, v in row.items() if c != "graded_at"}
            for k, row in fx.read_csv(csv_path).items()}
    cells = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "mnist-softmax") as gb:
        for student in rows:
            try:
                sub = gb.find_submission(ASSIGNMENT, student)
            except Exception:  # noqa: BLE001 - never graded
                continue
            cells[student] = sorted((g.name, g.auto_score, g.needs_manual_grade)
                                    for nb in sub.notebooks for g in nb.grades)
    pages = {p.parent.parent.name: p.read_text(encoding="utf-8")
             for p in (course / "feedback").glob(f"*/{ASSIGNMENT}/*.html")}
    return rows, cells, pages


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    fx.require_sandbox()
    from distributed import LocalCluster

    out, students = {}, _students()
    for mode in ("sequential", "jobs", "dask"):
        course = _class(tmp_path_factory.mktemp(mode), students)
        kwargs = {"jobs": 1} if mode == "sequential" else {"jobs": 2}
        if mode == "dask":
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            kwargs = {"scheduler": cluster.scheduler_address}
        try:
            _, csv_path = autograde_class(ASSIGNMENT, course_dir=course, cell_timeout=8,
                                          wall_limit=120, log=lambda m: None, **kwargs)
        finally:
            if mode == "dask":
                cluster.close()
        out[mode] = _outcome(course, csv_path)
    return out


@pytest.mark.parametrize("mode", ["jobs", "dask"])
def test_parallel_runs_give_exactly_the_sequential_grades(runs, mode):
    """Do --jobs 2 and a Dask cluster give the same statuses, reasons, scores per cell and
    feedback pages as grading one submission at a time?"""
    rows, cells, pages = runs[mode]
    seq_rows, seq_cells, seq_pages = runs["sequential"]
    assert rows == seq_rows
    assert cells == seq_cells
    assert sorted(pages) == sorted(seq_pages)
    for student, page in pages.items():
        if page != seq_pages[student]:
            diff = list(difflib.unified_diff(seq_pages[student].splitlines(),
                                             page.splitlines(), lineterm="", n=0))
            raise AssertionError(f"{student}'s feedback differs:\n" + "\n".join(
                line[:300] for line in diff[:40]))
    assert rows["truncated"]["status"] == "failed" and rows["victim"]["score"] == "10"


def test_a_killed_dask_worker_leaves_no_submission_without_a_row(tmp_path):
    """If a Dask worker dies while it grades, is its submission retried (or failed with the
    reason) and every student still in the CSV?"""
    fx.require_sandbox()
    from distributed import Client, LocalCluster

    course = _class(tmp_path / "course")
    for student in ("wrong", "cheater", "spy", "released", "test_edited"):
        shutil.rmtree(course / "submitted" / student)
    killed = []
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    try:
        with Client(cluster.scheduler_address) as client:
            def kill_first_busy_worker():
                pids = client.run(os.getpid)
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline and not killed:
                    busy = [w for w, keys in client.processing().items()
                            if any(str(k).startswith("grade-") for k in keys)]
                    if busy:
                        time.sleep(1.5)  # inside nbgrader by now
                        os.kill(pids[busy[0]], signal.SIGKILL)
                        killed.append(busy[0])
                    time.sleep(0.2)

            killer = threading.Thread(target=kill_first_busy_worker, daemon=True)
            killer.start()
            results, csv_path = autograde_class(ASSIGNMENT, course_dir=course, cell_timeout=8,
                                                wall_limit=120, log=lambda m: None,
                                                scheduler=cluster.scheduler_address)
            killer.join(timeout=5)
    finally:
        cluster.close()
    assert killed, "no worker was killed: the test did not test anything"
    rows = fx.read_csv(csv_path)
    assert set(rows) == {"victim", "os_exit", "truncated"}
    for row in rows.values():
        assert row["status"] == "graded" or row["reason"], row
    assert rows["victim"]["status"] == "graded" and rows["victim"]["score"] == "10"


def _bwrap_pids():
    pids = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if os.path.basename(f.read().split(b"\0")[0]) == b"bwrap":
                        pids.add(int(name))
            except OSError:
                pass
    return pids


def _jails_of(root):
    """bwrap processes below the process ``root`` (other graders on the machine excluded)."""
    parent, names = {}, {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                    parent[int(name)] = int(f.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    names[int(name)] = os.path.basename(f.read().split(b"\0")[0])
            except (OSError, ValueError, IndexError):
                pass
    found = set()
    for pid, exe in names.items():
        chain, seen = pid, set()
        while chain in parent and chain not in seen and chain != root:
            seen.add(chain)
            chain = parent[chain]
        if chain == root and exe == b"bwrap":
            found.add(pid)
    return found


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_grader_ends_its_jails_and_writes_what_was_graded(tmp_path, how):
    """SIGTERM or Ctrl-C (SIGINT) during a --jobs 2 run: no jail left running, a CSV with
    every student (the rest 'not graded'), and a re-run that completes the class?"""
    import subprocess
    import sys

    fx.require_sandbox()
    course = fx.make_course(tmp_path / "course", [ASSIGNMENT])
    fx.write(fx.answered(ASSIGNMENT), course / "submitted" / "quick" / ASSIGNMENT, "softmax")
    for i in range(3):
        slow = fx.answered(ASSIGNMENT, softmax=fx.answer_cell(fx.answered(ASSIGNMENT), "softmax")
                           .source + "\nimport time\ntime.sleep(20)")
        fx.write(slow, course / "submitted" / f"slow{i}" / ASSIGNMENT, "softmax")
    grader = subprocess.Popen(
        [sys.executable, "-m", "grading", "autograde", ASSIGNMENT, "--course-dir", str(course),
         "--jobs", "2", "--cell-timeout", "60"], cwd=fx.PROJECT, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    status = course / "autograded" / f"{ASSIGNMENT}-grading-status.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not status.exists() and grader.poll() is None:
        time.sleep(0.5)
    assert grader.poll() is None, "the run ended before it could be stopped"
    # Every jail seen below the grader in the second before the signal, the last look
    # taken just before it: a jail started after a single early look would go unchecked.
    jails = set()
    for _ in range(10):
        jails |= _jails_of(grader.pid)
        time.sleep(0.1)
    jails |= _jails_of(grader.pid)
    assert jails, "no jail was running: the test would not test anything"
    grader.send_signal(how)
    out, _ = grader.communicate(timeout=120)
    assert grader.returncode == 2, out
    assert "the run was stopped" in out
    time.sleep(2)
    # Only this grader's jails: other graders on a shared machine start and end their own.
    assert not (jails & _bwrap_pids()), "a jail outlived the grader"
    rows = fx.read_csv(course / "autograded" / f"{ASSIGNMENT}-grades.csv")
    assert set(rows) == {"quick", "slow0", "slow1", "slow2"}
    assert {r["status"] for r in rows.values()} <= {"graded", "not graded"}
    assert any(r["status"] == "not graded" and "run the command again" in r["reason"]
               for r in rows.values())
    # The re-run grades the whole class.
    _, csv_path = autograde_class(ASSIGNMENT, course_dir=course, jobs=2, cell_timeout=60,
                                  log=lambda m: None)
    rows = fx.read_csv(csv_path)
    assert {r["status"] for r in rows.values()} == {"graded"}

"""The grader run by a normal user (no root, no sudo): a small class graded through the CLI.

The test suite runs as root in CI; this test creates a system user with ``useradd`` and runs
``python -m grading autograde`` as that user with ``runuser``. Root's own Python may live where
other users cannot enter, so the user gets a virtual environment made from the system's
``/usr/bin/python3`` that reuses this environment's installed packages (a ``.pth`` file: no
second install, about a second to build).
"""

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import _grading_fixtures as fx

ASSIGNMENT = "01_softmax"
USER = "grading-test"
SYSTEM_PYTHON = "/usr/bin/python3"


def _unavailable():
    if os.geteuid() != 0:
        return "needs root to create the test user (CI runs as root)"
    for tool in ("useradd", "runuser"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"no system Python at {SYSTEM_PYTHON}"
    return None


def _require():
    reason = _unavailable()
    if reason:
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)


def _user_venv(folder):
    """A venv from the system's Python that imports this environment's packages."""
    venv = folder / "venv"
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site_dirs = [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")
                 and os.path.isdir(p)]
    (venv / "lib" / version / "site-packages" / "course-env.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in site_dirs))
    # nbgrader runs `alembic`; the environment's own script starts root's Python.
    alembic = venv / "bin" / "alembic"
    alembic.write_text(f"#!{venv}/bin/python\nimport sys\nfrom alembic.config import main\n"
                       "sys.exit(main())\n")
    alembic.chmod(0o755)
    return venv


def _let_others_traverse(paths):
    """Let others read ``paths`` and pass through their ancestors, where they cannot yet.

    A fresh clone may sit below a private folder (mode 0700): the test user must reach the
    project and its environment to import them. Returns what to undo, as (folder, old mode).
    """
    changed = []
    for path in paths:
        path = Path(path).resolve()
        # Python lists the folders it imports from (r); it only passes through the others (x).
        wanted = [(path, stat.S_IROTH | stat.S_IXOTH)] + [(p, stat.S_IXOTH) for p in path.parents]
        for folder, bits in wanted:
            mode = folder.stat().st_mode
            if mode & bits != bits:
                os.chmod(folder, mode | bits)
                changed.append((folder, mode))
    return changed


@pytest.fixture(scope="module")
def user_run():
    """Grade five students as a normal user; return the CSV rows, the log and the course."""
    _require()
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run([shutil.which("useradd"), "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", USER], check=True)
    entry = pwd.getpwnam(USER)
    base = Path(tempfile.mkdtemp(prefix="grading-user-"))
    site_dirs = [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")]
    opened = _let_others_traverse([fx.PROJECT, sys.prefix, *site_dirs])
    try:
        os.chmod(base, 0o755)
        venv = _user_venv(base)
        course = fx.make_course(base / "course", [ASSIGNMENT])
        home = base / "home"
        home.mkdir()
        bad = fx.bad_submissions()
        students = {"victim": fx.answered(ASSIGNMENT), "intruder": fx.intruder(course),
                    "wrong": fx.plausible_wrong(ASSIGNMENT),
                    "infinite_loop": bad["infinite_loop"][0], "truncated": bad["truncated_json"][0]}
        for student, nb in students.items():
            fx.write(nb, course / "submitted" / student / ASSIGNMENT, "softmax")
        for folder in [home, *course.rglob("*"), course]:
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
        if "MNISTLIB_DATA" in os.environ:
            env["MNISTLIB_DATA"] = os.environ["MNISTLIB_DATA"]
        done = subprocess.run(
            [shutil.which("runuser"), "-u", USER, "--", f"{venv}/bin/python", "-m", "grading", "autograde",
             ASSIGNMENT, "--course-dir", str(course), "--cell-timeout", "8",
             "--wall-limit", "120"],
            cwd=fx.PROJECT, env=env, capture_output=True, text=True, timeout=900)
        rows = (fx.read_csv(course / "autograded" / f"{ASSIGNMENT}-grades.csv")
                if done.returncode == 0 else {})
        yield {"done": done, "rows": rows, "course": course, "uid": entry.pw_uid}
    finally:
        shutil.rmtree(base, ignore_errors=True)
        for folder, mode in reversed(opened):
            os.chmod(folder, mode)


def test_a_normal_user_grades_a_class(user_run):
    """Does the whole run work without root, with the jail's self-test passed?"""
    done = user_run["done"]
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    assert "jail self-test passed: the probe ran as uid 65534, saw 2 process(es)" in done.stdout
    rows = user_run["rows"]
    assert set(rows) == {"victim", "intruder", "wrong", "infinite_loop", "truncated"}
    assert rows["truncated"]["status"] == "failed" and "not valid JSON" in rows["truncated"]["reason"]
    assert "timed out" in rows["infinite_loop"]["reason"]
    course = user_run["course"]
    assert fx.autograded_score(course, ASSIGNMENT, "victim") == (10.0, 10.0)
    assert fx.autograded_score(course, ASSIGNMENT, "infinite_loop") == (10.0, 10.0)
    wrong, top = fx.autograded_score(course, ASSIGNMENT, "wrong")
    assert 0 < wrong < top
    assert (course / "gradebook.db").stat().st_uid == user_run["uid"], "written by the user"


def test_the_intruder_reaches_nothing_as_a_normal_user(user_run):
    """Run as a normal user, does the intruder's code still read and write nothing it must not?"""
    assert user_run["done"].returncode == 0
    notebook = json.loads((user_run["course"] / "autograded" / "intruder" / ASSIGNMENT
                           / "softmax.ipynb").read_text())
    texts = ["".join(o.get("text", "")) for c in notebook["cells"] for o in c.get("outputs", [])]
    report = json.loads(next(t for t in texts if "INTRUDER REPORT" in t)
                        .split("INTRUDER REPORT", 1)[1])
    for attempt in ("read gradebook", "list solutions", "read hidden tests", "write solutions",
                    "write other student", "list submitted", "network", "setuid root"):
        assert not report[attempt].startswith("SUCCEEDED"), (attempt, report[attempt])
    assert report["gradebooks found"] == []

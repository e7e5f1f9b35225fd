"""Collecting the submissions (driver side): one entry per folder under ``submitted/``.

Every entry of the submissions folder that is a folder (or a link) becomes a
:class:`Submission`, whatever its name: ``x[1]``, ``*``, ``.dotted`` and ``José`` are ids like
any other (the task grades under a neutral internal id, so nbgrader never treats one as a
pattern). A submission is *refused*, with a reason an instructor can act on, when

* the student's folder, the assignment folder or any file in it is a symbolic link: links are
  never followed (a link to ``solutions/``, to another student's work or to ``/etc/shadow``
  would otherwise be graded or copied as the student's own);
* a notebook or ``timestamp.txt`` is larger than the limits (checked before anything is read).

A student folder with nothing for this assignment is *missing*; ids that look the same (the
same letters in different Unicode forms, ``José`` in NFC and NFD) are flagged for review.
Files are opened without following links (``O_NOFOLLOW``) and read up to their checked size.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

#: What a submission may contain that the grader reads.
TIMESTAMP = "timestamp.txt"


@dataclass
class Submission:
    """One folder under ``submitted/``: its files, or why it is not graded."""

    student_id: str
    folder: Path
    files: dict = field(default_factory=dict)  # file name -> bytes
    notes: list = field(default_factory=list)  # things to tell the instructor
    review: list = field(default_factory=list)  # reasons for a human to look at it
    status: str = ""  # "" (to grade), "refused" or "missing"
    reason: str = ""


def _size(n):
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def _link(path, base):
    """Why ``path`` (a symbolic link) is refused."""
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return (f"'{path.relative_to(base)}' is a symbolic link (to {target}); the grader does not "
            "follow links: replace the link with the student's own files (a link to someone "
            "else's work is worth a look)")


def read_limited(path, limit):
    """The bytes of a regular file, read without following links and at most ``limit`` bytes.

    Raises
    ------
    ValueError
        ``path`` is not a regular file, or larger than ``limit`` (the message says which).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("is not a regular file")
        if info.st_size > limit:
            raise ValueError(f"is {_size(info.st_size)}, over the limit of {_size(limit)}")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:  # grew while being read
            raise ValueError(f"is over the limit of {_size(limit)}")
        return data
    finally:
        os.close(fd)


def _read_folder(sub, base, limits):
    """Fill ``sub.files`` from its folder, or refuse it."""
    notebooks = []
    for entry in sorted(os.scandir(sub.folder), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.is_symlink():
            sub.status, sub.reason, sub.files = "refused", _link(path, base), {}
            return
        if entry.name == TIMESTAMP:
            limit = limits["max_timestamp_bytes"]
        elif entry.name.endswith(".ipynb") and entry.is_file(follow_symlinks=False):
            limit = limits["max_notebook_mb"] * 10**6
            notebooks.append(entry.name)
        else:
            continue  # other files and folders are not graded
        try:
            sub.files[entry.name] = read_limited(path, limit)
        except (ValueError, OSError) as exc:
            what = "a submitted notebook" if entry.name.endswith(".ipynb") else "timestamp.txt"
            setting = "max_notebook_mb" if entry.name.endswith(".ipynb") else \
                "max_timestamp_bytes"
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            sub.status, sub.files = "refused", {}
            sub.reason = (f"'{path.relative_to(base)}' {detail}, so it was not read (limit "
                          f"for {what}: c.Grading.{setting}); ask the student to submit it "
                          "again (a notebook with its outputs cleared)")
            return


def collect(base, assignment, limits, nbgrader_layout=True):
    """``{student id: Submission}`` for every folder (or link) in ``base``.

    Parameters
    ----------
    base : path
        The submissions folder.
    assignment : str
        In the nbgrader layout (``nbgrader_layout``), a student's notebooks are in
        ``base/<id>/<assignment>/``; a notebook directly in ``base/<id>/`` is graded too, with
        a note. Otherwise they are directly in ``base/<id>/``.
    limits : dict
        ``max_notebook_mb`` and ``max_timestamp_bytes`` (see :mod:`grading.settings`).
    """
    base = Path(base)
    found = {}
    for entry in sorted(os.scandir(base), key=lambda e: e.name):
        student = Path(entry.path)
        if not entry.is_symlink() and not entry.is_dir(follow_symlinks=False):
            continue  # a stray file, not a student's folder
        sub = Submission(entry.name, student)
        found[entry.name] = sub
        if entry.is_symlink():
            sub.status, sub.reason = "refused", _link(student, base)
            continue
        inner = student / assignment
        if nbgrader_layout and inner.is_symlink():
            sub.status, sub.reason = "refused", _link(inner, base)
            continue
        if nbgrader_layout and inner.is_dir():
            sub.folder = inner
        elif nbgrader_layout:
            direct = [p.name for p in student.iterdir() if p.name.endswith(".ipynb")]
            if not direct:
                sub.status = "missing"
                sub.reason = (f"nothing submitted for {assignment}: the folder has no "
                              f"'{assignment}' folder and no notebook")
                continue
            sub.notes.append(f"the notebook was directly in the student's folder, not in "
                             f"its '{assignment}' folder")
        _read_folder(sub, base, limits)
    _flag_lookalikes(found)
    return found


def _flag_lookalikes(found):
    """Review note on ids that differ only in their Unicode form (or letter case)."""
    groups = {}
    for student_id in found:
        key = unicodedata.normalize("NFKC", student_id).casefold()
        groups.setdefault(key, []).append(student_id)
    for ids in groups.values():
        if len(ids) < 2:
            continue
        for student_id in ids:
            others = ", ".join(ascii(o) for o in ids if o != student_id)
            found[student_id].review.append(
                f"the id {ascii(student_id)} looks the same as {others} (the folder names "
                "differ only in Unicode form or letter case): check which folder is the "
                "student's and remove the other")

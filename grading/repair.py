"""Read a submitted notebook defensively and rebuild it around the released assignment.

Nothing here runs student code. :func:`read_submission` turns the bytes of a submission into a
notebook or a reason why it cannot be graded; :func:`rebuild` puts the student's answers into a
fresh copy of the released notebook, so that nbgrader receives a notebook it can always
process:

* every answer cell (code or written) keeps the student's text; a deleted answer cell comes
  back as the released stub and is graded as unanswered;
* every test cell and read-only cell is the released one (nbgrader then puts the hidden tests
  back from the gradebook): a test edited to ``pass``, deleted or duplicated cannot change a
  grade;
* nbgrader metadata (points, grade id, cell type, schema version, checksums) comes from the
  release, whatever the student's file says; a cell whose grade id was changed is matched by
  its cell id or its text;
* cells the student added are kept, in place, as ordinary cells (after the setup cell when
  they came before it); a duplicate of an answer cell is kept as an ordinary cell;
* the kernel is the course's Python kernel.

Every change is described in the notes that end up in the grades CSV.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


class Ungradable(Exception):
    """The file cannot be read as a notebook; the message says why, for the instructor."""


@dataclass
class Rebuilt:
    """A notebook ready for nbgrader and what was changed to get it."""

    notebook: nbformat.NotebookNode
    notes: list = field(default_factory=list)
    student_code: list = field(default_factory=list)  # (label, source) of code the student wrote


def read_submission(path):
    """Parse a submitted notebook file.

    Returns
    -------
    notebook : NotebookNode (nbformat 4)
    notes : list of str
        Repairs made while reading (encoding, format conversion).

    Raises
    ------
    Ungradable
        Empty file, not JSON (truncated or corrupted), not a notebook, unknown format.
    """
    notes = []
    data = Path(path).read_bytes()
    if not data.strip():
        raise Ungradable(f"the notebook file is empty ({len(data)} bytes): ask for a new upload")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        notes.append(f"bytes that are not UTF-8 (the first at byte {exc.start}) were replaced "
                     "by U+FFFD")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Ungradable(
            f"the notebook is not valid JSON ({exc.msg} at line {exc.lineno}, column "
            f"{exc.colno} of {text.count(chr(10)) + 1} lines): the file is truncated or "
            "corrupted; ask for a new upload") from None
    if not isinstance(raw, dict) or not ("cells" in raw or "worksheets" in raw):
        raise Ungradable("the file is JSON but not a Jupyter notebook (it has no cells)")
    major = raw.get("nbformat")
    if major not in (3, 4):
        raise Ungradable(f"unsupported notebook format version {major!r} (expected 3 or 4)")
    try:
        notebook = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds; all mean "unreadable"
        raise Ungradable(f"the notebook cannot be read ({type(exc).__name__}: {exc})") from None
    if major == 3:
        notes.append("converted from notebook format 3 to 4")
    return notebook, notes


#: nbgrader metadata keys that every graded or read-only cell has.
_REQUIRED = ("grade", "solution", "locked", "grade_id", "schema_version")


def _grading_metadata(cell):
    meta = cell.get("metadata", {})
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else None


def _grade_id(cell):
    nbg = _grading_metadata(cell)
    gid = nbg.get("grade_id") if nbg else None
    return gid if isinstance(gid, str) else None


def _text(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _is_answer(cell):
    return bool(_grading_metadata(cell).get("solution"))


def _kind(cell):
    nbg = _grading_metadata(cell)
    if nbg.get("solution"):
        return "answer cell"
    if nbg.get("grade"):
        return "test cell"
    return "read-only cell"


def rebuild(student, release):
    """Put the student's answers into a copy of the released notebook.

    Parameters
    ----------
    student : NotebookNode
        The submission, as returned by :func:`read_submission`.
    release : NotebookNode
        The released (student) version of the assignment's notebook.

    Returns
    -------
    Rebuilt
    """
    notes = []
    rel_cells = release.cells
    special = {}  # grade id -> index in the release
    for i, cell in enumerate(rel_cells):
        gid = _grade_id(cell)
        if gid:
            special[gid] = i
    by_id = {cell.get("id"): i for i, cell in enumerate(rel_cells) if cell.get("id")}
    by_text = {}
    for i, cell in enumerate(rel_cells):
        by_text.setdefault(_text(cell).strip(), i)
    first_code = next((i for i, c in enumerate(rel_cells) if c.cell_type == "code"), 0)

    matched = {}  # grade id -> student cell
    extras = {}  # release index of the anchor -> student cells added after it
    anchor = -1
    if not student.cells:
        notes.append("the notebook has no cells")

    def keep_extra(cell, why=None):
        clean = copy.deepcopy(cell)
        if isinstance(clean.get("metadata"), dict):
            clean.metadata.pop("nbgrader", None)
        if why:
            notes.append(why)
        extras.setdefault(anchor, []).append(clean)

    for cell in student.cells:
        gid = _grade_id(cell)
        target = None
        if gid in special and gid not in matched:
            target = gid
        elif gid in special:  # a second cell with the same grade id
            if _is_answer(rel_cells[special[gid]]):
                keep_extra(cell, f"duplicate of answer cell '{gid}' kept as an ordinary cell")
            else:
                notes.append(f"duplicate of {_kind(rel_cells[special[gid]])} '{gid}' removed")
            continue
        else:
            i = by_id.get(cell.get("id"))
            if i is None and _text(cell).strip():
                i = by_text.get(_text(cell).strip())
            rel_gid = _grade_id(rel_cells[i]) if i is not None else None
            if rel_gid and rel_gid not in matched and cell.get("id") == rel_cells[i].get("id"):
                target = rel_gid
                if gid is not None:
                    notes.append(f"{_kind(rel_cells[i])} '{rel_gid}' had its grade id changed to "
                                 f"'{gid}': restored")
                else:
                    notes.append(f"{_kind(rel_cells[i])} '{rel_gid}' had lost its grading "
                                 "metadata: restored")
            elif rel_gid and rel_gid not in matched and not _is_answer(rel_cells[i]):
                target = rel_gid  # same text as a test or read-only cell
                notes.append(f"{_kind(rel_cells[i])} '{rel_gid}' had its metadata changed: "
                             "restored")
            elif i is not None and not rel_gid:
                anchor = max(anchor, i)  # an instruction cell of the release: keep the release's
                continue
            elif gid is not None and _grading_metadata(cell).get("solution") and (
                    nxt := next((g for g, j in special.items() if j > anchor and g not in matched
                                 and _is_answer(rel_cells[j])), None)):
                target = nxt  # an answer cell whose grade id was changed: the next answer slot
                notes.append(f"answer cell '{nxt}' had its grade id changed to '{gid}': restored")
            elif gid is not None:
                keep_extra(cell, f"cell with unknown grade id '{gid}' kept as an ordinary cell")
                continue
            else:
                keep_extra(cell)
                continue
        matched[target] = cell
        anchor = special[target]

    cells = []
    for i, rel in enumerate(rel_cells):
        cell = copy.deepcopy(rel)
        gid = _grade_id(rel)
        if gid:
            mine = matched.get(gid)
            if mine is None:
                if _is_answer(rel):
                    notes.append(f"answer cell '{gid}' was deleted: graded as unanswered")
                else:
                    notes.append(f"{_kind(rel)} '{gid}' was deleted: put back")
            else:
                if _is_answer(rel):
                    cell.source = _text(mine)
                    if mine.get("cell_type") != rel.cell_type:
                        notes.append(f"answer cell '{gid}' was turned into a "
                                     f"{mine.get('cell_type')} cell: graded as {rel.cell_type}")
                elif _text(mine).strip() != _text(rel).strip():
                    notes.append(f"{_kind(rel)} '{gid}' was edited: the original was restored")
                theirs = _grading_metadata(mine) or {}
                ours = _grading_metadata(rel)
                changed = sorted(k for k in set(ours) | set(theirs)
                                 if (k in theirs or k in _REQUIRED)
                                 and k not in ("checksum", "grade_id")  # noted when matching
                                 and theirs.get(k) != ours.get(k))
                if mine.get("cell_type") != rel.cell_type and not _is_answer(rel):
                    changed.append("cell type")
                if changed and theirs:
                    notes.append(f"metadata of {_kind(rel)} '{gid}' was changed "
                                 f"({', '.join(changed)}): restored")
        cells.append(cell)
        if i == first_code:
            for j in range(-1, first_code + 1):
                cells.extend(extras.pop(j, []))
        else:
            cells.extend(extras.pop(i, []))
    _unique_ids(cells, {c.get("id") for c in rel_cells})

    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(release.metadata))
    nb.nbformat_minor = max(release.get("nbformat_minor", 5), 5)
    theirs = student.get("metadata", {}).get("kernelspec", {})
    if isinstance(theirs, dict) and theirs.get("name") not in (None, release.metadata.get(
            "kernelspec", {}).get("name")):
        notes.append(f"kernel '{theirs.get('name')}' replaced by the course's "
                     f"'{release.metadata.get('kernelspec', {}).get('name')}'")
    nbformat.validate(nb)

    student_code = []
    for cell in cells:
        gid = _grade_id(cell)
        if cell.cell_type != "code":
            continue
        if gid is None:
            student_code.append(("an added cell", _text(cell)))
        elif _is_answer(cell):
            student_code.append((f"answer cell '{gid}'", _text(cell)))
    return Rebuilt(nb, notes, student_code)


def _unique_ids(cells, release_ids):
    """Give added cells ids that clash neither with the release nor with each other."""
    seen = set()
    for n, cell in enumerate(cells):
        cid = cell.get("id")
        is_release = _grade_id(cell) is not None or cid in release_ids
        if not cid or cid in seen or (not is_release and cid in release_ids):
            cell["id"] = f"student-added-{n}"
        seen.add(cell["id"])

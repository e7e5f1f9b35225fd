"""The grades CSV with its status and reason columns, as an nbgrader export plugin::

    nbgrader export --exporter grading.export.StatusExporter [--to grades.csv]
        [--ExportPlugin.assignment=01_softmax] [--ExportPlugin.student=ada]

One row per student and graded assignment (the columns of
:data:`grading.records.CSV_COLUMNS`): ``status`` says ``graded`` or ``failed``, ``reason`` why,
and a failed submission shows a blank score rather than nbgrader's 0.0. The statuses come from
the last ``python -m grading autograde`` run of each assignment; assignments never graded that
way are listed in the log and left out.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.plugins import ExportPlugin

from .course import Course
from .records import csv_rows, load_status, write_rows


class StatusExporter(ExportPlugin):
    """nbgrader exporter that writes the grading status CSV (see the module docstring)."""

    def export(self, gradebook):
        coursedir = getattr(self.parent, "coursedir", None)
        course = Course(coursedir.root if coursedir is not None else Path.cwd())
        assignments = [str(a) for a in self.assignment] or \
            sorted(a.name for a in gradebook.assignments)
        students = {str(s) for s in self.student}
        rows = []
        for assignment in assignments:
            status = load_status(course, assignment)
            if not status:
                self.log.warning("%s: never graded with `python -m grading autograde %s`; "
                                 "left out", assignment, assignment)
                continue
            rows += csv_rows(course, assignment, status, students)
        dest = self.to or "grades.csv"
        write_rows(dest, rows)
        self.log.info("Wrote %d row(s) with status and reason to %s", len(rows), dest)

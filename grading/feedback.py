"""Feedback for students that never shows the hidden checks: not their code, not their inputs.

Every assignment is graded on the verdict path (:mod:`grading.verdict`): the notebook's hidden
test cells are a comment, their checks (source, inputs, expected values) live only in
:mod:`grading.checks` and never enter the student's kernel, and each test cell's output is the
grader's verdict (passed, or the failed checks' messages in one line each, no traceback).

Still, the feedback page is the one thing the grader hands back: :class:`ScrubHiddenTests`
(a GenerateFeedback preprocessor, after ``GetGrades``) removes any output that quotes a line of
the hidden checks' module (:func:`hidden_lines`), and :func:`leaked_lines` checks the final
HTML for any such line, as a last line of defence: the task withholds feedback that fails the
check and flags the submission.
"""

from __future__ import annotations

import html
import re

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from traitlets import List, Unicode

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def hidden_lines(source, visible_sources=(), min_length=16):
    """Lines of ``source`` (a hidden checks module) that no student can see.

    Parameters
    ----------
    source : str
        Source of the assignment's module in :mod:`grading.checks`.
    visible_sources : iterable of str
        Everything students can see or write anyway (the released and solution notebooks'
        cells, mnistlib's source): a line that is part of a visible line is not secret.
    min_length : int
        Shorter lines (``return out``, ``)``, ...) are too common to identify hidden code.
    """
    visible_text = "\n".join(sorted({line.strip() for text in visible_sources
                                     for line in text.splitlines()}))
    lines = []
    for line in source.splitlines():
        stripped = line.strip()
        if (len(stripped) >= min_length and stripped not in visible_text
                and stripped not in lines):
            lines.append(stripped)
    return lines


def _output_text(output):
    parts = [output.get("text", ""), output.get("ename", ""), output.get("evalue", "")]
    parts += output.get("traceback", []) or []
    for value in (output.get("data") or {}).values():
        parts.append(value if isinstance(value, str) else str(value))
    return _ANSI.sub("", "\n".join(p if isinstance(p, str) else "".join(p) for p in parts))


class ScrubHiddenTests(Preprocessor):
    """Replace every output that quotes a hidden line by a note (see the module doc)."""

    secret_lines = List(Unicode(), help="Lines of hidden checks to keep out of feedback."
                        ).tag(config=True)

    def preprocess(self, nb, resources):
        self._secrets = [s for s in self.secret_lines if s]
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code":
            return cell, resources
        cell.outputs = [new_output("stream", name="stdout", text=(
            "[output removed from the feedback: it quoted hidden test code]\n"))
            if any(secret in _output_text(output) for secret in self._secrets) else output
            for output in cell.outputs]
        return cell, resources


def leaked_lines(html_text, secrets):
    """Hidden lines that appear in a feedback HTML page (raw or HTML-escaped)."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", html_text))
    return [s for s in secrets if s in html_text or html.escape(s) in html_text or s in plain]

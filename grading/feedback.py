"""Feedback for students without the hidden tests: not their code, not their tracebacks.

nbgrader's feedback is the autograded notebook as HTML, hidden tests included.
:class:`ScrubHiddenTests` (a GenerateFeedback preprocessor, after ``GetGrades``):

* removes the ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` blocks from every cell;
* replaces all outputs of a cell that contained hidden tests by one line: the hidden tests
  passed, or failed with the exception's type and message (messages that quote hidden code
  are dropped) — no traceback;
* removes any other output that quotes a line of hidden test code (a student's own cell that
  printed ``In`` or a traceback that went through hidden code, say).

:func:`leaked_lines` checks the final HTML for any hidden line, as a last line of defence: the
class driver deletes feedback that fails the check and flags the submission.

On the verdict path (:mod:`grading.verdict`) the notebook's hidden test cells are a comment and
their checks never enter the kernel; each test cell's output is the grader's verdict (passed,
or the failed checks' messages in one line each, no traceback), which this preprocessor leaves
as it is unless it quotes a hidden line.
"""

from __future__ import annotations

import html
import re

from nbformat.v4 import new_output
from traitlets import List, Unicode

from nbgrader.preprocessors import ClearHiddenTests

BEGIN = "### BEGIN HIDDEN TESTS"
END = "### END HIDDEN TESTS"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def hidden_lines(source, visible_sources=(), min_length=12):
    """Lines of hidden test code in ``source`` that never appear in the visible sources.

    Parameters
    ----------
    source : str
        Cell source (instructor version) with hidden blocks.
    visible_sources : iterable of str
        Everything the students can see (the released notebook's cells): a hidden line that
        is part of a visible line is not secret.
    min_length : int
        Shorter lines (``pass``, ``)``, ...) are too common to identify hidden code.
    """
    visible = {line.strip() for text in visible_sources for line in text.splitlines()}
    visible_text = "\n".join(sorted(visible))
    lines, inside = [], False
    for line in source.splitlines():
        if BEGIN in line:
            inside = True
            continue
        if END in line:
            inside = False
            continue
        stripped = line.strip()
        # A line that is part of a visible line (the same call, say) reveals nothing.
        if inside and len(stripped) >= min_length and stripped not in visible_text:
            lines.append(stripped)
    return lines


def _output_text(output):
    parts = [output.get("text", ""), output.get("ename", ""), output.get("evalue", "")]
    parts += output.get("traceback", []) or []
    for value in (output.get("data") or {}).values():
        parts.append(value if isinstance(value, str) else str(value))
    return _ANSI.sub("", "\n".join(p if isinstance(p, str) else "".join(p) for p in parts))


class ScrubHiddenTests(ClearHiddenTests):
    """Remove hidden tests, their outputs and any output quoting them (see module doc)."""

    secret_lines = List(Unicode(), help="Lines of hidden test code to keep out of feedback."
                        ).tag(config=True)

    def preprocess(self, nb, resources):
        self._secrets = [s for s in self.secret_lines if s]
        return super().preprocess(nb, resources)

    def _quotes_secret(self, text):
        return any(secret in text for secret in self._secrets)

    def preprocess_cell(self, cell, resources, cell_index):
        from nbgrader import utils

        had_hidden = BEGIN in cell.source and not utils.is_solution(cell)
        if had_hidden:
            try:
                cell, resources = super().preprocess_cell(cell, resources, cell_index)
            except RuntimeError:
                # The marker's text in a student's own cell (in a string, unbalanced, outside
                # a test cell): not hidden tests; the outputs are still checked below.
                had_hidden = False
        if cell.cell_type != "code":
            return cell, resources
        if had_hidden:
            errors = [o for o in cell.outputs if o.output_type == "error"]
            if errors:
                message = f"{errors[0].get('ename', 'Error')}: {errors[0].get('evalue', '')}"
                message = _ANSI.sub("", message).strip()
                if self._quotes_secret(message) or len(message) > 400:
                    message = errors[0].get("ename", "Error")
                text = f"Hidden tests failed: {message}\n"
            else:
                text = "Hidden tests passed.\n"
            cell.outputs = [new_output("stream", name="stdout", text=text)]
            return cell, resources
        kept = []
        for output in cell.outputs:
            if self._quotes_secret(_output_text(output)):
                kept.append(new_output("stream", name="stdout", text=(
                    "[output removed from the feedback: it quoted hidden test code]\n")))
            else:
                kept.append(output)
        cell.outputs = kept
        return cell, resources


def leaked_lines(html_text, secrets):
    """Hidden lines that appear in a feedback HTML page (raw or HTML-escaped)."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", html_text))
    return [s for s in secrets if s in html_text or html.escape(s) in html_text or s in plain]

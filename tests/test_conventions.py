"""One convention across book, mnistlib and assignments: colours, dimension names, learning rate.

Each check is a function from texts to a list of problems, so that it can be run on the real
files and, to show that it can fail, on copies with one convention broken.
"""

import inspect
import re
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest

import mnistlib
import mnistlib.plots

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS_NOTEBOOK = ROOT / "solutions" / "04_weights" / "weights.ipynb"


def notebook_texts(path):
    """The sources of a notebook's cells: (markdown, code)."""
    nb = nbformat.read(path, 4)
    markdown = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return markdown, code


def assignment_texts():
    """{assignment: (markdown, code)} for every instructor notebook."""
    return {p.parent.name: notebook_texts(p) for p in sorted(ROOT.glob("solutions/*/*.ipynb"))}


# -- colours -----------------------------------------------------------------------------------

def _rgb(name, x):
    return np.asarray(matplotlib.colormaps[name](x))[:3]


def is_diverging(name):
    """A light neutral colour in the middle and two different hues at the ends."""
    middle, low, high = _rgb(name, 0.5), _rgb(name, 0.0), _rgb(name, 1.0)
    neutral = middle.min() > 0.85 and middle.max() - middle.min() < 0.1
    return bool(neutral and np.sign(low[0] - low[2]) != np.sign(high[0] - high[2]))


def positive_colour(name):
    """'blue' or 'red': the colour a colormap gives to its largest values."""
    r, _, b = _rgb(name, 1.0)
    return "blue" if b > r else "red"


def cmap_literals(text):
    """Colormap names written as cmap="..." in a text."""
    return re.findall(r"""cmap\s*=\s*["']([A-Za-z_]+)["']""", text)


_STATEMENT = re.compile(r"\b(blue|red)\b(?: pixels)?(?: have| has)?\s*(?:=|is|for)?\s*"
                        r"(?:positive|> ?0)", re.IGNORECASE)


def stated_positive_colours(text):
    """The colours a text says stand for positive values ("blue positive", "blue > 0", ...)."""
    return {m.group(1).lower() for m in _STATEMENT.finditer(" ".join(text.split()))}


def colour_problems(assignment_markdown, assignment_code, book_text, helper_source,
                    helper_cmap=mnistlib.plots.DIVERGING_CMAP):
    """What breaks the one colour convention of the weight figures, as sentences."""
    problems = []
    if not is_diverging(helper_cmap):
        problems.append(f"mnistlib.plots.DIVERGING_CMAP = {helper_cmap!r} is not diverging")
    positive = positive_colour(helper_cmap)
    prescribed = set(cmap_literals(assignment_markdown)) | set(cmap_literals(assignment_code))
    if not prescribed:
        problems.append("04_weights prescribes no colormap (cmap=\"...\")")
    elif prescribed != {helper_cmap}:
        problems.append(f"04_weights prescribes {sorted(prescribed)}, the book's helper uses "
                        f"{helper_cmap!r}")
    book_diverging = {name for name in cmap_literals(book_text) if is_diverging(name)}
    if book_diverging - {helper_cmap}:
        problems.append(f"the book draws weights with {sorted(book_diverging)}, its helper with "
                        f"{helper_cmap!r}")
    for where, text in [("04_weights", assignment_markdown + assignment_code),
                        ("the book", book_text), ("mnistlib.plots", helper_source)]:
        stated = stated_positive_colours(text)
        if not stated:
            problems.append(f"{where} does not say which colour is positive")
        elif stated != {positive}:
            problems.append(f"{where} says {sorted(stated)} is positive, {helper_cmap!r} draws "
                            f"positive values {positive}")
    return problems


def real_colour_texts():
    markdown, code = notebook_texts(WEIGHTS_NOTEBOOK)
    book = (ROOT / "book" / "05_weights.md").read_text(encoding="utf-8")
    return markdown, code, book, inspect.getsource(mnistlib.plots)


def test_book_and_assignment_use_one_colormap():
    """Do 04_weights, chapter 5 and mnistlib.plots use the same colormap and say the same thing
    about which colour is positive (blue, as RdBu draws it)?"""
    problems = colour_problems(*real_colour_texts())
    assert not problems, "\n".join(problems)
    assert positive_colour(mnistlib.plots.DIVERGING_CMAP) == "blue"


@pytest.mark.parametrize("change", [
    ("assignment code", 'cmap="RdBu"', 'cmap="RdBu_r"'),
    ("assignment markdown", 'cmap="RdBu"', 'cmap="bwr"'),
    ("assignment markdown", "blue positive", "red positive"),
    ("book", 'cmap="RdBu"', 'cmap="coolwarm"'),
    ("book", "blue is positive", "red is positive"),
])
def test_colour_check_catches_a_changed_convention(change):
    """Does the colour check report a copy with one prescribed colormap or stated direction
    changed (the assignment's old RdBu_r among them)?"""
    where, old, new = change
    markdown, code, book, helper = real_colour_texts()
    texts = {"assignment markdown": markdown, "assignment code": code, "book": book}
    assert old in texts[where], f"{old!r} not in the {where}: update this test"
    texts[where] = texts[where].replace(old, new)
    problems = colour_problems(texts["assignment markdown"], texts["assignment code"],
                               texts["book"], helper)
    assert problems, f"{old!r} -> {new!r} in the {where} went unnoticed"


def test_colour_check_catches_a_changed_helper():
    """Does the colour check report a helper colormap that draws positive values red?"""
    problems = colour_problems(*real_colour_texts(), helper_cmap="RdBu_r")
    assert any("draws positive values red" in p for p in problems), problems


# -- dimension names -----------------------------------------------------------------------------

def notation_shapes(notation_text):
    """{array name: shape} from the book's notation tables, e.g. {"W": ("D", "C")}."""
    shapes = {}
    row = r"^\| \$([A-Za-z])(?:\$| = [^$|]*\$) \| \$\(([^)]*)\)\$ \|"  # | $W$ | $(D, C)$ |
    rows = re.findall(row, notation_text, re.M)
    for name, shape in rows:
        shapes[name] = tuple(s.strip() for s in shape.split(",") if s.strip())
    return shapes


MNIST_SIZES = {"D": "784", "C": "10"}


def docstring_problems(text, shapes, where):
    """numpydoc lines ``W : ndarray of shape (...)`` whose shape is not the notation's."""
    problems = []
    for name, shape in re.findall(r"^\s*([A-Za-z]) : [^\n]*?shape \(([^)]*)\)", text, re.M):
        if name not in shapes:
            continue
        stated = tuple(s.strip() for s in shape.split(",") if s.strip())
        expected = shapes[name]
        if stated[-1:] == ("...",):  # a generic array: only the leading sizes are named
            stated, expected = stated[:-1], expected[:len(stated) - 1]
        same = len(stated) == len(expected) and all(
            s == e or s == MNIST_SIZES.get(e) for s, e in zip(stated, expected))
        if not same:
            problems.append(f"{where}: {name} has shape ({shape}), the notation says "
                            f"({', '.join(shapes[name])})")
    return problems


def test_notation_table_names_the_arrays():
    """Does the book's notation page give the shapes the checks below compare with?"""
    shapes = notation_shapes((ROOT / "book" / "notation.md").read_text(encoding="utf-8"))
    assert shapes["X"] == ("N", "D") and shapes["W"] == ("D", "C") and shapes["b"] == ("C",)
    assert shapes["y"] == ("N",) and shapes["Z"] == ("N", "C")


def test_assignments_and_mnistlib_state_the_notations_shapes():
    """Do the docstrings of the assignments and of mnistlib give X, W, b, y, Z, P, T the shapes
    of the book's notation page (N samples, D features, C classes)?"""
    shapes = notation_shapes((ROOT / "book" / "notation.md").read_text(encoding="utf-8"))
    problems, checked = [], 0
    for assignment, (markdown, code) in assignment_texts().items():
        problems += docstring_problems(markdown + "\n" + code, shapes, assignment)
        checked += len(re.findall(r"^\s*[XWbyZPT] : [^\n]*shape", code, re.M))
    for path in sorted((ROOT / "mnistlib").rglob("*.py")):
        problems += docstring_problems(path.read_text(encoding="utf-8"), shapes,
                                       str(path.relative_to(ROOT)))
    assert checked >= 10, f"only {checked} shape lines found in the assignments"
    assert not problems, "\n".join(problems)


def test_shape_check_catches_swapped_dimensions():
    """Does the shape check report W stated as (C, D) and X as (D, N)?"""
    shapes = notation_shapes((ROOT / "book" / "notation.md").read_text(encoding="utf-8"))
    wrong = "    W : ndarray of shape (C, D)\n    X : ndarray of shape (D, N)\n"
    assert len(docstring_problems(wrong, shapes, "test")) == 2
    right = "    W : ndarray of shape (D, C)\n    X : ndarray of shape (N, 784)\n"
    assert docstring_problems(right, shapes, "test") == []


# -- learning rate -------------------------------------------------------------------------------

#: Which mnistlib default each assignment function with an ``lr=`` default follows.
LR_FOLLOWS = {
    "train_softmax_sgd": lambda: inspect.signature(mnistlib.train_sgd).parameters["lr"].default,
    "train_with_l1": lambda: inspect.signature(mnistlib.train_sgd).parameters["lr"].default,
    "train_mlp": lambda: inspect.signature(mnistlib.MLP).parameters["lr"].default,
}


def tutorial_rate_problems(texts, default, follows=LR_FOLLOWS):
    """Sentences about the tutorial's learning rate that differ from ``default``, and ``lr=``
    defaults of functions that differ from the mnistlib default they follow."""
    problems = []
    for where, text in texts.items():
        flat = " ".join(text.split())
        for sentence in re.split(r"(?<=[.;])\s+", flat):
            if "tutorial" not in sentence:
                continue
            for value in re.findall(r"learning rate[^.\d]{0,16}(\d+(?:\.\d+)?)", sentence):
                if float(value) != default:
                    problems.append(f"{where}: the tutorial's learning rate is {value} in "
                                    f"{sentence[:80]!r}, mnistlib's default is {default}")
        for name, value in re.findall(r"def (\w+)\([^)]*\blr=(\d+(?:\.\d+)?)", text):
            if name not in follows:
                problems.append(f"{where}: {name}(lr={value}): add to LR_FOLLOWS which mnistlib "
                                "default it follows")
            elif float(value) != follows[name]():
                problems.append(f"{where}: {name} defaults to lr={value}, the mnistlib default "
                                f"it follows is {follows[name]()}")
    return problems


def rate_texts():
    texts = {name: md + "\n" + code for name, (md, code) in assignment_texts().items()}
    for path in sorted((ROOT / "book").glob("*.md")):
        texts[f"book/{path.name}"] = path.read_text(encoding="utf-8")
    return texts


def test_tutorial_learning_rate_is_one_number():
    """Do the assignments and the book quote the tutorial's learning rate as mnistlib's default
    (train_sgd, the command line), and do the assignments' lr= defaults agree?"""
    default = inspect.signature(mnistlib.train_sgd).parameters["lr"].default
    assert default == 0.13, f"mnistlib.train_sgd's default lr is {default}, the tutorial's is 0.13"
    cli = (ROOT / "mnistlib" / "cli.py").read_text(encoding="utf-8")
    assert re.search(r'"--lr"[^)]*default=0\.13\b', cli), "the command line's --lr default differs"
    texts = rate_texts()
    quoted = sum(len(re.findall(r"tutorial[^.]*learning rate|learning rate[^.]*tutorial",
                                " ".join(t.split()))) for t in texts.values())
    assert quoted >= 3, f"only {quoted} sentences quote the tutorial's learning rate"
    problems = tutorial_rate_problems(texts, default)
    assert not problems, "\n".join(problems)


def test_rate_check_catches_another_number():
    """Does the learning-rate check report a tutorial sentence or an lr= default with 0.1, and
    a function whose lr= default follows no known mnistlib default?"""
    texts = {"a": "We follow the tutorial (learning rate 0.1, batches of 60).",
             "b": "def train_softmax_sgd(X, y, lr=0.1, batch_size=60):\n    pass",
             "c": "Plain gradient descent with learning rate 0.5. The tutorial uses batches."}
    problems = tutorial_rate_problems(texts, 0.13)
    assert [p.split(":")[0] for p in problems] == ["a", "b"], problems
    unknown = tutorial_rate_problems({"d": "def fit_fast(X, lr=0.13):\n    pass"}, 0.13)
    assert len(unknown) == 1 and "LR_FOLLOWS" in unknown[0], unknown

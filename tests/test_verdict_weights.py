"""04_weights' checks in-process: the figure summary, the solution, the mutant catalogue.

The notebook's functions run in this process (matplotlib's Agg backend), in a namespace made
from the cells the grader's kernel runs: the setup cell (which defines the sweep), then the
answer cells (one replaced by a catalogue file's code). Each check is run with ``call_check``,
which calls the function and summarises and judges its results as the grader does. The real grading
path (jails, nbgrader) is run by tests/test_mutants.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - after the backend is chosen
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from grading.checks import weights as graded  # noqa: E402
from grading.verdict import kernel_cell_indices  # noqa: E402
from mnistlib.assignment_checks import weights as visible  # noqa: E402
from mnistlib.assignment_checks._core import (MAX_ITEMS, SUMMARY_DEPTH,  # noqa: E402
                                              CheckFailed, TypeTag, as_plain, call_check)
from mnistlib.assignment_checks.summaries import (COLOUR_SAMPLES, MAX_AXES,  # noqa: E402
                                                  MAX_CHARS, SUMMARIES, figure_summary,
                                                  split_texts)
from tests._mutants import catalogue  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "04_weights" / "weights.ipynb"
CATALOGUE = catalogue(ROOT / "tests" / "mutants" / "04_weights")


# -- the figure summary ------------------------------------------------------------------------
def template_figure(W, cmap="RdBu", colorbar=False):
    """Templates of W (D, C) as the solution draws them, optionally with a colorbar."""
    vmax = float(np.abs(W).max())
    side = int(round(W.shape[0] ** 0.5))
    fig, axes = plt.subplots(2, -(-W.shape[1] // 2), squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= W.shape[1]:
            ax.remove()
            continue
        ax.imshow(W[:, k].reshape(side, side), cmap=cmap, vmin=-vmax, vmax=vmax)
        ax.set_title(str(k))
        ax.set_xticks([])
        ax.set_yticks([])
    if colorbar:
        fig.colorbar(axes.flat[0].images[0], ax=fig.axes)
    return fig


def no_type_tags(value):
    """True when plain data holds no TypeTag (nothing was refused by as_plain)."""
    if isinstance(value, dict):
        return all(no_type_tags(v) for v in value.values())
    if isinstance(value, list):
        return all(no_type_tags(v) for v in value)
    return not isinstance(value, TypeTag)


def test_the_summary_of_a_template_figure_holds_what_the_checks_read():
    """For 7 templates and a colorbar, does the summary give per axes the ticks, titles and
    axis state, and per image (7, not the colorbar) its data, shape, limits, colormap and the
    colours of the book's RdBu (red at -vmax, white at 0, blue at +vmax)?"""
    W = np.random.default_rng(0).normal(size=(16, 7))
    W[3, 2] = -4.0
    s = SUMMARIES["figure"](template_figure(W, colorbar=True))
    assert s["kind"] == "Figure" and int(s["n_axes"]) == 8
    axes, images = s["axes"], s["images"]
    assert axes["axis_on"].tolist() == [True] * 8
    assert axes["ticks"][:7].tolist() == [[0, 0]] * 7 and axes["ticks"][7].sum() > 0
    assert split_texts(axes["titles"], 8) == [str(k) for k in range(7)] + [""]
    assert images["axes"].tolist() == list(range(7))
    assert images["data"].shape == (7, 4, 4) and images["data"].dtype == np.float64
    for k in range(7):
        assert np.array_equal(images["data"][k], W[:, k].reshape(4, 4))
    assert images["shapes"].tolist() == [[4, 4, 0]] * 7
    assert np.allclose(images["clims"], [[-4.0, 4.0]] * 7)
    assert split_texts(images["cmaps"], 7) == ["RdBu"] * 7
    assert split_texts(images["norms"], 7) == ["Normalize"] * 7
    colours = images["colours"]
    assert colours.shape == (7, COLOUR_SAMPLES, 4)
    red, white, blue = colours[0, 0, :3], colours[0, COLOUR_SAMPLES // 2, :3], colours[0, -1, :3]
    assert red[0] > red[2] + 0.2 and blue[2] > blue[0] + 0.2 and white.min() > 0.9
    assert visible.colour_problem(colours[0]) is None


def test_a_reversed_map_and_removed_axes_show_in_the_summary():
    """With RdBu_r and axis("off"), does the summary show red at +vmax (the colour check says
    so) and the axes switched off (their ticks no longer count)?"""
    fig = template_figure(np.arange(8.0).reshape(4, 2) - 5.0, cmap="RdBu_r")
    for ax in fig.axes:
        ax.axis("off")
    s = figure_summary(fig)
    assert "not blue" in visible.colour_problem(s["images"]["colours"][0])
    assert s["axes"]["axis_on"].tolist() == [False, False]
    assert all(not p["ticks_left"] for p in visible.panels(s))


def test_lines_scales_and_labels_are_summarised_with_uneven_lengths():
    """Does a figure of two panels (one log-scaled with 3 points from lists, one with 2 points
    and two lines) give each first line's data NaN-padded, the counts, lengths, scales and
    labels?"""
    fig, (left, right) = plt.subplots(1, 2)
    left.semilogx([1, 10, 100], [5, 6, 7])
    left.set_xlabel("penalty")
    right.plot([1.0, 2.0], [0.5, 0.25])
    right.plot([0.0], [0.0])
    right.set_ylabel("accuracy (%)")
    lines = figure_summary(fig)["lines"]
    assert lines["count"].tolist() == [1, 2]
    assert lines["lengths"].tolist() == [[3, 3], [2, 2]]
    assert np.array_equal(lines["x"][0], [1, 10, 100])
    assert np.array_equal(lines["y"][1][:2], [0.5, 0.25]) and np.isnan(lines["y"][1][2])
    read = visible.lines_of(figure_summary(fig))
    assert [r["xscale"] for r in read] == ["log", "linear"]
    assert [(r["xlabel"], r["ylabel"]) for r in read] == [("penalty", ""), ("", "accuracy (%)")]
    assert np.array_equal(read[1]["x"], [1.0, 2.0])


def test_images_of_different_shapes_and_masked_pixels_become_nan():
    """Are images of different shapes padded with NaN to one array, masked pixels NaN, and an
    RGB image kept by its shape only?"""
    fig, axes = plt.subplots(1, 3)
    axes[0].imshow(np.ma.masked_array(np.ones((2, 3)), mask=[[1, 0, 0], [0, 0, 0]]))
    axes[1].imshow(np.zeros((4, 1)))
    axes[2].imshow(np.zeros((2, 2, 3)))
    images = figure_summary(fig)["images"]
    assert images["data"].shape == (3, 4, 3)
    assert np.isnan(images["data"][0, 0, 0]) and images["data"][0, 1, 2] == 1.0
    assert np.isnan(images["data"][0, 3, 0]) and np.isnan(images["data"][2]).all()
    assert images["shapes"].tolist() == [[2, 3, 0], [4, 1, 0], [2, 2, 3]]


@pytest.mark.parametrize("value", [None, "fig", (1, 2), np.zeros(3), "axes"])
def test_anything_but_a_figure_is_summarised_as_not_a_figure(value):
    """Do None, a str, a tuple, an array and an Axes (a common slip: returning ax) give
    "not a Figure" with the type's name, and the verdict say to return the figure?"""
    if isinstance(value, str) and value == "axes":
        value = plt.subplots()[1]
    s = figure_summary(value)
    assert s == {"kind": "not a Figure", "type": type(value).__name__}
    with pytest.raises(CheckFailed, match="must return the matplotlib Figure"):
        visible.figure(s, "plot_templates")
    plt.close("all")


def test_a_figure_with_many_axes_and_long_titles_fits_the_caps_of_plain_data():
    """With 40 axes (more than MAX_AXES and MAX_ITEMS) titled with 100 characters each, does
    the summary stay plain (no TypeTag after as_plain: at most 16 items per dict, strs within
    1000 characters), summarise the first MAX_AXES axes and still count all 40?"""
    fig = Figure()
    for k in range(40):
        ax = fig.add_subplot(5, 8, k + 1)
        ax.imshow(np.full((2, 2), float(k)))
        ax.set_title("t" * 99 + str(k % 10))
    s = figure_summary(fig)
    plain = as_plain(s, max_depth=SUMMARY_DEPTH)
    assert no_type_tags(plain), plain
    assert all(len(d) <= MAX_ITEMS for d in [s, s["axes"], s["images"], s["lines"]])
    assert int(s["n_axes"]) == 40 and len(s["axes"]["axis_on"]) == MAX_AXES > MAX_ITEMS
    assert s["images"]["data"].shape == (MAX_AXES, 2, 2)
    assert len(s["axes"]["titles"]) <= MAX_CHARS
    assert len(split_texts(s["axes"]["titles"], MAX_AXES)) == MAX_AXES


def test_summarising_a_pyplot_figure_closes_it():
    """Is a figure made with pyplot closed once summarised (a check's figure is not shown
    under the cell that ran the check)?"""
    fig = template_figure(np.ones((4, 2)))
    assert fig.number in plt.get_fignums()
    figure_summary(fig)
    assert fig.number not in plt.get_fignums()


# -- the solution and the catalogue --------------------------------------------------------------
def notebook_cells():
    """(setup sources, {answer grade id: source}) of the cells the grader's kernel runs for
    the solution (grading.verdict.kernel_cell_indices): the setup, then the answer cells."""
    nb = nbformat.read(SOLUTION, as_version=4)
    setup, answers = [], {}
    for i in kernel_cell_indices(nb):
        meta = nb.cells[i].metadata.get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = nb.cells[i].source
        else:
            assert not answers, "a kernel cell after the first answer cell: update this test"
            setup.append(nb.cells[i].source)
    return setup, answers


@pytest.fixture(scope="module")
def cells():
    return notebook_cells()


def functions(cells, replace=None):
    """A namespace of the notebook's functions: its setup cells, then its answer cells,
    ``replace``: {grade id: source} of some (run afresh each time: the setup's functions must
    see the answers in their own globals, as in the kernel)."""
    setup, answers = cells
    namespace = {}
    for source in setup:
        exec(compile(source, "setup", "exec"), namespace)  # noqa: S102 - the instructor's cells
    for grade_id, source in answers.items():
        source = (replace or {}).get(grade_id, source)
        exec(compile(source, grade_id, "exec"), namespace)  # noqa: S102 - the catalogue's code
    return namespace


def failures(namespace, cells):
    """{test cell: [messages of its failing checks]} for the given test cells."""
    out = {}
    for cell in cells:
        messages = []
        for name in graded.CELLS[cell]:
            check = graded.CHECKS[name]
            message = call_check(check, namespace[check.function])
            if message is not None:
                messages.append(f"{name}: {message}")
        out[cell] = messages
        plt.close("all")
    return out


def test_every_test_cell_of_the_notebook_has_checks():
    """Does CELLS name every graded test cell of the notebook, and only checks that exist?"""
    nb = nbformat.read(SOLUTION, as_version=4)
    tests = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.cell_type == "code"
             and c.metadata.get("nbgrader", {}).get("grade")}
    assert set(graded.CELLS) == tests
    assert {n for names in graded.CELLS.values() for n in names} == set(graded.CHECKS)
    assert set(visible.CHECKS) < set(graded.CHECKS)


def test_the_solution_passes_every_check(cells):
    """Do the solution's functions pass every check, visible and hidden?"""
    found = failures(functions(cells), graded.CELLS)
    assert not any(found.values()), found


@pytest.mark.parametrize("variant", [v for v in CATALOGUE if not v.correct], ids=lambda v: v.name)
def test_every_mutant_fails_a_check_of_each_cell_it_must_lose(cells, variant):
    """Does each catalogued mutant fail at least one check of every test cell in its
    MUST_LOSE (so that it loses those cells' points)?"""
    found = failures(functions(cells, {variant.cell: variant.code}), variant.must_lose)
    survived = [cell for cell, messages in found.items() if not messages]
    assert not survived, f"{variant.name} passes every check of {survived}"


#: Functions of the notebook's locked cells that call graded functions (their checks depend on
#: those too).
CALLS = {"l1_sweep": {"l1_prox", "sparsity"}}


def cells_using(answer_cell):
    """The test cells whose checks call a function of ``answer_cell`` (directly or through
    CALLS): the only ones a replaced answer cell can change."""
    defined = {n.name for n in ast.parse(notebook_cells()[1][answer_cell]).body
               if isinstance(n, ast.FunctionDef)}
    return [cell for cell, names in graded.CELLS.items()
            if any(({graded.CHECKS[n].function} | CALLS.get(graded.CHECKS[n].function, set()))
                   & defined for n in names)]


def test_a_replaced_answer_cell_is_checked_by_the_cells_that_use_it():
    """Does cells_using find every test cell of each answer cell (so that a correct variant is
    checked by all of them)?"""
    assert sorted(cells_using("templates")) == sorted(
        c for c in graded.CELLS if "template" in c)
    assert sorted(cells_using("l1_prox")) == ["test_l1_prox", "test_l1_prox_hidden",
                                              "test_l1_sweep"]
    assert sorted(cells_using("plot_sparsity")) == ["test_plot_sparsity",
                                                    "test_plot_sparsity_hidden"]


@pytest.mark.parametrize("variant", [v for v in CATALOGUE if v.correct], ids=lambda v: v.name)
def test_every_correct_variant_passes_every_check(cells, variant, capsys):
    """Does each correct variant (float32, other colormap objects and norms, axis("off"),
    semilogx, printed warnings) pass every check of the cells that use its functions (the
    others run the solution's functions, checked above)?"""
    namespace = functions(cells, {variant.cell: variant.code})
    found = failures(namespace, cells_using(variant.cell))
    assert not any(found.values()), found


WRONG_COLOURS = {
    "RdBu_r": "not blue", "bwr": "not blue", "coolwarm": "not blue", "gray": "not blue",
    "RdYlBu": "must be white",
    "viridis": "not blue",
}


@pytest.mark.parametrize("cmap", WRONG_COLOURS)
def test_the_colour_check_says_what_is_wrong(cmap):
    """For templates drawn with a map other than the book's (reversed, red-positive, grey,
    sequential), does the colours check fail saying which colour is wrong?"""
    W = visible.trained_weights()

    def plot_templates(W):
        return template_figure(W, cmap=cmap)

    message = call_check(visible.CHECKS["plot_templates_colours"], plot_templates)
    assert message is not None and WRONG_COLOURS[cmap] in message, message
    assert W.shape == (784, 10)


def test_a_function_that_calls_mnistlib_own_plot_fails():
    """Does a plot_templates that returns mnistlib.plots.plot_weight_templates(W) fail (the
    instructions forbid it; the check switches it off)?"""
    import mnistlib.plots

    message = call_check(visible.CHECKS["plot_templates_panels"],
                         lambda W: mnistlib.plots.plot_weight_templates(W))
    assert message is not None and "mnistlib's own implementation" in message, message


# -- the grader's protocol -------------------------------------------------------------------------
def served_verdict(tmp_path, check, namespace):
    """The verdict on ``check`` as the grader takes it: the request written, served by the
    kernel side (here, in this process), the reply read as hostile data, then judged."""
    import os

    from grading.verdict import Limits, encode_request, read_reply
    from mnistlib.assignment_checks._core import MAX_DEPTH, judge
    from mnistlib.assignment_checks.compute import serve

    folder = tmp_path / check.name
    folder.mkdir()
    calls = check.calls()
    request, files = encode_request(check, calls)
    (folder / "request.json").write_bytes(request)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    serve(str(folder), namespace)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        outcomes = read_reply(fd, calls, Limits(), SUMMARY_DEPTH if check.summary else MAX_DEPTH)
    finally:
        os.close(fd)
    return judge(check, calls, outcomes)


@pytest.mark.parametrize("variant", [None, "cmap_RdBu_r", "prox_float64"])
def test_the_grader_reaches_the_same_verdicts_through_the_protocol(cells, tmp_path, variant):
    """Through the request files, the kernel side and the hostile reader (figure summaries
    included), does every check give the verdict and message it gives in process, for the
    solution and for two mutants (a figure's colours, an array's dtype)?"""
    by_name = {v.name: v for v in CATALOGUE}
    replace = {by_name[variant].cell: by_name[variant].code} if variant else None
    namespace = functions(cells, replace)
    verdicts = {}
    for name, check in graded.CHECKS.items():
        direct = call_check(check, namespace[check.function])
        assert served_verdict(tmp_path, check, namespace) == direct, name
        verdicts[name] = direct
        plt.close("all")
    failed = {n for n, v in verdicts.items() if v is not None}
    assert bool(failed) == bool(variant), failed

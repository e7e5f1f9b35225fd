"""A reviewer's attacks on the verdict path: the right numbers without the graded code.

The verdict is taken in the grader's process on plain data, so a notebook can only pass a check
by returning the right numbers. What is left to attack is the "own code" rule (mnistlib's
functions are switched off while a graded function runs, in the student's kernel) and what the
feedback shows. Each notebook here is a released notebook (every answer raises
NotImplementedError, 0 points) with one answer cell replaced by an attack of
:mod:`_review_attack_cells`, graded through the real path (a bubblewrap jail) by
:func:`grading.verdict.score_notebook`; it must score what its own code honestly earns, or, where
the kernel cannot enforce the rule, be flagged by the static scan (:mod:`grading.scan`) so that
the submission is marked for review.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading import verdict
from grading.sandbox import Sandbox
from grading.scan import scan, scan_code
from grading.verdict import Limits, Refused, read_reply, score_notebook
from mnistlib.assignment_checks._core import Call, Scripted, call_check

import _review_attack_cells as cells

ROOT = Path(__file__).resolve().parents[1]
RELEASES = {"01_softmax": ROOT / "exercises" / "01_softmax" / "softmax.ipynb",
            "02_sgd": ROOT / "exercises" / "02_sgd" / "sgd.ipynb",
            "05_mlp": ROOT / "exercises" / "05_mlp" / "mlp.ipynb"}


@pytest.fixture(scope="module")
def sandbox():
    return Sandbox(mode="bwrap")


def pasted(function, assign):
    """An attack's source and its call, its results assigned to ``assign``, as one cell."""
    return f"{inspect.getsource(function)}\n\n{assign} = {function.__name__}()\n"


def released(assignment, answers, extra=()):
    """The released notebook of ``assignment`` with answer cells replaced (grade id -> source)
    and ``extra`` cells added at the end."""
    nb = nbformat.read(RELEASES[assignment], as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in answers:
            cell.source = answers[grade_id]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in extra]
    return nb


def earned(report):
    """The grade ids of the test cells that earned their points."""
    return {c.grade_id for c in report.cells if c.points}


SOFTMAX_NAMES = "softmax, cross_entropy, softmax_loss_and_grad"
#: Attacks that answer 01_softmax with mnistlib's own functions past the switch.
PAST_THE_SWITCH = {
    "the switch replaced": (cells.off_switch_disabled, "mnistlib.assignment_checks"),
    "the served function replaced": (cells.serve_without_off, "mnistlib.assignment_checks"),
    "a fresh copy of mnistlib": (cells.fresh_copy_of_mnistlib, "runpy"),
    "mnistlib in a subprocess": (cells.mnistlib_in_a_subprocess, "subprocess"),
}


@pytest.fixture(scope="module")
def past_the_switch(sandbox):
    """Each attack of PAST_THE_SWITCH graded (one notebook each), with the scan's findings."""
    results = {}
    for name, (attack, _) in PAST_THE_SWITCH.items():
        source = pasted(attack, SOFTMAX_NAMES)
        answers = {"softmax": source, "cross_entropy": "pass", "softmax_loss_and_grad": "pass"}
        report = score_notebook(released("01_softmax", answers), "01_softmax", sandbox)
        results[name] = (report, scan([("answer cell 'softmax'", source)]))
    return results


@pytest.mark.parametrize("name", PAST_THE_SWITCH)
def test_mnistlib_past_the_switch_is_marked_for_review(past_the_switch, name):
    """An answer that only calls mnistlib's own functions, after switching the switch off in
    the kernel (replacing _core.switched_off or compute.serve through a module alias), running
    a fresh copy of mnistlib's losses (runpy) or asking a subprocess: the kernel cannot keep
    it from scoring (the switch is policy, run in the student's process), so is the code that
    does it flagged by the scan, naming the module it used?"""
    report, findings = past_the_switch[name]
    assert report.max_score == 10
    # Not what the code honestly earns (0): the rule is kept by review, not by the kernel.
    assert report.score == 10, report.feedback()
    assert any(PAST_THE_SWITCH[name][1] in f for f in findings), findings


def test_a_gradient_computed_when_read_earns_nothing(sandbox):
    """A softmax_loss_and_grad returning a list subclass whose __len__ and __iter__ call
    mnistlib's softmax_loss_and_grad (no name the scan knows): the kernel side used to read the
    returned value after the switch was back on, so it earned the 4 gradient points; is the
    value now read while mnistlib is still off, for 0, each cell saying why?"""
    source = pasted(cells.answers_made_when_read, "softmax_loss_and_grad")
    report = score_notebook(released("01_softmax", {"softmax_loss_and_grad": source}),
                            "01_softmax", sandbox)
    assert report.score == 0, report.feedback()
    grad = [m for c in report.cells if "grad" in c.grade_id for _, m in c.failures]
    assert len(grad) == 3 and all("mnistlib's own implementation" in m for m in grad), grad


def test_a_gradient_from_mnistlibs_training_step_earns_nothing(sandbox):
    """cross_entropy and softmax_loss_and_grad from SoftmaxRegression.sgd_step (the loss it
    returns, the gradient as the step it takes with lr = 1; it computes softmax inline and
    calls no switched-off function): it earned 7 points unflagged; is sgd_step switched off
    too, for 0?"""
    source = pasted(cells.gradient_from_a_training_step, "cross_entropy, softmax_loss_and_grad")
    answers = {"cross_entropy": source, "softmax_loss_and_grad": "pass"}
    report = score_notebook(released("01_softmax", answers), "01_softmax", sandbox)
    assert report.score == 0, report.feedback()
    lost = [m for c in report.cells if "softmax" not in c.grade_id for _, m in c.failures]
    assert lost and all("mnistlib's own implementation" in m for m in lost), lost


def test_templates_drawn_by_another_mnistlib_plot_earn_nothing():
    """04_weights' plot_templates drawn by mnistlib.plots.plot_influence_maps (the same grid on
    the same colormap; only plot_weight_templates was switched off) passed the three visible
    figure checks: is the grid all of mnistlib's plots draw with switched off too? (In
    process: call_one is the code the kernel runs.)"""
    from grading.checks import weights

    plot_templates = cells.templates_from_the_influence_plot()
    checks = [c for c in weights.CHECKS.values() if c.function == "plot_templates"]
    assert len(checks) == 4
    for check in checks:
        message = call_check(check, plot_templates)
        assert message and "mnistlib's own implementation" in message, (check.name, message)


def test_another_librarys_softmax_is_marked_for_review(sandbox):
    """softmax and cross_entropy from scipy.special: the switch knows only mnistlib's
    functions, so they earn their 6 points (the kernel cannot tell), but is the import flagged
    by the scan (the notebook asks for plain numpy)?"""
    source = pasted(cells.another_library, SOFTMAX_NAMES)
    answers = {"softmax": source, "cross_entropy": "pass", "softmax_loss_and_grad": "pass"}
    report = score_notebook(released("01_softmax", answers), "01_softmax", sandbox)
    assert earned(report) == {"test_softmax", "test_softmax_hidden", "test_cross_entropy",
                              "test_cross_entropy_hidden"}, report.feedback()
    assert any("scipy" in f for f in scan_code("cell", source))


def test_hidden_inputs_stay_out_of_the_kept_outputs(sandbox):
    """A right softmax that keeps every input it is given, and a last cell that prints them:
    do the hidden checks' inputs (batches of shape (64, 10), (3, 1), ...) stay out of the
    outputs the grader keeps for the autograded notebook and its feedback (a cell run after
    hidden checks keeps a note instead of its output)?"""
    answer = pasted(cells.stash_inputs, "softmax, seen")
    last = inspect.getsource(cells.print_stash) + "\nprint_stash(seen)\n"
    report = score_notebook(released("01_softmax", {"softmax": answer}, [last]), "01_softmax",
                            sandbox, output_caps=verdict.OutputCaps())
    assert earned(report) == {"test_softmax", "test_softmax_hidden"}, report.feedback()
    shown = "".join(str(o.get("text", "")) for outputs in report.outputs.values()
                    for o in outputs)
    assert verdict.WITHHELD in shown  # the printing cell ran; its output is not kept
    assert "(64, 10)" not in shown and "(3, 1)" not in shown, shown[:2000]


def test_mlp_answers_taken_from_the_checks_module_earn_nothing(sandbox):
    """05_mlp's sigmoid and forward that call the visible checks' reference functions
    (mnistlib.assignment_checks.mlp.sigmoid_reference, forward_reference): are those switched
    off as mnistlib's own are, so the notebook earns nothing?"""
    source = pasted(cells.mlp_from_the_checks_module, "sigmoid, forward")
    report = score_notebook(released("05_mlp", {"forward": source}), "05_mlp", sandbox)
    assert report.score == 0, report.feedback()
    assert any("switched off" in m or "mnistlib's own implementation" in m
               for c in report.cells for _, m in c.failures), report.feedback()


def test_minibatches_taken_from_the_training_driver_earn_nothing(sandbox):
    """02_sgd's minibatch_indices answered by the reference that the training checks' driver
    (mnistlib.assignment_checks.sgd.train_reference_batches) puts into the notebook while it
    runs: is the driver switched off during the graded call, so the notebook earns nothing?"""
    source = pasted(cells.minibatches_from_the_driver, "through_the_driver, minibatch_indices")
    report = score_notebook(released("02_sgd", {"minibatch_indices": source}), "02_sgd",
                            sandbox)
    assert report.score == 0, report.feedback()


@pytest.mark.parametrize("attack, expected", [
    (cells.mlp_from_the_checks_module, "mnistlib.assignment_checks.mlp"),
    (cells.minibatches_from_the_driver, "mnistlib.assignment_checks.sgd"),
    (cells.mnistlib_in_a_subprocess, "subprocess")])
def test_the_other_attacks_are_flagged_too(attack, expected):
    """Besides scoring nothing (or not being stoppable in the kernel), is the code of each
    attack flagged by the scan, so the submission is marked for review?"""
    assert any(expected in f for f in scan_code("cell", inspect.getsource(attack)))


@pytest.mark.parametrize("source", ["import os\nos.system('python -c 1')",
                                    "from os import posix_spawn", "import pty",
                                    "import pkgutil", "x = mnistlib.assignment_checks",
                                    "from mnistlib import assignment_checks"])
def test_the_scan_flags_other_ways_past_the_switch(source):
    """Are starting another program, a second copy of a module and reaching the checks'
    kernel side flagged, in each of its spellings?"""
    assert scan_code("cell", source), source


@pytest.mark.parametrize("source, replaced", [
    ("import numpy as numeric\nnumeric.save = print", "numeric.save"),
    ("from numpy import lib\nlib.format.write_array = print", "lib.format.write_array"),
    ("import json as j\nj.dump = print", "j.dump")])
def test_the_scan_flags_a_module_changed_under_another_name(source, replaced):
    """Is a module's function replaced through an alias (numpy's save, which the kernel side
    writes the replies with, or json's dump) flagged, not only np.<name> and the like?"""
    assert any(f"replaces '{replaced}'" in f for f in scan_code("cell", source)), source


def test_the_scan_stays_quiet_on_ordinary_os_use():
    """Is ordinary use of os (paths, environment) not flagged?"""
    assert scan_code("cell", "import os\nfrom os import path\nos.path.join('a', os.sep)") == []
    assert scan_code("cell", "import numpy as np\nx = np.zeros(3)\nx.shape = (3, 1)") == []


def _reply(folder, outcomes, arrays):
    for name, value in arrays.items():
        np.save(os.path.join(folder, name), value, allow_pickle=False)
    with open(os.path.join(folder, "reply.json"), "w", encoding="utf-8") as f:
        json.dump({"outcomes": outcomes}, f)
    return os.open(folder, os.O_RDONLY | os.O_DIRECTORY)


def test_a_reply_naming_one_file_many_times_reads_it_once(tmp_path, monkeypatch):
    """A hostile reply.json (under its 1 MB cap) that names one tiny .npy file 2,000 times in
    a callback's log: is the file read once (not once per name: ~40,000 names fit in 1 MB, each
    costing the grader a read and a parse), and does every logged call hold its data?"""
    entry = [{"list": [{"array": "c0_l0.npy"}] * 16}, {"dict": {}}]
    outcome = {"error": None, "value": {"type": "NoneType"}, "args_after": [None],
               "kwargs_after": {}, "logs": {"cb": [entry] * 125}}
    reads = []
    real = verdict._read_capped
    monkeypatch.setattr(verdict, "_read_capped",
                        lambda fd, name, cap: reads.append(name) or real(fd, name, cap))
    fd = _reply(str(tmp_path), [outcome], {"c0_l0.npy": np.arange(3.0)})
    try:
        (out,) = read_reply(fd, [Call((Scripted("cb"),))], Limits())
    finally:
        os.close(fd)
    assert reads.count("c0_l0.npy") == 1
    assert len(out.logs["cb"]) == 125
    assert all(np.array_equal(a, [0.0, 1.0, 2.0]) for c in out.logs["cb"] for a in c["args"])


def test_distinct_files_still_count_towards_the_reply_cap(tmp_path):
    """Do two different files together above the reply's total cap still refuse the reply?"""
    value = {"list": [{"array": "c0_v0.npy"}, {"array": "c0_v1.npy"}]}
    outcome = {"error": None, "value": value, "args_after": [], "kwargs_after": {}, "logs": {}}
    fd = _reply(str(tmp_path), [outcome], {"c0_v0.npy": np.zeros(10), "c0_v1.npy": np.zeros(10)})
    try:
        with pytest.raises(Refused, match="exceed 300 bytes"):
            read_reply(fd, [Call(())], Limits(total_bytes=300))
    finally:
        os.close(fd)


def test_small_numbers_are_counted_as_the_float64_a_verdict_makes_of_them(tmp_path):
    """A reply of int8 arrays under the byte caps but which a verdict's float64 copy would
    make 8 times larger (64 MB of int8 is 512 MB in the grader's process): is a file refused by
    its count of numbers, and the total counted as float64?"""
    outcome = {"error": None, "value": {"array": "c0_v0.npy"}, "args_after": [],
               "kwargs_after": {}, "logs": {}}
    fd = _reply(str(tmp_path), [outcome], {"c0_v0.npy": np.zeros(2000, dtype=np.int8)})
    try:
        with pytest.raises(Refused, match="holds 2000 numbers, more than the 1250 accepted"):
            read_reply(fd, [Call(())], Limits(file_bytes=10_000))
        with pytest.raises(Refused, match="exceed 15000 bytes"):
            read_reply(fd, [Call(())], Limits(total_bytes=15_000))
        (out,) = read_reply(fd, [Call(())], Limits(file_bytes=16_000, total_bytes=16_000))
        assert out.value.dtype == np.int8 and out.value.shape == (2000,)
    finally:
        os.close(fd)

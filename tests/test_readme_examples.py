"""README's Python examples run as printed, on the embedded mini subset (no data, no network)."""

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def python_blocks(text):
    """The ```python fenced blocks of a Markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def on_mini_subset(code):
    """The example with ``subset="full"`` replaced by the embedded subset; fails if the example
    names no subset (it would then load full MNIST, or a download, in a unit test)."""
    changed, n = re.subn(r"""subset=(["'])full\1""", 'subset="mini"', code)
    assert n >= 1, "a README example loads MNIST without subset=...: the test cannot run it"
    return changed


def run_example(code):
    """Execute one example in a fresh namespace; return what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md example", "exec"), {"__name__": "readme_example"})
    return out.getvalue()


def printed_accuracy(output):
    """The last number printed by an example (its test accuracy)."""
    numbers = re.findall(r"\d+\.\d+", output)
    assert numbers, f"the example printed no accuracy: {output!r}"
    return float(numbers[-1])


def test_readme_shows_the_teaching_api_and_scikit_learn_use():
    """Does README show both uses of the model: train_sgd with W, and scikit-learn's API?"""
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert any("train_sgd" in b for b in blocks)
    assert any("GridSearchCV" in b and ".fit(" in b and "coef_" in b for b in blocks)


@pytest.mark.parametrize("index", range(len(python_blocks(README.read_text(encoding="utf-8")))))
def test_readme_example_runs_and_learns(index):
    """Does README's example number ``index`` run as printed (on the mini subset) and print a
    test accuracy far above chance?"""
    code = python_blocks(README.read_text(encoding="utf-8"))[index]
    output = run_example(on_mini_subset(code))
    assert 0.8 < printed_accuracy(output) <= 1.0, output


def test_the_example_check_fails_on_broken_examples():
    """Would these tests catch an example that raises, one that learns nothing, and one that
    would load the full data?"""
    with pytest.raises(AttributeError):
        run_example(on_mini_subset(
            'import mnistlib\nd = mnistlib.load_mnist(subset="full")\nmnistlib.no_such_thing()'))
    chance = run_example(on_mini_subset(
        'import numpy as np, mnistlib\nd = mnistlib.load_mnist(subset="full")\n'
        'y = np.random.default_rng(0).permutation(d.y_train)  # labels unrelated to images\n'
        'm = mnistlib.SoftmaxRegression(n_epochs=1).fit(d.X_train, y)\n'
        'print(m.score(d.X_test, d.y_test))'))
    assert not 0.8 < printed_accuracy(chance)
    with pytest.raises(AssertionError, match="without subset"):
        on_mini_subset("import mnistlib\nmnistlib.load_mnist()")

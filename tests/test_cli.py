"""The command line: training end to end, its outputs, and its error handling."""

import json
import subprocess
import sys

import numpy as np
import pytest

from mnistlib import Classifier
from mnistlib.cli import main


def test_train_writes_json_model_and_plots(tmp_path, capsys):
    """Does `train` on the mini subset write metrics + history JSON, a loadable model and the images?"""
    status = main(["train", "--subset", "mini", "--epochs", "2", "--lr", "0.5", "--batch-size", "100",
                   "--quiet", "--json", str(tmp_path / "run.json"), "--save", str(tmp_path / "m.npz"),
                   "--plot", str(tmp_path / "plots")])
    assert status == 0
    report = json.loads((tmp_path / "run.json").read_text())
    assert report["metrics"]["epochs"] == 2
    assert 0.7 < report["metrics"]["test_accuracy"] <= 1
    assert len(report["history"]["records"]) == 2
    model = Classifier.load(tmp_path / "m.npz")
    assert model.W.shape == (784, 10) and np.abs(model.W).sum() > 0
    assert (tmp_path / "plots" / "weights.png").stat().st_size > 1000
    assert (tmp_path / "plots" / "learning_curves.png").stat().st_size > 1000
    assert "test accuracy" in capsys.readouterr().out


def test_train_mlp_writes_its_influence_image(tmp_path):
    """Does `train --model mlp` train the 784-50-100-10 network and image its outputs?"""
    status = main(["train", "--model", "mlp", "--subset", "mini", "--epochs", "1", "--lr", "0.5",
                   "--quiet", "--plot", str(tmp_path)])
    assert status == 0
    assert (tmp_path / "output_influence.png").stat().st_size > 1000


@pytest.mark.parametrize("argv, message", [
    (["train", "--lr", "-1"], "positive number"),
    (["train", "--lr", "abc"], "positive number"),
    (["train", "--batch-size", "0"], "positive integer"),
    (["train", "--model", "svm"], "invalid choice"),
    (["train", "--hidden", "50,x"], "layer sizes"),
    (["train", "--improvement-threshold", "2"], "(0, 1]"),
    (["train", "--json", "/nonexistent-folder/x.json"], "does not exist"),
    (["train", "--model", "mlp", "--l1", "0.1"], "softmax only"),
    (["train", "--data-dir", "/nonexistent-folder", "--subset", "full"], "no such folder"),
    (["train", "--data-dir", ".", "--subset", "mini"], "--subset full only"),
    (["data", "--data-dir", "/nonexistent-folder"], "no such folder"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
])
def test_bad_arguments_give_one_line_and_status_2(argv, message, capsys):
    """Does a bad argument or value give exit status 2 and a single error line, no traceback?"""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert message in err and "Traceback" not in err


def test_module_entry_point_reports_usage_errors_with_status_2():
    """Does `python -m mnistlib train --epochs 0` exit 2 with a one-line message?"""
    proc = subprocess.run([sys.executable, "-m", "mnistlib", "train", "--epochs", "0"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "positive integer" in proc.stderr


def test_diverging_run_fails_cleanly(capsys):
    """Does an absurd learning rate end with a one-line error naming the learning rate, status 1?"""
    status = main(["train", "--model", "mlp", "--subset", "mini", "--lr", "1e30", "--epochs", "1",
                   "--quiet", "--activation", "relu"])
    err = capsys.readouterr().err
    assert status == 1 and "learning rate" in err and "Traceback" not in err
    assert "RuntimeWarning" not in err

"""The command line: training end to end, its outputs, and its error handling."""

import argparse
import json
import subprocess
import sys

import numpy as np
import pytest

from mnistlib import Classifier
from mnistlib.cli import UsageError, _check_model_size, build_parser, main, training_memory


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


# --- a well-kept command line ----------------------------------------------------------------


def test_version(capsys):
    """Does --version print the package version and exit 0?"""
    import mnistlib

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"mnistlib {mnistlib.__version__}"


@pytest.mark.parametrize("command", ["data", "train"])
def test_every_option_has_help_and_shows_its_default(command, capsys):
    """Does every option of `data` and `train` have help text, with its default shown in --help?"""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    assert main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for action in sub._actions:
        if "-h" in action.option_strings:
            continue
        assert action.help, f"{action.option_strings} has no help text"
        if action.default is not None and not isinstance(action.default, bool):
            shown = ",".join(map(str, action.default)) if isinstance(action.default, tuple) else action.default
            assert f"(default: {shown})" in text, f"{action.option_strings}: default not shown"


@pytest.fixture
def no_training(monkeypatch):
    """Make loading data or training fail loudly: the checks must come before both."""
    import mnistlib.data
    import mnistlib.training

    def forbidden(*args, **kwargs):
        raise AssertionError("data were loaded or training started before the arguments were checked")

    monkeypatch.setattr(mnistlib.data, "load_mnist", forbidden)
    monkeypatch.setattr(mnistlib.training, "train_sgd", forbidden)


def test_huge_hidden_layer_is_a_usage_error_naming_the_memory(no_training, capsys):
    """Does --hidden 100000000 give a one-line usage error with the memory it would need, before any work?"""
    assert main(["train", "--model", "mlp", "--hidden", "100000000"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "--hidden 100000000" in err and "79,500,000,010 parameters" in err and "GiB to train" in err


def test_training_memory_counts_parameters_and_scales_with_dtype():
    """Is the parameter count that of the layer sizes, and does float64 need twice float32's memory?"""
    n32, bytes32 = training_memory((784, 100, 10), 60, "float32")
    n64, bytes64 = training_memory((784, 100, 10), 60, "float64")
    assert n32 == n64 == 784 * 100 + 100 + 100 * 10 + 10
    assert bytes64 == 2 * bytes32 and bytes32 > 3 * 4 * n32


def test_small_machine_refuses_a_model_that_fits_a_large_one():
    """Is the size check relative to the machine's memory (the default MLP passes, a tiny memory refuses)?"""
    args = build_parser().parse_args(["train", "--model", "mlp"])
    _check_model_size(args, memory=1 << 40)
    with pytest.raises(UsageError, match="more than this machine's 64.0 KiB"):
        _check_model_size(args, memory=1 << 16)


@pytest.mark.parametrize("option", ["--json", "--save"])
def test_output_that_is_a_folder_fails_before_training(option, tmp_path, no_training, capsys):
    """Does --json or --save naming a folder fail at once, before loading data or training?"""
    assert main(["train", option, str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{option} {tmp_path}: is a folder" in err
    assert list(tmp_path.iterdir()) == []


def test_save_writes_exactly_the_given_name(tmp_path):
    """Does --save model write the file `model` (no .npz added), loadable with Classifier.load?"""
    target = tmp_path / "model"
    assert main(["train", "--epochs", "1", "--quiet", "--save", str(target)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert Classifier.load(target).W.shape == (784, 10)


def test_negative_seed_names_the_option(no_training, capsys):
    """Does --seed -1 give a usage error that names --seed?"""
    assert main(["train", "--seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--seed" in err and "'-1'" in err


def test_offline_data_error_gives_the_command_line_fix(isolated_data_env, capsys):
    """Offline with nothing cached, does `data` exit 1 with the command-line fix, not Python code?"""
    assert main(["data"]) == 1
    err = capsys.readouterr().err
    assert "offline?" in err
    assert "--data-dir FOLDER" in err and "MNISTLIB_DATA=FOLDER" in err
    assert "python -m mnistlib train --subset mini" in err
    assert "load_mnist" not in err and "Traceback" not in err


def test_warnings_are_one_line(monkeypatch, capsys):
    """Is a warning raised during training shown as one "mnistlib: warning:" line, without source code?"""
    import warnings

    import mnistlib.training

    real = mnistlib.training.train_sgd

    def warning_train_sgd(*args, **kwargs):
        warnings.warn("the learning rate looks large", UserWarning)
        return real(*args, **kwargs)

    monkeypatch.setattr(mnistlib.training, "train_sgd", warning_train_sgd)
    assert main(["train", "--epochs", "1", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "mnistlib: warning: the learning rate looks large\n" in err
    assert "UserWarning" not in err and "warnings.warn" not in err


def test_data_dir_errors_name_the_option(tmp_path, capsys):
    """Does a --data-dir folder without the files give an error naming --data-dir, not a Python argument?"""
    assert main(["data", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"(from --data-dir) lacks train-images-idx3-ubyte.gz" in err
    assert "data_dir argument" not in err

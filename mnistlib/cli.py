"""Command line: ``python -m mnistlib data`` and ``python -m mnistlib train``.

Bad arguments or values give a one-line error and exit status 2; a failure while working
(data that cannot be had, a diverging run) gives an error and exit status 1. Every option has
help text and shows its default (``--help``); outputs (``--json``, ``--save``, ``--plot``) and
the size of the model are checked before any data is loaded or any training starts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import __version__


class UsageError(Exception):
    """A bad argument or value: exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows every option's default, except for flags (off unless given) and options without one."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool) or action.default is argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


def _number(convert: Callable[[str], Any], accept: Callable[[Any], bool], expected: str) -> Callable[[str], Any]:
    """An argparse type: ``convert`` the text, keep it if ``accept(value)``, else say what was expected."""
    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not np.isfinite(value) or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value
    return parse


_positive_int = _number(int, lambda v: v >= 1, "a positive integer")
_seed = _number(int, lambda v: 0 <= v < 2**63, "an integer from 0 to 2**63 - 1")
_positive_float = _number(float, lambda v: v > 0, "a positive number")
_non_negative_float = _number(float, lambda v: v >= 0, "a number >= 0")
_threshold = _number(float, lambda v: 0 < v <= 1, "a number in (0, 1]")


def _hidden_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes such as 50,100, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive layer sizes such as 50,100, got {text!r}")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of ``python -m mnistlib`` (subcommands ``data`` and ``train``)."""
    parser = _Parser(prog="python -m mnistlib", formatter_class=_HelpFormatter,
                     description="MNIST data and softmax regression / MLP training.")
    parser.add_argument("--version", action="version", version=f"mnistlib {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="{data,train}")

    data = sub.add_parser("data", help="fetch and verify the MNIST files, show where they are",
                          formatter_class=_HelpFormatter,
                          description="Fetch and verify the four MNIST files and show where they are.")
    data.add_argument("--data-dir", metavar="FOLDER", help="folder holding the four .gz files (default: "
                      "$MNISTLIB_DATA, then the cache, then a download)")
    data.add_argument("--no-download", action="store_true", help="never use the network")

    train = sub.add_parser("train", help="train softmax regression or an MLP", formatter_class=_HelpFormatter,
                           description="Train softmax regression or an MLP with minibatch SGD and "
                                       "early stopping on the classic split.")
    train.add_argument("--model", choices=("softmax", "mlp"), default="softmax", help="which model")
    train.add_argument("--subset", choices=("mini", "full"), default="mini",
                       help="mini: the embedded 5,000/1,000/1,000 subset; full: all of MNIST")
    train.add_argument("--data-dir", metavar="FOLDER", help="folder holding the four .gz files (--subset full; "
                       "default: $MNISTLIB_DATA, then the cache, then a download)")
    train.add_argument("--lr", type=_positive_float, default=0.13, help="learning rate")
    train.add_argument("--batch-size", type=_positive_int, default=60, help="samples per update")
    train.add_argument("--epochs", type=_positive_int, default=100, help="at most this many passes over the data")
    train.add_argument("--max-steps", type=_positive_int, help="at most this many updates (default: no limit)")
    train.add_argument("--shuffle", action="store_true", help="shuffle every epoch (default: in order)")
    train.add_argument("--seed", type=_seed, default=0, help="seed of the shuffling and of the MLP's initial weights")
    train.add_argument("--l1", type=_non_negative_float, default=0.0, help="L1 penalty (softmax only)")
    train.add_argument("--l2", type=_non_negative_float, default=0.0, help="L2 penalty")
    train.add_argument("--patience", type=_positive_int, default=5000,
                       help="early stopping: train at least this many updates")
    train.add_argument("--patience-increase", type=_positive_float, default=2.0,
                       help="early stopping: on a clear improvement at update k, train to at least k times this")
    train.add_argument("--improvement-threshold", type=_threshold, default=0.995,
                       help="early stopping: a validation error below the best times this is a clear improvement")
    train.add_argument("--no-early-stopping", action="store_true", help="train all epochs (or --max-steps)")
    train.add_argument("--hidden", type=_hidden_sizes, default="50,100",
                       help="MLP hidden layer sizes, comma separated, e.g. 500 or 50,100")
    train.add_argument("--activation", choices=("sigmoid", "relu"), default="sigmoid", help="MLP activation")
    train.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                       help="floating-point type of data and parameters")
    train.add_argument("--json", metavar="PATH", help="write final metrics and the history to this JSON file")
    train.add_argument("--save", metavar="PATH",
                       help="write the trained model to this file, exactly this name (an .npz archive; "
                            "read it with mnistlib.Classifier.load)")
    train.add_argument("--plot", metavar="DIR", help="write weight and learning-curve images into this folder")
    train.add_argument("--quiet", action="store_true", help="no progress bar (there is none when output "
                       "is not a terminal)")
    return parser


def _bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def _physical_memory() -> int | None:
    """Bytes of physical memory, or None where the platform does not say."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def training_memory(sizes: Sequence[int], batch_size: int, dtype: str) -> tuple[int, int]:
    """Return (parameter count, bytes needed to train) for an MLP with layer ``sizes``.

    The bytes count the weights, their gradients and one update's temporaries (3 copies of
    the parameters), plus the activations of one batch and their gradients.
    """
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    itemsize = np.dtype(dtype).itemsize
    batch = min(batch_size, 60_000)
    return n_params, itemsize * (3 * n_params + 2 * batch * sum(sizes))


def _check_model_size(args: argparse.Namespace, memory: int | None = None) -> None:
    """Refuse a model whose training would not fit in this machine's memory."""
    if args.model != "mlp":
        return
    sizes = (784, *args.hidden, 10)
    n_params, needed = training_memory(sizes, args.batch_size, args.dtype)
    memory = _physical_memory() if memory is None else memory
    if memory is not None and needed > memory:
        shape = "-".join(str(s) for s in sizes)
        raise UsageError(
            f"--hidden {','.join(map(str, args.hidden))}: the {shape} MLP has {n_params:,} parameters and "
            f"needs about {_bytes(needed)} to train in {args.dtype}, more than this machine's "
            f"{_bytes(memory)} of memory; choose smaller layers"
        )


def _check_writable_file(option: str, path: str) -> None:
    """Fail now if ``path`` cannot be written as a file (a folder, no such folder, no permission)."""
    target = Path(path)
    if target.is_dir():
        example = target / ("run.json" if option == "json" else "model.npz")
        raise UsageError(f"--{option} {path}: is a folder; give a file name, e.g. {example}")
    parent = target.resolve().parent
    if not parent.is_dir():
        raise UsageError(f"--{option} {path}: folder {parent} does not exist")
    existed = target.exists()
    try:
        with open(target, "ab"):
            pass
    except OSError as exc:
        raise UsageError(f"--{option} {path}: cannot be written ({exc.strerror})") from None
    if not existed:
        target.unlink()  # only a probe: written for real after training


def _check_output_paths(args: argparse.Namespace) -> None:
    """Fail before training, not after, when an output cannot be written."""
    for option in ("json", "save"):
        path = getattr(args, option)
        if path is not None:
            _check_writable_file(option, path)
    if args.plot is not None and Path(args.plot).exists() and not Path(args.plot).is_dir():
        raise UsageError(f"--plot {args.plot}: exists and is not a folder")


def _check_data_dir(args: argparse.Namespace) -> None:
    """A named data folder must exist, and only makes sense for the full data."""
    if args.data_dir is None:
        return
    if getattr(args, "subset", "full") == "mini":
        raise UsageError("--data-dir applies to --subset full only (the mini subset is built in)")
    if not Path(args.data_dir).is_dir():
        raise UsageError(f"--data-dir {args.data_dir}: no such folder")


def _cmd_data(args: argparse.Namespace) -> int:
    from .data import describe_data

    _check_data_dir(args)
    print(describe_data(data_dir=args.data_dir, download=not args.no_download))
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from . import plots
    from .data import load_mnist
    from .models import MLP, SoftmaxRegression
    from .training import EarlyStopping, train_sgd

    _check_output_paths(args)
    _check_data_dir(args)
    if args.model == "mlp" and args.l1:
        raise UsageError("--l1 applies to --model softmax only")
    _check_model_size(args)
    data = load_mnist(split="classic", subset=args.subset, data_dir=args.data_dir,
                      dtype=np.dtype(args.dtype))
    model: SoftmaxRegression | MLP
    if args.model == "softmax":
        model = SoftmaxRegression(l1=args.l1, l2=args.l2, dtype=args.dtype)
    else:
        model = MLP((784, *args.hidden, 10), activation=args.activation, l2=args.l2,
                    dtype=args.dtype, seed=args.seed)
    stopping = None if args.no_early_stopping else EarlyStopping(
        args.patience, args.patience_increase, args.improvement_threshold)
    print(f"data: {data.source}", file=sys.stderr)
    history = train_sgd(model, data.X_train, data.y_train, lr=args.lr, batch_size=args.batch_size,
                        n_epochs=args.epochs, max_steps=args.max_steps, shuffle=args.shuffle,
                        seed=args.seed, valid=(data.X_valid, data.y_valid),
                        test=(data.X_test, data.y_test), early_stopping=stopping,
                        progress=not args.quiet)
    metrics = {
        "model": args.model,
        "data": data.source,
        "valid_error": model.error_rate(data.X_valid, data.y_valid),
        "test_error": model.error_rate(data.X_test, data.y_test),
        "test_accuracy": model.score(data.X_test, data.y_test),
        "best_valid_error": history.best_valid_error,
        "epochs": history.n_epochs,
        "steps": history.n_steps,
        "stopped_early": history.stopped_early,
        "seconds": history.seconds,
    }
    if isinstance(model, SoftmaxRegression):
        metrics["sparsity"] = model.sparsity()
    print(f"{args.model}: {history.n_epochs} epochs, {history.n_steps} updates, "
          f"{history.seconds:.2f} s; best validation error {100 * metrics['valid_error']:.2f} %, "
          f"test accuracy {100 * metrics['test_accuracy']:.2f} %")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"metrics": metrics, "arguments": {k: v for k, v in vars(args).items()},
                       "history": history.as_dict()}, f, indent=1)
    if args.save:
        with open(args.save, "wb") as fh:  # a file object: numpy adds no ".npz" to the name
            model.save(fh)
    if args.plot:
        out = Path(args.plot)
        out.mkdir(parents=True, exist_ok=True)
        plots.plot_learning_curves(history).savefig(out / "learning_curves.png", dpi=100)
        if isinstance(model, SoftmaxRegression):
            plots.plot_weight_templates(model.W).savefig(out / "weights.png", dpi=100)
        else:
            from .influence import pixel_influence

            maps = pixel_influence(model, f"a{len(model.weights)}")
            plots.plot_influence_maps(maps, titles=[str(c) for c in range(10)],
                                      title="Output scores: single-pixel influence",
                                      shared_scale=True).savefig(out / "output_influence.png", dpi=100)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = build_parser()
    with warnings.catch_warnings():
        # One line per warning, as for errors, without Python's source line.
        warnings.showwarning = _show_warning
        return _run(parser, argv)


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    print(f"mnistlib: warning: {message}", file=sys.stderr if file is None else file)


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    from .data import MNISTCacheError, MNISTDataUnavailable
    from .data._fetch import ways_out

    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exit_:  # --help and --version
            return exit_.code if isinstance(exit_.code, int) else 0
        if args.command == "data":
            return _cmd_data(args)
        return _cmd_train(args)
    except UsageError as e:
        print(f"mnistlib: error: {e} (see python -m mnistlib --help)", file=sys.stderr)
        return 2
    except MNISTDataUnavailable as e:
        # The library's advice is Python code; on the command line, give the options instead.
        advice = "" if isinstance(e, MNISTCacheError) else ways_out(e.cache, style="cli")
        print(f"mnistlib: error: {e.detail}" + (f"\n{advice}" if advice else ""), file=sys.stderr)
        return 1
    except (OSError, ValueError, FloatingPointError) as e:
        # The data errors name the Python argument; here it is the option.
        print(f"mnistlib: error: {str(e).replace('the data_dir argument', '--data-dir')}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mnistlib: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

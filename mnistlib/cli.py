"""Command line: ``python -m mnistlib data`` and ``python -m mnistlib train``.

Bad arguments or values give a one-line error and exit status 2; a failure while working
(data that cannot be had, a diverging run) gives a one-line error and exit status 1.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np


class UsageError(Exception):
    """A bad argument or value: exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def _number(convert, accept, expected):
    """An argparse type: ``convert`` the text, keep it if ``accept(value)``, else say what was expected."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not np.isfinite(value) or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value
    return parse


_positive_int = _number(int, lambda v: v >= 1, "a positive integer")
_positive_float = _number(float, lambda v: v > 0, "a positive number")
_non_negative_float = _number(float, lambda v: v >= 0, "a number >= 0")
_threshold = _number(float, lambda v: 0 < v <= 1, "a number in (0, 1]")


def _hidden_sizes(text):
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes such as 50,100, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive layer sizes such as 50,100, got {text!r}")
    return sizes


def build_parser():
    parser = _Parser(prog="python -m mnistlib",
                     description="MNIST data and softmax regression / MLP training.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    data = sub.add_parser("data", help="fetch and verify the MNIST files, show where they are")
    data.add_argument("--data-dir", help="folder holding the four .gz files (default: "
                      "MNISTLIB_DATA, then the cache, then a download)")
    data.add_argument("--no-download", action="store_true", help="never use the network")

    train = sub.add_parser("train", help="train softmax regression or an MLP")
    train.add_argument("--model", choices=("softmax", "mlp"), default="softmax")
    train.add_argument("--subset", choices=("mini", "full"), default="mini",
                       help="mini: the embedded 5,000/1,000/1,000 subset (default); full: all of MNIST")
    train.add_argument("--data-dir", help="folder holding the four .gz files (full subset)")
    train.add_argument("--lr", type=_positive_float, default=0.13, help="learning rate (0.13)")
    train.add_argument("--batch-size", type=_positive_int, default=60)
    train.add_argument("--epochs", type=_positive_int, default=100, help="at most this many")
    train.add_argument("--max-steps", type=_positive_int, help="at most this many updates")
    train.add_argument("--shuffle", action="store_true", help="shuffle every epoch (default: in order)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--l1", type=_non_negative_float, default=0.0, help="L1 penalty (softmax)")
    train.add_argument("--l2", type=_non_negative_float, default=0.0, help="L2 penalty")
    train.add_argument("--patience", type=_positive_int, default=5000,
                       help="early-stopping patience in updates (5000)")
    train.add_argument("--patience-increase", type=_positive_float, default=2.0)
    train.add_argument("--improvement-threshold", type=_threshold, default=0.995)
    train.add_argument("--no-early-stopping", action="store_true")
    train.add_argument("--hidden", type=_hidden_sizes, default=(50, 100),
                       help="MLP hidden sizes, comma separated (50,100)")
    train.add_argument("--activation", choices=("sigmoid", "relu"), default="sigmoid")
    train.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    train.add_argument("--json", metavar="PATH", help="write final metrics and the history as JSON")
    train.add_argument("--save", metavar="PATH", help="write the trained model as .npz")
    train.add_argument("--plot", metavar="DIR", help="write weight and learning-curve images here")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _check_output_paths(args):
    """Fail before training, not after, when an output cannot be written."""
    for option in ("json", "save"):
        path = getattr(args, option)
        if path is not None:
            parent = Path(path).resolve().parent
            if not parent.is_dir():
                raise UsageError(f"--{option} {path}: folder {parent} does not exist")
    if args.plot is not None and Path(args.plot).exists() and not Path(args.plot).is_dir():
        raise UsageError(f"--plot {args.plot}: exists and is not a folder")


def _check_data_dir(args):
    """A named data folder must exist, and only makes sense for the full data."""
    if args.data_dir is None:
        return
    if getattr(args, "subset", "full") == "mini":
        raise UsageError("--data-dir applies to --subset full only (the mini subset is built in)")
    if not Path(args.data_dir).is_dir():
        raise UsageError(f"--data-dir {args.data_dir}: no such folder")


def _cmd_data(args):
    from .data import describe_data

    _check_data_dir(args)
    print(describe_data(data_dir=args.data_dir, download=not args.no_download))
    return 0


def _cmd_train(args):
    from . import plots
    from .data import load_mnist
    from .models import MLP, SoftmaxRegression
    from .training import EarlyStopping, train_sgd

    _check_output_paths(args)
    _check_data_dir(args)
    if args.model == "mlp" and args.l1:
        raise UsageError("--l1 applies to --model softmax only")
    data = load_mnist(split="classic", subset=args.subset, data_dir=args.data_dir,
                      dtype=np.dtype(args.dtype))
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
    if args.model == "softmax":
        metrics["sparsity"] = model.sparsity()
    print(f"{args.model}: {history.n_epochs} epochs, {history.n_steps} updates, "
          f"{history.seconds:.2f} s; best validation error {100 * metrics['valid_error']:.2f} %, "
          f"test accuracy {100 * metrics['test_accuracy']:.2f} %")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"metrics": metrics, "arguments": {k: v for k, v in vars(args).items()},
                       "history": history.as_dict()}, f, indent=1)
    if args.save:
        model.save(args.save)
    if args.plot:
        out = Path(args.plot)
        out.mkdir(parents=True, exist_ok=True)
        plots.plot_learning_curves(history).savefig(out / "learning_curves.png", dpi=100)
        W = model.W if args.model == "softmax" else None
        if W is not None:
            plots.plot_weight_templates(W).savefig(out / "weights.png", dpi=100)
        else:
            from .influence import pixel_influence

            maps = pixel_influence(model, f"a{len(model.weights)}")
            plots.plot_influence_maps(maps, titles=[str(c) for c in range(10)],
                                      title="Output scores: single-pixel influence",
                                      shared_scale=True).savefig(out / "output_influence.png", dpi=100)
    return 0


def main(argv=None):
    """Entry point; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "data":
            return _cmd_data(args)
        return _cmd_train(args)
    except UsageError as e:
        print(f"mnistlib: error: {e} (see python -m mnistlib --help)", file=sys.stderr)
        return 2
    except (OSError, ValueError, FloatingPointError) as e:
        print(f"mnistlib: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mnistlib: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""What every benchmark section shares: settings, data, timing, the machine's description."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["Settings", "epochs", "full_settings", "quick_settings", "Data", "load_data", "timed",
           "repeat", "machine", "torch_or_reason", "target"]


@dataclass
class Settings:
    """Sizes of one benchmark run (``full_settings`` for the real run, ``quick_settings`` for smoke)."""

    subset: str = "full"
    repeats: int = 5            # repetitions of cheap measurements (median reported)
    slow_repeats: int = 3       # repetitions of the scikit-learn lbfgs fit (30-60 s each)
    torch_repeats: int = 3      # repetitions of one PyTorch epoch
    # Section 1: time to accuracy.
    s1_lr: float = 0.5
    s1_batch_size: int = 100
    s1_epochs: int = 3
    epoch_batch_sizes: tuple = (64, 256)
    sklearn_max_iter: int = 100
    comparable_epochs: tuple = (2, 5, 10, 20)   # ladder for "time to scikit-learn's accuracy"
    comparable_tolerance: float = 0.001         # within 0.1 percentage point
    fit_pairs: int = 7          # interleaved fit() / train_sgd pairs (median ratio reported)
    torch_epoch_factor: float = 3.0             # issue 12: at least 3x PyTorch's epoch
    # Section 2: best linear accuracy, chosen on the validation set.
    s2_l2: tuple = (0.0, 1e-5, 3e-5)
    s2_lr: tuple = (0.5, 1.0)
    s2_epochs: tuple = (10, 20)
    s2_batch_size: int = 100
    # Section 3: epoch time against the memory and compute floors.
    pass_repeats: int = 20
    floor_factors: tuple = ((256, 1.5), (64, 2.0))  # issue 12: epoch within these x the floor
    # Section 4: MLP.
    mlp_layers: tuple = (784, 512, 512, 10)
    mlp_l2: float = 3e-4
    mlp_lr: float = 0.3
    mlp_batch_size: int = 64
    mlp_epochs: int = 20
    # Section 5: L1 at the scikit-learn example's configuration.
    l1_train_samples: int = 5000
    l1_epochs: int = 30
    l1_lr: float = 0.01
    l1_batch_size: int = 100
    extra: dict = field(default_factory=dict)

    def as_dict(self):
        return asdict(self)


def full_settings():
    """The sizes of the real run (4 to 7 minutes on 2 cores)."""
    return Settings()


def quick_settings():
    """Tiny sizes on the embedded mini subset: checks that every section runs (seconds)."""
    return Settings(subset="mini", repeats=1, slow_repeats=1, torch_repeats=1, s1_epochs=1,
                    fit_pairs=1,
                    epoch_batch_sizes=(64,), sklearn_max_iter=5, comparable_epochs=(1, 2), s2_l2=(0.0, 1e-4),
                    s2_lr=(0.5,), s2_epochs=(2,), pass_repeats=2, mlp_layers=(784, 32, 10),
                    mlp_epochs=1, l1_train_samples=1000, l1_epochs=2)


@dataclass
class Data:
    """Both splits: ``standard`` (train 60,000 / test 10,000) and ``classic`` (50,000 / 10,000 / 10,000)."""

    standard: object
    classic: object
    subset: str
    source: str


def load_data(subset="full"):
    """Load MNIST as float32 in [0, 1] through mnistlib (``subset`` "full" or "mini")."""
    import mnistlib

    classic = mnistlib.load_mnist(split="classic", subset=subset, progress=False)
    standard = mnistlib.load_mnist(split="standard", subset=subset, progress=False)
    return Data(standard=standard, classic=classic, subset=subset, source=classic.source)


def epochs(n):
    """'1 epoch', '3 epochs'."""
    return f"{n} epoch" + ("" if n == 1 else "s")


def timed(fn, *args, **kwargs):
    """Run ``fn`` once; return (seconds, its result)."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def repeat(fn, repeats):
    """Run ``fn()`` ``repeats`` times; return a summary of the wall times and the last result.

    Returns
    -------
    summary : dict
        ``median_s``, ``min_s``, ``max_s``, ``times_s`` (all runs), ``repeats``.
    result : object
        What the last call returned.
    """
    times, result = [], None
    for _ in range(max(1, int(repeats))):
        seconds, result = timed(fn)
        times.append(seconds)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "times_s": times, "repeats": len(times)}, result


def torch_or_reason():
    """(torch module, None) when PyTorch is importable, else (None, why not and how to get it)."""
    try:
        import torch
    except ImportError:
        return None, ("PyTorch is not installed: pip install -r benchmarks/requirements-optional.txt "
                      "to add this row")
    return torch, None


def target(name, goal, value, met, applies=True):
    """One target of the issue: what is asked, what was measured, whether it is met.

    ``met`` is None when the target does not apply to this run (e.g. on the mini subset).
    """
    return {"name": name, "goal": goal, "value": value, "met": bool(met) if applies else None}


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _numpy_blas():
    """Name and version of the BLAS numpy was built with, e.g. 'scipy-openblas 0.3.31'."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '?')}"
    except Exception:  # numpy < 1.25 or an unusual build: the loaded libraries still tell
        return None


def _blas():
    """Every BLAS loaded in the process (numpy's, scipy's, PyTorch's ...), without file paths."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keep = ("prefix", "internal_api", "version", "num_threads", "threading_layer", "architecture")
    return [{k: info.get(k) for k in keep} for info in threadpool_info()
            if info.get("user_api") == "blas"]


def machine():
    """The machine and library versions, without host names or file paths."""
    import sklearn

    torch, _ = torch_or_reason()
    cores = os.cpu_count()
    return {
        "description": f"{cores}-core {platform.machine()} {platform.system()}",
        "cpu_count": cores,
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas": _numpy_blas(),
        "blas": _blas(),
        "scikit_learn": sklearn.__version__,
        "torch": getattr(torch, "__version__", None),
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "load_average_at_start": _load_average(),
        "date": datetime.date.today().isoformat(),
    }


def _load_average():
    """1-minute load average (runnable processes), or None where the OS has none."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None

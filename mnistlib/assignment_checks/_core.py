"""Checks of graded functions: inputs to compute, and a verdict on the plain data returned.

A :class:`Check` names the graded function, builds the calls to make (:class:`Call`: the
arguments, numpy arrays only) and judges the outcomes (:class:`Outcome`: what each call returned,
as plain numpy data, and the arguments as they were after the call). The verdict never sees the
function or the student's kernel: only arrays, so it can run anywhere (in the student's kernel
for a visible test, in the grader's own process for the grade).

:func:`as_plain` is the one conversion from whatever a function returned to plain data; the
kernel side of the grader's protocol (:mod:`mnistlib.assignment_checks.compute`) and
:func:`call_check` below both use it, so a check sees the same data on both paths.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import numpy as np

#: dtype kinds a returned or passed array may have: bool, signed, unsigned, float.
PLAIN_KINDS = "biuf"
#: How deep a returned tuple or list may nest (``(loss, (dW, db))`` is depth 2).
MAX_DEPTH = 2
#: How many items a returned tuple or list may hold.
MAX_ITEMS = 8


class CheckFailed(Exception):
    """A check's verdict: the function is wrong; the message says what to fix."""


def expect(condition: Any, message: str) -> None:
    """Raise :class:`CheckFailed` with ``message`` unless ``condition`` holds.

    Used instead of ``assert`` so that a verdict holds under ``python -O`` too.
    """
    if not condition:
        raise CheckFailed(message)


@dataclass(frozen=True)
class TypeTag:
    """Something returned that is not numeric data (None, a string, a dict, ...): its type."""

    name: str


@dataclass
class Call:
    """One call of the graded function: positional arguments, numpy arrays only."""

    args: tuple


@dataclass
class Outcome:
    """What one call gave, as plain data.

    Attributes
    ----------
    value : ndarray, list or TypeTag
        The return value after :func:`as_plain` (None if the call raised).
    error : str or None
        ``"TypeName: message"`` if the call raised.
    args_after : list of ndarray
        The arguments as they were after the call (to see whether the function changed them).
    """

    value: Any = None
    error: str | None = None
    args_after: list = field(default_factory=list)


@dataclass
class Check:
    """A check of one graded function.

    Parameters
    ----------
    name : str
        Unique within its assignment, saying the property checked (``"softmax_known_answers"``).
    function : str
        Name of the graded function in the notebook (``"softmax"``).
    calls : callable () -> list of Call
        The inputs; deterministic (fixed seeds), built when the check runs.
    verdict : callable (calls, outcomes) -> None
        Raises :class:`CheckFailed` with a readable message when the outcomes are wrong. It
        gets only plain data: the calls it asked for and one :class:`Outcome` per call.
    off : tuple of str
        mnistlib functions switched off while the graded function runs (a function that only
        calls mnistlib's own implementation must not pass).
    """

    name: str
    function: str
    calls: Callable[[], list]
    verdict: Callable[[list, list], None]
    off: tuple = ()


def as_plain(value: Any, depth: int = 0) -> Any:
    """The data of a returned value: base ndarrays (numbers only), lists of them, or a TypeTag.

    Python and numpy numbers become 0-d arrays; tuples and lists become lists (at most
    :data:`MAX_ITEMS` items, :data:`MAX_DEPTH` levels); an ndarray subclass becomes a plain
    copy of its data; anything else (None, str, dict, an object array) becomes a
    :class:`TypeTag` naming its type.
    """
    if isinstance(value, (tuple, list)):
        if depth >= MAX_DEPTH or len(value) > MAX_ITEMS:
            return TypeTag(f"{type(value).__name__} of {len(value)} items")
        return [as_plain(item, depth + 1) for item in value]
    if isinstance(value, (bool, int, float, np.generic, np.ndarray)):
        array = np.array(value, subok=False, copy=True)
        if array.dtype.kind in PLAIN_KINDS and array.dtype.names is None:
            return array
    return TypeTag(type(value).__name__)


@contextlib.contextmanager
def switched_off(names: Sequence[str]) -> Iterator[None]:
    """While active, the named mnistlib functions raise RuntimeError."""
    import mnistlib

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a graded function called mnistlib's own implementation: "
                           "write it yourself with numpy")

    functions = [getattr(mnistlib, name) for name in names]
    saved = [f.__code__ for f in functions]
    try:
        for f in functions:
            f.__code__ = refuse.__code__
        yield
    finally:
        for f, code in zip(functions, saved):
            f.__code__ = code


def describe_error(exc: BaseException, limit: int = 500) -> str:
    """``"TypeName: message"``, at most ``limit`` characters."""
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def call_one(function: Callable, call: Call, off: Sequence[str]) -> Outcome:
    """Call ``function`` on fresh copies of the call's arguments; the outcome as plain data."""
    args = [np.array(a, copy=True) for a in call.args]
    try:
        with switched_off(off):
            value = function(*args)
    except Exception as exc:  # noqa: BLE001 - a wrong function may raise anything
        return Outcome(error=describe_error(exc), args_after=args)
    return Outcome(value=as_plain(value), args_after=args)


def judge(check: Check, calls: list, outcomes: list) -> str | None:
    """The verdict on plain outcomes: None if the check passes, else the message."""
    if len(outcomes) != len(calls):
        return (f"{check.function} was called {len(calls)} times but {len(outcomes)} results "
                "came back")
    for outcome in outcomes:
        if outcome.error is not None:
            return f"{check.function} raised {outcome.error}"
    try:
        check.verdict(calls, outcomes)
    except CheckFailed as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - e.g. a result of the wrong shape for the formula
        return (f"the result of {check.function} could not be checked "
                f"({describe_error(exc, 300)}): check the type and shape it returns")
    return None


def call_check(check: Check, function: Callable) -> str | None:
    """Run a check in this process: call ``function``, then judge. None if it passes."""
    calls = check.calls()
    return judge(check, calls, [call_one(function, c, check.off) for c in calls])


def run_visible(checks: dict, name: str, function: Callable) -> None:
    """What a visible test cell calls: raise AssertionError with the message, or print "passed".

    Parameters
    ----------
    checks : dict
        The assignment's visible checks by name.
    name : str
        The check to run.
    function : callable
        The student's function.
    """
    if name not in checks:
        raise KeyError(f"no visible check named {name!r}; the checks are: {', '.join(checks)}")
    message = call_check(checks[name], function)
    if message is not None:
        raise AssertionError(message)
    print(f"{name}: passed")


# -- helpers for verdicts ----------------------------------------------------------------------
def array(value: Any, what: str) -> np.ndarray:
    """``value`` as a float64 array, or CheckFailed saying what came back instead."""
    expect(isinstance(value, np.ndarray), f"{what} must be a numpy array or a number, got "
           f"{value.name if isinstance(value, TypeTag) else 'a tuple or list'}")
    return np.asarray(value, dtype=np.float64)


def number(value: Any, what: str) -> float:
    """``value`` as one float (a 0-d or one-element array), or CheckFailed."""
    a = array(value, what)
    expect(a.size == 1, f"{what} must be one number, got an array of shape {a.shape}")
    return float(a.reshape(()))


def items(value: Any, count: int, what: str) -> list:
    """The ``count`` items of a returned tuple, or CheckFailed."""
    expect(isinstance(value, list) and len(value) == count,
           f"{what} must return {count} values, got "
           f"{len(value) if isinstance(value, list) else 'one value'}")
    return list(value)


def unchanged(call: Call, outcome: Outcome, names: Sequence[str], function: str) -> None:
    """CheckFailed if the function changed one of its arguments."""
    for before, after, name in zip(call.args, outcome.args_after, names):
        expect(isinstance(after, np.ndarray) and after.shape == np.shape(before)
               and np.array_equal(after, before),
               f"{function} must not modify its input {name}: work on a copy")

"""Checks of graded functions: inputs to compute, and a verdict on the plain data returned.

A :class:`Check` names the graded function, builds the calls to make (:class:`Call`: the
arguments: numpy arrays, Python numbers, lists or str-keyed dicts of arrays, and
:class:`Scripted` callbacks) and judges the outcomes (:class:`Outcome`: what each call returned,
as plain data, the arguments as they were after the call, and the log of every callback's
calls). The verdict never sees the function or the student's kernel: only plain data (numeric
ndarrays, short str, lists and str-keyed dicts of them, :class:`TypeTag`), so it can run
anywhere (in the student's kernel for a visible test, in the grader's own process for the grade).

:func:`as_plain` is the one conversion from whatever a function returned to plain data; the
kernel side of the grader's protocol (:mod:`mnistlib.assignment_checks.compute`) and
:func:`call_check` below both use it, so a check sees the same data on both paths.
"""

from __future__ import annotations

import contextlib
import importlib
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import numpy as np

#: dtype kinds a returned or passed array may have: bool, signed, unsigned, float.
PLAIN_KINDS = "biuf"
#: How deep returned tuples, lists and dicts may nest (``(loss, (dW, db))`` is depth 2).
MAX_DEPTH = 2
#: How deep a summarised return value (``Check.summary``, e.g. a figure's axes) may nest.
SUMMARY_DEPTH = 6
#: How many items a returned tuple, list or dict may hold.
MAX_ITEMS = 16
#: Longest str kept as data (a longer one becomes a TypeTag).
MAX_STR = 1000
#: Longest dict key kept (a dict with a longer or non-str key becomes a TypeTag).
MAX_KEY = 100
#: Most calls of one Scripted callback recorded in one call of the graded function; the next
#: call raises (a loop that never stops ends there instead of at the timeout).
MAX_LOG_CALLS = 10_000
#: What a Scripted callback does when its scripted values are used up.
THEN = ("repeat_last", "raise")


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


@dataclass(frozen=True)
class Scripted:
    """A callback argument (``validate``, ``train_step``, ``on_best``): it replays scripted
    values and records how it was called.

    In the call it becomes a function that records each call's positional and keyword
    arguments (as plain data, in :attr:`Outcome.logs` under ``name``), adds ``amount`` in place
    to each target array of ``adds`` (so that parameters change as if a model were trained),
    and returns the next value of ``returns``.

    Parameters
    ----------
    name : str
        Key of its call log in :attr:`Outcome.logs` (unique among a call's callbacks).
    returns : sequence
        Values returned by the successive calls: None, Python numbers, numpy scalars (kept as
        numpy scalars: ``np.float32(0.25)``) or ndarrays.
    then : {"repeat_last", "raise"}
        When ``returns`` is used up: return its last value again, or raise RuntimeError.
    adds : sequence of (target, amount)
        ``target`` is ``(argument, index, ...)``: the graded call's positional index or keyword
        name, then list indices or dict keys (``("params", 0)``: the first array of the
        ``params`` list); ``amount`` a number added to that array at every call.
    """

    name: str
    returns: Sequence[Any] = (None,)  # stored as a tuple
    then: str = "repeat_last"
    adds: Sequence[Any] = ()  # stored as a tuple of (tuple, float)

    def __post_init__(self) -> None:
        # Frozen: lists given by a check become tuples, so a spec cannot change after it is made.
        object.__setattr__(self, "returns", tuple(self.returns))
        object.__setattr__(self, "adds", tuple((tuple(t), float(a)) for t, a in self.adds))
        if self.then not in THEN:
            raise ValueError(f"Scripted.then must be one of {THEN}, not {self.then!r}")
        if not self.returns:
            raise ValueError("Scripted.returns needs at least one value")


@dataclass
class Call:
    """One call of the graded function.

    Attributes
    ----------
    args : tuple
        Positional arguments: ndarrays, Python bool/int/float (passed as Python numbers), numpy
        scalars, lists or tuples of ndarrays, dicts of str -> ndarray, or :class:`Scripted`.
    kwargs : dict
        Keyword arguments, of the same kinds.
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass
class Outcome:
    """What one call gave, as plain data.

    Attributes
    ----------
    value : plain data
        The return value after :func:`as_plain` (None if the call raised): ndarray, str, list,
        dict or TypeTag.
    error : str or None
        ``"TypeName: message"`` if the call raised; the other fields are then empty (a verdict
        never sees such an outcome).
    args_after : list
        The arguments as they were after the call, as plain data (to see whether the function
        changed them); None for a Scripted callback.
    kwargs_after : dict
        The keyword arguments likewise.
    logs : dict
        Name of each Scripted callback -> list of its calls in order, each
        ``{"args": [plain, ...], "kwargs": {name: plain}}``.
    """

    value: Any = None
    error: str | None = None
    args_after: list = field(default_factory=list)
    kwargs_after: dict = field(default_factory=dict)
    logs: dict = field(default_factory=dict)


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
    summary : str, optional
        Name of a summariser (:data:`mnistlib.assignment_checks.summaries.SUMMARIES`) applied
        to the return value, in the kernel, before :func:`as_plain` (a matplotlib Figure
        becomes the data of its axes); the summary may nest :data:`SUMMARY_DEPTH` deep.
    driver : callable, optional
        A function listed in ``DRIVERS`` of its module of :mod:`mnistlib.assignment_checks`,
        called as ``driver(function, *args, **kwargs)`` instead of the function (it arranges
        calls that are not plain data, such as a generator shared by two calls; it runs where
        the function runs and decides nothing). Only its name is sent to the kernel.
    """

    name: str
    function: str
    calls: Callable[[], list]
    verdict: Callable[[list, list], None]
    off: tuple = ()
    summary: str | None = None
    driver: Callable | None = None


def as_plain(value: Any, depth: int = 0, max_depth: int = MAX_DEPTH) -> Any:
    """The data of a value: numeric base ndarrays, short str, lists and dicts of them, TypeTags.

    Python and numpy numbers become 0-d arrays; tuples and lists become lists, dicts with str
    keys (at most :data:`MAX_KEY` characters) new dicts (at most :data:`MAX_ITEMS` items each,
    ``max_depth`` levels of containers); a str of at most :data:`MAX_STR` characters stays a
    (base) str; an ndarray subclass becomes a plain copy of its data; anything else (None, a
    longer str, an object array, a set, a dict with other keys, ...) becomes a
    :class:`TypeTag` naming its type. Only the data is read, never a subclass's methods.
    """
    if isinstance(value, (tuple, list)):
        if depth >= max_depth or len(value) > MAX_ITEMS:
            return TypeTag(f"{type(value).__name__} of {len(value)} items")
        return [as_plain(item, depth + 1, max_depth) for item in list(value)]
    if isinstance(value, dict):
        pairs = list(dict.items(value))
        if depth >= max_depth or len(pairs) > MAX_ITEMS:
            return TypeTag(f"dict of {len(pairs)} items")
        if not all(isinstance(k, str) and len(k) <= MAX_KEY for k, _ in pairs):
            return TypeTag("dict with a key that is not a str of at most "
                           f"{MAX_KEY} characters")
        return {str.__str__(k): as_plain(v, depth + 1, max_depth) for k, v in pairs}
    if isinstance(value, str):
        if len(value) > MAX_STR:
            return TypeTag(f"str of {len(value)} characters")
        return str.__str__(value)  # a base str, whatever the subclass
    if isinstance(value, (bool, int, float, np.generic, np.ndarray)):
        array = np.array(value, subok=False, copy=True)
        if array.dtype.kind in PLAIN_KINDS and array.dtype.names is None:
            return array
    return TypeTag(type(value).__name__)


@contextlib.contextmanager
def switched_off(names: Sequence[str]) -> Iterator[None]:
    """While active, the named mnistlib functions raise RuntimeError.

    A name may be dotted (``"EarlyStopping.update"``: a method of a class of mnistlib;
    ``"assignment_checks.mlp.forward_reference"``: a function of a submodule, imported if the
    kernel has not imported it yet).
    """
    import mnistlib

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a graded function called mnistlib's own implementation: "
                           "write it yourself with numpy")

    def resolve(name: str) -> Any:
        node: Any = mnistlib
        for part in name.split("."):
            if isinstance(node, types.ModuleType) and not hasattr(node, part):
                importlib.import_module(f"{node.__name__}.{part}")
            node = getattr(node, part)
        return node

    functions = [resolve(name) for name in names]
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


def summariser(name: str) -> Callable[[Any], Any]:
    """The summariser ``name`` of :mod:`mnistlib.assignment_checks.summaries`.

    Raises
    ------
    LookupError
        No such summariser, or the summaries module does not exist (yet).
    """
    try:
        from . import summaries
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.summaries":
            raise  # the module exists but needs something missing: say so as it is
        raise LookupError(f"summary {name!r} asked for, but mnistlib.assignment_checks has no "
                          "summaries module") from None
    table = summaries.SUMMARIES
    if name not in table:
        raise LookupError(f"no summariser named {name!r}; the summaries are: "
                          f"{', '.join(sorted(table))}")
    return table[name]


def driver_name(driver: Callable) -> str:
    """How the grader names a driver to the kernel: ``"<module>.<function>"`` (``"sgd.train"``).

    Raises
    ------
    LookupError
        The function is not listed in ``DRIVERS`` of a module of this package.
    """
    module, name = getattr(driver, "__module__", ""), getattr(driver, "__name__", "")
    prefix = f"{__package__}."
    if not module.startswith(prefix) or name not in getattr(
            importlib.import_module(module), "DRIVERS", ()):
        raise LookupError(f"{module}.{name} is not a driver (listed in DRIVERS of a module of "
                          f"{__package__})")
    return f"{module[len(prefix):]}.{name}"


def resolve_driver(name: str) -> Callable:
    """The driver named ``"<module>.<function>"``: only a function listed in ``DRIVERS`` of a
    module of this package (LookupError otherwise)."""
    module_name, _, attr = str(name).partition(".")
    if not module_name.isidentifier() or module_name.startswith("_"):
        raise LookupError(f"no driver module {module_name!r}")
    try:
        module = importlib.import_module(f"{__package__}.{module_name}")
    except ModuleNotFoundError:
        raise LookupError(f"no driver module {module_name!r}") from None
    if attr not in getattr(module, "DRIVERS", ()):
        raise LookupError(f"{module_name} has no driver {attr!r}")
    return getattr(module, attr)


def _fresh(value: Any) -> Any:
    """A copy of an argument for one call: the function may change it without harm."""
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    if isinstance(value, (list, tuple)):
        return type(value)(_fresh(v) for v in value)
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    return value  # numbers and Scripted specs are immutable


def _target(args: list, kwargs: dict, path: tuple) -> np.ndarray:
    """The array at ``path`` (argument index or keyword name, then indices or keys)."""
    node: Any = args[path[0]] if isinstance(path[0], int) else kwargs[path[0]]
    for key in path[1:]:
        node = node[key]
    if not isinstance(node, np.ndarray):
        raise LookupError(f"Scripted target {path!r} is not an array")
    return node


class _Recorder:
    """The function a Scripted spec becomes in a call: it logs, adds, and returns."""

    def __init__(self, spec: Scripted, targets: list) -> None:
        self.spec, self.targets = spec, targets
        self.log: list[dict] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        spec, count = self.spec, len(self.log)
        if count >= MAX_LOG_CALLS:
            raise RuntimeError(f"{spec.name} was called more than {MAX_LOG_CALLS} times: "
                               "does the loop stop?")
        if count >= len(spec.returns) and spec.then == "raise":
            raise RuntimeError(f"{spec.name} was called {count + 1} times, more than the "
                               f"{len(spec.returns)} scripted")
        # Arguments as plain data at the time of the call (later changes do not show).
        self.log.append({"args": as_plain(list(args)), "kwargs": as_plain(dict(kwargs))})
        for array, amount in self.targets:
            array[...] += amount
        # A fresh copy every call: the caller may change what it gets (scale grads in place).
        return _fresh(spec.returns[min(count, len(spec.returns) - 1)])


def _copy_of(function: Callable) -> Callable:
    """A new function object with ``function``'s code, which :func:`switched_off` (it changes
    the code of the original) does not reach."""
    copy = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


def _after(value: Any) -> Any:
    """An argument as plain data after the call; None for a callback."""
    return None if isinstance(value, _Recorder) else as_plain(value)


def call_one(function: Callable, call: Call, off: Sequence[str],
             summary: str | None = None, driver: Callable | None = None) -> Outcome:
    """Call ``function`` on fresh copies of the call's arguments; the outcome as plain data.

    Scripted arguments become recording callbacks (their logs go to :attr:`Outcome.logs`);
    ``summary`` names the summariser applied to the return value; with a ``driver``, the call
    is ``driver(function, *args, **kwargs)``.

    Raises
    ------
    LookupError
        ``summary`` names no summariser, or a Scripted target no array (before the function
        is called: the check is wrong, not the function).
    """
    summarise = summariser(summary) if summary else None
    args, kwargs = [_fresh(a) for a in call.args], {k: _fresh(v) for k, v in call.kwargs.items()}
    recorders: list[_Recorder] = []
    for k, value in enumerate(args):
        if isinstance(value, Scripted):
            args[k] = _Recorder(value, [])
            recorders.append(args[k])
    for name, value in kwargs.items():
        if isinstance(value, Scripted):
            kwargs[name] = _Recorder(value, [])
            recorders.append(kwargs[name])
    for recorder in recorders:  # after the copies are made: the targets are the copies
        recorder.targets = [(_target(args, kwargs, t), a) for t, a in recorder.spec.adds]

    def outcome(**fields: Any) -> Outcome:
        return Outcome(args_after=[_after(a) for a in args],
                       kwargs_after={k: _after(v) for k, v in kwargs.items()},
                       logs={r.spec.name: list(r.log) for r in recorders}, **fields)

    # A driver runs as a copy of itself: the original may be switched off too (it holds a
    # reference that a graded function could otherwise call).
    run = None if driver is None else _copy_of(driver)
    try:
        with switched_off(off):
            value = function(*args, **kwargs) if run is None else run(function, *args, **kwargs)
            # Made plain while mnistlib is still off: reading the value (and the arguments)
            # may run their own code (a list subclass's __len__ and __iter__), which must not
            # call mnistlib's implementation either.
            if summarise is None:
                return outcome(value=as_plain(value))
            try:
                summarised = summarise(value)
            except Exception as exc:  # noqa: BLE001 - the returned object may be anything
                return Outcome(error=f"the value returned cannot be summarised as {summary!r} "
                                     f"({describe_error(exc, 300)})")
            return outcome(value=as_plain(summarised, max_depth=SUMMARY_DEPTH))
    except Exception as exc:  # noqa: BLE001 - a wrong function may raise anything
        # Only the error: the grader reads nothing else of a call that raised, and a verdict
        # never sees more than the message.
        return Outcome(error=describe_error(exc))


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
    return judge(check, calls, [call_one(function, c, check.off, check.summary, check.driver)
                                for c in calls])


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
def kind(value: Any) -> str:
    """What a plain value is, for messages: ``"a tuple or list"``, ``"a dict"``, a type name."""
    if isinstance(value, TypeTag):
        return value.name
    if isinstance(value, list):
        return "a tuple or list"
    if isinstance(value, dict):
        return "a dict"
    if isinstance(value, str):
        return "a str"
    return f"an array of shape {np.shape(value)}"


def array(value: Any, what: str) -> np.ndarray:
    """``value`` as a float64 array, or CheckFailed saying what came back instead."""
    expect(isinstance(value, np.ndarray), f"{what} must be a numpy array or a number, got "
           f"{kind(value)}")
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


def entries(value: Any, keys: Sequence[str], what: str) -> dict:
    """A returned dict that has (at least) ``keys``, or CheckFailed."""
    expect(isinstance(value, dict), f"{what} must return a dict, got {kind(value)}")
    missing = [k for k in keys if k not in value]
    expect(not missing, f"the dict {what} returns has no key {', '.join(map(repr, missing))}")
    return dict(value)


def log(outcome: Outcome, name: str) -> list:
    """The calls of the Scripted callback ``name`` in one outcome (a list of
    ``{"args": [...], "kwargs": {...}}``)."""
    calls = outcome.logs.get(name)
    expect(isinstance(calls, list), f"no call log of {name} came back")
    return list(calls or [])


def unchanged(call: Call, outcome: Outcome, names: Sequence[str], function: str) -> None:
    """CheckFailed if the function changed one of its arguments."""
    for before, after, name in zip(call.args, outcome.args_after, names):
        expect(isinstance(after, np.ndarray) and after.shape == np.shape(before)
               and np.array_equal(after, before),
               f"{function} must not modify its input {name}: work on a copy")

"""The kernel side of the grader's compute protocol: call a function, write plain data back.

The grader (``grading.verdict``) writes a request folder into the jail's work folder::

    request.json   {"function": "softmax", "off": ["softmax"], "summary": null,
                    "driver": null, "calls": [{"args": [ARG, ...], "kwargs": {"name": ARG}}]}
    a<i>_<k>.npy   the arrays of call i

where ``ARG`` is ``{"array": file}``, ``{"py": number}`` (a Python number), ``{"np": [dtype,
number]}`` (a numpy scalar), ``{"none": null}``, ``{"list" | "tuple": [ARG, ...]}``,
``{"dict": {key: ARG}}`` or ``{"scripted": {"name", "returns": [ARG, ...], "then", "adds"}}``
(a :class:`~mnistlib.assignment_checks._core.Scripted` callback). The grader sends the kernel
one fixed line, ``serve(folder, globals())`` (see :data:`REQUEST`). This module then, for each
call, loads the arguments (``allow_pickle=False``), calls the function found in the notebook's
namespace on them with :func:`mnistlib.assignment_checks._core.call_one` (the same code a
visible test uses in the notebook) and writes::

    c<i>_v<j>.npy, c<i>_a<j>.npy, c<i>_l<j>.npy   arrays of the value, the arguments after the
                                                  call, the callbacks' logs
    reply.json   {"outcomes": [{"error": null, "value": TREE, "args_after": [TREE | null, ...],
                                "kwargs_after": {name: TREE | null},
                                "logs": {callback: [[TREE, TREE], ...]}}, ...]}

where ``TREE`` is ``{"array": file}``, ``{"scalar": [dtype, number]}`` (a 0-d array),
``{"str": text}``, ``{"list": [TREE, ...]}``, ``{"dict": {key: TREE}}`` or ``{"type": name}``,
and each logged call is ``[TREE of its positional arguments, TREE of its keyword arguments]``.

Nothing here decides anything: the grader treats every byte written as hostile, and judges the
data in its own process. This code is a convenience for an honest notebook, not a defence.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from ._core import Call, Outcome, Scripted, TypeTag, call_one, describe_error, resolve_driver

#: The code the grader sends to the kernel for a request (formatted with the folder's path).
REQUEST = ("__import__('mnistlib.assignment_checks.compute', fromlist=['serve'])"
           ".serve({folder!r}, globals())")

#: dtypes a 0-d array may be written inline as (JSON numbers hold their values exactly).
INLINE_DTYPES = frozenset(np.dtype(code).str for code in "?bhilqBHILQefd")


def _load(folder: str, node: dict) -> Any:
    """An argument from its request node."""
    (key, value), = node.items()
    if key == "array":
        return np.load(os.path.join(folder, value), allow_pickle=False)
    if key == "py":
        return value
    if key == "np":
        return np.dtype(value[0]).type(value[1])
    if key == "none":
        return None
    if key in ("list", "tuple"):
        items = [_load(folder, v) for v in value]
        return items if key == "list" else tuple(items)
    if key == "dict":
        return {k: _load(folder, v) for k, v in value.items()}
    if key == "scripted":
        return Scripted(value["name"], tuple(_load(folder, r) for r in value["returns"]),
                        value["then"], tuple((tuple(t), a) for t, a in value["adds"]))
    raise ValueError(f"request.json has an argument of unknown kind {key!r}")


class _Writer:
    """Writes the arrays of one call's outcome as numbered files, and their TREE nodes."""

    def __init__(self, folder: str, prefix: str) -> None:
        self.folder, self.prefix, self.count = folder, prefix, 0

    def tree(self, value: Any, kind: str) -> Any:
        if value is None:  # a callback, in the arguments after the call
            return None
        if isinstance(value, list):
            return {"list": [self.tree(v, kind) for v in value]}
        if isinstance(value, dict):
            return {"dict": {k: self.tree(v, kind) for k, v in value.items()}}
        if isinstance(value, str):
            return {"str": value}
        if isinstance(value, TypeTag):
            return {"type": value.name}
        if value.ndim == 0 and value.dtype.str in INLINE_DTYPES:
            return {"scalar": [value.dtype.str, value.item()]}
        name = f"{self.prefix}_{kind}{self.count}.npy"
        self.count += 1
        np.save(os.path.join(self.folder, name), value, allow_pickle=False)
        return {"array": name}

    def outcome(self, outcome: Outcome) -> dict:
        if outcome.error is not None:
            return {"error": outcome.error, "value": None}
        return {"error": None, "value": self.tree(outcome.value, "v"),
                "args_after": [self.tree(a, "a") for a in outcome.args_after],
                "kwargs_after": {k: self.tree(v, "a") for k, v in outcome.kwargs_after.items()},
                "logs": {name: [[self.tree(c["args"], "l"), self.tree(c["kwargs"], "l")]
                                for c in calls] for name, calls in outcome.logs.items()}}


def serve(folder: str, namespace: dict) -> None:
    """Answer the request in ``folder`` with the function named there in ``namespace``."""
    with open(os.path.join(folder, "request.json"), encoding="utf-8") as f:
        request = json.load(f)
    name, summary = request["function"], request.get("summary")
    outcomes: list[dict] = []
    for i, spec in enumerate(request["calls"]):
        function = namespace.get(name)
        if not callable(function):
            outcomes.append({"error": f"NameError: the notebook defines no function {name!r}"
                             " (run its cell, keep its name)", "value": None})
            continue
        call = Call(tuple(_load(folder, a) for a in spec["args"]),
                    {k: _load(folder, v) for k, v in spec["kwargs"].items()})
        try:
            driver = resolve_driver(request["driver"]) if request.get("driver") else None
            outcome = call_one(function, call, request.get("off", []), summary, driver)
        except LookupError as exc:  # the course's setup (a summariser missing), not the student
            outcome = Outcome(error=describe_error(exc))
        outcomes.append(_Writer(folder, f"c{i}").outcome(outcome))
    # Written last and renamed into place: the grader reads a complete reply or none.
    partial = os.path.join(folder, "reply.json.part")
    with open(partial, "w", encoding="utf-8") as f:
        json.dump({"outcomes": outcomes}, f, separators=(",", ":"))
    os.replace(partial, os.path.join(folder, "reply.json"))

"""The kernel side of the grader's compute protocol: call a function, write plain data back.

The grader (``grading.verdict``) writes a request folder into the jail's work folder::

    request.json   {"function": "softmax", "off": ["softmax"], "calls": [["a0_0.npy"], ...]}
    a<i>_<k>.npy   argument k of call i

and sends the kernel one fixed line, ``serve(folder, globals())`` (see :data:`REQUEST`). This
module then, for each call, loads the arguments (``allow_pickle=False``), calls the function
found in the notebook's namespace on them with :func:`mnistlib.assignment_checks._core.call_one`
(the same code a visible test uses in the notebook) and writes::

    c<i>_v<j>.npy  the arrays of the return value (after ``as_plain``)
    c<i>_a<k>.npy  argument k as it was after the call
    reply.json     {"outcomes": [{"error": null, "value": TREE, "args_after": [...]}, ...]}

where ``TREE`` is ``{"array": name}``, ``{"list": [TREE, ...]}`` or ``{"type": name}``.

Nothing here decides anything: the grader treats every byte written as hostile, and judges the
data in its own process. This code is a convenience for an honest notebook, not a defence.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from ._core import Call, TypeTag, call_one

#: The code the grader sends to the kernel for a request (formatted with the folder's path).
REQUEST = ("__import__('mnistlib.assignment_checks.compute', fromlist=['serve'])"
           ".serve({folder!r}, globals())")


def _encode(value: Any, folder: str, prefix: str, counter: list) -> dict:
    if isinstance(value, list):
        return {"list": [_encode(v, folder, prefix, counter) for v in value]}
    if isinstance(value, TypeTag):
        return {"type": value.name}
    name = f"{prefix}_v{counter[0]}.npy"
    counter[0] += 1
    np.save(os.path.join(folder, name), value, allow_pickle=False)
    return {"array": name}


def serve(folder: str, namespace: dict) -> None:
    """Answer the request in ``folder`` with the function named there in ``namespace``."""
    with open(os.path.join(folder, "request.json"), encoding="utf-8") as f:
        request = json.load(f)
    name = request["function"]
    outcomes: list[dict] = []
    for i, names in enumerate(request["calls"]):
        args = tuple(np.load(os.path.join(folder, n), allow_pickle=False) for n in names)
        function = namespace.get(name)
        if not callable(function):
            outcomes.append({"error": f"NameError: the notebook defines no function {name!r}"
                             " (run its cell, keep its name)", "value": None, "args_after": []})
            continue
        outcome = call_one(function, Call(args), request.get("off", []))
        prefix = f"c{i}"
        after = []
        for k, arg in enumerate(outcome.args_after):
            after.append(f"{prefix}_a{k}.npy")
            np.save(os.path.join(folder, after[-1]), arg, allow_pickle=False)
        value = None if outcome.error else _encode(outcome.value, folder, prefix, [0])
        outcomes.append({"error": outcome.error, "value": value, "args_after": after})
    # Written last and renamed into place: the grader reads a complete reply or none.
    partial = os.path.join(folder, "reply.json.part")
    with open(partial, "w", encoding="utf-8") as f:
        json.dump({"outcomes": outcomes}, f)
    os.replace(partial, os.path.join(folder, "reply.json"))

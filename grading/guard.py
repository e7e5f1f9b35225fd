"""The code the grader runs inside the student's kernel (sent as text; see :mod:`grading.kernel_guard`).

This module is never imported by the kernel (the jail holds no copy of this package): the
executor sends its source, the kernel runs it in a private namespace and keeps only the two
functions :func:`define` returns. It uses the standard library and IPython only.
"""


def define(protected, read_only):
    """The kernel's ``snapshot(names)`` and ``restore(nonce)`` (see :mod:`grading.kernel_guard`).

    Parameters
    ----------
    protected : tuple of str
        Module name prefixes whose functions and classes are recorded and restored.
    read_only : tuple of str
        Of those, the modules whose recorded functions cannot be replaced by assignment.
    """
    import builtins as _builtins
    import sys as _sys
    import threading as _threading
    import types as _types

    from IPython import get_ipython

    # Taken now, before any notebook code runs: later lookups could be redirected.
    _ip = get_ipython()
    _FUNCS = (_types.FunctionType, _types.BuiltinFunctionType, _types.MethodType,
              _types.ModuleType, type, staticmethod, classmethod, property,
              _types.MethodDescriptorType, _types.WrapperDescriptorType,
              _types.BuiltinMethodType, _types.GetSetDescriptorType)
    # IPython swaps these in and out of builtins around every cell.
    _VOLATILE_BUILTINS = {"exit", "quit", "get_ipython", "display", "_", "__", "___",
                          "__IPYTHON__", "copyright", "credits", "license", "help", "input"}
    _SKIP_CLASS_KEYS = {"__dict__", "__weakref__", "__module__", "__doc__", "__qualname__",
                        "__slots__", "__annotations__", "__abstractmethods__", "_abc_impl"}
    _MISSING = object()
    state = {}

    def _is_protected(name):
        return isinstance(name, str) and any(
            name == p or name.startswith(p + ".") for p in protected)

    def _is_read_only(name):
        return any(name == p or name.startswith(p + ".") for p in read_only)

    def _recordable(value):
        return isinstance(value, _FUNCS) or callable(value)

    class _ReadOnlyModule(_types.ModuleType):
        """Module class that refuses to replace the functions recorded by the grader."""

        def __setattr__(self, key, value):
            if key in state.get("frozen", {}).get(self.__name__, ()):
                raise AttributeError(
                    f"{self.__name__}.{key} cannot be replaced while this notebook is graded")
            _types.ModuleType.__setattr__(self, key, value)

        def __delattr__(self, key):
            if key in state.get("frozen", {}).get(self.__name__, ()):
                raise AttributeError(
                    f"{self.__name__}.{key} cannot be deleted while this notebook is graded")
            _types.ModuleType.__delattr__(self, key)

    def snapshot(user_ns_names):
        ip = _ip
        import importlib as _importlib
        for name in ("numpy", "numpy.testing", "math", "unittest.mock", "contextlib"):
            try:  # tests may use these even when the setup cell did not import them
                _importlib.import_module(name)
            except ImportError:
                pass
        if "matplotlib.pyplot" in _sys.modules:
            try:  # pyplot picks its backend (and hooks into IPython) on first use: do it now
                _sys.modules["matplotlib.pyplot"]._get_backend_mod()
            except Exception:  # noqa: BLE001 - only a head start, never required
                pass
        modules = {n: m for n, m in list(_sys.modules.items())
                   if m is not None and _is_protected(n)}
        module_attrs, classes = {}, {}
        for name, mod in modules.items():
            attrs = {}
            for key, value in list(vars(mod).items()):
                if name == "builtins" and key in _VOLATILE_BUILTINS:
                    continue
                if _recordable(value):
                    attrs[key] = value
                if isinstance(value, type) and _is_protected(getattr(value, "__module__", None)):
                    classes[id(value)] = value
            module_attrs[name] = attrs
        class_attrs = {}
        for cls in classes.values():
            try:
                items = dict(vars(cls))
            except TypeError:
                continue
            class_attrs[id(cls)] = (cls, {k: v for k, v in items.items()
                                          if k not in _SKIP_CLASS_KEYS and _recordable(v)})
        objects, tables = [], []
        for obj in (ip, getattr(ip, "kernel", None), getattr(ip, "compile", None),
                    getattr(ip, "events", None), getattr(ip, "input_transformer_manager", None)):
            if obj is not None and hasattr(obj, "__dict__"):
                keep = {k: v for k, v in vars(obj).items() if _recordable(v) or (
                    _is_protected(getattr(type(v), "__module__", None))
                    and type(v).__module__ != "builtins")}
                objects.append((obj, keep))
                # Handler tables (message type -> method), e.g. the kernel's shell_handlers.
                for k, v in vars(obj).items():
                    if isinstance(v, dict) and v and all(callable(x) for x in v.values()):
                        tables.append((f"{type(obj).__name__}.{k}", v, dict(v)))
        state.update(
            modules=modules, module_attrs=module_attrs, class_attrs=class_attrs,
            objects=objects, tables=tables,
            lists=[(getattr(ip, n), list(getattr(ip, n))) for n in
                   ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")
                   if isinstance(getattr(ip, n, None), list)],
            events={k: list(v) for k, v in ip.events.callbacks.items()},
            meta_path=list(_sys.meta_path), path_hooks=list(_sys.path_hooks),
            hooks={"excepthook": _sys.excepthook, "displayhook": _sys.displayhook},
            trace=_sys.gettrace(), profile=_sys.getprofile(),
            user_ns={n: ip.user_ns[n] for n in user_ns_names if n in ip.user_ns},
            threads={t.ident for t in _threading.enumerate()},
            custom_exceptions=ip.custom_exceptions,
        )
        frozen = {}
        for name, mod in modules.items():
            if not _is_read_only(name):
                continue
            frozen[name] = frozenset(module_attrs[name])
            if type(mod) is _types.ModuleType:
                try:
                    mod.__class__ = _ReadOnlyModule
                except TypeError:
                    pass
        state["frozen"] = frozen
        return len(module_attrs)

    def restore(nonce):
        ip = _ip
        fixed = []
        for name, mod in state["modules"].items():
            if _sys.modules.get(name) is not mod:
                _sys.modules[name] = mod
                fixed.append(f"sys.modules[{name!r}]")
            d = vars(mod)
            for key, value in state["module_attrs"][name].items():
                if d.get(key, _MISSING) is not value:
                    d[key] = value
                    fixed.append(f"{name}.{key}")
        for cls, saved in state["class_attrs"].values():
            current = vars(cls)
            for key, value in saved.items():
                if current.get(key, _MISSING) is not value:
                    try:
                        type.__setattr__(cls, key, value)
                        fixed.append(f"{cls.__module__}.{cls.__qualname__}.{key}")
                    except (TypeError, AttributeError):
                        pass
            for key in [k for k in current if k not in saved and k not in _SKIP_CLASS_KEYS]:
                if callable(current[key]) and any(key in vars(base) for base in cls.__mro__[1:]):
                    try:
                        type.__delattr__(cls, key)
                        fixed.append(f"{cls.__module__}.{cls.__qualname__}.{key}")
                    except (TypeError, AttributeError):
                        pass
        for obj, saved in state["objects"]:
            d = vars(obj)
            for key, value in saved.items():
                if d.get(key, _MISSING) is not value:
                    d[key] = value
                    fixed.append(f"{type(obj).__name__}.{key}")
            for key in [k for k in d if k not in saved]:
                if callable(d[key]) and hasattr(type(obj), key):
                    del d[key]
                    fixed.append(f"{type(obj).__name__}.{key}")
        for label, table, saved in state["tables"]:
            if table != saved:
                table.clear()
                table.update(saved)
                fixed.append(label)
        for lst, saved in state["lists"]:
            if lst != saved:
                lst[:] = saved
                fixed.append("IPython transformers")
        callbacks = ip.events.callbacks
        for key, saved in state["events"].items():
            if callbacks.get(key) != saved:
                callbacks[key] = list(saved)
                fixed.append(f"IPython event {key}")
        if ip.custom_exceptions is not state["custom_exceptions"]:
            ip.custom_exceptions = state["custom_exceptions"]
            fixed.append("IPython custom exceptions")
        if _sys.meta_path != state["meta_path"]:
            _sys.meta_path[:] = state["meta_path"]
            fixed.append("sys.meta_path")
        if _sys.path_hooks != state["path_hooks"]:
            _sys.path_hooks[:] = state["path_hooks"]
            fixed.append("sys.path_hooks")
        for key, value in state["hooks"].items():
            if getattr(_sys, key) is not value:
                setattr(_sys, key, value)
                fixed.append(f"sys.{key}")
        if _sys.gettrace() is not state["trace"]:
            _sys.settrace(state["trace"])
            fixed.append("sys.settrace")
        if _sys.getprofile() is not state["profile"]:
            _sys.setprofile(state["profile"])
            fixed.append("sys.setprofile")
        for key, value in state["user_ns"].items():
            if ip.user_ns.get(key, _MISSING) is not value:
                ip.user_ns[key] = value
                fixed.append(f"notebook name {key!r}")
        # Threads started by notebook code (their target was defined in the notebook).
        threads = [t.name for t in _threading.enumerate()
                   if t.ident not in state["threads"] and t.is_alive()
                   and getattr(getattr(t, "_target", None), "__module__", "__main__") == "__main__"
                   and type(t).__module__ in ("threading", "__main__")]
        return {"nonce": nonce, "fixed": sorted(set(fixed)), "threads": threads}

    return snapshot, restore

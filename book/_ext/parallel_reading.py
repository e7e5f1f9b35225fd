"""Let Sphinx read, and so execute, two or more chapters at once (``-j``).

Sphinx falls back to reading serially when one extension does not declare itself safe for
parallel reading. Two that Jupyter Book always loads do not declare it, though they keep no
state per document:

- ``sphinx_multitoc_numbering`` only replaces TocTreeCollector.assign_section_numbers, which
  Sphinx calls once after reading, in the main process;
- ``sphinx_jupyterbook_latex`` only adds transforms that act for the LaTeX builder.

myst-nb's execution cache (jupyter-cache, an SQLite file) is created on first use; two readers
starting together on a clean build would both create its tables, so it is created here first.

Kernels talk to the build over Unix sockets (``ipc``), not TCP ports: over TCP, jupyter_client
picks free ports by opening and closing them, and a kernel started at the same moment by
another reader can take the same port first ("Address already in use"). Each kernel's ``ipc``
sockets get a name of their own, an absolute path (the kernel runs in its chapter's folder,
the build elsewhere).
"""

import os
import secrets

import nbclient.client
from jupyter_cache import get_cache
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir
from traitlets import default

UNDECLARED_BUT_SAFE = ("sphinx_multitoc_numbering", "sphinx_jupyterbook_latex")


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels listen on Unix sockets named after the kernel."""

    @default("transport")
    def _default_transport(self):
        return "ipc"

    @default("ip")
    def _default_ip(self):
        # The sockets are <ip>-<n>; jupyter_client removes them when the kernel stops.
        runtime = jupyter_runtime_dir()
        os.makedirs(runtime, exist_ok=True)
        return os.path.join(runtime, f"kernel-{secrets.token_hex(8)}-ipc")


class IPCNotebookClient(nbclient.client.NotebookClient):
    """nbclient's notebook client with :class:`IPCKernelManager` as its kernel manager."""

    @default("kernel_manager_class")
    def _default_kernel_manager_class(self):
        return IPCKernelManager


def use_ipc_kernels():
    """Make every notebook executed in this process (and its workers) use IPC kernels.

    myst-nb and jupyter-cache offer no option to pass a kernel manager or its transport down
    to nbclient (they call ``nbclient.client.execute``), so the client class that function
    builds is swapped for the subclass above. Unix sockets do not exist on Windows: there
    the build keeps TCP.
    """
    if os.name == "posix":
        nbclient.client.NotebookClient = IPCNotebookClient


def create_execution_cache(app, env, docnames):
    if env.mystnb_config.execution_mode == "cache":
        get_cache(env.mystnb_config.execution_cache_path).db  # noqa: B018 (creates the file)


def setup(app):
    for name in UNDECLARED_BUT_SAFE:
        app.setup_extension(name)
        extension = app.extensions[name]
        extension.parallel_read_safe = True
        extension.parallel_write_safe = True
    use_ipc_kernels()
    app.connect("env-before-read-docs", create_execution_cache)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Let Sphinx read, and so execute, two or more chapters at once (``-j``).

Sphinx falls back to reading serially when one extension does not declare itself safe for
parallel reading. Two that Jupyter Book always loads do not declare it, though they keep no
state per document:

- ``sphinx_multitoc_numbering`` only replaces TocTreeCollector.assign_section_numbers, which
  Sphinx calls once after reading, in the main process;
- ``sphinx_jupyterbook_latex`` only adds transforms that act for the LaTeX builder.

myst-nb's execution cache (jupyter-cache, an SQLite file) is created on first use; two readers
starting together on a clean build would both create its tables, so it is created here first.
"""

from jupyter_cache import get_cache

UNDECLARED_BUT_SAFE = ("sphinx_multitoc_numbering", "sphinx_jupyterbook_latex")


def create_execution_cache(app, env, docnames):
    if env.mystnb_config.execution_mode == "cache":
        get_cache(env.mystnb_config.execution_cache_path).db  # noqa: B018 (creates the file)


def setup(app):
    for name in UNDECLARED_BUT_SAFE:
        app.setup_extension(name)
        extension = app.extensions[name]
        extension.parallel_read_safe = True
        extension.parallel_write_safe = True
    app.connect("env-before-read-docs", create_execution_cache)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

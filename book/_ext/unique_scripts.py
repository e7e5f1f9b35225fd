"""Sphinx extension: drop repeated inline scripts from the HTML pages.

With this toolchain (Jupyter Book 1.0 on Sphinx 7.4) the inline configuration scripts of
sphinx-thebe and sphinx-togglebutton are emitted twice per page. The repeated
``const THEBE_JS_URL = ...`` is a JavaScript SyntaxError in every browser console. This
extension keeps the first copy of each script (same file, same attributes, same inline body).
"""

from sphinx.application import Sphinx


def _script_key(script):
    # An inline script's filename is None when added directly and "" when re-added from
    # the registry: both mean "no file".
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items()))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    """Keep the first of each identical script in ``context["script_files"]``, in order."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app: Sphinx):
    # Late priority: run after the theme and extensions have added their per-page scripts.
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Sphinx extension: buttons that point at the public repository only when it is known.

The repository's address is set in one place, ``repository: url:`` in ``_config.yml`` (Jupyter
Book hands it to the theme as ``html_theme_options["repository_url"]``). While that address is
unset or still the placeholder, a button pointing at it would lead nowhere, so this extension
switches off the repository, issues, edit and source buttons and the Binder launch button.
With a real address it switches the first three on. The download buttons need no repository
and stay: the theme offers the executed notebook (.ipynb) only when a launch button is
configured, so without one this extension publishes that notebook itself.
"""

from pathlib import Path
from shutil import copy2

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

#: The address _config.yml carries until the course is published somewhere.
PLACEHOLDER_URL = "https://github.com/OWNER/REPOSITORY"
#: Theme options of the buttons that link into the repository.
REPOSITORY_BUTTONS = ("use_repository_button", "use_issues_button", "use_edit_page_button")


def repository_url(theme_options):
    """The configured repository address, or None when it is unset or the placeholder.

    Parameters
    ----------
    theme_options : dict
        ``html_theme_options`` as Jupyter Book wrote them from ``_config.yml``.

    Returns
    -------
    url : str or None
        The address without a trailing slash, or None.
    """
    url = str(theme_options.get("repository_url") or "").strip().rstrip("/")
    if not url or url.lower() == PLACEHOLDER_URL.lower():
        return None
    return url


def configure_buttons(app: Sphinx, config: Config):
    """Turn the repository buttons on for a real address, off (with Binder) otherwise."""
    options = config.html_theme_options
    url = repository_url(options)
    for button in REPOSITORY_BUTTONS:
        options[button] = url is not None
    options["use_source_button"] = False  # the edit button already shows the source
    if url is None:
        launch = dict(options.get("launch_buttons") or {})
        for key in ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url"):
            launch.pop(key, None)
        options["launch_buttons"] = launch
        options.pop("repository_url", None)
        LOGGER.info("repository_buttons: no repository address in _config.yml; "
                    "repository, issues, edit and Binder buttons left out")
    else:
        options["repository_url"] = url


def offer_notebook_download(app: Sphinx, pagename, templatename, context, doctree):
    """Without launch buttons, copy a MyST page's executed notebook to ``_sources/`` and point
    the theme's download button at it (the theme does this only for launch buttons)."""
    if repository_url(app.config.html_theme_options) is not None or doctree is None:
        return
    if "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app: Sphinx):
    # Early priority: before the theme reads its options.
    app.connect("config-inited", configure_buttons, priority=100)
    # Before the theme builds its header buttons (priority 501).
    app.connect("html-page-context", offer_notebook_download, priority=500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

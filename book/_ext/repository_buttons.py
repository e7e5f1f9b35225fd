"""Sphinx extension: buttons that point at the public repository only when it is known.

The repository's address is set in one place, ``repository: url:`` in ``_config.yml`` (Jupyter
Book hands it to the theme as ``html_theme_options["repository_url"]``). While that address is
unset or still the placeholder, a button pointing at it would lead nowhere, so this extension
switches off the repository, issues, edit and source buttons and the Binder launch button.
With a real address it switches the first three on. The download button needs no repository
and stays.
"""

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


def setup(app: Sphinx):
    # Early priority: before the theme reads its options.
    app.connect("config-inited", configure_buttons, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

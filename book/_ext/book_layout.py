"""Sphinx extension: the book's own style sheet (book/_ext/static/book_layout.css).

Kept beside the extension so that the layout rules ship with the code that adds them.
"""

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

STATIC = Path(__file__).resolve().parent / "static"


def add_static_path(app: Sphinx, config: Config):
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def setup(app: Sphinx):
    app.connect("config-inited", add_static_path)
    app.add_css_file("book_layout.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}

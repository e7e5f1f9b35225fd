"""Old home of the source documents' published figures: now
`mnistlib.reproductions.published`, beside the recipes; this name re-exports them."""

from .reproductions.published import SOURCES

__all__ = ["SOURCES"]

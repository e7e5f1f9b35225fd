"""The four MNIST files, their checksums, the download mirrors and the cache folder.

Everything that names *where* MNIST comes from lives in this one module.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import MappingProxyType

#: Environment variable naming a folder that holds the four original MNIST files
#: (read in place; nothing is downloaded when it is set).
ENV_DATA = "MNISTLIB_DATA"
#: Environment variable overriding the user cache folder (default: ``pooch.os_cache("mnistlib")``).
ENV_CACHE = "MNISTLIB_CACHE"
#: Environment variable overriding the mirror list (comma-separated base URLs, tried in order).
ENV_MIRRORS = "MNISTLIB_MIRRORS"

#: The four original MNIST files (IDX format, gzip-compressed) and their SHA-256 checksums.
MNIST_FILES = MappingProxyType(
    {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }
)

#: Size in bytes of each original file (what a mirror's Content-Length must say).
FILE_SIZES = MappingProxyType(
    {
        "train-images-idx3-ubyte.gz": 9_912_422,
        "train-labels-idx1-ubyte.gz": 28_881,
        "t10k-images-idx3-ubyte.gz": 1_648_877,
        "t10k-labels-idx1-ubyte.gz": 4_542,
    }
)

#: SHA-256 of each file's decoded content (the uint8 array's bytes in C order): the decoded
#: ``.npy`` cache is named after it and checked against it on every load.
DECODED_SHA256 = MappingProxyType(
    {
        "train-images-idx3-ubyte.gz": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
        "train-labels-idx1-ubyte.gz": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
        "t10k-images-idx3-ubyte.gz": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
        "t10k-labels-idx1-ubyte.gz": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
    }
)

#: What each file holds: (kind, shape of the decoded array).
FILE_LAYOUT = MappingProxyType(
    {
        "train-images-idx3-ubyte.gz": ("images", (60000, 28, 28)),
        "train-labels-idx1-ubyte.gz": ("labels", (60000,)),
        "t10k-images-idx3-ubyte.gz": ("images", (10000, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": ("labels", (10000,)),
    }
)

#: Public mirrors of the original files, tried in this order.
DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


def mirrors() -> tuple[str, ...]:
    """Return the base URLs to download from, in the order they are tried.

    Returns
    -------
    urls : tuple of str
        ``$MNISTLIB_MIRRORS`` split at commas when that variable is set and not empty,
        else :data:`DEFAULT_MIRRORS`. Every URL ends with ``/``.
    """
    raw = os.environ.get(ENV_MIRRORS, "").strip()
    urls = [u.strip() for u in raw.split(",") if u.strip()] if raw else list(DEFAULT_MIRRORS)
    return tuple(u if u.endswith("/") else u + "/" for u in urls)


def cache_dir() -> Path:
    """Return the user cache folder for downloads and decoded arrays (not created here).

    Returns
    -------
    path : pathlib.Path
        ``$MNISTLIB_CACHE`` when set and not empty, else ``pooch.os_cache("mnistlib")``
        (on Linux ``~/.cache/mnistlib``).
    """
    env = os.environ.get(ENV_CACHE, "").strip()
    if env:
        return Path(env).expanduser()
    import pooch  # imported lazily: it takes ~0.1 s and is only needed here and for downloads

    return Path(pooch.os_cache("mnistlib"))


def data_dir_from_env() -> Path | None:
    """Return ``$MNISTLIB_DATA`` as a path, or None when it is unset or empty."""
    env = os.environ.get(ENV_DATA, "").strip()
    return Path(env).expanduser() if env else None

"""Where things live: the bundled decks and derivations, the user's data and cache.

The bundled content sits at the top of the source tree (``questions/``,
``derivations/``) and inside the wheel at ``dlstudy/_content/``; both layouts
are found without importing anything heavy.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def content_root() -> Path:
    """The folder that holds the bundled ``questions/`` and ``derivations/``."""
    installed = _PACKAGE / "_content"
    if (installed / "questions").is_dir():
        return installed
    return _PACKAGE.parent


def bundled_questions() -> Path:
    return content_root() / "questions"


def bundled_derivations() -> Path:
    return content_root() / "derivations"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The user's data folder: ``--data-dir``, then ``DLSTUDY_HOME``, then the platform's."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("DLSTUDY_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("dlstudy", appauthor=False))


def cache_dir(data: Path | None = None) -> Path:
    """Proof results are cached here; deleting it only costs a re-run."""
    env = os.environ.get("DLSTUDY_CACHE")
    if env:
        return Path(env).expanduser()
    if data is not None or os.environ.get("DLSTUDY_HOME"):
        return (data or data_dir()) / "cache"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("dlstudy", appauthor=False))

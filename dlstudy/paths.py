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


def data_dir_origin(override: str | os.PathLike[str] | None = None) -> str:
    """Where :func:`data_dir` took the folder from, for messages."""
    if override:
        return "--data-dir"
    return "DLSTUDY_HOME" if os.environ.get("DLSTUDY_HOME") else "the platform's data folder"


def cache_dir(data: Path | None = None) -> Path:
    """Proof results and the parsed library are cached here; deleting it only costs a re-run.

    ``DLSTUDY_CACHE``, else ``cache/`` inside the data folder (``data``, else :func:`data_dir`).
    """
    env = os.environ.get("DLSTUDY_CACHE")
    if env:
        return Path(env).expanduser()
    return (data or data_dir()) / "cache"


def cache_dir_origin() -> str:
    return "DLSTUDY_CACHE" if os.environ.get("DLSTUDY_CACHE") else "the data folder"


class FolderError(OSError):
    """A folder dlstudy must write to is a file, or cannot be created."""


def usable_folder(folder: Path, what: str, origin: str) -> Path:
    """``folder``, created if missing; :class:`FolderError` (saying what to change) if it cannot be.

    ``what`` names the folder ("data folder"), ``origin`` where its path came from
    ("DLSTUDY_HOME", "--data-dir").
    """
    if origin.startswith(("--", "DLSTUDY_")):
        fix = f"point {origin} at a folder you can write to"
    else:
        fix = "set DLSTUDY_HOME (or --data-dir) to a folder you can write to"
    if folder.is_dir():
        return folder
    if folder.exists() or folder.is_symlink():
        raise FolderError(f"the {what} {folder} (from {origin}) is not a folder; {fix}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FolderError(f"cannot create the {what} {folder} (from {origin}): {reason}; {fix}") \
            from None
    return folder

"""User settings: language and friends, from the environment and the locale."""

from __future__ import annotations

import locale
import os


def default_lang() -> str:
    """``DLSTUDY_LANG``, else the locale: zh for a Chinese locale, otherwise en."""
    env = os.environ.get("DLSTUDY_LANG", "").lower()
    if env in ("en", "zh"):
        return env
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "zh" if loc.lower().startswith("zh") else "en"

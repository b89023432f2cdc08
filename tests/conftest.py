from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data dir, so no test touches the user's reviews or cache."""
    home = tmp_path_factory.mktemp("dlstudy-home")
    for name in [n for n in os.environ if n.startswith("DLSTUDY_")]:  # the user's own settings
        monkeypatch.delenv(name)
    monkeypatch.setenv("DLSTUDY_HOME", str(home))
    monkeypatch.setenv("DLSTUDY_LANG", "en")
    return home


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


GOOD_CARD = """  - id: user-card
    title: {en: A user card, zh: 用户卡片}
    question: {en: Why?, zh: 为什么？}
    answer: {en: Because., zh: 因为。}
    derivations: [user_proof]
"""

GOOD_DERIVATION = '''
"""A user's own derivation."""
TITLE = {"en": "User proof", "zh": "用户证明"}
CLAIMS = [{"en": "1 + 1 = 2", "zh": "1 + 1 = 2"}]


def derive(p):
    import sympy as sp

    x = sp.Symbol("x")
    p.identity("d/dx x² = 2x", sp.diff(x**2, x), 2 * x)


def experiment(p):
    p.close("1 + 1", 1 + 1, 2)
'''

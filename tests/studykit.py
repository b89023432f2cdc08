"""Helpers for the study-session tests: a small deck of one's own, a fake clock, the CLI in-process."""

from __future__ import annotations

import os
import sqlite3
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from dlstudy.scheduler import UTC, to_us

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "drill"


def drill_deck(folder: Path, n: int = 3, topic: str = TOPIC, question: str = "What is {i} + {i}?") -> Path:
    """A deck of ``n`` cards ``drill-01``… in ``folder/questions`` (pass ``folder`` as DLSTUDY_DECKS)."""
    lines = [f"topic: {topic}", "title: {en: Drill, zh: 练习}", "cards:"]
    for i in range(1, n + 1):
        q = question.format(i=i)
        lines += [f"  - id: {topic}-{i:02d}",
                  f"    title: {{en: Card {i}, zh: 卡片 {i}}}",
                  f"    tags: [{'even' if i % 2 == 0 else 'odd'}]",
                  f"    question: {{en: '{q}', zh: '{q}'}}",
                  f"    answer: {{en: 'It is {2 * i}.', zh: '等于 {2 * i}。'}}"]
    path = folder / "questions" / f"{topic}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Clock:
    """A clock the test moves: returns epoch µs (for ``Store``) or datetimes (for ``Session``)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def us(self) -> int:
        return to_us(self.now)

    def dt(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def shared_cache(factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """One library cache for all tests (it is keyed per file): the bundled decks and
    derivations are parsed once, not once per test."""
    global _CACHE
    if _CACHE is None:
        _CACHE = factory.mktemp("dlstudy-cache")
    monkeypatch.setenv("DLSTUDY_CACHE", str(_CACHE))


_CACHE: Path | None = None


def invoke(args: list[str], script: str = "") -> Result:
    """Run the CLI in this process with ``script`` as piped input (one command per line)."""
    from dlstudy.cli import app

    return CliRunner().invoke(app, args, input=script, catch_exceptions=False)


def log(home: Path) -> list[tuple[str, int]]:
    """(card id, rating) of every review in the log of ``home``, in order."""
    with sqlite3.connect(home / "reviews.sqlite3") as conn:
        return conn.execute("SELECT c.id, r.rating FROM reviews r JOIN cards c ON c.number = r.card "
                            "ORDER BY r.id").fetchall()


def states(home: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(home / "reviews.sqlite3") as conn:
        return conn.execute("SELECT * FROM card_state ORDER BY card").fetchall()


def subprocess_env(home: Path, decks: Path) -> dict[str, str]:
    env = dict(os.environ, DLSTUDY_HOME=str(home), DLSTUDY_DECKS=str(decks), DLSTUDY_LANG="en",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("COLUMNS", None)
    return env


PYTHON = sys.executable


_RUNS: dict[tuple[str, bool], dict[str, object]] = {}


def quick_run(derivation_id: str, myth: bool = False) -> dict[str, object]:
    """One bundled derivation's quick CPU run (``myth``: the counterfactual run), made once per
    test session: the derivation tests and the snapshot tests share it."""
    key = (derivation_id, myth)
    if key not in _RUNS:
        from dlstudy import paths
        from dlstudy.runner import run_one

        path = paths.bundled_derivations() / f"{derivation_id}.py"
        _RUNS[key] = run_one(derivation_id, str(path), derivation_id, "cpu", "quick", myth=myth)
    return _RUNS[key]


def check_against_closed_form(
    name: str, closed_form: Any, draws: int, *, rel_tol: float = 1e-9, abs_tol: float = 1e-12,
    exact_int_type: bool = True, shown: Any = None, wrong: Any = None, extra: Any = None,
    same_draw: bool = True, variety_key: Any = repr, min_variety: int = 10,
) -> None:
    """Draw exercise ``name`` for seeds 0…draws−1 and hold each draw to an independent closed
    form, the shared part of every topic's exercise test:

    the expected answer equals ``closed_form(params)`` (integers exactly, reals within
    ``rel_tol``/``abs_tol``); ``shown(exercise)`` — strings of which one must appear in the worked
    solution; ``wrong(exercise)`` — answers that must be rejected; the expected answer itself is
    accepted; both languages have a prompt and a solution; a seed draws the same exercise again;
    ``extra(exercise, seed)`` — a topic's own checks; and the draws vary (``min_variety``).
    """
    import math

    from dlstudy import exercises

    variety = set()
    for seed in range(draws):
        exercise = exercises.draw(name, seed)
        closed = closed_form(exercise.params)
        if exercise.answer_type == "integer":
            assert exercise.expected == closed, (seed, exercise.params, exercise.expected, closed)
            if exact_int_type:
                assert isinstance(exercise.expected, int), (seed, exercise.expected)
        else:
            assert isinstance(exercise.expected, float)
            assert math.isclose(exercise.expected, closed, rel_tol=rel_tol, abs_tol=abs_tol), (
                seed, exercise.params, exercise.expected, closed)
        if shown is not None:
            assert any(s in exercise.solution.en for s in shown(exercise)), (seed, exercise.solution.en)
        for answer in wrong(exercise) if wrong is not None else ():
            assert not exercise.check(answer), (seed, exercise.expected, answer)
        assert exercise.check(exercise.expected)
        assert exercise.prompt.en and exercise.prompt.zh and exercise.solution.en and exercise.solution.zh
        if same_draw:
            assert exercise == exercises.draw(name, seed)
        if extra is not None:
            extra(exercise, seed)
        variety.add(variety_key(exercise.expected))
    assert len(variety) >= min_variety, f"{name} draws too few different answers: {len(variety)}"

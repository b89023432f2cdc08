"""The optimisation exercises: each generator, drawn for many seeds, agrees with a closed form written
here from the drawn parameters alone, and its own answer is accepted."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from dlstudy import exercises
from dlstudy.exercises import r
from tests.studykit import check_against_closed_form

DRAWS = 40


def momentum(p: dict[str, Any]) -> float:
    w, b = float(p["w0"]), 0.0
    for t, g in enumerate(p["grads"]):
        b = g if t == 0 else p["momentum"] * b + (1 - p["dampening"]) * g
        w -= p["lr"] * (g + p["momentum"] * b if p["nesterov"] else b)
    return w


def adam(p: dict[str, Any]) -> float:
    (b1, b2), w, m, v = p["betas"], float(p["w0"]), 0.0, 0.0
    for t, g in enumerate(p["grads"], 1):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        w -= p["lr"] * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + 1e-8)
    return w


def adaptive(p: dict[str, Any]) -> float:
    w, acc = float(p["w0"]), 0.0
    adagrad = p["optimizer"] == "Adagrad"
    for g in p["grads"]:
        acc = acc + g * g if adagrad else p["alpha"] * acc + (1 - p["alpha"]) * g * g
        w -= p["lr"] * g / (math.sqrt(acc) + (1e-10 if adagrad else 1e-8))
    return w


def schedule(p: dict[str, Any]) -> float:
    base, t = p["base"], p["t"]
    if p["kind"] == "StepLR":
        return base * p["gamma"] ** (t // p["step_size"])
    if p["kind"] == "ExponentialLR":
        return base * p["gamma"] ** t
    if p["kind"] == "CosineAnnealingLR":
        return p["eta_min"] + (base - p["eta_min"]) * (1 + math.cos(math.pi * t / p["T_max"])) / 2
    total = p["total_steps"]
    up = 0.3 * total - 1
    start, end, pct = (base / 25, base, t / up) if t <= up else (base, base / 25 / 1e4, (t - up) / (total - 1 - up))
    return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)


def accumulation(p: dict[str, Any]) -> float:
    total, start, k = 0.0, 0, len(p["sizes"])
    for size in p["sizes"]:
        total += -sum(p["y"][start:start + size]) / size / (k if p["scale"] == "1/k" else 1)
        start += size
    return total


CLOSED_FORMS: dict[str, Callable[[dict[str, Any]], float]] = {
    "opt_momentum_steps": momentum,
    "opt_adam_steps": adam,
    "opt_adaptive_steps": adaptive,
    "opt_scheduler_lr": schedule,
    "opt_accumulation_scale": accumulation,
}


def test_every_opt_generator_has_a_closed_form() -> None:
    assert {n for n in exercises.names() if n.startswith("opt_")} == set(CLOSED_FORMS)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_opt_generator_agrees_with_the_closed_form(name: str) -> None:
    def three_figures(e: Any, seed: int) -> None:
        assert e.answer_type != "integer"
        assert e.check(float(r(e.expected, 3))), (seed, e.expected)  # 3 figures accepted

    check_against_closed_form(
        name, CLOSED_FORMS[name], DRAWS, rel_tol=1e-7, abs_tol=1e-9,
        shown=lambda e: {r(e.expected), r(e.expected, 5), r(round(e.expected, 6))},
        wrong=lambda e: [e.expected + 0.05 * abs(e.expected) + 0.01], extra=three_figures,
        same_draw=False, variety_key=lambda x: round(x, 9))


def test_accumulation_exercise_says_when_it_equals_the_big_batch() -> None:
    for seed in range(DRAWS):
        exercise = exercises.draw("opt_accumulation_scale", seed)
        p = exercise.params
        big = -sum(p["y"]) / sum(p["sizes"])
        same = math.isclose(exercise.expected, big, abs_tol=1e-12)
        assert ("not the big-batch" not in exercise.solution.en) == same
        if p["scale"] == "1/k" and len(set(p["sizes"])) == 1:
            assert same

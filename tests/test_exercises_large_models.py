"""The large-models exercise generators: each draw's answer (read off real torch objects or a simulated
schedule) equals an independent closed form written here from the drawn numbers alone, and typing it
as the solution shows it is accepted."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from dlstudy import exercises
from dlstudy.exercises import ATOL, r, significant
from tests.studykit import check_against_closed_form

DRAWS = 30


def gpt_params(p: dict[str, Any]) -> int:
    d = p["d"]
    return (p["L"] * (12 * d * d + 13 * d) + p["V"] * d + p["n_ctx"] * d + 2 * d
            + (0 if p["tied"] else p["V"] * d))


def training_flops(p: dict[str, Any]) -> float:
    d, L = p["d"], p["L"]
    return float((6 * (12 * L * d * d + p["V"] * d) + 12 * L * p["n_ctx"] * d) * p["tokens"])


def training_days(p: dict[str, Any]) -> float:
    return 6 * p["N"] * p["D"] / (p["gpus"] * p["peak_tflops"] * 1e12 * p["mfu"]) / 86400


def adam_memory(p: dict[str, Any]) -> float:
    return {"fp32_adam": 16, "mixed_adam": 16, "fp32_momentum": 12}[p["mode"]] * p["N"] / 1e9


def zero_memory(p: dict[str, Any]) -> float:
    psi, nd, K = p["psi"], p["nd"], 12
    shard = math.ceil(psi / nd)  # torch.chunk's largest piece
    return {0: (4 + K) * psi, 1: 4 * psi + K * shard, 2: 2 * psi + (2 + K) * shard,
            3: (4 + K) * shard}[p["stage"]] / 1e9


CLOSED_FORMS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "lm_gpt_params": gpt_params,
    "lm_training_flops": training_flops,
    "lm_training_days": training_days,
    "lm_adam_memory": adam_memory,
    "lm_zero_memory": zero_memory,
    "lm_bubble_fraction": lambda p: (p["p"] - 1) / (p["m"] + p["p"] - 1),
}


def test_every_large_models_generator_has_a_closed_form() -> None:
    assert {name for name in exercises.names() if name.startswith("lm_")} == set(CLOSED_FORMS)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_large_models_generator_agrees_with_the_closed_form(name: str) -> None:
    def shown(e: Any) -> tuple[str, ...]:
        return (f"{e.expected:,}",) if e.answer_type == "integer" else (r(e.expected),)

    def reals(e: Any, seed: int) -> None:
        if e.answer_type == "integer":
            return
        assert "(3 significant figures)" in e.prompt.en and "3 位有效数字" in e.prompt.zh
        assert (e.rtol, e.atol) == (significant(3), ATOL)
        value = float(e.expected)
        assert e.check(float(f"{value:.3g}")), seed
        assert not e.check(value * (1 + 1.5e-2)), seed

    check_against_closed_form(name, CLOSED_FORMS[name], DRAWS, abs_tol=0.0, shown=shown,
                              extra=reals, same_draw=False)


def test_a_wrong_parameter_count_is_rejected() -> None:
    exercise = exercises.draw("lm_gpt_params", 3)
    d = exercise.params["d"]
    assert not exercise.check(int(exercise.expected) - 13 * d * exercise.params["L"])  # the 12·L·d² shortcut

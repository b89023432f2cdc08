"""The layer-variant exercise generators (GroupNorm span, separable parameters, a conv output value,
label-smoothed cross-entropy): each answer the real library gave equals an independent closed form
written here from the drawn parameters alone, is accepted when typed back, and the draws vary."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from dlstudy import exercises
from dlstudy.exercises import r
from tests.studykit import check_against_closed_form

DRAWS = 40


def span(p: dict[str, Any]) -> int:
    _, c, h, w = p["shape"]
    return c // p["groups"] * h * w


def separable(p: dict[str, Any]) -> int:
    c, co, k = p["in_channels"], p["out_channels"], p["kernel"]
    return c * k * k + c * co + ((c + co) if p["bias"] else 0)


def conv_value(p: dict[str, Any]) -> int:
    x, w, i, j = p["x"], p["w"], p["row"], p["col"]
    return p["bias"] + sum(w[c][u][v] * x[c][i + u][j + v] for c in range(2) for u in range(2) for v in range(2))


def smoothed(p: dict[str, Any]) -> float:
    z, y, eps = p["logits"], p["target"], p["epsilon"]
    top = max(z)
    lse = top + math.log(sum(math.exp(v - top) for v in z))
    q = [(1 - eps) * (k == y) + eps / len(z) for k in range(len(z))]
    return -sum(qk * (zk - lse) for qk, zk in zip(q, z))


CLOSED_FORMS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "norm2_groupnorm_span": span,
    "cnn2_separable_params": separable,
    "cnn2_conv_value": conv_value,
    "reg2_label_smoothing_loss": smoothed,
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_variant_generator_agrees_with_the_closed_form(name: str) -> None:
    def shown(e: Any) -> tuple[str, ...]:
        return (f"{e.expected:,}",) if e.answer_type == "integer" else (r(e.expected),)

    def wrong(e: Any) -> list[Any]:
        return [] if e.answer_type == "integer" else [e.expected * 1.02 + 0.01]

    check_against_closed_form(name, CLOSED_FORMS[name], DRAWS, shown=shown, wrong=wrong,
                              same_draw=False, min_variety=8)


def test_separable_block_has_fewer_parameters_than_the_standard_conv() -> None:
    for seed in range(DRAWS):
        p = exercises.draw("cnn2_separable_params", seed).params
        assert separable(p) < p["in_channels"] * p["out_channels"] * p["kernel"] ** 2

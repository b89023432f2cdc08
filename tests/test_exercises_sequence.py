"""The sequence-model exercise generators (GLU gradient, JS divergence, additive-attention parameters,
causal-convolution depth): each answer the real library gave equals an independent closed form written
here from the drawn parameters alone, is accepted when typed back, and the draws vary."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from dlstudy import exercises
from tests.studykit import check_against_closed_form

DRAWS = 40


def glu(p: dict[str, Any]) -> float:
    s = 1 / (1 + math.exp(-p["b"]))
    return s if p["wrt"] == "a" else p["a"] * s * (1 - s)


def js(p: dict[str, Any]) -> float:
    total = 0.0
    for a, b in zip(p["P"], p["Q"]):
        m = (a + b) / 2
        total += (a * math.log(a / m) if a else 0.0) + (b * math.log(b / m) if b else 0.0)
    return total / 2


def additive(p: dict[str, Any]) -> int:
    return p["d_a"] * (p["d_s"] + p["d_h"] + 1)


def conv(p: dict[str, Any]) -> int:
    k, length = p["k"], p["length"]
    if p["dilated"]:
        layers = 0
        while k**layers < length:
            layers += 1
        return layers
    return -(-(length - 1) // (k - 1))


CLOSED_FORMS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "rnn2_glu_grad": glu,
    "gen2_js_divergence": js,
    "attn2_additive_params": additive,
    "attn2_conv_layers": conv,
}


def test_every_sequence_generator_has_a_closed_form() -> None:
    mine = {name for name in exercises.names() if name.split("_")[0] in ("rnn2", "gen2", "attn2")}
    assert mine == set(CLOSED_FORMS)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_sequence_generator_agrees_with_the_closed_form(name: str) -> None:
    def wrong(e: Any) -> list[Any]:
        if e.answer_type == "integer":
            return [e.expected + 1]
        return [e.expected * 1.05 + math.copysign(0.01, e.expected)]

    def three_figures(e: Any, seed: int) -> None:
        if e.answer_type != "integer":
            assert e.check(float(f"{e.expected:.3g}")), seed

    check_against_closed_form(name, CLOSED_FORMS[name], DRAWS, wrong=wrong, extra=three_figures)


def test_js_stays_below_log_2() -> None:
    for seed in range(DRAWS):
        exercise = exercises.draw("gen2_js_divergence", seed)
        assert isinstance(exercise.expected, float)
        assert 0 < exercise.expected <= math.log(2) + 1e-12, exercise.params


def test_glu_value_half_is_first() -> None:
    """The answer uses a as the value: a gate-first reading of F.glu would be marked wrong."""
    for seed in range(DRAWS):
        exercise = exercises.draw("rnn2_glu_grad", seed)
        p = exercise.params
        assert isinstance(exercise.expected, float)
        swapped = glu({"a": p["b"], "b": p["a"], "wrt": p["wrt"]})
        if abs(swapped - exercise.expected) > 0.05 * abs(exercise.expected) + 0.01:
            assert not exercise.check(swapped)
            return
    raise AssertionError("no draw where the halves matter")


def test_sequence_prompts_come_before_torch() -> None:
    probe = ("import sys\n"
             "from dlstudy import exercises\n"
             f"for name in {sorted(CLOSED_FORMS)!r}:\n"
             "    assert exercises._begin(name, 3)[1].en, name\n"
             "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

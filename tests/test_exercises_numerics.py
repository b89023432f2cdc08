"""The floating-point and second-order exercises: each generator, drawn for many seeds, agrees with a
closed form written here from the drawn parameters alone, and its own answer is accepted."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest

from dlstudy import exercises
from dlstudy.exercises import r
from tests.studykit import check_against_closed_form

DRAWS = 40


def float_format(p: dict[str, Any]) -> float:
    e, m = p["e"], p["m"]
    bias = 2 ** (e - 1) - 1
    return {"eps": 2.0**-m, "max": (2 - 2.0**-m) * 2.0**bias, "smallest_normal": 2.0 ** (1 - bias),
            "smallest_subnormal": 2.0 ** (1 - bias - m)}[p["quantity"]]


def float_spacing(p: dict[str, Any]) -> float:
    m = {"float16": 10, "bfloat16": 7, "float32": 23}[p["dtype"]]
    x = p["x"]
    # the binade of x after rounding: rounding can carry x up to the next power of two only when x is within
    # half a spacing of it, which none of the drawn values is
    return 2.0 ** (math.floor(math.log2(x)) - m)


def newton_step(p: dict[str, Any]) -> float:
    if p["kind"] == "quadratic":
        a, c, d = Fraction(p["a"]), Fraction(p["c"]), Fraction(p["d"])
        b1, b2 = p["b"]
        return float((d * b1 - c * b2) / (a * d - c * c))  # the minimum H⁻¹b, whatever the start
    x0, a, b = p["start"][0], p["a"], p["b"]
    return x0 - (x0**3 + a * x0 - b) / (3 * x0**2 + a)


def hessian_memory(p: dict[str, Any]) -> float:
    size = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}[p["dtype"]]
    return size * p["n"] ** 2 / 1e9


def gd_factor(p: dict[str, Any]) -> float:
    kappa = p["L"] / p["m"]
    rho = (kappa - 1) / (kappa + 1)
    if p["ask"] == "factor":
        return rho
    return math.ceil(math.log(10.0 ** p["k"]) / math.log(1 / rho) - 1e-9)


CLOSED_FORMS: dict[str, Callable[[dict[str, Any]], float]] = {
    "num_float_format": float_format,
    "num_float_spacing": float_spacing,
    "so_newton_step": newton_step,
    "so_hessian_memory": hessian_memory,
    "so_gd_factor": gd_factor,
}


def test_every_numerics_generator_has_a_closed_form() -> None:
    assert {n for n in exercises.names() if n.startswith(("num_", "so_"))} == set(CLOSED_FORMS)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_numerics_generator_agrees_with_the_closed_form(name: str) -> None:
    def wrong(e: Any) -> list[Any]:
        if e.answer_type == "integer":
            return [int(e.expected) + 1]
        answers = [e.expected + 0.05 * abs(e.expected) + 1e-3 * (e.expected == 0)]
        if e.expected != 0:
            answers.append(0.0)  # 0 is no answer for 2^-133
        return answers

    def three_figures(e: Any, seed: int) -> None:
        if e.answer_type != "integer":
            assert e.check(float(r(e.expected, 3))), (seed, e.expected)  # 3 figures accepted

    # float formats reach 2^-149: an absolute tolerance would make the comparison vacuous there
    check_against_closed_form(
        name, CLOSED_FORMS[name], DRAWS, abs_tol=0.0 if name.startswith("num_") else 1e-12,
        exact_int_type=False, shown=lambda e: {r(float(e.expected)), str(e.expected)},
        wrong=wrong, extra=three_figures, same_draw=False,
        variety_key=lambda x: round(float(x), 12), min_variety=8)


def test_float_format_matches_torch_finfo_where_torch_has_the_dtype() -> None:
    torch = pytest.importorskip("torch")
    for (e, m), name in {(5, 10): "float16", (8, 7): "bfloat16", (8, 23): "float32", (5, 2): "float8_e5m2"}.items():
        fi = torch.finfo(getattr(torch, name))
        p = {"e": e, "m": m}
        assert float_format({**p, "quantity": "max"}) == fi.max
        assert float_format({**p, "quantity": "eps"}) == fi.eps
        assert float_format({**p, "quantity": "smallest_normal"}) == fi.smallest_normal


def test_custom_float_formats_are_decoded_from_their_bits() -> None:
    seen = set()
    for seed in range(200):
        exercise = exercises.draw("num_float_format", seed)
        if (exercise.params["e"], exercise.params["m"]) in {(5, 10), (8, 7), (8, 23), (5, 2)}:
            continue
        assert "bit pattern" in exercise.solution.en
        seen.add(exercise.params["quantity"])
    assert seen == {"eps", "max", "smallest_normal", "smallest_subnormal"}

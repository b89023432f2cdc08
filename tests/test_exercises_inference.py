"""The inference exercise generators: each answer the real library gave equals an independent closed form
written here from the drawn parameters alone, is accepted when typed back, and the draws vary."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from dlstudy import exercises
from dlstudy.exercises import r
from tests.studykit import check_against_closed_form

DRAWS = 40
BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}


def kv_mib(p: dict[str, Any]) -> float:
    return 2 * p["layers"] * p["batch"] * p["seq"] * p["kv_heads"] * p["d_head"] * BYTES[p["dtype"]] / 2**20


def lora(p: dict[str, Any]) -> int:
    d, rank = p["d"], p["rank"]
    per_layer = len(p["targets"]) * rank * 2 * d + (2 * rank * (d + 4 * d) if p["ffn"] else 0)
    return p["layers"] * per_layer


def int8(p: dict[str, Any]) -> int:
    elements = p["rows"] * p["cols"]
    return elements * BYTES[p["source"]] - elements - 4 * (p["rows"] if p["per_channel"] else 1)


def ppl(p: dict[str, Any]) -> float:
    probs = p["probs"]
    return math.prod(1 / q for q in probs) ** (1 / len(probs))


def moe(p: dict[str, Any]) -> int:
    return p["k"] * 2 * p["d"] * p["hidden"] + p["d"] * p["experts"]


CLOSED_FORMS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "inf_kv_cache_bytes": kv_mib,
    "inf_lora_params": lora,
    "inf_int8_saving": int8,
    "inf_perplexity": ppl,
    "inf_moe_active": moe,
}


def test_every_inf_generator_has_a_closed_form() -> None:
    assert {name for name in exercises.names() if name.startswith("inf_")} == set(CLOSED_FORMS)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_inf_generator_agrees_with_the_closed_form(name: str) -> None:
    def shown(e: Any) -> tuple[str, ...]:
        if e.answer_type == "integer":
            return (f"{e.expected:,}",)
        return (r(e.expected), f"{e.expected:,.2f}")

    def wrong(e: Any) -> list[Any]:
        if e.answer_type == "integer":
            return [e.expected + 1]
        return [e.expected * 1.05 + 0.01, -1.0]                 # a wrong answer is not accepted

    def three_figures(e: Any, seed: int) -> None:
        if e.answer_type != "integer":
            assert e.check(float(f"{e.expected:.3g}")), seed     # three figures are accepted

    check_against_closed_form(name, CLOSED_FORMS[name], DRAWS, shown=shown, wrong=wrong,
                              extra=three_figures)


def test_kv_cache_counts_kv_heads_not_query_heads() -> None:
    for seed in range(DRAWS):
        exercise = exercises.draw("inf_kv_cache_bytes", seed)
        p = exercise.params
        if p["kind"] != "MHA":
            with_query_heads = kv_mib({**p, "kv_heads": p["heads"]})
            assert not exercise.check(with_query_heads), p
            return
    raise AssertionError("no GQA/MQA draw in the seeds tried")


def test_inf_prompts_come_before_torch() -> None:
    probe = ("import sys\n"
             "from dlstudy import exercises\n"
             f"for name in {sorted(CLOSED_FORMS)!r}:\n"
             "    assert exercises._begin(name, 3)[1].en, name\n"
             "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

"""The transformer exercise generators: each answer the real library gave equals an independent closed form
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


def mha(p: dict[str, Any]) -> int:
    d = p["d"]
    total = d * d + d * p["kdim"] + d * p["vdim"] + d * d
    total += 4 * d if p["bias"] else 0
    total += 2 * d if p["add_bias_kv"] else 0
    return total


def score_mib(p: dict[str, Any]) -> float:
    size = {"float32": 4, "bfloat16": 2, "float16": 2}[p["dtype"]]
    return p["batch"] * p["heads"] * p["seq"] ** 2 * size / 2 ** 20


def ffn(p: dict[str, Any]) -> int:
    d, hidden = p["d"], p["hidden"]
    if p["swiglu"]:
        return 3 * d * hidden
    return 2 * d * hidden + (hidden + d if p["bias"] else 0)


def weight(p: dict[str, Any]) -> float:
    q, keys = p["q"], p["keys"]
    scores = [sum(a * b for a, b in zip(q, k)) / math.sqrt(len(q)) for k in keys]
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    return exps[p["index"]] / sum(exps)


def online(p: dict[str, Any]) -> float:
    s = p["logits"]
    return sum(math.exp(v - max(s)) for v in s)


def alibi(p: dict[str, Any]) -> float:
    return math.exp(-(2 ** (-8 * p["head"] / p["heads"])) * (p["far"] - p["near"]))


CLOSED_FORMS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "tf_mha_params": mha,
    "tf_score_memory": score_mib,
    "tf_ffn_params": ffn,
    "tf_attention_weight": weight,
    "tf_online_softmax": online,
    "tf_alibi_ratio": alibi,
}


def test_every_tf_generator_has_a_closed_form() -> None:
    assert {name for name in exercises.names() if name.startswith("tf_")} == set(CLOSED_FORMS)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_tf_generator_agrees_with_the_closed_form(name: str) -> None:
    def shown(e: Any) -> set[str]:
        if e.answer_type == "integer":
            return {f"{e.expected:,}"}
        return {r(e.expected), r(e.expected, 5), r(round(e.expected, 6))}

    def reals(e: Any, seed: int) -> None:
        if e.answer_type != "integer":
            assert e.check(float(f"{e.expected:.3g}")), seed   # three figures are accepted
            assert not e.check(e.expected * 1.05 + 0.01), seed  # a wrong answer is not

    check_against_closed_form(name, CLOSED_FORMS[name], DRAWS, shown=shown, extra=reals)


def test_tf_prompts_come_before_torch() -> None:
    probe = ("import sys\n"
             "from dlstudy import exercises\n"
             f"for name in {sorted(CLOSED_FORMS)!r}:\n"
             "    assert exercises._begin(name, 3)[1].en, name\n"
             "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_mha_prompt_names_the_kdim_and_vdim_that_were_counted() -> None:
    # The closed form reads kdim/vdim from the params, so it cannot see a prompt that omits them: read them
    # back from the call shown (absent = d, PyTorch's default). Seed 96 drew kdim = d, vdim = 32.
    import re

    for seed in [96, 98, 239, *range(60)]:
        e = exercises.draw("tf_mha_params", seed)
        call = e.prompt.en
        shown = {k: int(m.group(1)) if (m := re.search(rf"{k}=(\d+)", call)) else e.params["d"]
                 for k in ("kdim", "vdim")}
        assert shown == {"kdim": e.params["kdim"], "vdim": e.params["vdim"]}, (seed, call)

"""Every exercise generator, 100 seeded draws each: the answer the real library gave must equal an
independent closed form written here, from the drawn parameters alone."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dlstudy import exercises
from dlstudy.exercises import Exercise, r

DRAWS = 100
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}


def recurrent(p: dict[str, Any]) -> int:
    dirs = 2 if p["bidirectional"] else 1
    h, total = p["hidden_size"], 0
    for layer in range(p["num_layers"]):
        width = p["input_size"] if layer == 0 else dirs * h
        total += dirs * GATES[p["cell"]] * (h * width + h * h + (2 * h if p["bias"] else 0))
    return total


def normalised(xs: list[float], k: int, gamma: float, beta: float, eps: float) -> float:
    mean = sum(xs) / len(xs)
    var = sum((x - mean) ** 2 for x in xs) / len(xs)
    return gamma * (xs[k] - mean) / math.sqrt(var + eps) + beta


def running_var(p: dict[str, Any]) -> float:
    xs, m = p["x"], p["momentum"]
    mean = sum(xs) / len(xs)
    return (1 - m) * 1.0 + m * sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)


def stat_count(p: dict[str, Any]) -> int:
    n, c, h, _ = p["shape"]
    return {"bn": c, "ln_chw": n, "ln_w": n * c * h, "gn": n * p["groups"]}[p["module"]]


def param_count(p: dict[str, Any]) -> int:
    c, h, w = p["channels"], p["height"], p["width"]
    return {"bn": 2 * c, "bn_noaffine": 0, "ln_chw": 2 * c * h * w, "ln_w": 2 * w, "ln_nobias": w,
            "gn": 2 * c, "in": 0}[p["module"]]


def residual(p: dict[str, Any]) -> float:
    x, grad = p["x0"], 1.0
    for w in p["weights"]:
        t = math.tanh(w * x)
        grad *= 1 + w * (1 - t * t)
        x += t
    return grad


def sgd(p: dict[str, Any]) -> float:
    w, buf = float(p["w0"]), None
    for _ in range(p["steps"]):
        d = p["grad"] + p["weight_decay"] * w
        buf = d if buf is None or not p["momentum"] else p["momentum"] * buf + d
        w -= p["lr"] * buf
    return w


def adam(p: dict[str, Any]) -> float:
    w, g, lr, lam, eps = p["w0"], p["grad"], p["lr"], p["weight_decay"], 1e-8
    if p["optimizer"] == "AdamW":
        w, step_grad = w * (1 - lr * lam), g
    else:
        step_grad = g + lam * w
    m_hat = (1 - 0.9) * step_grad / (1 - 0.9)
    v_hat = (1 - 0.999) * step_grad**2 / (1 - 0.999)
    return w - lr * m_hat / (math.sqrt(v_hat) + eps)


def side(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def conv_shape(p: dict[str, Any]) -> tuple[int, ...]:
    n, _, h, w = p["input"]
    k, s, pad, d = p["kernel"], p["stride"], p["padding"], p["dilation"]
    return n, p["out_channels"], side(h, k, s, pad, d), side(w, k, s, pad, d)


def transposed_shape(p: dict[str, Any]) -> tuple[int, ...]:
    n, _, h, w = p["input"]
    k, s, pad, op = p["kernel"], p["stride"], p["padding"], p["output_padding"]
    return n, p["out_channels"], *((x - 1) * s - 2 * pad + (k - 1) + op + 1 for x in (h, w))


def pool_side(size: int, k: int, s: int, pad: int, ceil: bool) -> int:
    span = size + 2 * pad - k
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= size + pad:  # a window may not start in the right padding
        out -= 1
    return out


def pool_shape(p: dict[str, Any]) -> tuple[int, ...]:
    n, c, h, w = p["input"]
    s = p["stride"] or p["kernel"]
    return n, c, *(pool_side(x, p["kernel"], s, p["padding"], p["ceil_mode"]) for x in (h, w))


def receptive_field(p: dict[str, Any]) -> int:
    field, jump = 1, 1
    for k, s, d in p["layers"]:
        field += (k - 1) * d * jump
        jump *= s
    return field


def softmax_ce(p: dict[str, Any]) -> float:
    z, j = p["logits"], p["index"]
    total = sum(math.exp(v) for v in z)
    return math.exp(z[j]) / total - (1.0 if j == p["target"] else 0.0)


def bce(p: dict[str, Any]) -> float:
    z, y, k = p["logits"], p["labels"], p["index"]
    return (1 / (1 + math.exp(-z[k])) - y[k]) / len(z)


def kl(p: dict[str, Any]) -> float:
    m1, s1, m2, s2 = p["mu1"], p["sigma1"], p["mu2"], p["sigma2"]
    return math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


def init_scale(p: dict[str, Any]) -> float:
    shape = p["shape"]
    field = math.prod(shape[2:])
    fan_in, fan_out = shape[1] * field, shape[0] * field
    xavier = math.sqrt(2 / (fan_in + fan_out))
    return {"xavier_normal_": xavier, "xavier_normal_tanh": 5 / 3 * xavier,
            "xavier_uniform_": math.sqrt(3) * xavier,
            "kaiming_normal_": math.sqrt(2 / fan_in), "kaiming_normal_fan_out": math.sqrt(2 / fan_out),
            "kaiming_uniform_": math.sqrt(6 / fan_in), "default": 1 / math.sqrt(fan_in)}[p["scheme"]]


def dataloader(p: dict[str, Any]) -> int:
    full, rest = divmod(p["size"], p["batch_size"])
    batches = full if p["drop_last"] or rest == 0 else full + 1
    if p["ask"] == "last":
        return p["batch_size"] if p["drop_last"] or rest == 0 else rest
    return batches * (p["epochs"] if p["ask"] == "steps" else 1)


def mlp(p: dict[str, Any]) -> int:
    widths, total = p["widths"], 0
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        last = i == len(widths) - 2
        total += a * b + (b if (p["last_bias"] or not last) else 0)
        total += 2 * b if p["batchnorm"] and not last else 0
    return total


def two_layer(p: dict[str, Any]) -> float:
    z = p["w1"] * p["x"] + p["b1"]
    if p["activation"] == "relu":
        a, da = max(z, 0.0), float(z > 0)
    elif p["activation"] == "sigmoid":
        a = 1 / (1 + math.exp(-z))
        da = a * (1 - a)
    else:
        a = math.tanh(z)
        da = 1 - a * a
    delta = p["w2"] * a + p["b2"] - p["t"]
    return {"w2": delta * a, "b1": delta * p["w2"] * da, "w1": delta * p["w2"] * da * p["x"]}[p["wrt"]]


def clip(p: dict[str, Any]) -> float:
    g = p["grad"]
    norm = math.sqrt(sum(v * v for v in g))
    if p["ask"] == "returned":
        return norm
    return g[p["index"]] * min(1.0, p["max_norm"] / (norm + 1e-6))


CLOSED_FORMS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "rnn_lstm_params": recurrent,
    "rnn_gru_params": recurrent,
    "rnn_elman_params": recurrent,
    "norm_bn_output": lambda p: normalised(p["x"], p["index"], p["gamma"], p["beta"], p["eps"]),
    "norm_ln_output": lambda p: normalised(p["x"], p["index"], p["gamma"], p["beta"], p["eps"]),
    "norm_bn_running_var": running_var,
    "norm_stat_count": stat_count,
    "norm_param_count": param_count,
    "residual_grad": residual,
    "reg_sgd_weight_decay": sgd,
    "reg_adam_vs_adamw": adam,
    "reg_dropout_value": lambda p: p["x"] / (1 - p["p"]) if p["training"] else p["x"],
    "cnn_conv_shape": conv_shape,
    "cnn_conv_params": lambda p: (p["out_channels"] * (p["in_channels"] // p["groups"])
                                  * p["kernel"] ** 2 + (p["out_channels"] if p["bias"] else 0)),
    "cnn_transposed_shape": transposed_shape,
    "cnn_pool_shape": pool_shape,
    "cnn_receptive_field": receptive_field,
    "loss_softmax_ce_grad": softmax_ce,
    "loss_bce_logits_grad": bce,
    "loss_kl_gaussians": kl,
    "init_scale": init_scale,
    "train_dataloader_batches": dataloader,
    "mlp_param_count": mlp,
    "bp_two_layer_grad": two_layer,
    "grad_clip_norm": clip,
}


def _closed_forms_of_every_topic() -> dict[str, Any]:
    """CLOSED_FORMS here and in each topic's own tests/test_exercises_<topic>.py."""
    import importlib

    forms: dict[str, Any] = dict(CLOSED_FORMS)
    for path in sorted(Path(__file__).parent.glob("test_exercises_*.py")):
        forms.update(getattr(importlib.import_module(f"tests.{path.stem}"), "CLOSED_FORMS", {}))
    return forms


def test_there_are_at_least_15_generators_and_each_has_a_closed_form() -> None:
    assert len(exercises.names()) >= 15
    assert set(exercises.names()) == set(_closed_forms_of_every_topic())


def agrees(exercise: Exercise, closed: Any) -> bool:
    if exercise.answer_type in ("integer", "shape"):
        return exercise.expected == closed and type(exercise.expected) is type(closed)
    assert isinstance(exercise.expected, float)
    return math.isclose(exercise.expected, closed, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_generator_agrees_with_the_closed_form_on_100_draws(name: str) -> None:
    closed_form = CLOSED_FORMS[name]
    variety = set()
    for seed in range(DRAWS):
        exercise = exercises.draw(name, seed)
        closed = closed_form(exercise.params)
        assert agrees(exercise, closed), (name, seed, exercise.params, exercise.expected, closed)
        # the user's answer, typed as the solution shows it, is accepted
        assert exercise.check(exercise.expected)
        assert exercise.prompt.en and exercise.prompt.zh and exercise.solution.en and exercise.solution.zh
        assert exercise.seed == seed and exercise.generator == name
        variety.add(repr(exercise.expected))
        if exercise.answer_type == "integer":
            assert f"{exercise.expected:,}" in exercise.solution.en, (seed, exercise.solution.en)
        elif exercise.answer_type == "shape":
            assert "×".join(map(str, exercise.expected)) in exercise.solution.en  # type: ignore[call-overload]
        else:
            assert isinstance(exercise.expected, float)
            shown = {r(exercise.expected), r(exercise.expected, 5), r(round(exercise.expected, 6))}
            assert any(s in exercise.solution.en for s in shown), (seed, exercise.solution.en)
    assert len(variety) >= 10, f"{name} draws too few different answers: {len(variety)}"


def test_a_seed_gives_the_same_exercise_every_time() -> None:
    for name in exercises.names():
        assert exercises.draw(name, 1234) == exercises.draw(name, 1234)


def test_real_answers_accept_three_significant_figures_and_reject_a_wrong_digit() -> None:
    for seed in range(30):
        exercise = exercises.draw("norm_bn_output", seed)
        value = float(exercise.expected)  # type: ignore[arg-type]
        assert exercise.check(float(f"{value:.3g}"))
        assert not exercise.check(value + max(0.02 * abs(value), 0.01))


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_real_answers_are_compared_to_the_figures_the_prompt_asks_for(name: str) -> None:
    """The tolerance is the prompt's "N significant figures", relative however small the value."""
    import re

    from dlstudy.exercises import ATOL, significant

    for seed in range(40):
        exercise = exercises.draw(name, seed)
        if exercise.answer_type not in ("real", "expression"):
            return
        asked = re.search(r"\((?:.*; )?(\d) significant figures\)", exercise.prompt.en)
        assert asked, exercise.prompt.en
        figures = int(asked.group(1))
        assert f"{figures} 位有效数字" in exercise.prompt.zh
        assert (exercise.rtol, exercise.atol) == (significant(figures), ATOL)
        value = float(exercise.expected)  # type: ignore[arg-type]
        assert exercise.check(float(f"{value:.{figures}g}"))
        if abs(value) > 1000 * ATOL:  # a figure off in the last place asked for is wrong
            assert not exercise.check(value * (1 + 1.5 * 10 ** (1 - figures)))
            assert not exercise.check(0.0)


def test_the_prompt_comes_before_torch_is_imported() -> None:
    """A session shows the numbers at once: every generator yields its prompt before torch."""
    probe = ("import sys\n"
             "from dlstudy import exercises\n"
             "for name in exercises.names():\n"
             "    pending = exercises._begin(name, 7)\n"
             "    assert pending[1].en, name\n"
             "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_start_computes_the_answer_in_the_background() -> None:
    pending = exercises.start("rnn_gru_params", 99)
    assert pending.prompt == exercises.draw("rnn_gru_params", 99).prompt
    assert pending.result(timeout=60) == exercises.draw("rnn_gru_params", 99)


def test_an_unknown_generator_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no exercise generator"):
        exercises.draw("rnn_nonexistent", 0)


def test_worked_solutions_bracket_negative_operands_and_read_as_text() -> None:
    """``(-0.5)·(-0.5) + 2``, ``1.5·2.25 + (-1.5)``: never ``·-0.5`` or ``+ -1.5``; no "(s)"."""
    import re

    operand = re.compile(r"[·×/+−-] ?-\d|\(s\)")
    for name in exercises.names():
        for seed in range(60):
            exercise = exercises.draw(name, seed)
            for shown in (exercise.solution.en, exercise.solution.zh, exercise.prompt.en):
                assert not operand.search(shown.replace("e-", "e")), (name, seed, shown)


def test_operands_are_bracketed_when_negative() -> None:
    from dlstudy.exercises import o

    assert f"{o(-0.5)}·{o(-0.5)} + 2" == "(-0.5)·(-0.5) + 2"
    assert f"{o(1.5)}·{o(2.25)} + {o(-1.5)}" == "1.5·2.25 + (-1.5)"
    assert o(-3) == "(-3)" and o(0.0) == "0" and o(-1e-9, 2) == "(-1e-09)"


def test_clip_solution_does_not_claim_the_norm_exceeds_itself_when_it_equals_max_norm() -> None:
    # p.grad = [3, 4] with max_norm = 5: torch still scales, by 5/(5 + 1e-6), just below 1.
    equal = []
    for seed in range(200):
        exercise = exercises.draw("grad_clip_norm", seed)
        norm = math.sqrt(sum(v * v for v in exercise.params["grad"]))
        if exercise.params["ask"] == "component" and math.isclose(norm, exercise.params["max_norm"]):
            equal.append(exercise)
    assert equal, "no draw with ‖g‖ = max_norm in 200 seeds"
    for exercise in equal:
        m = exercise.params["max_norm"]
        assert f"{m} > {m}" not in exercise.solution.en and f"{m} > {m}" not in exercise.solution.zh
        assert "= max_norm" in exercise.solution.en and "= max_norm" in exercise.solution.zh
        assert exercise.check(exercise.expected)


def test_a_loader_with_no_batch_is_never_asked_for_its_last_batch() -> None:
    """drop_last=True with N < B yields no batch: the draw asks len(loader) (= 0), and the worked
    solution says so instead of quoting a full last batch."""
    empty = [e for e in (exercises.draw("train_dataloader_batches", s) for s in range(3000))
             if e.params["drop_last"] and e.params["size"] < e.params["batch_size"]]
    assert empty, "no draw with N < B and drop_last: widen the seed range"
    for e in empty:
        assert e.params["ask"] != "last", e.params
        assert "no batch at all" in e.solution.en and "last batch" not in e.solution.en, e.solution.en
        if e.params["ask"] == "len":
            assert e.expected == 0

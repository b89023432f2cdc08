"""Backprop by hand on a two-layer scalar network, checked by autograd."""

from __future__ import annotations

import math
import random

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, o, r, text

ACTIVATIONS = ("relu", "sigmoid", "tanh")


def _act(name: str, z: float) -> tuple[float, float]:
    if name == "relu":
        return max(z, 0.0), 1.0 if z > 0 else 0.0
    if name == "sigmoid":
        s = 1 / (1 + math.exp(-z))
        return s, s * (1 - s)
    t = math.tanh(z)
    return t, 1 - t * t


@generator("bp_two_layer_grad")
def two_layer_grad(rng: random.Random) -> Drawing:
    while True:
        x, t = rng.choice([-2, -1, -0.5, 0.5, 1, 2]), rng.choice([-1, 0, 0.5, 1, 2])
        w1, b1, w2, b2 = (rng.choice([-1.5, -1, -0.5, 0.5, 1, 1.5, 2]) for _ in range(4))
        act = rng.choice(ACTIVATIONS)
        wrt = rng.choice(["w1", "b1", "w2"])
        if abs(w1 * x + b1) > 0.1:  # keep away from ReLU's kink
            break
    prompt = text(f"y = w2·{act}(w1·x + b1) + b2 with w1 = {w1}, b1 = {b1}, w2 = {w2}, b2 = {b2}; "
                  f"input x = {x}, target t = {t}, loss L = ½(y − t)². What is ∂L/∂{wrt}? "
                  "(3 significant figures)",
                  f"y = w2·{act}(w1·x + b1) + b2，其中 w1 = {w1}、b1 = {b1}、w2 = {w2}、b2 = {b2}；"
                  f"输入 x = {x}，目标 t = {t}，损失 L = ½(y − t)²。∂L/∂{wrt} 是多少？（3 位有效数字）")
    yield prompt

    import torch

    params = {name: torch.tensor(float(v), dtype=torch.float64, requires_grad=True)
              for name, v in (("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2))}
    z_t = params["w1"] * x + params["b1"]
    a_t = getattr(torch, act)(z_t)
    y_t = params["w2"] * a_t + params["b2"]
    (0.5 * (y_t - t) ** 2).backward()
    grad = params[wrt].grad
    assert grad is not None
    expected = float(grad)

    z = w1 * x + b1
    a, da = _act(act, z)
    y = w2 * a + b2
    dy = y - t
    chain = {"w2": f"∂L/∂w2 = δ·a = {o(dy)}·{o(a)} = {r(expected)}",
             "b1": f"∂L/∂b1 = δ·w2·{act}′(z) = {o(dy)}·{o(w2)}·{o(da)} = {r(expected)}",
             "w1": f"∂L/∂w1 = δ·w2·{act}′(z)·x = {o(dy)}·{o(w2)}·{o(da)}·{o(x)} = "
                   f"{r(expected)}"}[wrt]
    forward = (f"forward: z = {o(w1)}·{o(x)} + {o(b1)} = {r(z)}, a = {act}(z) = {r(a)}, "
               f"y = {o(w2)}·{o(a)} + {o(b2)} = {r(y)}")
    return Exercise(
        params={"x": x, "t": t, "w1": w1, "b1": b1, "w2": w2, "b2": b2, "activation": act,
                "wrt": wrt}, prompt=prompt,
        expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(f"{forward}\nδ = ∂L/∂y = y − t = {r(dy)}; {act}′(z) = {r(da)}\n{chain}",
                      f"前向：z = {o(w1)}·{o(x)} + {o(b1)} = {r(z)}，a = {act}(z) = {r(a)}，"
                      f"y = {o(w2)}·{o(a)} + {o(b2)} = {r(y)}\nδ = ∂L/∂y = y − t = {r(dy)}；{act}′(z) = {r(da)}\n"
                      f"{chain}"),
    )

"""Residual stacks: the gradient through x ← x + tanh(w·x), by autograd."""

from __future__ import annotations

import math
import random

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, o, r, text

# What residual_grad draws from (derivations/residual_backprop_jacobian.py enumerates the same grid).
DEPTHS = (2, 3, 4)
WEIGHTS = (-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2)
STARTS = (-1.5, -1, -0.5, 0.25, 0.5, 1, 1.5, 2)


@generator("residual_grad")
def residual_grad(rng: random.Random) -> Drawing:
    depth = rng.randint(DEPTHS[0], DEPTHS[-1])
    weights = [rng.choice(WEIGHTS) for _ in range(depth)]
    x0 = rng.choice(STARTS)
    blocks = " → ".join(f"x ← x + tanh({w}·x)" for w in weights)
    prompt = text(f"A scalar residual stack of {depth} blocks, {blocks}, starts at x₀ = {x0}. "
                  f"What is d(output)/dx₀? (3 significant figures)",
                  f"一个标量残差网络有 {depth} 个块：{blocks}，从 x₀ = {x0} 开始。"
                  "d(输出)/dx₀ 是多少？（3 位有效数字）")
    yield prompt

    import torch

    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    y = x
    for w in weights:
        y = y + torch.tanh(w * y)
    (grad,) = torch.autograd.grad(y, x)
    expected = float(grad)

    xs, factors, plain = [x0], [], 1.0
    for w in weights:
        t = math.tanh(w * xs[-1])
        factors.append(1 + w * (1 - t * t))
        plain *= w * (1 - t * t)
        xs.append(xs[-1] + t)
    lines = "\n".join(f"block {i + 1}: x = {r(xs[i])}, factor 1 + {o(w)}·(1 − tanh²({r(w * xs[i])})) = "
                      f"{r(f)}" for i, (w, f) in enumerate(zip(weights, factors)))
    lines_zh = "\n".join(f"第 {i + 1} 块：x = {r(xs[i])}，因子 1 + {o(w)}·(1 − tanh²({r(w * xs[i])})) = "
                         f"{r(f)}" for i, (w, f) in enumerate(zip(weights, factors)))
    product = " · ".join(o(f) for f in factors)
    return Exercise(
        params={"weights": weights, "x0": x0}, prompt=prompt,
        expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(
            "Each block y = x + F(x) has derivative 1 + F′(x), with F′(x) = w·(1 − tanh²(w·x)); "
            "the chain rule multiplies the factors along the forward values:\n"
            f"{lines}\nd(output)/dx₀ = {product} = {r(expected)}\n"
            f"(The same branches without the shortcuts' 1 would multiply to {r(plain)}.)",
            "每个块 y = x + F(x) 的导数是 1 + F′(x)，其中 F′(x) = w·(1 − tanh²(w·x))；链式法则沿前向的"
            f"取值把各因子相乘：\n{lines_zh}\nd(输出)/dx₀ = {product} = {r(expected)}\n"
            f"（去掉捷径的 1，同样的分支相乘得 {r(plain)}。）"),
    )

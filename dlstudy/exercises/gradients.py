"""Gradient clipping: what torch.nn.utils.clip_grad_norm_ leaves in .grad (and returns)."""

from __future__ import annotations

import math
import random

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, o, r, text


@generator("grad_clip_norm")
def clip_norm(rng: random.Random) -> Drawing:
    size = rng.randint(2, 4)
    g = [rng.choice([-6, -4, -3, -2, -1, 1, 2, 3, 4, 6]) for _ in range(size)]
    max_norm = rng.choice([1, 2, 5, 5, 10, 20])
    j = rng.randrange(size)
    ask = rng.choice(["component", "component", "returned"])
    vector = "[" + ", ".join(str(v) for v in g) + "]"
    if ask == "returned":
        ask_en, ask_zh = "What value does clip_grad_norm_ return?", "clip_grad_norm_ 返回的值是多少？"
    else:
        ask_en = f"What is p.grad[{j}] afterwards (counting from 0)?"
        ask_zh = f"之后 p.grad[{j}]（从 0 开始数）是多少？"
    prompt = text(f"A parameter p has p.grad = {vector}. We call "
                  f"torch.nn.utils.clip_grad_norm_([p], max_norm={max_norm}). {ask_en} "
                  "(3 significant figures)",
                  f"参数 p 的 p.grad = {vector}。调用 torch.nn.utils.clip_grad_norm_([p], "
                  f"max_norm={max_norm})。{ask_zh}（3 位有效数字）")
    yield prompt

    import torch

    p = torch.nn.Parameter(torch.zeros(size, dtype=torch.float64))
    p.grad = torch.tensor(g, dtype=torch.float64)
    total = torch.nn.utils.clip_grad_norm_([p], max_norm)
    expected = float(total) if ask == "returned" else float(p.grad[j])

    norm = math.sqrt(sum(v * v for v in g))
    factor = max_norm / (norm + 1e-6)
    if ask == "returned":
        work = f"it returns the norm BEFORE clipping: ‖g‖ = √({' + '.join(f'{o(v)}²' for v in g)}) = {r(norm)}"
        work_zh = f"它返回裁剪之前的范数：‖g‖ = √({' + '.join(f'{o(v)}²' for v in g)}) = {r(norm)}"
    else:
        if math.isclose(norm, max_norm):  # ‖g‖ = max_norm: the factor is 1 − 1e-6/(‖g‖ + 1e-6), just below 1
            work = (f"‖g‖ = {r(norm)} = max_norm: torch multiplies by min(1, max_norm/(‖g‖ + 1e-6)) = "
                    f"{factor:.7f}, just below 1, so the gradient barely changes: "
                    f"{o(g[j])}·{factor:.7f} = {expected:.7f} ≈ {r(expected)}")
            work_zh = (f"‖g‖ = {r(norm)} = max_norm：torch 乘以 min(1, max_norm/(‖g‖ + 1e-6)) = {factor:.7f}，"
                       f"略小于 1，梯度几乎不变：{o(g[j])}·{factor:.7f} = {expected:.7f} ≈ {r(expected)}")
        elif factor < 1:
            work = (f"‖g‖ = {r(norm)} > {max_norm}: every component is scaled by max_norm/(‖g‖ + 1e-6) = "
                    f"{r(factor)}, keeping the direction: {o(g[j])}·{r(factor)} = {r(expected)}")
            work_zh = (f"‖g‖ = {r(norm)} > {max_norm}：每个分量乘以 max_norm/(‖g‖ + 1e-6) = {r(factor)}，"
                       f"方向不变：{o(g[j])}·{r(factor)} = {r(expected)}")
        else:
            work = f"‖g‖ = {r(norm)} ≤ {max_norm}: the gradient is left unchanged: {g[j]}"
            work_zh = f"‖g‖ = {r(norm)} ≤ {max_norm}：梯度保持不变：{g[j]}"
    return Exercise(
        params={"grad": g, "max_norm": max_norm, "index": j, "ask": ask}, prompt=prompt,
        expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(work, work_zh),
    )

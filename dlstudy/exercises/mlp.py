"""MLP parameter counts, read off a real nn.Sequential."""

from __future__ import annotations

import random

from dlstudy.exercises import Drawing, Exercise, generator, n, text


@generator("mlp_param_count")
def mlp_param_count(rng: random.Random) -> Drawing:
    widths = [rng.choice([2, 10, 32, 100, 784, 1024, 3072])]
    for _ in range(rng.randint(1, 3)):
        widths.append(rng.choice([16, 32, 64, 100, 128, 256, 512]))
    widths.append(rng.choice([1, 2, 10, 100]))
    norm = rng.random() < 0.4
    last_bias = rng.random() < 0.8
    names: list[str] = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        last = i == len(widths) - 2
        bias = last_bias if last else True
        names.append(f"nn.Linear({a}, {b}" + ("" if bias else ", bias=False") + ")")
        if not last:
            names += [f"nn.BatchNorm1d({b})"] if norm else []
            names.append("nn.ReLU()")
    prompt = text(f"How many learnable parameters does nn.Sequential({', '.join(names)}) have?",
                  f"nn.Sequential({', '.join(names)}) 有多少个可学习参数？")
    yield prompt

    import torch

    nn = torch.nn
    layers: list[torch.nn.Module] = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        last = i == len(widths) - 2
        layers.append(nn.Linear(a, b, bias=last_bias if last else True, device="meta"))
        if not last:
            layers += [nn.BatchNorm1d(b, device="meta")] if norm else []
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    count = sum(p.numel() for p in model.parameters())

    terms = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        last = i == len(widths) - 2
        bias = last_bias if last else True
        terms.append(f"Linear({a}, {b}" + ("" if bias else ", bias=False") + f"): {a}·{b}" + (f" + {b}" if bias else "") + f" = {n(a * b + (b if bias else 0))}")
        if norm and not last:
            terms.append(f"BatchNorm1d({b}): γ, β = 2·{b} = {2 * b}")
    body = "\n".join(terms)
    return Exercise(
        params={"widths": widths, "batchnorm": norm, "last_bias": last_bias}, prompt=prompt,
        expected=count, answer_type="integer",
        solution=text(f"A Linear(a, b) has a·b weights and b biases; ReLU has none; BatchNorm1d(b) "
                      f"has γ and β (its running statistics are buffers).\n{body}\ntotal = {n(count)}",
                      f"Linear(a, b) 有 a·b 个权重和 b 个偏置；ReLU 没有参数；BatchNorm1d(b) 有 γ 和 β"
                      f"（滑动统计量是缓冲区）。\n{body}\n合计 = {n(count)}"),
    )

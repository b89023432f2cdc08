"""Optimizer steps with weight decay (SGD, Adam, AdamW) and dropout scaling, run in torch."""

from __future__ import annotations

import math
import random

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, o, r, significant, text


def _sgd(w0: float, g: float, lr: float, momentum: float, decay: float,
         steps: int) -> tuple[float, list[str], list[str]]:
    """The closed form, step by step, for the worked solution (English and Chinese lines)."""
    w, v, lines, lines_zh = w0, 0.0, [], []
    for t in range(1, steps + 1):
        d = g + decay * w
        v = d if t == 1 else momentum * v + d
        new = w - lr * v
        velocity = "" if momentum == 0 else (f", v = {r(v)}" if t == 1 else
                                              f", v = {momentum}·v + d = {r(v)}")
        work = f"d = {g} + {decay}·{o(w)} = {r(d)}{velocity}, w = {r(w)} − {lr}·{o(v)} = {r(new)}"
        lines.append(f"step {t}: {work}")
        lines_zh.append(f"第 {t} 步：{work}")
        w = new
    return w, lines, lines_zh


@generator("reg_sgd_weight_decay")
def sgd_weight_decay(rng: random.Random) -> Drawing:
    while True:
        w0 = rng.choice([-3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 3])
        g = rng.choice([-4, -2, -1, -0.5, 0.5, 1, 2, 3, 4])
        lr = rng.choice([0.01, 0.05, 0.1, 0.2])
        momentum = rng.choice([0, 0, 0.5, 0.9])
        decay = rng.choice([0.01, 0.05, 0.1, 0.5])
        steps = rng.choice([1, 2, 2, 3])
        closed, lines, lines_zh = _sgd(w0, g, lr, momentum, decay, steps)
        if abs(closed) > 0.05:
            break
    args = f"lr={lr}" + (f", momentum={momentum}" if momentum else "") + f", weight_decay={decay}"
    prompt = text(f"A single weight starts at w = {w0}; the loss is L(w) = {g}·w, so ∂L/∂w = {g} "
                  f"at every step. With torch.optim.SGD([w], {args}), what is w after {steps} "
                  f"step{'s' if steps != 1 else ''}? (3 significant figures)",
                  f"一个权重初值 w = {w0}；损失 L(w) = {g}·w，所以每一步 ∂L/∂w = {g}。"
                  f"用 torch.optim.SGD([w], {args})，{steps} 步之后 w 是多少？（3 位有效数字）")
    yield prompt

    import torch

    w = torch.tensor([float(w0)], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr, momentum=momentum, weight_decay=decay)
    for _ in range(steps):
        opt.zero_grad()
        (g * w).sum().backward()
        opt.step()
    expected = float(w.detach()[0])

    rule = ("weight_decay adds λ·w to the gradient (exactly the gradient of the L2 penalty "
            "(λ/2)·w²): d = ∂L/∂w + λ·w")
    rule_zh = "weight_decay 把 λ·w 加到梯度上（正好是 L2 惩罚 (λ/2)·w² 的梯度）：d = ∂L/∂w + λ·w"
    if momentum:
        rule += "; momentum: v = d on the first step, then v = μ·v + d; w ← w − η·v"
        rule_zh += "；动量：第一步 v = d，之后 v = μ·v + d；w ← w − η·v"
    else:
        rule += "; w ← w − η·d"
        rule_zh += "；w ← w − η·d"
    return Exercise(
        params={"w0": w0, "grad": g, "lr": lr, "momentum": momentum, "weight_decay": decay,
                "steps": steps}, prompt=prompt,
        expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(f"{rule}.\n" + "\n".join(lines), f"{rule_zh}。\n" + "\n".join(lines_zh)),
    )


@generator("reg_adam_vs_adamw")
def adam_vs_adamw(rng: random.Random) -> Drawing:
    while True:
        w0 = rng.choice([-3, -2, -1, 1, 1.5, 2, 3])
        g = rng.choice([-2, -1, -0.5, -0.2, 0.2, 0.5, 1, 2])
        lr = rng.choice([0.05, 0.1])
        decay = rng.choice([0.1, 0.5, 1.0])
        decoupled = rng.random() < 0.5
        if abs(g + decay * w0) > 0.05:
            break
    name = "AdamW" if decoupled else "Adam"
    prompt = text(f"A single weight w = {w0} has gradient ∂L/∂w = {g}. What is w after ONE step of "
                  f"torch.optim.{name}([w], lr={lr}, weight_decay={decay}) (default betas, "
                  "eps = 1e-8)? (4 significant figures)",
                  f"一个权重 w = {w0}，梯度 ∂L/∂w = {g}。执行一步 torch.optim.{name}([w], lr={lr}, "
                  f"weight_decay={decay})（默认 betas，eps = 1e-8）之后 w 是多少？（4 位有效数字）")
    yield prompt

    import torch

    w = torch.tensor([float(w0)], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.AdamW if decoupled else torch.optim.Adam
    opt = optimizer([w], lr=lr, weight_decay=decay)
    (g * w).sum().backward()
    opt.step()
    expected = float(w.detach()[0])

    if decoupled:
        shrunk = w0 * (1 - lr * decay)
        work_en = (f"AdamW first shrinks the weight: w·(1 − η·λ) = {o(w0)}·(1 − {lr}·{decay}) = "
                   f"{r(shrunk)}; then the Adam step on the plain gradient. On the first step "
                   f"m̂ = g and v̂ = g², so the step is η·g/(|g| + ε) = η·sign(g) = {lr}·{o(int(math.copysign(1, g)))}.\n"
                   f"w = {r(shrunk)} − {o(lr * math.copysign(1, g))} = {r(expected, 5)}")
        work_zh = (f"AdamW 先收缩权重：w·(1 − η·λ) = {o(w0)}·(1 − {lr}·{decay}) = {r(shrunk)}；再用原梯度做 "
                   f"Adam 步。第一步 m̂ = g、v̂ = g²，所以步长 η·g/(|g| + ε) = η·sign(g) = "
                   f"{lr}·{o(int(math.copysign(1, g)))}。\nw = {r(shrunk)} − {o(lr * math.copysign(1, g))} = "
                   f"{r(expected, 5)}")
    else:
        total = g + decay * w0
        sign = int(math.copysign(1, total))
        work_en = (f"Adam's weight_decay is L2: it adds λ·w to the gradient, g′ = {g} + {decay}·{o(w0)} = "
                   f"{r(total)}. On the first step m̂ = g′ and v̂ = g′², so the step is "
                   f"η·g′/(|g′| + ε) = η·sign(g′): the decay only matters through the sign.\n"
                   f"w = {w0} − {lr}·({sign}) = {r(expected, 5)}")
        work_zh = (f"Adam 的 weight_decay 是 L2：把 λ·w 加到梯度上，g′ = {g} + {decay}·{o(w0)} = {r(total)}。"
                   f"第一步 m̂ = g′、v̂ = g′²，步长为 η·g′/(|g′| + ε) = η·sign(g′)：衰减只通过符号起作用。\n"
                   f"w = {w0} − {lr}·({sign}) = {r(expected, 5)}")
    return Exercise(
        params={"w0": w0, "grad": g, "lr": lr, "weight_decay": decay, "optimizer": name},
        prompt=prompt,
        expected=expected, answer_type="real", rtol=significant(4), atol=ATOL,
        solution=text(work_en, work_zh),
    )


@generator("reg_dropout_value")
def dropout_value(rng: random.Random) -> Drawing:
    p = rng.choice([0.1, 0.2, 0.25, 0.3, 0.5, 0.6])
    x = rng.choice([0.5, 1, 2, 3, 4, 6])
    training = rng.random() < 0.7
    mode = "training" if training else "eval"
    if training:
        ask_en, ask_zh = "the value of an entry that is kept (not zeroed)", "一个被保留（未置零）的元素的值"
    else:
        ask_en, ask_zh = "the value of each output entry", "每个输出元素的值"
    prompt = text(f"nn.Dropout(p={p}) in {mode} mode gets a tensor whose entries are all {x}. "
                  f"What is {ask_en}? (3 significant figures)",
                  f"{'训练' if training else '推理（eval）'}模式下的 nn.Dropout(p={p}) 输入一个所有元素都是 "
                  f"{x} 的张量。{ask_zh}是多少？（3 位有效数字）")
    yield prompt

    import torch

    drop = torch.nn.Dropout(p)
    drop.train(training)
    out = drop(torch.full((256,), float(x), dtype=torch.float64))
    kept = out[out != 0]
    expected = float(kept[0])

    if training:
        work_en = (f"Inverted dropout: in training each entry is zeroed with probability p and the kept "
                   f"ones are scaled by 1/(1 − p), so the expectation is unchanged: "
                   f"{x}/(1 − {p}) = {r(expected)}.")
        work_zh = (f"反向（inverted）dropout：训练时每个元素以概率 p 置零，保留的元素乘以 1/(1 − p)，"
                   f"期望不变：{x}/(1 − {p}) = {r(expected)}。")
    else:
        work_en = (f"In eval mode nn.Dropout is the identity (the scaling happened in training): {x}.")
        work_zh = f"推理（eval）模式下 nn.Dropout 是恒等映射（缩放已在训练时完成）：{x}。"
    return Exercise(
        params={"p": p, "x": x, "training": training}, prompt=prompt,
        expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(work_en, work_zh),
    )

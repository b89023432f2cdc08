"""Optimizer and learning-rate exercises: a few steps of torch.optim.SGD (momentum, dampening,
Nesterov), Adam, Adagrad and RMSprop, and the rate a torch.optim.lr_scheduler gives at a step."""

from __future__ import annotations

import math
import random

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, r, text


def _ask_w(name: str, call: str, w0: float, grads: list[float]) -> tuple[str, str]:
    gs = ", ".join(str(g) for g in grads)
    steps = len(grads)
    return (f"A single weight starts at w = {w0}. The gradients ∂L/∂w at steps 1…{steps} are {gs} "
            f"(given, whatever w becomes). After {steps} {'step' if steps == 1 else 'steps'} of torch.optim.{name}([w], {call}), what is w? "
            "(3 significant figures)",
            f"一个权重初值 w = {w0}。第 1…{steps} 步的梯度 ∂L/∂w 依次为 {gs}（已给定，与 w 无关）。"
            f"用 torch.optim.{name}([w], {call}) 执行 {steps} 步之后，w 是多少？（3 位有效数字）")


def _s(x: float) -> str:
    """A number inside a formula: negatives in parentheses, ``0.2·(−2)``."""
    out = r(x)
    return f"({out})" if out.startswith("-") else out


def _run(make, w0: float, grads: list[float]) -> float:
    import torch

    w = torch.tensor([float(w0)], dtype=torch.float64, requires_grad=True)
    opt = make([w])
    for g in grads:
        opt.zero_grad()
        (g * w).sum().backward()  # ∂(g·w)/∂w = g: the given gradient
        opt.step()
    return float(w.detach()[0])


def _draw_grads(rng: random.Random, steps: int) -> list[float]:
    return [rng.choice([-2, -1, -0.5, 0.5, 1, 1.5, 2, 3]) for _ in range(steps)]


@generator("opt_momentum_steps")
def momentum_steps(rng: random.Random) -> Drawing:
    w0 = rng.choice([-2, -1, 0, 0.5, 1, 2])
    lr = rng.choice([0.1, 0.05, 0.2])
    mu = rng.choice([0.5, 0.9])
    variant = rng.choice(["plain", "dampening", "nesterov"])
    tau = rng.choice([0.1, 0.5]) if variant == "dampening" else 0.0
    grads = _draw_grads(rng, rng.choice([2, 3]))
    call = f"lr={lr}, momentum={mu}" + (f", dampening={tau}" if tau else "") + (
        ", nesterov=True" if variant == "nesterov" else "")
    en, zh = _ask_w("SGD", call, w0, grads)
    prompt = text(en, zh)
    yield prompt

    import torch

    expected = _run(lambda ps: torch.optim.SGD(ps, lr=lr, momentum=mu, dampening=tau,
                                               nesterov=variant == "nesterov"), w0, grads)
    w, b, lines, lines_zh = float(w0), 0.0, [], []
    for t, g in enumerate(grads, 1):
        b = g if t == 1 else mu * b + (1 - tau) * g
        d = g + mu * b if variant == "nesterov" else b
        new = w - lr * d
        buf = f"b = {r(b)}" if t == 1 else f"b = {mu}·b + {r(1 - tau)}·{_s(g)} = {r(b)}"
        if variant == "nesterov":
            buf += f", d = g + μb = {g} + {mu}·{_s(b)} = {r(d)}"
        lines.append(f"step {t}: {buf}; w = {r(w)} − {lr}·{_s(d)} = {r(new)}")
        lines_zh.append(f"第 {t} 步：{buf}；w = {r(w)} − {lr}·{_s(d)} = {r(new)}")
        w = new
    rule = ("torch: the buffer starts as b₁ = g₁ (undamped), then b ← μb + (1 − τ)g; "
            + ("Nesterov steps along g + μb" if variant == "nesterov" else "w ← w − η·b"))
    rule_zh = ("torch：缓冲初值 b₁ = g₁（不受 dampening 影响），之后 b ← μb + (1 − τ)g；"
               + ("Nesterov 沿 g + μb 更新" if variant == "nesterov" else "w ← w − η·b"))
    return Exercise(params={"w0": w0, "lr": lr, "momentum": mu, "dampening": tau,
                            "nesterov": variant == "nesterov", "grads": grads},
                    prompt=prompt, expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
                    solution=text(f"{rule}.\n" + "\n".join(lines), f"{rule_zh}。\n" + "\n".join(lines_zh)))


@generator("opt_adam_steps")
def adam_steps(rng: random.Random) -> Drawing:
    w0 = rng.choice([-1, 0, 0.5, 1, 2])
    lr = rng.choice([0.1, 0.01, 0.5])
    b1, b2 = rng.choice([(0.9, 0.999), (0.9, 0.999), (0.5, 0.9), (0.8, 0.99)])
    grads = _draw_grads(rng, rng.choice([2, 3]))
    call = f"lr={lr}" + ("" if (b1, b2) == (0.9, 0.999) else f", betas=({b1}, {b2})") + ", eps=1e-8"
    en, zh = _ask_w("Adam", call, w0, grads)
    prompt = text(en, zh)
    yield prompt

    import torch

    expected = _run(lambda ps: torch.optim.Adam(ps, lr=lr, betas=(b1, b2), eps=1e-8), w0, grads)
    w, m, v, lines, lines_zh = float(w0), 0.0, 0.0, [], []
    for t, g in enumerate(grads, 1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        new = w - lr * m_hat / (math.sqrt(v_hat) + 1e-8)
        work = (f"m = {r(m)}, v = {r(v)}, m̂ = m/(1 − β₁^{t}) = {r(m_hat)}, v̂ = v/(1 − β₂^{t}) = {r(v_hat)}, "
                f"w = {r(w)} − {lr}·m̂/(√v̂ + ε) = {r(new)}")
        lines.append(f"step {t}: {work}")
        lines_zh.append(f"第 {t} 步：{work}")
        w = new
    rule = "m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², bias-corrected m̂, v̂, w ← w − η·m̂/(√v̂ + ε)"
    rule_zh = "m ← β₁m + (1 − β₁)g，v ← β₂v + (1 − β₂)g²，偏差校正得 m̂、v̂，w ← w − η·m̂/(√v̂ + ε)"
    return Exercise(params={"w0": w0, "lr": lr, "betas": [b1, b2], "grads": grads},
                    prompt=prompt, expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
                    solution=text(f"{rule}.\n" + "\n".join(lines), f"{rule_zh}。\n" + "\n".join(lines_zh)))


@generator("opt_adaptive_steps")
def adaptive_steps(rng: random.Random) -> Drawing:
    w0 = rng.choice([-1, 0, 1, 2])
    lr = rng.choice([0.1, 0.01, 0.5])
    kind = rng.choice(["Adagrad", "RMSprop"])
    alpha = rng.choice([0.99, 0.9, 0.5])
    grads = _draw_grads(rng, rng.choice([2, 3, 4]))
    call = f"lr={lr}" + (f", alpha={alpha}" if kind == "RMSprop" else "")
    en, zh = _ask_w(kind, call, w0, grads)
    prompt = text(en, zh)
    yield prompt

    import torch

    if kind == "Adagrad":
        expected = _run(lambda ps: torch.optim.Adagrad(ps, lr=lr), w0, grads)
        eps = 1e-10
    else:
        expected = _run(lambda ps: torch.optim.RMSprop(ps, lr=lr, alpha=alpha), w0, grads)
        eps = 1e-8
    w, acc, lines, lines_zh = float(w0), 0.0, [], []
    for t, g in enumerate(grads, 1):
        acc = acc + g * g if kind == "Adagrad" else alpha * acc + (1 - alpha) * g * g
        new = w - lr * g / (math.sqrt(acc) + eps)
        name = "G" if kind == "Adagrad" else "v"
        work = f"{name} = {r(acc)}, w = {r(w)} − {lr}·{_s(g)}/√{name} = {r(new)}"
        lines.append(f"step {t}: {work}")
        lines_zh.append(f"第 {t} 步：{work}")
        w = new
    if kind == "Adagrad":
        rule = "Adagrad: G ← G + g² (never forgets), w ← w − η·g/(√G + 1e-10)"
        rule_zh = "Adagrad：G ← G + g²（永不遗忘），w ← w − η·g/(√G + 1e-10)"
    else:
        rule = "RMSprop: v ← αv + (1 − α)g² from v = 0, no bias correction, w ← w − η·g/(√v + 1e-8)"
        rule_zh = "RMSprop：v 从 0 开始，v ← αv + (1 − α)g²，没有偏差校正，w ← w − η·g/(√v + 1e-8)"
    return Exercise(params={"w0": w0, "lr": lr, "optimizer": kind, "alpha": alpha, "grads": grads},
                    prompt=prompt, expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
                    solution=text(f"{rule}.\n" + "\n".join(lines), f"{rule_zh}。\n" + "\n".join(lines_zh)))


@generator("opt_scheduler_lr")
def scheduler_lr(rng: random.Random) -> Drawing:
    base = rng.choice([0.1, 0.05, 0.01, 1.0])
    kind = rng.choice(["StepLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR"])
    if kind == "StepLR":
        size, gamma = rng.choice([5, 10, 30]), rng.choice([0.1, 0.5])
        t = rng.randint(1, 4 * size)
        call = f"StepLR(opt, step_size={size}, gamma={gamma})"
    elif kind == "ExponentialLR":
        gamma, t = rng.choice([0.9, 0.95, 0.99]), rng.randint(1, 40)
        call = f"ExponentialLR(opt, gamma={gamma})"
    elif kind == "CosineAnnealingLR":
        T, eta_min = rng.choice([10, 20, 50, 100]), rng.choice([0, 0.001])
        t = rng.randint(1, T + T // 2)
        call = f"CosineAnnealingLR(opt, T_max={T}, eta_min={eta_min})"
    else:
        total = rng.choice([20, 50, 100])
        t = rng.randint(1, total - 1)
        call = f"OneCycleLR(opt, max_lr={base}, total_steps={total})"
    prompt = text(f"opt = torch.optim.SGD(params, lr={base}); sched = torch.optim.lr_scheduler.{call}. "
                  f"After {t} calls of opt.step(); sched.step(), what is opt.param_groups[0]['lr']? "
                  "(3 significant figures)",
                  f"opt = torch.optim.SGD(params, lr={base})；sched = torch.optim.lr_scheduler.{call}。"
                  f"执行 {t} 次 opt.step(); sched.step() 之后，opt.param_groups[0]['lr'] 是多少？（3 位有效数字）")
    yield prompt

    import torch

    L = torch.optim.lr_scheduler
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=base)
    if kind == "StepLR":
        sched: L.LRScheduler = L.StepLR(opt, step_size=size, gamma=gamma)
    elif kind == "ExponentialLR":
        sched = L.ExponentialLR(opt, gamma=gamma)
    elif kind == "CosineAnnealingLR":
        sched = L.CosineAnnealingLR(opt, T_max=T, eta_min=eta_min)
    else:
        sched = L.OneCycleLR(opt, max_lr=base, total_steps=total)
    for _ in range(t):
        opt.step()
        sched.step()
    expected = float(opt.param_groups[0]["lr"])

    if kind == "StepLR":
        work = f"η₀·γ^⌊t/s⌋ = {base}·{gamma}^⌊{t}/{size}⌋ = {base}·{gamma}^{t // size} = {r(expected)}"
        work_zh = work
    elif kind == "ExponentialLR":
        work = f"η₀·γᵗ = {base}·{gamma}^{t} = {r(expected)}"
        work_zh = work
    elif kind == "CosineAnnealingLR":
        work = (f"η_min + ½(η₀ − η_min)(1 + cos(πt/T)) = {eta_min} + ½({base} − {eta_min})(1 + cos(π·{t}/{T})) "
                f"= {r(expected)}")
        work_zh = work
        if t > T:
            work += " (past T_max the cosine keeps going: the rate rises again)"
            work_zh += "（超过 T_max 后余弦继续：学习率重新上升）"
    else:
        up = 0.3 * total - 1
        init, final = base / 25, base / 25 / 1e4
        if t <= up:
            phase = f"warm-up phase (t ≤ 0.3·{total} − 1 = {r(up)}): from η_max/25 = {r(init)} to η_max, pct = {t}/{r(up)}"
            phase_zh = f"预热阶段（t ≤ 0.3·{total} − 1 = {r(up)}）：从 η_max/25 = {r(init)} 升到 η_max，pct = {t}/{r(up)}"
            formula = f"η_max + (η_max/25 − η_max)·½(1 + cos(π·pct)) = {r(expected)}"
        else:
            phase = (f"annealing phase (t > {r(up)}): from η_max down to η_max/(25·10⁴) = {r(final)}, "
                     f"pct = ({t} − {r(up)})/({total - 1} − {r(up)})")
            phase_zh = (f"退火阶段（t > {r(up)}）：从 η_max 降到 η_max/(25·10⁴) = {r(final)}，"
                        f"pct = ({t} − {r(up)})/({total - 1} − {r(up)})")
            formula = f"η_end + (η_max − η_end)·½(1 + cos(π·pct)) = {r(expected)}"
        work, work_zh = f"{phase}; {formula}", f"{phase_zh}；{formula}"
    return Exercise(params={"kind": kind, "base": base, "t": t,
                            **({"step_size": size, "gamma": gamma} if kind == "StepLR" else {}),
                            **({"gamma": gamma} if kind == "ExponentialLR" else {}),
                            **({"T_max": T, "eta_min": eta_min} if kind == "CosineAnnealingLR" else {}),
                            **({"total_steps": total} if kind == "OneCycleLR" else {})},
                    prompt=prompt, expected=expected, answer_type="real", rtol=RTOL, atol=1e-9,
                    solution=text(work, work_zh))


@generator("opt_accumulation_scale")
def accumulation_scale(rng: random.Random) -> Drawing:
    sizes = rng.choice([[4, 4], [3, 3, 2], [4, 4, 1], [2, 2, 2, 2], [5, 5, 2], [3, 3, 3]])
    scale = rng.choice(["none", "1/k"])
    # ∂/∂w of a per-example loss ½(w − y_i)² at w = 0 is −y_i: the answer is a weighted mean of the y_i.
    ys = [rng.choice([-2, -1, 1, 2, 3, 4]) for _ in range(sum(sizes))]
    k, N = len(sizes), sum(sizes)
    how = "(mean over the micro-batch of ½(w − y_i)²) / k" if scale == "1/k" else "mean over the micro-batch of ½(w − y_i)²"
    how_zh = "（微批量内 ½(w − y_i)² 的均值）/ k" if scale == "1/k" else "微批量内 ½(w − y_i)² 的均值"
    prompt = text(f"Gradient accumulation over k = {k} micro-batches of sizes {sizes} (N = {N} examples): each "
                  f"computes loss = {how} and calls loss.backward(), then one opt.step(). The model is one "
                  f"weight w = 0; the batch is split in order and "
                  f"y = {ys}. What is w.grad, and would it equal the big-batch gradient? Give w.grad "
                  "(3 significant figures).",
                  f"梯度累积：k = {k} 个微批量，大小为 {sizes}（共 N = {N} 个样本）：每个计算 loss = {how_zh} 并调用 "
                  f"loss.backward()，最后一次 opt.step()。模型只有一个权重 w = 0；批次按顺序切分，"
                  f"y = {ys}。w.grad 是多少？它等于大批量梯度吗？给出 w.grad（3 位有效数字）。")
    yield prompt

    import torch

    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(ys, dtype=torch.float64)
    start = 0
    for size in sizes:
        part = y[start:start + size]
        loss = torch.nn.functional.mse_loss(w.expand(size), part) / 2  # mean of ½(w − y_i)²
        (loss / k if scale == "1/k" else loss).backward()
        start += size
    expected = float(w.grad[0])  # type: ignore[index]
    if abs(expected) < 1e-12:  # exactly 0 up to float noise: show 0, not −5.551e-17
        expected = 0.0
    big = -sum(ys) / N
    means, start = [], 0
    for size in sizes:
        means.append(sum(ys[start:start + size]) / size)
        start += size
    work = " + ".join(_s(-m) for m in means)
    div = f"({work})/{k}" if scale == "1/k" else work
    equal = abs(expected - big) < 1e-12
    recipe = scale == "1/k" and len(set(sizes)) == 1  # the split that equals the big batch for any y
    verdict_en = ("equal to the big-batch gradient" if equal and recipe else
                  "equal to the big-batch gradient here, but only by coincidence of these y (in general it needs "
                  "/k and equal micro-batch sizes)" if equal else
                  f"not the big-batch gradient −mean(y) = {r(big)}")
    verdict_zh = ("等于大批量梯度" if equal and recipe else
                  "这里恰好等于大批量梯度，但只是这些 y 的巧合（一般需要除以 k 且各微批量等大）" if equal else
                  f"不等于大批量梯度 −mean(y) = {r(big)}")
    return Exercise(params={"sizes": sizes, "scale": scale, "y": ys}, prompt=prompt, expected=expected,
                    answer_type="real", rtol=RTOL, atol=ATOL,
                    solution=text(f"Each micro-batch adds −mean(y_j){' / k' if scale == '1/k' else ''}: "
                                  f"w.grad = {div} = {r(expected)}; {verdict_en}.",
                                  f"每个微批量贡献 −mean(y_j){' / k' if scale == '1/k' else ''}："
                                  f"w.grad = {div} = {r(expected)}；{verdict_zh}。"))

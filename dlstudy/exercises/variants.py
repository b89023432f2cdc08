"""Variants of the classic layers: GroupNorm's statistics, depthwise-separable parameter counts, a
multi-channel convolution's output value, and the label-smoothed cross-entropy — each answer read off
the real torch module or function."""

from __future__ import annotations

import random

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, n, o, r, text


@generator("norm2_groupnorm_span")
def groupnorm_span(rng: random.Random) -> Drawing:
    channels = rng.choice([4, 6, 8, 12, 16])
    groups = rng.choice([g for g in (1, 2, 3, 4, 6, 8, 16) if channels % g == 0])
    batch, height, width = rng.randint(2, 4), rng.randint(2, 6), rng.randint(2, 6)
    shape = f"{batch}×{channels}×{height}×{width}"
    prompt = text(f"x has shape {shape} (N×C×H×W). Output [0, 0, 0, 0] of nn.GroupNorm({groups}, {channels})(x) "
                  "depends on how many entries of x?",
                  f"x 的形状为 {shape}（N×C×H×W）。nn.GroupNorm({groups}, {channels})(x) 的输出 [0, 0, 0, 0] "
                  "依赖 x 的多少个元素？")
    yield prompt

    import torch

    x = torch.randn(batch, channels, height, width, dtype=torch.float64, requires_grad=True,
                    generator=torch.Generator().manual_seed(rng.randint(0, 10**6)))
    out = torch.nn.GroupNorm(groups, channels, dtype=torch.float64)(x)
    (grad,) = torch.autograd.grad(out[0, 0, 0, 0], x)
    count = int((grad != 0).sum())
    per = channels // groups
    kind = {1: " (G = 1: the LayerNorm set, the whole sample)",
            channels: " (G = C: the InstanceNorm set, one channel)"}.get(groups, "")
    kind_zh = {1: "（G = 1：即 LayerNorm 的统计范围，整个样本）",
               channels: "（G = C：即 InstanceNorm 的统计范围，单个通道）"}.get(groups, "")
    return Exercise(
        params={"shape": [batch, channels, height, width], "groups": groups}, prompt=prompt,
        expected=count, answer_type="integer",
        solution=text(f"One statistic per (sample, group): its group has C/G = {per} channels × H × W, "
                      f"{per}·{height}·{width} = {n(count)} values{kind}; other samples never enter.",
                      f"每个（样本, 组）一组统计量：组内有 C/G = {per} 个通道 × H × W，"
                      f"{per}·{height}·{width} = {n(count)} 个值{kind_zh}；其他样本从不参与。"),
    )


@generator("cnn2_separable_params")
def separable_params(rng: random.Random) -> Drawing:
    c_in = rng.choice([8, 16, 32, 64, 128, 256])
    c_out = rng.choice([16, 32, 64, 128, 256, 512])
    k = rng.choice([3, 3, 5, 7])
    bias = rng.random() < 0.5
    flag = "" if bias else ", bias=False"
    prompt = text(f"A depthwise-separable block: nn.Conv2d({c_in}, {c_in}, {k}, groups={c_in}{flag}) followed by "
                  f"nn.Conv2d({c_in}, {c_out}, 1{flag}). How many learnable parameters in total?",
                  f"深度可分离块：nn.Conv2d({c_in}, {c_in}, {k}, groups={c_in}{flag}) 后接 "
                  f"nn.Conv2d({c_in}, {c_out}, 1{flag})。总共有多少个可学习参数？")
    yield prompt

    import torch

    depth = torch.nn.Conv2d(c_in, c_in, k, groups=c_in, bias=bias, device="meta")
    point = torch.nn.Conv2d(c_in, c_out, 1, bias=bias, device="meta")
    count = sum(q.numel() for q in (*depth.parameters(), *point.parameters()))
    full = c_in * c_out * k * k + (c_out if bias else 0)
    depth_w, point_w = c_in * k * k, c_in * c_out
    biases = f"; biases {c_in} + {c_out}" if bias else " (bias=False: no biases)"
    biases_zh = f"；偏置 {c_in} + {c_out}" if bias else "（bias=False：没有偏置）"
    total = f"{n(depth_w)} + {n(point_w)}" + (f" + {c_in + c_out}" if bias else "")
    return Exercise(
        params={"in_channels": c_in, "out_channels": c_out, "kernel": k, "bias": bias}, prompt=prompt,
        expected=count, answer_type="integer",
        solution=text(f"depthwise: C_in·k² = {c_in}·{k}² = {n(depth_w)} (each filter sees 1 channel); pointwise: "
                      f"C_in·C_out = {c_in}·{c_out} = {n(point_w)}{biases} → {total} = {n(count)}. A standard "
                      f"{k}×{k} Conv2d({c_in}, {c_out}) would have {n(full)}.",
                      f"逐通道：C_in·k² = {c_in}·{k}² = {n(depth_w)}（每个卷积核只看 1 个通道）；逐点：C_in·C_out = "
                      f"{c_in}·{c_out} = {n(point_w)}{biases_zh} → {total} = {n(count)}。标准的 {k}×{k} "
                      f"Conv2d({c_in}, {c_out}) 有 {n(full)} 个。"),
    )


@generator("cnn2_conv_value")
def conv_value(rng: random.Random) -> Drawing:
    size, k = 3, 2
    x = [[[rng.randint(-2, 3) for _ in range(size)] for _ in range(size)] for _ in range(2)]
    w = [[[rng.randint(-2, 2) for _ in range(k)] for _ in range(k)] for _ in range(2)]
    b = rng.randint(-3, 3)
    i, j = rng.randint(0, size - k), rng.randint(0, size - k)

    def grid(m: list[list[int]]) -> str:
        return "; ".join(" ".join(f"{v:2d}" for v in row) for row in m)

    body = (f"channel 0: x = [{grid(x[0])}], w = [{grid(w[0])}]\n"
            f"channel 1: x = [{grid(x[1])}], w = [{grid(w[1])}]")
    body_zh = body.replace("channel", "通道")
    prompt = text(f"nn.Conv2d(2, 1, 2) (stride 1, no padding) with bias {b}; rows separated by ';':\n{body}\n"
                  f"What is the output at row {i}, column {j} (counting from 0)?",
                  f"nn.Conv2d(2, 1, 2)（步长 1，无填充），偏置 {b}；各行以 ';' 分隔：\n{body_zh}\n"
                  f"输出第 {i} 行第 {j} 列（从 0 数起）的值是多少？")
    yield prompt

    import torch
    import torch.nn.functional as F

    out = F.conv2d(torch.tensor([x], dtype=torch.float64), torch.tensor([w], dtype=torch.float64),
                   torch.tensor([b], dtype=torch.float64))
    value = round(float(out[0, 0, i, j]))
    terms = " + ".join(f"{o(w[c][u][v])}·{o(x[c][i + u][j + v])}" for c in range(2) for u in range(k)
                       for v in range(k))
    return Exercise(
        params={"x": x, "w": w, "bias": b, "row": i, "col": j}, prompt=prompt,
        expected=value, answer_type="integer",
        solution=text(f"y[i, j] = b + ∑_c ∑_u ∑_v w[c, u, v]·x[c, i + u, j + v] — both channels, no kernel flip:\n"
                      f"{o(b)} + {terms} = {n(value)}",
                      f"y[i, j] = b + ∑_c ∑_u ∑_v w[c, u, v]·x[c, i + u, j + v]——两个通道都求和，卷积核不翻转：\n"
                      f"{o(b)} + {terms} = {n(value)}"),
    )


@generator("reg2_label_smoothing_loss")
def label_smoothing_loss(rng: random.Random) -> Drawing:
    classes = rng.randint(3, 5)
    logits = [round(rng.uniform(-2, 3), 1) for _ in range(classes)]
    target = rng.randrange(classes)
    eps = rng.choice([0.05, 0.1, 0.1, 0.2, 0.3])
    shown = ", ".join(r(v) for v in logits)
    prompt = text(f"Logits ({shown}), true class {target} (counting from 0). What is "
                  f"F.cross_entropy(logits, target, label_smoothing={eps})? (3 significant figures)",
                  f"logits 为 ({shown})，真实类别为 {target}（从 0 数起）。"
                  f"F.cross_entropy(logits, target, label_smoothing={eps}) 是多少？（3 位有效数字）")
    yield prompt

    import torch
    import torch.nn.functional as F

    z = torch.tensor([logits], dtype=torch.float64)
    value = float(F.cross_entropy(z, torch.tensor([target]), label_smoothing=eps))
    logp = z.log_softmax(-1)[0].tolist()
    true_w = 1 - eps + eps / classes
    return Exercise(
        params={"logits": logits, "target": target, "epsilon": eps}, prompt=prompt,
        expected=value, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(f"target q: {r(true_w)} on class {target} (1 − ε + ε/K), {r(eps / classes)} on each other "
                      f"(ε/K, K = {classes}). log-softmax = ({', '.join(r(v) for v in logp)}).\n"
                      f"loss = −∑ q_k log p_k = {r(value)}",
                      f"目标 q：类别 {target} 为 {r(true_w)}（1 − ε + ε/K），其他每类 {r(eps / classes)}"
                      f"（ε/K，K = {classes}）。log-softmax = ({', '.join(r(v) for v in logp)})。\n"
                      f"loss = −∑ q_k log p_k = {r(value)}"),
    )

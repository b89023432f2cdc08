"""Convolutions and pooling: output shapes and parameter counts from the real modules (on the
``meta`` device: shapes without arithmetic), and receptive fields measured by autograd."""

from __future__ import annotations

import random

from dlstudy.exercises import Drawing, Exercise, generator, n, text


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape)


def _conv_side(size: int, k: int, s: int, p: int, d: int) -> tuple[int, str]:
    out = (size + 2 * p - d * (k - 1) - 1) // s + 1
    return out, f"⌊({size} + 2·{p} − {d}·({k} − 1) − 1)/{s}⌋ + 1 = {out}"


def _image(rng: random.Random) -> tuple[int, int, int, int]:
    height = rng.randint(5, 64)
    width = height if rng.random() < 0.6 else rng.randint(5, 64)
    return rng.choice([1, 2, 4, 8, 16, 32]), rng.choice([1, 3, 8, 16, 32, 64]), height, width


@generator("cnn_conv_shape")
def conv_shape(rng: random.Random) -> Drawing:
    while True:
        batch, c_in, height, width = _image(rng)
        c_out = rng.choice([8, 16, 32, 64, 128])
        k = rng.choice([1, 3, 3, 5, 7])
        s = rng.choice([1, 1, 2, 2, 3])
        p = rng.randint(0, k // 2)
        d = rng.choice([1, 1, 1, 2])
        if min(height, width) + 2 * p - d * (k - 1) - 1 >= 0:
            break
    args = f"{c_in}, {c_out}, kernel_size={k}" + (f", stride={s}" if s != 1 else "") \
        + (f", padding={p}" if p else "") + (f", dilation={d}" if d != 1 else "")
    prompt = text(f"x has shape {_shape((batch, c_in, height, width))} (N×C×H×W). What is the shape "
                  f"of nn.Conv2d({args})(x)?",
                  f"x 的形状为 {_shape((batch, c_in, height, width))}（N×C×H×W）。"
                  f"nn.Conv2d({args})(x) 的形状是什么？")
    yield prompt

    import torch

    conv = torch.nn.Conv2d(c_in, c_out, k, stride=s, padding=p, dilation=d, device="meta")
    out = tuple(conv(torch.empty(batch, c_in, height, width, device="meta")).shape)

    h_out, h_work = _conv_side(height, k, s, p, d)
    w_out, w_work = _conv_side(width, k, s, p, d)
    rule = "out = ⌊(in + 2P − D·(F − 1) − 1)/S⌋ + 1 (PyTorch floors)"
    rule_zh = "out = ⌊(in + 2P − D·(F − 1) − 1)/S⌋ + 1（PyTorch 向下取整）"
    return Exercise(
        params={"input": [batch, c_in, height, width], "out_channels": c_out, "kernel": k,
                "stride": s, "padding": p, "dilation": d}, prompt=prompt,
        expected=out, answer_type="shape",
        solution=text(f"{rule}\nH: {h_work}\nW: {w_work}\nchannels = out_channels = {c_out}; the batch "
                      f"is kept → {_shape((batch, c_out, h_out, w_out))}",
                      f"{rule_zh}\nH：{h_work}\nW：{w_work}\n通道数 = out_channels = {c_out}；批大小不变 → "
                      f"{_shape((batch, c_out, h_out, w_out))}"),
    )


@generator("cnn_conv_params")
def conv_params(rng: random.Random) -> Drawing:
    c_in = rng.choice([3, 16, 32, 64, 128, 256])
    c_out = rng.choice([16, 32, 64, 128, 256])
    k = rng.choice([1, 3, 3, 5, 7])
    groups = rng.choice([g for g in (1, 1, 2, 4, 8, c_in) if c_in % g == 0 and c_out % g == 0])
    bias = rng.random() < 0.75
    args = f"{c_in}, {c_out}, kernel_size={k}" + (f", groups={groups}" if groups != 1 else "") \
        + ("" if bias else ", bias=False")
    prompt = text(f"How many learnable parameters does nn.Conv2d({args}) have?",
                  f"nn.Conv2d({args}) 有多少个可学习参数？")
    yield prompt

    import torch

    conv = torch.nn.Conv2d(c_in, c_out, k, groups=groups, bias=bias, device="meta")
    count = sum(p.numel() for p in conv.parameters())

    weights = c_out * (c_in // groups) * k * k
    group_en = (f" With groups={groups} each filter sees only C_in/groups = {c_in // groups} input "
                "channels." if groups != 1 else "")
    group_zh = (f"groups={groups} 时每个卷积核只看 C_in/groups = {c_in // groups} 个输入通道。"
                if groups != 1 else "")
    bias_en = f" + {c_out} biases (one per filter)" if bias else " (bias=False: no biases)"
    bias_zh = f" + {c_out} 个偏置（每个卷积核一个）" if bias else "（bias=False：没有偏置）"
    work = f"{c_out}·{c_in // groups}·{k}·{k} = {n(weights)}"
    return Exercise(
        params={"in_channels": c_in, "out_channels": c_out, "kernel": k, "groups": groups,
                "bias": bias}, prompt=prompt,
        expected=count, answer_type="integer",
        solution=text(f"weights = C_out·(C_in/groups)·F·F.{group_en}\n{work} weights{bias_en} "
                      f"= {n(count)}",
                      f"权重数 = C_out·(C_in/groups)·F·F。{group_zh}\n{work} 个权重{bias_zh} = {n(count)}"),
    )


@generator("cnn_transposed_shape")
def transposed_shape(rng: random.Random) -> Drawing:
    while True:
        batch, c_in, height, width = _image(rng)
        height, width = max(2, height // 3), max(2, width // 3)
        c_out = rng.choice([3, 8, 16, 32, 64])
        k = rng.choice([2, 3, 4, 5])
        s = rng.choice([1, 2, 2, 3])
        p = rng.randint(0, (k - 1) // 2 + (1 if k > 3 else 0))
        op = rng.randint(0, s - 1)
        if (min(height, width) - 1) * s - 2 * p + k + op >= 1:
            break
    args = f"{c_in}, {c_out}, kernel_size={k}, stride={s}" + (f", padding={p}" if p else "") \
        + (f", output_padding={op}" if op else "")
    prompt = text(f"x has shape {_shape((batch, c_in, height, width))} (N×C×H×W). What is the shape "
                  f"of nn.ConvTranspose2d({args})(x)?",
                  f"x 的形状为 {_shape((batch, c_in, height, width))}（N×C×H×W）。"
                  f"nn.ConvTranspose2d({args})(x) 的形状是什么？")
    yield prompt

    import torch

    conv = torch.nn.ConvTranspose2d(c_in, c_out, k, stride=s, padding=p, output_padding=op,
                                    device="meta")
    out = tuple(conv(torch.empty(batch, c_in, height, width, device="meta")).shape)


    def side(size: int) -> str:
        value = (size - 1) * s - 2 * p + (k - 1) + op + 1
        return f"({size} − 1)·{s} − 2·{p} + ({k} − 1) + {op} + 1 = {value}"

    rule = "out = (in − 1)·S − 2P + D·(F − 1) + output_padding + 1 (D = 1 here)"
    return Exercise(
        params={"input": [batch, c_in, height, width], "out_channels": c_out, "kernel": k,
                "stride": s, "padding": p, "output_padding": op}, prompt=prompt,
        expected=out, answer_type="shape",
        solution=text(f"{rule}: the inverse of the conv size formula.\nH: {side(height)}\n"
                      f"W: {side(width)}\n→ {_shape(out)}",
                      f"{rule}：卷积尺寸公式的逆。\nH：{side(height)}\nW：{side(width)}\n→ {_shape(out)}"),
    )


@generator("cnn_pool_shape")
def pool_shape(rng: random.Random) -> Drawing:
    batch, channels, height, width = _image(rng)
    height, width = max(height, 6), max(width, 6)
    k = rng.choice([2, 2, 3, 3, 4])
    s = rng.choice([None, None, 1, 2, 3])
    p = rng.randint(0, k // 2)
    ceil = rng.random() < 0.35
    args = f"{k}" + (f", stride={s}" if s is not None else "") + (f", padding={p}" if p else "") \
        + (", ceil_mode=True" if ceil else "")
    prompt = text(f"x has shape {_shape((batch, channels, height, width))} (N×C×H×W). What is the "
                  f"shape of nn.MaxPool2d({args})(x)?",
                  f"x 的形状为 {_shape((batch, channels, height, width))}（N×C×H×W）。"
                  f"nn.MaxPool2d({args})(x) 的形状是什么？")
    yield prompt

    import torch

    pool = torch.nn.MaxPool2d(k, stride=s, padding=p, ceil_mode=ceil)
    out = tuple(pool(torch.empty(batch, channels, height, width, device="meta")).shape)

    stride = k if s is None else s

    def side(size: int) -> str:
        top = size + 2 * p - k
        if not ceil:
            return f"⌊({size} + 2·{p} − {k})/{stride}⌋ + 1 = {top // stride + 1}"
        value = -(-top // stride) + 1
        text_ = f"⌈({size} + 2·{p} − {k})/{stride}⌉ + 1 = {value}"
        if (value - 1) * stride >= size + p:
            text_ += f", minus 1 because the last window would start in the padding → {value - 1}"
        return text_

    default = (f" MaxPool2d's stride defaults to the kernel size ({k})." if s is None else "")
    default_zh = (f"MaxPool2d 的 stride 默认等于核大小（{k}）。" if s is None else "")
    rule = "out = ⌊(in + 2P − F)/S⌋ + 1" + (", with ⌈ ⌉ under ceil_mode=True" if ceil else "")
    return Exercise(
        params={"input": [batch, channels, height, width], "kernel": k, "stride": s,
                "padding": p, "ceil_mode": ceil}, prompt=prompt,
        expected=out, answer_type="shape",
        solution=text(f"{rule}.{default} Pooling keeps the channels ({channels}).\nH: {side(height)}\n"
                      f"W: {side(width)}\n→ {_shape(out)}",
                      f"{rule}。{default_zh}池化不改变通道数（{channels}）。\nH：{side(height)}\n"
                      f"W：{side(width)}\n→ {_shape(out)}"),
    )


@generator("cnn_receptive_field")
def receptive_field(rng: random.Random) -> Drawing:
    depth = rng.randint(2, 4)
    layers = [(rng.choice([1, 3, 3, 3, 5, 7]), rng.choice([1, 1, 2]), rng.choice([1, 1, 1, 2]))
              for _ in range(depth)]

    def layer(k: int, s: int, d: int) -> str:
        return f"{k}×{k}" + (f" stride {s}" if s != 1 else "") + (f" dilation {d}" if d != 1 else "")

    stack = " → ".join(layer(*spec) for spec in layers)
    stack_zh = stack.replace("stride", "步长").replace("dilation", "空洞")
    prompt = text(f"A stack of convolutions (no padding): {stack}. How many input pixels wide is the "
                  "receptive field of one unit of the last layer (along one axis)?",
                  f"一串卷积（无填充）：{stack_zh}。最后一层一个单元的感受野在输入上有多少个像素宽"
                  "（沿一个轴）？")
    yield prompt

    import torch

    size = 1 + sum((k - 1) * d for k, _, d in layers)
    jump = 1
    for _, s, _ in layers:
        jump *= s
    length = 4 * size * jump + 8
    x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s, d in layers:
        conv = torch.nn.Conv1d(1, 1, k, stride=s, dilation=d, bias=False, dtype=torch.float64)
        with torch.no_grad():
            conv.weight.fill_(1.0)
        y = conv(y)
    y[0, 0, y.shape[-1] // 2].backward()
    assert x.grad is not None
    support = torch.nonzero(x.grad[0, 0]).flatten()
    field = int(support.max() - support.min() + 1)

    rf, jumps, lines = 1, 1, []
    for i, (k, s, d) in enumerate(layers, 1):
        rf += (k - 1) * d * jumps
        lines.append(f"layer {i}: r = r + ({k} − 1)·{d}·{jumps} = {rf}")
        jumps *= s
    lines_zh = [line.replace("layer ", "第 ").replace(": r", " 层：r") for line in lines]
    return Exercise(
        params={"layers": [list(spec) for spec in layers]}, prompt=prompt,
        expected=field, answer_type="integer",
        solution=text("r = 1 + Σ_l (F_l − 1)·D_l·J_l, where J_l = product of the strides BEFORE layer l "
                      "(a stride widens every later layer's reach):\n" + "\n".join(lines),
                      "r = 1 + Σ_l (F_l − 1)·D_l·J_l，其中 J_l 是第 l 层之前各层步长的乘积"
                      "（步长会放大之后每一层的覆盖范围）：\n" + "\n".join(lines_zh)),
    )

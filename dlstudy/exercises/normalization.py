"""BatchNorm and LayerNorm: an output element, the running variance, statistics and parameters."""

from __future__ import annotations

import math
import random

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, n, o, r, text

EPS = 1e-5


def _values(rng: random.Random, count: int) -> list[int]:
    while True:
        xs = [rng.randint(-6, 9) for _ in range(count)]
        if len(set(xs)) > 1:
            return xs


def _show(xs: list[int]) -> str:
    return "[" + ", ".join(str(x) for x in xs) + "]"


def _normalise(xs: list[int]) -> tuple[float, float]:
    mean = sum(xs) / len(xs)
    return mean, sum((x - mean) ** 2 for x in xs) / len(xs)


@generator("norm_bn_output")
def bn_output(rng: random.Random) -> Drawing:
    size = rng.randint(3, 5)
    xs = _values(rng, size)
    gamma = rng.choice([1, 1, 2, 0.5, 3])
    beta = rng.choice([0, 0, 1, -1, 0.5])
    k = rng.randrange(size)
    affine = f"γ = {gamma}, β = {beta}"
    prompt = text(f"nn.BatchNorm1d(1) in training mode ({affine}, ε = 1e-5) normalises a batch "
                  f"of {size} samples of its one feature: x = {_show(xs)}. What is the output "
                  f"for sample {k} (x = {xs[k]}, counting from 0)? (3 significant figures)",
                  f"训练模式下的 nn.BatchNorm1d(1)（{affine}，ε = 1e-5）对一个批次中 {size} 个样本的"
                  f"唯一特征做归一化：x = {_show(xs)}。样本 {k}（x = {xs[k]}，从 0 开始数）的输出是"
                  "多少？（3 位有效数字）")
    yield prompt

    import torch

    bn = torch.nn.BatchNorm1d(1, eps=EPS, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.fill_(gamma)
        bn.bias.fill_(beta)
    bn.train()
    out = bn(torch.tensor(xs, dtype=torch.float64).view(size, 1))
    expected = float(out[k, 0].detach())

    mean, var = _normalise(xs)
    x_hat = (xs[k] - mean) / math.sqrt(var + EPS)
    unbiased = sum((x - mean) ** 2 for x in xs) / (size - 1)
    wrong = gamma * (xs[k] - mean) / math.sqrt(unbiased + EPS) + beta
    return Exercise(
        params={"x": xs, "gamma": gamma, "beta": beta, "index": k, "eps": EPS}, prompt=prompt,
        expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(
            f"μ = mean of the batch = {r(mean)}\n"
            f"σ² = (1/n)·Σ(x − μ)² = {r(var)}  (the BIASED variance, ÷n = {size}, in training)\n"
            f"x̂ = (x − μ)/√(σ² + ε) = ({xs[k]} − {o(mean)})/√{r(var)} = {r(x_hat)}\n"
            f"y = γ·x̂ + β = {gamma}·{o(x_hat)} + {o(beta)} = {r(expected)}\n"
            f"(With the unbiased ÷(n − 1) variance you would get {r(wrong)}.)",
            f"μ = 批次均值 = {r(mean)}\n"
            f"σ² = (1/n)·Σ(x − μ)² = {r(var)}（训练时用有偏方差，除以 n = {size}）\n"
            f"x̂ = (x − μ)/√(σ² + ε) = ({xs[k]} − {o(mean)})/√{r(var)} = {r(x_hat)}\n"
            f"y = γ·x̂ + β = {gamma}·{o(x_hat)} + {o(beta)} = {r(expected)}\n"
            f"（若用无偏方差 ÷(n − 1)，会得到 {r(wrong)}。）"),
    )


@generator("norm_bn_running_var")
def bn_running_var(rng: random.Random) -> Drawing:
    size = rng.randint(3, 6)
    xs = _values(rng, size)
    momentum = rng.choice([0.1, 0.1, 0.2, 0.5, 0.01])
    prompt = text(f"A fresh nn.BatchNorm1d(1, momentum={momentum}) sees one training batch of its "
                  f"one feature: x = {_show(xs)}. What is running_var afterwards? "
                  "(3 significant figures)",
                  f"新建的 nn.BatchNorm1d(1, momentum={momentum}) 在训练模式下处理一个批次，唯一特征为 "
                  f"x = {_show(xs)}。之后 running_var 是多少？（3 位有效数字）")
    yield prompt

    import torch

    bn = torch.nn.BatchNorm1d(1, momentum=momentum, dtype=torch.float64)
    bn.train()
    bn(torch.tensor(xs, dtype=torch.float64).view(size, 1))
    assert bn.running_var is not None
    expected = float(bn.running_var[0])

    mean = sum(xs) / size
    unbiased = sum((x - mean) ** 2 for x in xs) / (size - 1)
    return Exercise(
        params={"x": xs, "momentum": momentum}, prompt=prompt,
        expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(
            "running_var starts at 1 and is updated as (1 − m)·running_var + m·s², where s² is the "
            "UNBIASED batch variance (÷(n − 1)) — the normalisation itself uses ÷n.\n"
            f"μ = {r(mean)}, s² = Σ(x − μ)²/{size - 1} = {r(unbiased)}\n"
            f"running_var = (1 − {momentum})·1 + {momentum}·{r(unbiased)} = {r(expected)}",
            "running_var 初值为 1，更新为 (1 − m)·running_var + m·s²，其中 s² 是无偏批方差（÷(n − 1)）"
            "——归一化本身用的是 ÷n。\n"
            f"μ = {r(mean)}，s² = Σ(x − μ)²/{size - 1} = {r(unbiased)}\n"
            f"running_var = (1 − {momentum})·1 + {momentum}·{r(unbiased)} = {r(expected)}"),
    )


@generator("norm_ln_output")
def ln_output(rng: random.Random) -> Drawing:
    size = rng.randint(3, 5)
    xs = _values(rng, size)
    gamma = rng.choice([1, 1, 2, 0.5])
    beta = rng.choice([0, 0, 1, -0.5])
    k = rng.randrange(size)
    affine = f"γ = {gamma}, β = {beta} for every feature"
    affine_zh = f"每个特征 γ = {gamma}、β = {beta}"
    prompt = text(f"nn.LayerNorm({size}) ({affine}, ε = 1e-5) gets one sample with features "
                  f"x = {_show(xs)}. What is output feature {k} (x = {xs[k]}, counting from 0)? "
                  "(3 significant figures)",
                  f"nn.LayerNorm({size})（{affine_zh}，ε = 1e-5）输入一个样本，特征为 x = {_show(xs)}。"
                  f"输出的第 {k} 个特征（x = {xs[k]}，从 0 开始数）是多少？（3 位有效数字）")
    yield prompt

    import torch

    ln = torch.nn.LayerNorm(size, eps=EPS, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.fill_(gamma)
        ln.bias.fill_(beta)
    expected = float(ln(torch.tensor([xs], dtype=torch.float64))[0, k].detach())

    mean, var = _normalise(xs)
    x_hat = (xs[k] - mean) / math.sqrt(var + EPS)
    return Exercise(
        params={"x": xs, "gamma": gamma, "beta": beta, "index": k, "eps": EPS}, prompt=prompt,
        expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(
            "LayerNorm normalises each sample over its own features (no batch, no running "
            "statistics; the same in training and eval):\n"
            f"μ = {r(mean)}, σ² = (1/{size})·Σ(x − μ)² = {r(var)} (biased)\n"
            f"x̂ = ({xs[k]} − {o(mean)})/√({r(var)} + ε) = {r(x_hat)}\n"
            f"y = γ·x̂ + β = {gamma}·{o(x_hat)} + {o(beta)} = {r(expected)}",
            "LayerNorm 对每个样本在它自己的特征上归一化（与批次无关、没有滑动统计量，训练与推理相同）：\n"
            f"μ = {r(mean)}，σ² = (1/{size})·Σ(x − μ)² = {r(var)}（有偏）\n"
            f"x̂ = ({xs[k]} − {o(mean)})/√({r(var)} + ε) = {r(x_hat)}\n"
            f"y = γ·x̂ + β = {gamma}·{o(x_hat)} + {o(beta)} = {r(expected)}"),
    )


def _image(rng: random.Random) -> tuple[int, int, int, int]:
    return (rng.choice([2, 4, 8, 16, 32, 64]), rng.choice([3, 8, 16, 32, 64]),
            rng.choice([7, 8, 14, 16, 28, 32]), rng.choice([7, 8, 14, 16, 28, 32]))


@generator("norm_stat_count")
def stat_count(rng: random.Random) -> Drawing:
    batch, channels, height, width = _image(rng)
    groups = rng.choice([g for g in (1, 2, 4, 8, 16, 32) if channels % g == 0 and g < channels]
                        or [1])
    kind = rng.choice(["bn", "ln_chw", "ln_w", "gn"])
    module = {"bn": f"nn.BatchNorm2d({channels})", "ln_chw": f"nn.LayerNorm([{channels}, {height}, {width}])",
              "ln_w": f"nn.LayerNorm({width})", "gn": f"nn.GroupNorm({groups}, {channels})"}[kind]
    shape = f"{batch}×{channels}×{height}×{width}"
    prompt = text(f"{module} in training mode normalises an input of shape N×C×H×W = {shape}. How "
                  "many separate means (one per group of values normalised together) does it "
                  "compute?",
                  f"训练模式下的 {module} 对形状为 N×C×H×W = {shape} 的输入做归一化。它一共计算多少个"
                  "均值（每组一起归一化的值一个）？")
    yield prompt

    import torch

    # The kernels the modules call return the statistics they computed (on "meta": no data).
    x = torch.empty(batch, channels, height, width, device="meta")
    if kind == "bn":
        mean = torch.native_batch_norm(x, None, None, None, None, True, 0.1, EPS)[1]
        how_en = (f"BatchNorm2d pools each channel over the batch and both spatial axes "
                  f"(N·H·W = {batch}·{height}·{width} values): one mean per channel, C = {channels}.")
        how_zh = (f"BatchNorm2d 对每个通道在批次和两个空间维上汇总（N·H·W = {batch}·{height}·{width} "
                  f"个值）：每个通道一个均值，C = {channels}。")
    elif kind == "ln_chw":
        mean = torch.native_layer_norm(x, [channels, height, width], None, None, EPS)[1]
        how_en = (f"LayerNorm over [C, H, W] pools everything of one sample: one mean per sample, "
                  f"N = {batch}.")
        how_zh = f"在 [C, H, W] 上的 LayerNorm 汇总一个样本的全部值：每个样本一个均值，N = {batch}。"
    elif kind == "ln_w":
        mean = torch.native_layer_norm(x, [width], None, None, EPS)[1]
        how_en = (f"LayerNorm({width}) normalises only the LAST axis (W): one mean per row of "
                  f"{width} values, N·C·H = {batch}·{channels}·{height} = {n(batch * channels * height)}.")
        how_zh = (f"LayerNorm({width}) 只在最后一维（W）上归一化：每行 {width} 个值一个均值，"
                  f"N·C·H = {batch}·{channels}·{height} = {n(batch * channels * height)}。")
    else:
        mean = torch.native_group_norm(x, None, None, batch, channels, height * width, groups, EPS)[1]
        how_en = (f"GroupNorm splits the {channels} channels of each sample into {groups} groups of "
                  f"{channels // groups}: one mean per (sample, group), N·G = {batch}·{groups} = "
                  f"{n(batch * groups)}.")
        how_zh = (f"GroupNorm 把每个样本的 {channels} 个通道分成 {groups} 组、每组 {channels // groups} "
                  f"个：每个（样本，组）一个均值，N·G = {batch}·{groups} = {n(batch * groups)}。")
    return Exercise(
        params={"shape": [batch, channels, height, width], "module": kind, "groups": groups},
        prompt=prompt, expected=mean.numel(), answer_type="integer",
        solution=text(how_en, how_zh),
    )


PARAM_MODULES = {
    "bn": "nn.BatchNorm2d({c})",
    "bn_noaffine": "nn.BatchNorm2d({c}, affine=False)",
    "ln_chw": "nn.LayerNorm([{c}, {h}, {w}])",
    "ln_w": "nn.LayerNorm({w})",
    "ln_nobias": "nn.LayerNorm({w}, bias=False)",
    "gn": "nn.GroupNorm({g}, {c})",
    "in": "nn.InstanceNorm2d({c})",
}


@generator("norm_param_count")
def param_count(rng: random.Random) -> Drawing:
    _, c, h, w = _image(rng)
    g = rng.choice([g for g in (1, 2, 4, 8) if c % g == 0])
    kind = rng.choice(list(PARAM_MODULES))
    call = PARAM_MODULES[kind].format(c=c, h=h, w=w, g=g)
    prompt = text(f"How many learnable parameters does {call} have?", f"{call} 有多少个可学习参数？")
    yield prompt

    import torch

    nn = torch.nn
    module = {"bn": lambda: nn.BatchNorm2d(c, device="meta"),
              "bn_noaffine": lambda: nn.BatchNorm2d(c, affine=False, device="meta"),
              "ln_chw": lambda: nn.LayerNorm([c, h, w], device="meta"),
              "ln_w": lambda: nn.LayerNorm(w, device="meta"),
              "ln_nobias": lambda: nn.LayerNorm(w, bias=False, device="meta"),
              "gn": lambda: nn.GroupNorm(g, c, device="meta"),
              "in": lambda: nn.InstanceNorm2d(c, device="meta")}[kind]()
    count = sum(p.numel() for p in module.parameters())
    why = {"bn": (f"γ and β, one per channel: 2·C = 2·{c}; running_mean/var are buffers.",
                  f"每个通道一个 γ 和 β：2·C = 2·{c}；running_mean/var 是缓冲区而非参数。"),
           "bn_noaffine": ("affine=False: no γ, no β — only buffers.", "affine=False：没有 γ 和 β，只有缓冲区。"),
           "ln_chw": (f"γ and β have the full normalized_shape: 2·C·H·W = 2·{c}·{h}·{w}.",
                      f"γ 和 β 的形状等于整个 normalized_shape：2·C·H·W = 2·{c}·{h}·{w}。"),
           "ln_w": (f"γ and β of the normalised last axis: 2·{w}.", f"最后一维的 γ 和 β：2·{w}。"),
           "ln_nobias": (f"bias=False keeps γ only: {w}.", f"bias=False 只保留 γ：{w}。"),
           "gn": (f"γ and β are per channel, not per group: 2·C = 2·{c}.",
                  f"γ 和 β 按通道而非按组：2·C = 2·{c}。"),
           "in": ("InstanceNorm2d defaults to affine=False (unlike BatchNorm2d): no parameters.",
                  "InstanceNorm2d 默认 affine=False（与 BatchNorm2d 不同）：没有参数。")}[kind]
    return Exercise(
        params={"module": kind, "channels": c, "height": h, "width": w, "groups": g},
        prompt=prompt, expected=count, answer_type="integer",
        solution=text(f"{why[0]} Total: {n(count)}.", f"{why[1]}合计：{n(count)}。"),
    )

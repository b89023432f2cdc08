"""Recurrent layers: parameter counts of nn.RNN, nn.LSTM and nn.GRU, read off the real modules."""

from __future__ import annotations

import random

from dlstudy.exercises import Drawing, Exercise, generator, n, text

GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
NAMES = {"LSTM": ("4 gate blocks (i, f, g, o)", "4 个门块（i、f、g、o）"),
         "GRU": ("3 gate blocks (r, z, n)", "3 个门块（r、z、n）"),
         "RNN": ("1 block (the tanh cell)", "1 个块（tanh 单元）")}


def _recurrent(rng: random.Random, cell: str) -> Drawing:
    d = rng.choice([rng.randint(2, 64), rng.randint(64, 512)])
    h = rng.choice([rng.randint(4, 64), rng.choice([32, 64, 100, 128, 256])])
    layers = rng.choice([1, 1, 2, 2, 3])
    bidirectional = rng.random() < 0.5
    bias = rng.random() < 0.85

    args = [str(d), str(h)]
    if layers > 1:
        args.append(f"num_layers={layers}")
    if bidirectional:
        args.append("bidirectional=True")
    if not bias:
        args.append("bias=False")
    call = f"nn.{cell}({', '.join(args)})"
    prompt = text(f"How many learnable parameters does {call} have?", f"{call} 有多少个可学习参数？")
    yield prompt

    import torch

    module = getattr(torch.nn, cell)(d, h, num_layers=layers, bidirectional=bidirectional,
                                     bias=bias, device="meta")
    count = sum(p.numel() for p in module.parameters())

    gates = GATES[cell]
    dirs = 2 if bidirectional else 1
    lines_en, lines_zh, per_layer = [], [], []
    for layer in range(layers):
        width = d if layer == 0 else dirs * h
        count_layer = gates * (h * width + h * h + (2 * h if bias else 0))
        per_layer.append(count_layer)
        bias_term = f" + 2·{h}" if bias else ""
        formula = f"{gates}·({h}·{width} + {h}·{h}{bias_term}) = {n(count_layer)}"
        where = "" if layer == 0 else (f" (input {dirs}·{h} = {width})" if dirs == 2 else "")
        where_zh = "" if layer == 0 else (f"（输入 {dirs}·{h} = {width}）" if dirs == 2 else "")
        lines_en.append(f"layer {layer + 1}{where}: {formula}")
        lines_zh.append(f"第 {layer + 1} 层{where_zh}：{formula}")
    total = dirs * sum(per_layer)
    summed = " + ".join(n(c) for c in per_layer)
    if dirs == 2:
        last = f"2 directions: 2·({summed}) = {n(total)}"
        last_zh = f"两个方向：2·({summed}) = {n(total)}"
    else:
        last = f"total: {summed} = {n(total)}" if layers > 1 else f"total = {n(total)}"
        last_zh = f"合计：{summed} = {n(total)}" if layers > 1 else f"合计 = {n(total)}"
    name_en, name_zh = NAMES[cell]
    if bias:
        rule_en = (f"Each layer and direction has {name_en}, each with W_ih (h × input), W_hh (h × h) "
                   "and TWO bias vectors b_ih, b_hh (PyTorch keeps both): G·(h·input + h·h + 2h).")
        rule_zh = (f"每层每个方向有 {name_zh}，每块有 W_ih（h × 输入）、W_hh（h × h）和两个偏置向量 "
                   "b_ih、b_hh（PyTorch 两个都保留）：G·(h·输入 + h·h + 2h)。")
    else:
        rule_en = (f"Each layer and direction has {name_en}, each with W_ih (h × input) and W_hh "
                   "(h × h); bias=False drops both bias vectors: G·(h·input + h·h).")
        rule_zh = (f"每层每个方向有 {name_zh}，每块有 W_ih（h × 输入）和 W_hh（h × h）；"
                   "bias=False 去掉两个偏置向量：G·(h·输入 + h·h)。")
    fed = f"2·h = {2 * h}" if dirs == 2 else f"h = {h}"
    above_en = (f" Layers above the first read the output of the layer below: {fed} numbers."
                if layers > 1 else "")
    above_zh = f"第一层以上的层读取下一层的输出：{fed} 个数。" if layers > 1 else ""
    return Exercise(
        params={"cell": cell, "input_size": d, "hidden_size": h, "num_layers": layers,
                "bidirectional": bidirectional, "bias": bias},
        prompt=prompt, expected=count, answer_type="integer",
        solution=text("\n".join([rule_en + above_en, *lines_en, last]),
                      "\n".join([rule_zh + above_zh, *lines_zh, last_zh])),
    )


@generator("rnn_lstm_params")
def lstm_params(rng: random.Random) -> Drawing:
    return _recurrent(rng, "LSTM")


@generator("rnn_gru_params")
def gru_params(rng: random.Random) -> Drawing:
    return _recurrent(rng, "GRU")


@generator("rnn_elman_params")
def elman_params(rng: random.Random) -> Drawing:
    return _recurrent(rng, "RNN")

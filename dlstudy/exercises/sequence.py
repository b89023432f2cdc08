"""Sequence models, the rest: a GLU gradient, the JS divergence of two distributions, the parameters of
additive attention, and how many causal convolutions connect two distant positions — each answer
read off torch (autograd, F.kl_div, nn.Linear, nn.Conv1d)."""

from __future__ import annotations

import math
import random

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, n, o, r, text


def _vector(values: list[float]) -> str:
    return "(" + ", ".join(f"{v:g}" for v in values) + ")"


@generator("rnn2_glu_grad")
def glu_grad(rng: random.Random) -> Drawing:
    a = round(rng.uniform(-3, 3), 1) + 0.0          # + 0.0 turns a rounded −0.0 into 0.0 (no "−0" on screen)
    b = round(rng.uniform(-3, 3), 1) + 0.0
    wrt = rng.choice(["a", "b"])
    prompt = text(f"x = ({a:g}, {b:g}) and y = F.glu(x, dim=0). What is ∂y/∂{wrt}? (3 significant figures)",
                  f"x = ({a:g}, {b:g})，y = F.glu(x, dim=0)。∂y/∂{wrt} 是多少？（3 位有效数字）")
    yield prompt

    import torch
    import torch.nn.functional as F

    x = torch.tensor([a, b], dtype=torch.float64, requires_grad=True)
    y = F.glu(x, dim=0)
    y.sum().backward()
    assert x.grad is not None
    expected = float(x.grad[0 if wrt == "a" else 1])
    s = 1 / (1 + math.exp(-b))
    if wrt == "a":
        en = (f"F.glu splits x into a = {a:g} (value, first half) and b = {b:g} (gate): y = a·σ(b). "
              f"∂y/∂a = σ(b) = σ({b:g}) = {r(expected)}.")
        zh = (f"F.glu 把 x 分成 a = {a:g}（值，前一半）和 b = {b:g}（门）：y = a·σ(b)。"
              f"∂y/∂a = σ(b) = σ({b:g}) = {r(expected)}。")
    else:
        en = (f"y = a·σ(b) with a = {a:g} (first half), b = {b:g}: ∂y/∂b = a·σ(b)(1 − σ(b)) = "
              f"{o(a)}·{r(s)}·{r(1 - s)} = {r(expected)}.")
        zh = (f"y = a·σ(b)，a = {a:g}（前一半），b = {b:g}：∂y/∂b = a·σ(b)(1 − σ(b)) = "
              f"{o(a)}·{r(s)}·{r(1 - s)} = {r(expected)}。")
    return Exercise(params={"a": a, "b": b, "wrt": wrt}, prompt=prompt, expected=expected, answer_type="real",
                    rtol=RTOL, atol=ATOL, solution=text(en, zh))


@generator("gen2_js_divergence")
def js_divergence(rng: random.Random) -> Drawing:
    k = rng.choice([2, 3, 4])

    def draw() -> list[float]:
        while True:
            cuts = sorted(rng.randint(1, 19) for _ in range(k - 1))
            parts = [b - a for a, b in zip([0, *cuts], [*cuts, 20])]
            if all(v > 0 for v in parts) or rng.random() < 0.3:
                return [v / 20 for v in parts]

    P, Q = draw(), draw()
    while P == Q or any(a == 0 and b == 0 for a, b in zip(P, Q)):
        Q = draw()
    prompt = text(f"P = {_vector(P)}, Q = {_vector(Q)} over {k} outcomes. JS(P, Q) in nats? (3 significant figures)",
                  f"P = {_vector(P)}，Q = {_vector(Q)}，共 {k} 个结果。JS(P, Q) 是多少奈特？（3 位有效数字）")
    yield prompt

    import torch
    import torch.nn.functional as F

    p_t = torch.tensor(P, dtype=torch.float64)
    q_t = torch.tensor(Q, dtype=torch.float64)
    m = (p_t + q_t) / 2
    # F.kl_div(input = log M, target = P) = Σ P·(log P − log M) = KL(P ‖ M); 0·log 0 is taken as 0.
    kl_pm = float(F.kl_div(m.log(), p_t, reduction="sum"))
    kl_qm = float(F.kl_div(m.log(), q_t, reduction="sum"))
    expected = 0.5 * (kl_pm + kl_qm)
    M = [(a + b) / 2 for a, b in zip(P, Q)]
    return Exercise(params={"P": P, "Q": Q}, prompt=prompt, expected=expected, answer_type="real", rtol=RTOL,
                    atol=ATOL,
                    solution=text(f"M = (P + Q)/2 = {_vector(M)}. KL(P ‖ M) = Σ P·ln(P/M) = {r(kl_pm)}, "
                                  f"KL(Q ‖ M) = {r(kl_qm)} (terms with P = 0 count 0). "
                                  f"JS = ½(KL(P ‖ M) + KL(Q ‖ M)) = {r(expected)} nats (at most ln 2 ≈ 0.6931, "
                                  "reached only for disjoint supports).",
                                  f"M = (P + Q)/2 = {_vector(M)}。KL(P ‖ M) = Σ P·ln(P/M) = {r(kl_pm)}，"
                                  f"KL(Q ‖ M) = {r(kl_qm)}（P = 0 的项记为 0）。"
                                  f"JS = ½(KL(P ‖ M) + KL(Q ‖ M)) = {r(expected)} 奈特（最大 ln 2 ≈ 0.6931，"
                                  "只有支撑不相交时才达到）。"))


@generator("attn2_additive_params")
def additive_params(rng: random.Random) -> Drawing:
    d_s = rng.choice([64, 128, 256, 500, 512, 1000, 1024])
    d_h = rng.choice([d_s, 2 * d_s, rng.choice([128, 256, 600, 2000])])
    d_a = rng.choice([64, 100, 128, 256, 512, 1000])
    prompt = text(f"Additive (Bahdanau) attention scores e_ij = vᵀtanh(W s_i + U h_j), no biases, with decoder "
                  f"state size d_s = {d_s}, encoder state size d_h = {d_h} and attention size d_a = {d_a}. How many parameters does the score function have?",
                  f"加性（Bahdanau）注意力打分 e_ij = vᵀtanh(W s_i + U h_j)，无偏置；解码器状态维度 d_s = {d_s}，"
                  f"编码器状态维度 d_h = {d_h}，注意力维度 d_a = {d_a}。打分函数有多少个参数？")
    yield prompt

    import torch

    W = torch.nn.Linear(d_s, d_a, bias=False, device="meta")
    U = torch.nn.Linear(d_h, d_a, bias=False, device="meta")
    v = torch.nn.Linear(d_a, 1, bias=False, device="meta")
    count = sum(q.numel() for m in (W, U, v) for q in m.parameters())
    return Exercise(params={"d_s": d_s, "d_h": d_h, "d_a": d_a}, prompt=prompt, expected=count,
                    answer_type="integer",
                    solution=text(f"W: d_a × d_s = {d_a}·{d_s}, U: d_a × d_h = {d_a}·{d_h}, v: d_a = {d_a}. "
                                  f"d_a(d_s + d_h + 1) = {d_a}·{d_s + d_h + 1} = {n(count)}. "
                                  "A dot-product score sᵀh has none (but needs d_s = d_h).",
                                  f"W：d_a × d_s = {d_a}·{d_s}，U：d_a × d_h = {d_a}·{d_h}，v：d_a = {d_a}。"
                                  f"d_a(d_s + d_h + 1) = {d_a}·{d_s + d_h + 1} = {n(count)}。"
                                  "点积打分 sᵀh 没有参数（但要求 d_s = d_h）。"))


@generator("attn2_conv_layers")
def conv_layers(rng: random.Random) -> Drawing:
    k = rng.choice([2, 3, 3, 5, 7])
    dilated = rng.random() < 0.35
    length = rng.choice([rng.randint(10, 60), rng.randint(60, 300)]) if dilated else rng.randint(8, 80)
    if dilated:
        prompt = text(f"A stack of causal Conv1d layers, kernel {k}, dilation {k}^l in layer l = 0, 1, 2, … "
                      f"How many layers until output position {length} depends on input position 1?",
                      f"一摞因果 Conv1d 层，卷积核 {k}，第 l 层（l = 0, 1, 2, …）的空洞率为 {k}^l。"
                      f"至少几层后，输出位置 {length} 才依赖输入位置 1？")
    else:
        prompt = text(f"A stack of causal Conv1d layers, kernel {k}, no dilation. How many layers until output "
                      f"position {length} depends on input position 1? (One self-attention layer needs 1.)",
                      f"一摞因果 Conv1d 层，卷积核 {k}，无空洞。至少几层后，输出位置 {length} 才依赖输入位置 1？"
                      "（一层自注意力只需 1 层。）")
    yield prompt

    import torch

    x = torch.ones(1, 1, length, dtype=torch.float64, requires_grad=True)
    h, layers = x, 0
    while True:
        dilation = k ** layers if dilated else 1
        conv = torch.nn.Conv1d(1, 1, k, dilation=dilation, bias=False, dtype=torch.float64)
        with torch.no_grad():
            conv.weight.fill_(1.0)
        h = conv(torch.nn.functional.pad(h, ((k - 1) * dilation, 0)))
        layers += 1
        (grad,) = torch.autograd.grad(h[0, 0, length - 1], x, retain_graph=True)
        if grad[0, 0, 0] != 0:
            break
    if dilated:
        en = (f"Receptive field after L layers: k^L = {k}^L. Need {k}^L ≥ {length}: L = ⌈log_{k} {length}⌉ = "
              f"{layers} ({k}^{layers - 1} = {k ** (layers - 1)} < {length} ≤ {k ** layers}).")
        zh = (f"L 层后的感受野为 k^L = {k}^L。需要 {k}^L ≥ {length}：L = ⌈log_{k} {length}⌉ = {layers}"
              f"（{k}^{layers - 1} = {k ** (layers - 1)} < {length} ≤ {k ** layers}）。")
    else:
        en = (f"Each layer widens the receptive field by k − 1 = {k - 1}: 1 + L·{k - 1} ≥ {length}, "
              f"L = ⌈({length} − 1)/{k - 1}⌉ = {layers}.")
        zh = (f"每层把感受野加宽 k − 1 = {k - 1}：1 + L·{k - 1} ≥ {length}，"
              f"L = ⌈({length} − 1)/{k - 1}⌉ = {layers}。")
    return Exercise(params={"k": k, "dilated": dilated, "length": length}, prompt=prompt, expected=layers,
                    answer_type="integer", solution=text(en, zh))

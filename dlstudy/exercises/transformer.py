"""Transformer internals: MHA parameters, attention-score memory, FFN parameters, an attention weight,
FlashAttention's online-softmax sum, ALiBi's distance penalty — each answer read off torch."""

from __future__ import annotations

import math
import random

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, n, r, text

DTYPES = {"float32": 4, "bfloat16": 2, "float16": 2}


def _vector(values: list[float] | list[int]) -> str:
    return "[" + ", ".join(f"{v:g}" for v in values) + "]"


@generator("tf_mha_params")
def mha_params(rng: random.Random) -> Drawing:
    heads = rng.choice([1, 2, 4, 8, 12, 16])
    d = heads * rng.choice([16, 32, 64, 80, 128])
    bias = rng.random() < 0.8
    bias_kv = rng.random() < 0.2
    kdim = vdim = d
    if rng.random() < 0.25:
        kdim, vdim = rng.choice([32, 100, 256, 512, 768]), rng.choice([32, 100, 256, 512, 768])
    args = [str(d), str(heads)]
    if not bias:
        args.append("bias=False")
    if bias_kv:
        args.append("add_bias_kv=True")
    if (kdim, vdim) != (d, d):     # either differing from d must be in the call, or the count is for another module
        args += [f"kdim={kdim}", f"vdim={vdim}"]
    call = f"nn.MultiheadAttention({', '.join(args)})"
    prompt = text(f"How many learnable parameters does {call} have?", f"{call} 有多少个可学习参数？")
    yield prompt

    import torch

    module = torch.nn.MultiheadAttention(d, heads, bias=bias, add_bias_kv=bias_kv, kdim=kdim, vdim=vdim,
                                         device="meta")
    count = sum(p.numel() for p in module.parameters())
    proj = d * d + d * kdim + d * vdim
    lines_en = [f"W_Q, W_K, W_V: {d}·{d} + {d}·{kdim} + {d}·{vdim} = {n(proj)} (the {heads} heads split these "
                f"{d} output columns {heads} × {d // heads}; the head count adds nothing)"]
    lines_zh = [f"W_Q、W_K、W_V：{d}·{d} + {d}·{kdim} + {d}·{vdim} = {n(proj)}（{heads} 个头把这 {d} 个输出列切成 "
                f"{heads} × {d // heads}；头数不增加参数）"]
    lines_en.append(f"W_O: {d}·{d} = {n(d * d)}")
    lines_zh.append(f"W_O：{d}·{d} = {n(d * d)}")
    if bias:
        lines_en.append(f"biases: in_proj 3·{d} + out_proj {d} = {n(4 * d)}")
        lines_zh.append(f"偏置：in_proj 3·{d} + out_proj {d} = {n(4 * d)}")
    if bias_kv:
        lines_en.append(f"add_bias_kv: bias_k and bias_v, {d} each = {n(2 * d)}")
        lines_zh.append(f"add_bias_kv：bias_k 和 bias_v 各 {d} = {n(2 * d)}")
    lines_en.append(f"total = {n(count)}")
    lines_zh.append(f"合计 = {n(count)}")
    return Exercise(params={"d": d, "heads": heads, "bias": bias, "add_bias_kv": bias_kv, "kdim": kdim,
                            "vdim": vdim},
                    prompt=prompt, expected=count, answer_type="integer",
                    solution=text("\n".join(lines_en), "\n".join(lines_zh)))


@generator("tf_score_memory")
def score_memory(rng: random.Random) -> Drawing:
    batch = rng.choice([1, 2, 4, 8, 16, 32])
    heads = rng.choice([8, 12, 16, 32, 40])
    seq = rng.choice([512, 1024, 2048, 4096, 8192])
    dtype = rng.choice(list(DTYPES))
    prompt = text(f"A plain (non-fused) attention materialises softmax(QKᵀ/√d) for batch {batch}, {heads} heads and "
                  f"sequence length {seq} in {dtype}. How many MiB (2²⁰ bytes) does that one tensor take, for one "
                  "layer? (3 significant figures)",
                  f"一个朴素（非融合）的注意力实现为 batch {batch}、{heads} 个头、序列长度 {seq} 生成 softmax(QKᵀ/√d)，"
                  f"数据类型 {dtype}。这一个张量在一层中占多少 MiB（2²⁰ 字节）？（3 位有效数字）")
    yield prompt

    import torch

    q = torch.empty(batch, heads, seq, 64, dtype=getattr(torch, dtype), device="meta")
    scores = torch.softmax(q @ q.transpose(-1, -2), -1)
    mib = scores.numel() * scores.element_size() / 2 ** 20
    size = DTYPES[dtype]
    return Exercise(params={"batch": batch, "heads": heads, "seq": seq, "dtype": dtype}, prompt=prompt,
                    expected=mib, answer_type="real", rtol=RTOL, atol=ATOL,
                    solution=text(f"b·h·n² numbers × {size} bytes: {batch}·{heads}·{seq}² · {size} = "
                                  f"{n(batch * heads * seq * seq * size)} bytes = {r(mib)} MiB. It grows with n², "
                                  "not with d; a fused kernel (FlashAttention) never stores it.",
                                  f"b·h·n² 个数 × {size} 字节：{batch}·{heads}·{seq}² · {size} = "
                                  f"{n(batch * heads * seq * seq * size)} 字节 = {r(mib)} MiB。它随 n² 增长，与 d 无关；"
                                  "融合内核（FlashAttention）从不存储它。"))


@generator("tf_ffn_params")
def ffn_params(rng: random.Random) -> Drawing:
    d = rng.choice([64, 128, 256, 512, 768, 1024, 2048, 4096])
    swiglu = rng.random() < 0.5
    if swiglu:
        hidden = 256 * math.ceil(int(8 * d / 3) / 256) if rng.random() < 0.5 else int(8 * d / 3)
        desc_en = (f"a SwiGLU feed-forward block (W₂(SiLU(xW₁) ⊙ xW₃)) with d = {d}, hidden width {hidden}, "
                   "no biases")
        desc_zh = f"一个 SwiGLU 前馈块（W₂(SiLU(xW₁) ⊙ xW₃)），d = {d}，隐藏宽度 {hidden}，无偏置"
        bias = False
    else:
        hidden = rng.choice([4 * d, 4 * d, 2 * d, 3 * d])
        bias = rng.random() < 0.7
        desc_en = f"a GELU feed-forward block Linear({d}, {hidden}) → GELU → Linear({hidden}, {d})" + \
            ("" if bias else ", both bias=False")
        desc_zh = f"一个 GELU 前馈块 Linear({d}, {hidden}) → GELU → Linear({hidden}, {d})" + \
            ("" if bias else "，两层都 bias=False")
    prompt = text(f"How many learnable parameters does {desc_en} have?", f"{desc_zh}有多少个可学习参数？")
    yield prompt

    import torch

    if swiglu:
        layers = [torch.nn.Linear(d, hidden, bias=False, device="meta"),
                  torch.nn.Linear(d, hidden, bias=False, device="meta"),
                  torch.nn.Linear(hidden, d, bias=False, device="meta")]
    else:
        layers = [torch.nn.Linear(d, hidden, bias=bias, device="meta"),
                  torch.nn.Linear(hidden, d, bias=bias, device="meta")]
    count = sum(p.numel() for m in layers for p in m.parameters())
    if swiglu:
        sol_en = f"three matrices: 3·{d}·{hidden} = {n(count)}"
        sol_zh = f"三个矩阵：3·{d}·{hidden} = {n(count)}"
    elif bias:
        sol_en = f"2·{d}·{hidden} + {hidden} + {d} = {n(count)}"
        sol_zh = sol_en
    else:
        sol_en = f"2·{d}·{hidden} = {n(count)}"
        sol_zh = sol_en
    return Exercise(params={"d": d, "hidden": hidden, "swiglu": swiglu, "bias": bias}, prompt=prompt,
                    expected=count, answer_type="integer", solution=text(sol_en, sol_zh))


@generator("tf_attention_weight")
def attention_weight(rng: random.Random) -> Drawing:
    dim = rng.choice([2, 3, 4])
    keys = rng.choice([3, 4])
    q = [rng.choice([-2, -1, 0, 1, 2]) for _ in range(dim)]
    ks = [[rng.choice([-2, -1, 0, 1, 2]) for _ in range(dim)] for _ in range(keys)]
    j = rng.randrange(keys)
    listed = ", ".join(f"k{i + 1} = {_vector(k)}" for i, k in enumerate(ks))
    prompt = text(f"Scaled dot-product attention, d_k = {dim}: query q = {_vector(q)}, keys {listed}. What weight "
                  f"does q put on k{j + 1}? (3 significant figures)",
                  f"缩放点积注意力，d_k = {dim}：query q = {_vector(q)}，key 为 {listed}。q 对 k{j + 1} 的权重是多少？"
                  "（3 位有效数字）")
    yield prompt

    import torch
    import torch.nn.functional as F

    Q = torch.tensor([[q]], dtype=torch.float64)
    K = torch.tensor([ks], dtype=torch.float64)
    V = torch.eye(keys, dtype=torch.float64)[None]          # values = one-hot: the output row IS the weights
    weights = F.scaled_dot_product_attention(Q, K, V)[0, 0]
    expected = float(weights[j])
    scores = [sum(a * b for a, b in zip(q, k)) for k in ks]
    scaled = [s / math.sqrt(dim) for s in scores]
    return Exercise(params={"q": q, "keys": ks, "index": j}, prompt=prompt, expected=expected, answer_type="real",
                    rtol=RTOL, atol=ATOL,
                    solution=text(f"scores q·kᵢ = {_vector(scores)}; ÷ √{dim}: {_vector([float(r(s, 4)) for s in scaled])}; "
                                  f"softmax → weight on k{j + 1} = {r(expected)}",
                                  f"分数 q·kᵢ = {_vector(scores)}；÷ √{dim}：{_vector([float(r(s, 4)) for s in scaled])}；"
                                  f"softmax → k{j + 1} 上的权重 = {r(expected)}"))


@generator("tf_online_softmax")
def online_softmax(rng: random.Random) -> Drawing:
    logits = [float(rng.choice([-3, -2, -1, 0, 1, 2, 3, 4])) for _ in range(6)]
    m1 = max(logits[:3])
    l1 = sum(math.exp(s - m1) for s in logits[:3])
    prompt = text(f"One query's scores are {_vector(logits)}. FlashAttention reads them in two tiles of 3. After the "
                  f"first tile its state is m = {m1:g}, ℓ = Σ e^(s − m) = {r(l1)}. What is ℓ after the second tile "
                  "(relative to the new running max)? (3 significant figures)",
                  f"某个 query 的分数为 {_vector(logits)}。FlashAttention 分两块、每块 3 个读取。第一块之后状态为 "
                  f"m = {m1:g}，ℓ = Σ e^(s − m) = {r(l1)}。第二块之后 ℓ 是多少（相对新的运行最大值）？（3 位有效数字）")
    yield prompt

    import torch

    row = torch.tensor(logits, dtype=torch.float64)
    m = float(row.max())
    expected = float(torch.exp(torch.logsumexp(row, 0) - m))
    m2 = max(logits[3:])
    l2 = sum(math.exp(s - m2) for s in logits[3:])
    return Exercise(params={"logits": logits}, prompt=prompt, expected=expected, answer_type="real",
                    rtol=RTOL, atol=ATOL,
                    solution=text(f"second tile: m₂ = {m2:g}, ℓ₂ = {r(l2)}. New m = max({m1:g}, {m2:g}) = {m:g}; "
                                  f"ℓ = e^({m1:g} − {m:g})·{r(l1)} + e^({m2:g} − {m:g})·{r(l2)} = {r(expected)} "
                                  "(= Σ e^(s − m) over all six: exact, not approximate)",
                                  f"第二块：m₂ = {m2:g}，ℓ₂ = {r(l2)}。新的 m = max({m1:g}, {m2:g}) = {m:g}；"
                                  f"ℓ = e^({m1:g} − {m:g})·{r(l1)} + e^({m2:g} − {m:g})·{r(l2)} = {r(expected)}"
                                  "（= 六个分数的 Σ e^(s − m)：精确，不是近似）"))


@generator("tf_alibi_ratio")
def alibi_ratio(rng: random.Random) -> Drawing:
    heads = rng.choice([4, 8, 16])
    h = rng.randint(1, heads)
    near, far = sorted(rng.sample(range(0, 12), 2))
    prompt = text(f"ALiBi with {heads} heads (slopes m_h = 2^(−8h/{heads}), h = 1 … {heads}). In head {h}, a query sees "
                  f"two keys with the same content at distances {near} and {far}. What is weight(distance {far}) / "
                  f"weight(distance {near})? (3 significant figures)",
                  f"ALiBi 有 {heads} 个头（斜率 m_h = 2^(−8h/{heads})，h = 1 … {heads}）。在第 {h} 个头中，一个 query 看到"
                  f"内容相同、距离分别为 {near} 和 {far} 的两个 key。权重(距离 {far}) / 权重(距离 {near}) 是多少？（3 位有效数字）")
    yield prompt

    import torch
    import torch.nn.functional as F

    slope = 2 ** (-8 * h / heads)
    n = far + 1
    pos = torch.arange(n, dtype=torch.float64)
    bias = (-slope * (pos[-1] - pos))[None, :]                   # the last query; key j at distance n−1−j
    q = torch.ones(1, 1, 1, 4, dtype=torch.float64)
    k = torch.ones(1, 1, n, 4, dtype=torch.float64)
    v = torch.eye(n, dtype=torch.float64)[None, None]
    w = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)[0, 0, 0]
    expected = float(w[n - 1 - far] / w[n - 1 - near])
    return Exercise(params={"heads": heads, "head": h, "near": near, "far": far}, prompt=prompt, expected=expected,
                    answer_type="real", rtol=RTOL, atol=ATOL,
                    solution=text(f"m_{h} = 2^(−8·{h}/{heads}) = {r(slope)}; equal content, so only the bias differs: "
                                  f"e^(−m·({far} − {near})) = {r(expected)}",
                                  f"m_{h} = 2^(−8·{h}/{heads}) = {r(slope)}；内容相同，只有偏置不同："
                                  f"e^(−m·({far} − {near})) = {r(expected)}"))

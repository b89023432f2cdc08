"""Fine-tuning and inference: KV-cache bytes, LoRA parameters, int8 memory, perplexity, MoE active parameters.

Every answer is read off real torch objects (tensors and modules on the ``meta`` device, so nothing
is allocated) or computed with torch's own functions."""

from __future__ import annotations

import random

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, n, r, text

DTYPES = {"float32": 4, "bfloat16": 2, "float16": 2}


@generator("inf_kv_cache_bytes")
def kv_cache_bytes(rng: random.Random) -> Drawing:
    layers = rng.choice([12, 24, 32, 40, 48, 64, 80])
    d_head = rng.choice([64, 128])
    heads = rng.choice([8, 16, 32, 40, 64])
    kind = rng.choice(["MHA", "GQA", "MQA"])
    kv = {"MHA": heads, "MQA": 1, "GQA": rng.choice([g for g in (2, 4, 8) if heads % g == 0 and g < heads])}[kind]
    seq = rng.choice([512, 1024, 2048, 4096, 8192, 32768])
    batch = rng.choice([1, 2, 4, 8, 16, 32])
    dtype = rng.choice(["bfloat16", "float16", "float32"])
    attn = {"MHA": f"multi-head attention ({heads} heads, each with its own K and V)",
            "GQA": f"grouped-query attention ({heads} query heads, {kv} KV heads)",
            "MQA": f"multi-query attention ({heads} query heads sharing 1 KV head)"}[kind]
    attn_zh = {"MHA": f"多头注意力（{heads} 个头，各有自己的 K、V）",
               "GQA": f"分组查询注意力（{heads} 个查询头，{kv} 个 KV 头）",
               "MQA": f"多查询注意力（{heads} 个查询头共享 1 个 KV 头）"}[kind]
    prompt = text(
        f"A decoder with {layers} layers, {attn}, head size {d_head}, caches K and V in {dtype}. "
        f"How many MiB (2²⁰ bytes) does the KV cache take for a batch of {batch} sequences of {seq} "
        "tokens? (3 significant figures)",
        f"一个 {layers} 层的解码器，{attn_zh}，每个头的维度 {d_head}，K、V 以 {dtype} 缓存。批大小 {batch}、"
        f"每个序列 {seq} 个 token 时，KV 缓存占多少 MiB（2²⁰ 字节）？（3 位有效数字）")
    yield prompt

    import torch

    one = torch.empty(batch, kv, seq, d_head, dtype=getattr(torch, dtype), device="meta")
    total = 2 * layers * one.nbytes
    mib = total / 2**20
    size = DTYPES[dtype]
    shown = f"{mib:,.2f}" if mib >= 1000 else r(mib)
    heads_en = "1 KV head" if kv == 1 else f"{kv} KV heads"
    return Exercise(
        params={"layers": layers, "heads": heads, "kv_heads": kv, "d_head": d_head, "seq": seq, "batch": batch,
                "dtype": dtype, "kind": kind},
        prompt=prompt, expected=mib, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(
            f"Per layer one K and one V tensor of shape (batch, KV heads, tokens, head size) = "
            f"({batch}, {kv}, {seq}, {d_head}); the query heads do not count, only the {heads_en}.\n"
            f"bytes = 2·L·b·n·h_kv·d_head·s = 2·{layers}·{batch}·{seq}·{kv}·{d_head}·{size} = {n(total)}\n"
            f"÷ 2²⁰ = {shown} MiB",
            f"每层一个 K 张量和一个 V 张量，形状为（批，KV 头数，token 数，头维度）= "
            f"({batch}, {kv}, {seq}, {d_head})；查询头不计，只计 {kv} 个 KV 头。\n"
            f"字节数 = 2·L·b·n·h_kv·d_head·s = 2·{layers}·{batch}·{seq}·{kv}·{d_head}·{size} = {n(total)}\n"
            f"÷ 2²⁰ = {shown} MiB"),
    )


@generator("inf_lora_params")
def lora_params(rng: random.Random) -> Drawing:
    d = rng.choice([512, 768, 1024, 2048, 4096, 5120])
    layers = rng.choice([6, 12, 24, 32, 40])
    rank = rng.choice([1, 2, 4, 8, 16, 32, 64])
    targets = rng.choice([("q", "v"), ("q", "k", "v", "o"), ("q",), ("v",)])
    ffn = rng.random() < 0.3
    names = ", ".join(f"W_{t}" for t in targets) + (", and the FFN's two matrices (d × 4d, 4d × d)" if ffn else "")
    names_zh = "、".join(f"W_{t}" for t in targets) + ("，以及 FFN 的两个矩阵（d × 4d、4d × d）" if ffn else "")
    prompt = text(
        f"LoRA with rank r = {rank} is applied to {names} (attention matrices are d × d, d = {d}) in every one of "
        f"{layers} transformer layers. How many trainable parameters do the adapters add?",
        f"在 {layers} 个 transformer 层的每一层中，对 {names_zh}（注意力矩阵为 d × d，d = {d}）使用秩 r = {rank} 的 "
        "LoRA。适配器一共增加多少个可训练参数？")
    yield prompt

    import torch

    shapes = [(d, d)] * len(targets) + ([(d, 4 * d), (4 * d, d)] if ffn else [])
    per_layer = 0
    for d_out, d_in in shapes:
        A = torch.nn.Parameter(torch.empty(rank, d_in, device="meta"))
        B = torch.nn.Parameter(torch.empty(d_out, rank, device="meta"))
        per_layer += A.numel() + B.numel()
    total = layers * per_layer
    terms = [f"{rank}·({a} + {b})" for a, b in shapes]
    return Exercise(
        params={"d": d, "layers": layers, "rank": rank, "targets": list(targets), "ffn": ffn},
        prompt=prompt, expected=total, answer_type="integer",
        solution=text(
            "Each adapted d_out × d_in matrix gets A (r × d_in) and B (d_out × r): r·(d_in + d_out) parameters.\n"
            f"per layer: {' + '.join(terms)} = {n(per_layer)}\n"
            f"× {layers} layers = {n(total)}",
            "每个被适配的 d_out × d_in 矩阵有 A（r × d_in）和 B（d_out × r）：r·(d_in + d_out) 个参数。\n"
            f"每层：{' + '.join(terms)} = {n(per_layer)}\n"
            f"× {layers} 层 = {n(total)}"),
    )


@generator("inf_int8_saving")
def int8_saving(rng: random.Random) -> Drawing:
    rows = rng.choice([256, 512, 1024, 2048, 4096, 11008, 14336])
    cols = rng.choice([256, 512, 1024, 2048, 4096, 5120])
    source = rng.choice(["float32", "float16"])
    per_channel = rng.random() < 0.7
    scheme = ("one float32 scale per output row (per-channel)" if per_channel else
              "a single float32 scale for the whole tensor (per-tensor)")
    scheme_zh = "每个输出行一个 float32 尺度（逐通道）" if per_channel else "整个张量一个 float32 尺度（逐张量）"
    prompt = text(
        f"A {rows} × {cols} weight matrix stored in {source} is quantised to int8 with {scheme}. "
        "How many bytes are saved?",
        f"一个以 {source} 存储的 {rows} × {cols} 权重矩阵被量化为 int8，使用{scheme_zh}。节省了多少字节？")
    yield prompt

    import torch

    before = torch.empty(rows, cols, dtype=getattr(torch, source), device="meta").nbytes
    q = torch.empty(rows, cols, dtype=torch.int8, device="meta").nbytes
    scales = torch.empty(rows if per_channel else 1, dtype=torch.float32, device="meta").nbytes
    saved = before - q - scales
    size = DTYPES[source]
    count = f"{rows}·4" if per_channel else "4"
    return Exercise(
        params={"rows": rows, "cols": cols, "source": source, "per_channel": per_channel},
        prompt=prompt, expected=saved, answer_type="integer",
        solution=text(
            f"before: {rows}·{cols}·{size} = {n(before)} bytes\n"
            f"after: {rows}·{cols}·1 (int8) + {count} (scales) = {n(q + scales)} bytes\n"
            f"saved: {n(saved)} bytes",
            f"量化前：{rows}·{cols}·{size} = {n(before)} 字节\n"
            f"量化后：{rows}·{cols}·1（int8）+ {count}（尺度）= {n(q + scales)} 字节\n"
            f"节省：{n(saved)} 字节"),
    )


@generator("inf_perplexity")
def perplexity(rng: random.Random) -> Drawing:
    probs = [rng.choice([0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) for _ in range(rng.randint(3, 6))]
    shown = ", ".join(str(q) for q in probs)
    prompt = text(
        f"A language model assigns these probabilities to the correct next token at {len(probs)} positions: "
        f"{shown}. What is its perplexity on them? (3 significant figures)",
        f"一个语言模型在 {len(probs)} 个位置上给正确的下一个 token 的概率为：{shown}。它在这些位置上的困惑度是多少？"
        "（3 位有效数字）")
    yield prompt

    import torch
    import torch.nn.functional as F

    log_probs = torch.tensor(probs, dtype=torch.float64).log()
    # F.nll_loss on a one-column log-probability table: the mean cross-entropy in nats.
    ce = F.nll_loss(log_probs[:, None], torch.zeros(len(probs), dtype=torch.long))
    ppl = float(torch.exp(ce))
    return Exercise(
        params={"probs": probs}, prompt=prompt, expected=ppl, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(
            f"CE = −(1/{len(probs)})·Σ ln p = {r(float(ce))} nats\n"
            f"perplexity = exp(CE) = {r(ppl)}  (the geometric mean of 1/p)",
            f"交叉熵 = −(1/{len(probs)})·Σ ln p = {r(float(ce))} nats\n"
            f"困惑度 = exp(交叉熵) = {r(ppl)}（即 1/p 的几何平均）"),
    )


@generator("inf_moe_active")
def moe_active(rng: random.Random) -> Drawing:
    d = rng.choice([256, 512, 1024, 2048, 4096])
    hidden = rng.choice([2, 4]) * d if rng.random() < 0.6 else rng.choice([1408, 2816, 14336])
    experts = rng.choice([4, 8, 16, 32, 64])
    k = rng.choice([1, 2]) if experts < 16 else rng.choice([1, 2, 4, 8])
    prompt = text(
        f"An MoE feed-forward layer has {experts} experts, each nn.Linear({d}, {hidden}, bias=False) → activation → "
        f"nn.Linear({hidden}, {d}, bias=False), and a router nn.Linear({d}, {experts}, bias=False) with top-{k} "
        "routing. How many parameters does one token use (router included)?",
        f"一个 MoE 前馈层有 {experts} 个专家，每个为 nn.Linear({d}, {hidden}, bias=False) → 激活 → "
        f"nn.Linear({hidden}, {d}, bias=False)，路由器为 nn.Linear({d}, {experts}, bias=False)，采用 top-{k} 路由。"
        "一个 token 用到多少个参数（含路由器）？")
    yield prompt

    import torch

    expert = torch.nn.Sequential(torch.nn.Linear(d, hidden, bias=False, device="meta"),
                                 torch.nn.Linear(hidden, d, bias=False, device="meta"))
    router = torch.nn.Linear(d, experts, bias=False, device="meta")
    one = sum(q.numel() for q in expert.parameters())
    routed = router.weight.numel()
    active = k * one + routed
    total = experts * one + routed
    return Exercise(
        params={"d": d, "hidden": hidden, "experts": experts, "k": k}, prompt=prompt, expected=active,
        answer_type="integer",
        solution=text(
            f"one expert: 2·{d}·{hidden} = {n(one)}; router: {d}·{experts} = {n(routed)}\n"
            f"active per token: {k}·{n(one)} + {n(routed)} = {n(active)}\n"
            f"(the layer stores {n(total)}: parameters grow with the number of experts, compute with k)",
            f"一个专家：2·{d}·{hidden} = {n(one)}；路由器：{d}·{experts} = {n(routed)}\n"
            f"每个 token 激活：{k}·{n(one)} + {n(routed)} = {n(active)}\n"
            f"（该层共存储 {n(total)} 个参数：参数量随专家数增长，计算量随 k 增长）"),
    )

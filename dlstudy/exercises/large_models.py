"""Training large models: parameter counts, training FLOPs and time, Adam memory, ZeRO memory,
pipeline bubbles — each answer read off real torch objects (meta-device models, FlopCounterMode,
a real optimizer's state, torch.chunk shards) or a simulated schedule."""

from __future__ import annotations

import random

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, n, r, text

GB = 1e9  # the ZeRO paper's and the prompts' gigabyte: 10⁹ bytes


def _gpt(V: int, n_ctx: int, d: int, L: int, tied: bool, device: str) -> object:
    """A GPT-style decoder from torch.nn: token and position tables, pre-LN encoder layers with
    d_ff = 4d, a final LayerNorm and an output head (tied to the token table or not)."""
    import torch

    class GPT(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte = torch.nn.Embedding(V, d, device=device)
            self.wpe = torch.nn.Embedding(n_ctx, d, device=device)
            self.blocks = torch.nn.ModuleList([
                torch.nn.TransformerEncoderLayer(d, max(1, d // 64), 4 * d, norm_first=True, batch_first=True,
                                                 device=device) for _ in range(L)])
            self.ln_f = torch.nn.LayerNorm(d, device=device)
            self.head = torch.nn.Linear(d, V, bias=False, device=device)
            if tied:
                self.head.weight = self.wte.weight

    return GPT()


@generator("lm_gpt_params")
def gpt_params(rng: random.Random) -> Drawing:
    d = rng.choice([256, 384, 512, 640, 768, 1024, 1280, 1600, 2048])
    L = rng.choice([4, 6, 8, 12, 16, 24, 32, 48])
    V = rng.choice([32000, 32768, 50257, 50304, 65536, 100277, rng.randint(8000, 60000)])
    n_ctx = rng.choice([512, 1024, 2048, 4096])
    tied = rng.random() < 0.6
    head = ("an output head tied to the token embedding" if tied
            else "a separate (untied) output head Linear(d, V, bias=False)")
    head_zh = "输出层与 token 嵌入共享权重" if tied else "独立的（不共享的）输出层 Linear(d, V, bias=False)"
    prompt = text(
        f"A GPT-style model built from torch.nn: token Embedding({V}, {d}), learned position Embedding({n_ctx}, {d}), "
        f"{L} × nn.TransformerEncoderLayer(d_model={d}, dim_feedforward={4 * d}) (biases and LayerNorms included), "
        f"a final LayerNorm({d}) and {head}. How many parameters?",
        f"一个用 torch.nn 搭的 GPT 式模型：token Embedding({V}, {d})，可学习位置 Embedding({n_ctx}, {d})，"
        f"{L} 个 nn.TransformerEncoderLayer(d_model={d}, dim_feedforward={4 * d})（含偏置和 LayerNorm），"
        f"最后一个 LayerNorm({d})，{head_zh}。共有多少个参数？")
    yield prompt

    model = _gpt(V, n_ctx, d, L, tied, "meta")
    count = sum(q.numel() for q in model.parameters())  # type: ignore[attr-defined]
    layer = 12 * d * d + 13 * d
    head_line = ("head tied: + 0" if tied else f"untied head: + V·d = {n(V * d)}")
    head_zh_line = ("输出层共享：+ 0" if tied else f"不共享的输出层：+ V·d = {n(V * d)}")
    solution = text(
        f"per layer: attention 4d² + 4d, FFN 8d² + 5d, two LayerNorms 4d → 12·{d}² + 13·{d} = {n(layer)}\n"
        f"{L} layers: {n(L * layer)}; token table V·d = {n(V * d)}; positions n_ctx·d = {n(n_ctx * d)}; "
        f"final LayerNorm 2d = {n(2 * d)}; {head_line}\ntotal = {n(count)}",
        f"每层：注意力 4d² + 4d，FFN 8d² + 5d，两个 LayerNorm 4d → 12·{d}² + 13·{d} = {n(layer)}\n"
        f"{L} 层：{n(L * layer)}；token 表 V·d = {n(V * d)}；位置表 n_ctx·d = {n(n_ctx * d)}；"
        f"最后的 LayerNorm 2d = {n(2 * d)}；{head_zh_line}\n合计 = {n(count)}")
    return Exercise(params={"V": V, "n_ctx": n_ctx, "d": d, "L": L, "tied": tied}, prompt=prompt, expected=count,
                    answer_type="integer", solution=solution)


@generator("lm_training_flops")
def training_flops(rng: random.Random) -> Drawing:
    d = rng.choice([64, 128, 192, 256, 384, 512])
    L = rng.choice([2, 4, 6, 8, 12])
    V = rng.choice([1000, 4096, 8192, 16384, 32000])
    n_ctx = rng.choice([128, 256, 512, 1024])
    tokens = rng.choice([1, 2, 5, 10, 20, 50]) * 10**9
    prompt = text(
        f"A decoder with L = {L} layers, d = {d}, d_ff = 4d, vocabulary V = {V} (head tied to the embedding), "
        f"context n_ctx = {n_ctx}, is trained on {tokens // 10**9}·10⁹ tokens. Counting matmul FLOPs only "
        f"(2 per multiply-add, as torch.utils.flop_counter does), forward and backward, attention scores "
        f"included (the full n_ctx × n_ctx score matrix, as a dense kernel computes it): how many FLOPs in "
        f"total? (3 significant figures)",
        f"一个解码器：L = {L} 层，d = {d}，d_ff = 4d，词表 V = {V}（输出层与嵌入共享），上下文 n_ctx = {n_ctx}，"
        f"训练 {tokens // 10**9}·10⁹ 个 token。只计矩阵乘法 FLOPs（每次乘加记 2，与 torch.utils.flop_counter 一致），"
        f"前向加反向，包括注意力分数（按稠密内核计算完整的 n_ctx × n_ctx 分数矩阵）：总共多少 FLOPs？（3 位有效数字）")
    yield prompt

    import torch
    from torch.utils.flop_counter import FlopCounterMode

    heads = max(1, d // 64)

    class Block(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln1, self.ln2 = torch.nn.LayerNorm(d, device="meta"), torch.nn.LayerNorm(d, device="meta")
            self.qkv, self.proj = torch.nn.Linear(d, 3 * d, device="meta"), torch.nn.Linear(d, d, device="meta")
            self.fc1 = torch.nn.Linear(d, 4 * d, device="meta")
            self.fc2 = torch.nn.Linear(4 * d, d, device="meta")

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            b, t, _ = x.shape
            q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
            att = ((q @ k.transpose(-1, -2)) / (d // heads) ** 0.5).softmax(-1)
            x = x + self.proj((att @ v).transpose(1, 2).reshape(b, t, d))
            return x + self.fc2(torch.nn.functional.gelu(self.fc1(self.ln2(x))))

    wte = torch.nn.Embedding(V, d, device="meta")
    blocks = torch.nn.ModuleList([Block() for _ in range(L)])
    idx = torch.zeros(1, n_ctx, dtype=torch.long, device="meta")
    with FlopCounterMode(display=False) as counter:
        x = wte(idx)
        for block in blocks:
            x = block(x)
        (x @ wte.weight.T).sum().backward()
    per_token = counter.get_total_flops() / n_ctx
    expected = float(per_token * tokens)
    N = 12 * L * d * d + V * d
    solution = text(
        f"matmul weights N = 12·L·d² + V·d = 12·{L}·{d}² + {V}·{d} = {n(N)}\n"
        f"per token: 6N + 12·L·n_ctx·d = {n(6 * N)} + {n(12 * L * n_ctx * d)} = {n(int(per_token))} "
        f"(2N + 4·L·n_ctx·d forward, twice that backward)\n"
        f"× {tokens // 10**9}·10⁹ tokens = {r(expected)}",
        f"矩阵乘法权重 N = 12·L·d² + V·d = 12·{L}·{d}² + {V}·{d} = {n(N)}\n"
        f"每个 token：6N + 12·L·n_ctx·d = {n(6 * N)} + {n(12 * L * n_ctx * d)} = {n(int(per_token))}"
        f"（前向 2N + 4·L·n_ctx·d，反向为其两倍）\n× {tokens // 10**9}·10⁹ 个 token = {r(expected)}")
    return Exercise(params={"d": d, "L": L, "V": V, "n_ctx": n_ctx, "tokens": tokens}, prompt=prompt,
                    expected=expected, answer_type="real", solution=solution, rtol=RTOL, atol=ATOL)


@generator("lm_training_days")
def training_days(rng: random.Random) -> Drawing:
    N = rng.choice([1, 3, 7, 8, 13, 34, 70, 175, 405]) * 10**9
    D = rng.choice([0.3, 1, 1.4, 2, 4, 15]) * 10**12
    gpus = rng.choice([64, 256, 512, 1024, 2048, 4096, 16384])
    peak = rng.choice([(312, "A100 bf16"), (989, "H100 bf16 dense"), (125, "V100 fp16")])
    mfu = rng.choice([0.3, 0.35, 0.4, 0.45, 0.5, 0.55])
    prompt = text(
        f"A {N // 10**9}B-parameter dense transformer is trained on {D / 1e12:g}·10¹² tokens with C ≈ 6·N·D, on "
        f"{gpus} GPUs of {peak[0]} TFLOP/s peak ({peak[1]}) at MFU {mfu}. How many days? (3 significant figures)",
        f"一个 {N // 10**9}B 参数的稠密 Transformer 训练 {D / 1e12:g}·10¹² 个 token，C ≈ 6·N·D，用 {gpus} 张峰值 "
        f"{peak[0]} TFLOP/s（{peak[1]}）的 GPU，MFU {mfu}。需要多少天？（3 位有效数字）")
    yield prompt

    import torch

    flops = torch.tensor(6.0, dtype=torch.float64) * N * D
    rate = torch.tensor(float(gpus), dtype=torch.float64) * peak[0] * 1e12 * mfu
    days = float(flops / rate / 86400)
    solution = text(
        f"C = 6·{N / 1e9:g}e9·{D / 1e12:g}e12 = {r(float(flops))} FLOPs; delivered {gpus}·{peak[0]}e12·{mfu} = {r(float(rate))} FLOP/s\n"
        f"time = {r(float(flops / rate))} s = {r(days)} days",
        f"C = 6·{N / 1e9:g}e9·{D / 1e12:g}e12 = {r(float(flops))} FLOPs；实际算力 {gpus}·{peak[0]}e12·{mfu} = {r(float(rate))} FLOP/s\n"
        f"时间 = {r(float(flops / rate))} 秒 = {r(days)} 天")
    return Exercise(params={"N": N, "D": D, "gpus": gpus, "peak_tflops": peak[0], "mfu": mfu}, prompt=prompt,
                    expected=days, answer_type="real", solution=solution, rtol=RTOL, atol=ATOL)


MODES = {
    "fp32_adam": ("Adam, everything in fp32", "Adam，全部 fp32"),
    "mixed_adam": ("Adam in mixed precision: bf16 weights and gradients, fp32 master weights and fp32 Adam moments",
                   "混合精度 Adam：bf16 权重和梯度，fp32 主权重和 fp32 的 Adam 矩"),
    "fp32_momentum": ("SGD with momentum, everything in fp32", "带动量的 SGD，全部 fp32"),
}


@generator("lm_adam_memory")
def adam_memory(rng: random.Random) -> Drawing:
    N = rng.choice([125, 350, 760, 1300, 2700, 6700, 7000, 13000, 30000, 70000]) * 10**6
    mode = rng.choice(sorted(MODES))
    en, zh = MODES[mode]
    prompt = text(f"A {N / 1e9:g}B-parameter model is trained with {en}. How many GB (10⁹ bytes) do the weights, "
                  f"gradients and optimizer state take, activations not counted? (3 significant figures)",
                  f"一个 {N / 1e9:g}B 参数的模型用{zh}训练。权重、梯度和优化器状态共占多少 GB（10⁹ 字节）？"
                  f"不计激活。（3 位有效数字）")
    yield prompt

    import torch

    # Measure bytes per parameter on a small real model after a real optimizer step, then scale to N.
    model = torch.nn.Linear(8, 8)
    half = mode == "mixed_adam"
    params = list(model.parameters())
    work = [q.detach().float().clone().requires_grad_() for q in params] if half else params
    if half:
        model = model.to(torch.bfloat16)
    model(torch.ones(2, 8, dtype=torch.bfloat16 if half else torch.float32)).sum().backward()
    if half:
        for w, q in zip(work, model.parameters()):
            assert q.grad is not None
            w.grad = q.grad.float()
    opt = (torch.optim.Adam(work) if mode != "fp32_momentum" else torch.optim.SGD(work, lr=0.1, momentum=0.9))
    opt.step()
    if half:
        for w in work:
            w.grad = None
    count = sum(q.numel() for q in model.parameters())
    tensors: list[torch.Tensor] = list(model.parameters())
    tensors += [q.grad for q in model.parameters() if q.grad is not None]
    tensors += [t for st in opt.state.values() for k, t in st.items() if k != "step" and torch.is_tensor(t)]
    tensors += work if half else []
    per = sum(t.numel() * t.element_size() for t in tensors) // count
    expected = per * N / GB
    parts = {"fp32_adam": "4 (weights) + 4 (gradients) + 4 (m) + 4 (v) = 16",
             "mixed_adam": "2 (bf16 weights) + 2 (bf16 gradients) + 4 (fp32 master) + 4 (m) + 4 (v) = 16",
             "fp32_momentum": "4 (weights) + 4 (gradients) + 4 (momentum buffer) = 12"}[mode]
    parts_zh = {"fp32_adam": "4（权重）+ 4（梯度）+ 4（m）+ 4（v）= 16",
                "mixed_adam": "2（bf16 权重）+ 2（bf16 梯度）+ 4（fp32 主权重）+ 4（m）+ 4（v）= 16",
                "fp32_momentum": "4（权重）+ 4（梯度）+ 4（动量缓冲）= 12"}[mode]
    solution = text(f"bytes per parameter: {parts}\n{per}·{N / 1e9:g}·10⁹ bytes = {r(expected)} GB",
                    f"每个参数的字节数：{parts_zh}\n{per}·{N / 1e9:g}·10⁹ 字节 = {r(expected)} GB")
    return Exercise(params={"N": N, "mode": mode}, prompt=prompt, expected=expected, answer_type="real",
                    solution=solution, rtol=RTOL, atol=ATOL)


STAGES = {0: ("plain data parallel (no ZeRO)", "普通数据并行（无 ZeRO）"),
          1: ("ZeRO stage 1 (optimizer states partitioned)", "ZeRO 第 1 阶段（切分优化器状态）"),
          2: ("ZeRO stage 2 (optimizer states and gradients partitioned)", "ZeRO 第 2 阶段（切分优化器状态和梯度）"),
          3: ("ZeRO stage 3 (optimizer states, gradients and weights partitioned)",
              "ZeRO 第 3 阶段（切分优化器状态、梯度和权重）")}


@generator("lm_zero_memory")
def zero_memory(rng: random.Random) -> Drawing:
    psi = rng.choice([1.3, 2.7, 7.5, 13, 20, 30, 65, 70, 175]) * 10**9
    nd = rng.choice([8, 16, 32, 64, 128, 256, 1024])
    stage = rng.choice([0, 1, 2, 3])
    en, zh = STAGES[stage]
    prompt = text(f"Mixed-precision Adam (2 + 2 bytes of half weights and gradients, K = 12 bytes of fp32 master, m, v "
                  f"per parameter), Ψ = {psi / 1e9:g}B parameters, N_d = {nd} data-parallel GPUs, {en}. Model-state "
                  f"memory per GPU in GB (10⁹ bytes)? (3 significant figures)",
                  f"混合精度 Adam（每参数 2 + 2 字节半精度权重和梯度，K = 12 字节 fp32 主权重、m、v），Ψ = {psi / 1e9:g}B "
                  f"个参数，N_d = {nd} 张数据并行 GPU，{zh}。每张 GPU 的模型状态显存是多少 GB（10⁹ 字节）？（3 位有效数字）")
    yield prompt

    import torch

    parts = {"w16": 2, "g16": 2, "opt": 12}
    sharded = {0: set(), 1: {"opt"}, 2: {"opt", "g16"}, 3: {"opt", "g16", "w16"}}[stage]
    flat = torch.empty(int(psi), dtype=torch.uint8, device="meta")  # one element per parameter, no memory
    largest = flat.chunk(nd)[0].numel()  # torch.chunk: the first shard is the largest
    total = sum(nbytes * (largest if key in sharded else flat.numel()) for key, nbytes in parts.items())
    expected = total / GB
    formula = {0: "(2 + 2 + K)·Ψ", 1: "(2 + 2)·Ψ + K·Ψ/N_d", 2: "2·Ψ + (2 + K)·Ψ/N_d", 3: "(2 + 2 + K)·Ψ/N_d"}[stage]
    solution = text(f"{formula} with Ψ = {psi / 1e9:g}·10⁹, K = 12, N_d = {nd}: {r(expected)} GB",
                    f"{formula}，Ψ = {psi / 1e9:g}·10⁹，K = 12，N_d = {nd}：{r(expected)} GB")
    return Exercise(params={"psi": psi, "nd": nd, "stage": stage}, prompt=prompt, expected=expected,
                    answer_type="real", solution=solution, rtol=RTOL, atol=ATOL)


def gpipe_bubble(stages: int, micro: int, t_f: float = 1.0, t_b: float = 2.0) -> float:
    """Idle fraction of a simulated GPipe step: every forward, then every backward, each op starting when
    its stage is free and its input (the previous stage's forward, the next stage's backward) is done."""
    fwd = [[0.0] * micro for _ in range(stages)]
    bwd = [[0.0] * micro for _ in range(stages)]
    free = [0.0] * stages
    for j in range(micro):
        for s in range(stages):
            start = max(free[s], fwd[s - 1][j] if s else 0.0)
            free[s] = fwd[s][j] = start + t_f
    for j in range(micro):
        for s in reversed(range(stages)):
            start = max(free[s], bwd[s + 1][j] if s < stages - 1 else fwd[s][j])
            free[s] = bwd[s][j] = start + t_b
    makespan = max(free)
    return (makespan - micro * (t_f + t_b)) / makespan


@generator("lm_bubble_fraction")
def bubble_fraction(rng: random.Random) -> Drawing:
    stages = rng.choice([2, 3, 4, 6, 8, 16])
    micro = rng.choice([1, 2, 4, 8, 12, 16, 32, 64])
    prompt = text(f"GPipe with p = {stages} pipeline stages and m = {micro} micro-batches per step (a backward takes "
                  f"twice a forward). What fraction of the step does each stage sit idle? (3 significant figures)",
                  f"GPipe，p = {stages} 个流水线阶段，每步 m = {micro} 个 micro-batch（反向耗时是前向的两倍）。"
                  f"每个阶段空闲的时间占一步的多少比例？（3 位有效数字）")
    yield prompt

    expected = gpipe_bubble(stages, micro)
    solution = text(f"(p − 1)/(m + p − 1) = {stages - 1}/({micro} + {stages - 1}) = {r(expected)} "
                    f"(the same for any forward/backward times)",
                    f"(p − 1)/(m + p − 1) = {stages - 1}/({micro} + {stages - 1}) = {r(expected)}"
                    f"（与前向、反向耗时无关）")
    return Exercise(params={"p": stages, "m": micro}, prompt=prompt, expected=expected, answer_type="real",
                    solution=solution, rtol=RTOL, atol=ATOL)

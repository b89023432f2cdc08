"""Training time from FLOPs: T = 6·N·D / (GPUs · peak FLOP/s · MFU); MFU counts model FLOPs only.

Symbolic: the step costs 6N per token (2N forward, 4N backward), so C = 6ND; a cluster of n
GPUs with peak F FLOP/s running at model-FLOPs utilisation u delivers n·F·u FLOP/s, so
T = 6ND/(nFu). Recomputing activations (checkpointing) adds one forward (2N): the hardware
does 8N per token while MFU still counts 6N — hardware FLOPs utilisation = 4/3 · MFU.
Numeric: 6ND against GPT-3's published training compute (Brown et al. 2020, Table D.1:
3.14·10²³ FLOPs for 175B parameters and 300B tokens), and FlopCounterMode on a real
training step with every block under torch.utils.checkpoint: counted FLOPs / model FLOPs.
"""

TITLE = {
    "en": "Training time from FLOPs, GPU count, peak and MFU",
    "zh": "由 FLOPs、GPU 数、峰值算力和 MFU 估算训练时间",
}
CLAIMS = [
    {
        "en": "T = 6·N·D / (n·F·MFU); GPT-3's 6ND = 3.15·10²³ matches the 3.14·10²³ FLOPs its paper reports.",
        "zh": "T = 6·N·D / (n·F·MFU)；GPT-3 的 6ND = 3.15·10²³，与论文报告的 3.14·10²³ FLOPs 一致。",
    },
    {
        "en": "With full recomputation (every block re-run, use_reentrant=True) the hardware executes 8N FLOPs per token; "
              "MFU counts 6N, so HFU = 4/3·MFU. The non-reentrant checkpoint stops early and re-runs less.",
        "zh": "完全重算（每个块重跑，use_reentrant=True）时硬件每个 token 执行 8N FLOPs；MFU 只计 6N，所以 HFU = 4/3·MFU。"
              "非重入检查点会提前停止，重算得更少。",
    },
]


def derive(p):
    import sympy as sp

    N, D, n, F, u = sp.symbols("N D n F u", positive=True)
    fwd, bwd = 2 * N * D, 4 * N * D
    C = fwd + bwd
    # The 2ND / 4ND split is the convention measured with FlopCounterMode in lm_flops_per_token; here it is only
    # added up, so these are displayed steps: the experiment counts the FLOPs (rows plain_step_6n, hfu_over_mfu).
    p.step("C = forward 2ND + backward 4ND", sp.Eq(sp.Symbol("C"), C))
    T = C / (n * F * u)
    p.step("time = FLOPs / delivered FLOP/s (twice the GPUs at the same MFU: half the time)", sp.Eq(sp.Symbol("T"), T))
    p.step("with full recomputation: hardware FLOPs / model FLOPs = (6N + 2N)/6N", (C + fwd) / C)
    Tm = sp.Symbol("T_step", positive=True)
    mfu = sp.solve(sp.Eq(Tm, T), u)
    p.identity("MFU from a measured run time: solve T = 6ND/(n·F·u) for u", sp.Matrix(mfu),
               sp.Matrix([6 * N * D / (n * F * Tm)]), id="mfu_from_time")


def experiment(p):
    import torch
    from torch.utils.checkpoint import checkpoint
    from torch.utils.flop_counter import FlopCounterMode

    p.close("6·N·D for GPT-3 175B on 300B tokens / the 3.14e23 FLOPs its paper reports",
            6 * 175e9 * 300e9 / 3.14e23, 1.0, rtol=0.01, id="gpt3_compute")

    gen = torch.Generator().manual_seed(p.seed)
    d, L, T = 32, 3, 16
    blocks = torch.nn.ModuleList([torch.nn.Sequential(torch.nn.Linear(d, 4 * d), torch.nn.GELU(),
                                                      torch.nn.Linear(4 * d, d)) for _ in range(L)]).double().to(p.device)
    x0 = torch.randn(T, d, generator=gen, dtype=torch.float64).to(p.device).requires_grad_()  # grads reach every input

    def step(recompute):
        x = x0
        for block in blocks:
            x = checkpoint(block, x, use_reentrant=recompute == "reentrant") if recompute else block(x)
        x.pow(2).sum().backward()

    counts = {}
    for recompute in ("", "reentrant", "non-reentrant"):
        with FlopCounterMode(display=False) as fc:
            step(recompute)
        counts[recompute] = fc.get_total_flops()
    n_matmul = sum(m.weight.numel() for block in blocks for m in block if isinstance(m, torch.nn.Linear))
    p.equal("FlopCounterMode, one training step without checkpointing = 6·N·tokens", counts[""], 6 * n_matmul * T,
            id="plain_step_6n")
    p.close("every block checkpointed (use_reentrant=True): counted FLOPs / 6·N·tokens (= HFU/MFU)",
            counts["reentrant"] / (6 * n_matmul * T), 4 / 3, rtol=1e-12, id="hfu_over_mfu")
    p.less("use_reentrant=False stops recomputing once backward has its tensors: counted / 6·N·tokens",
           counts["non-reentrant"] / (6 * n_matmul * T), 4 / 3, id="hfu_over_mfu_early_stop")

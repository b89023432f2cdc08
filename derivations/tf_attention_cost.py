"""The cost of self-attention: time O(n²d), and memory O(n²) when the scores are kept, counted against n.

Symbolic: from the matmul shapes, one layer of single-batch self-attention costs 2nd² FLOPs for
each of the Q, K, V and output projections and 2n²d for each of QKᵀ and AV:
F(n) = 8nd² + 4n²d. The quadratic term overtakes the projections at n = 2d; F(2n)/F(n) → 4.
The materialised score matrix holds n² numbers per head.
Numeric: torch.utils.flop_counter's count of nn.MultiheadAttention equals F(n) for several n;
the saved-for-backward bytes of a hand softmax(QKᵀ/√d)V (autograd's saved_tensors_hooks)
grow ×4 per doubling of n, while F.scaled_dot_product_attention's CPU kernel saves only O(n)
(q, k, v, its output and one log-sum-exp per row) — measured the same way. At full scale the
wall time of the plain forward (best of 5) is timed for n = 1024 … 4096 (up to 4096 … 16384 on a GPU, as memory allows) and its log-log slope must
exceed 1.5 (quadratic: 2).
"""

TITLE = {
    "en": "Self-attention costs O(n²d) time, and O(n²) memory unless a fused kernel skips the scores — counted against n",
    "zh": "自注意力的时间 O(n²d)；除非融合内核不保存分数，内存 O(n²)——随 n 实测",
}
CLAIMS = [
    {
        "en": "Self-attention with projections costs 8nd² + 4n²d FLOPs per sequence; the n² term dominates once n > 2d.",
        "zh": "含投影的自注意力每个序列 8nd² + 4n²d FLOPs；n > 2d 后 n² 项占主导。",
    },
    {
        "en": "A plain implementation keeps the n × n weights for the backward pass (memory ×4 when n doubles); "
              "PyTorch's fused CPU kernel keeps O(n).",
        "zh": "朴素实现为反向传播保存 n × n 的权重（n 翻倍内存 ×4）；PyTorch 的 CPU 融合内核只保存 O(n)。",
    },
]


def _flops():
    import sympy as sp

    n, d = sp.symbols("n d", positive=True)
    proj = 4 * (2 * n * d * d)            # X(n×d)·W(d×d): n·d outputs, d multiply-adds each, ×4
    core = 2 * (2 * n * n * d)            # QKᵀ: n×n outputs of d terms; AV: n×d outputs of n terms
    return (n, d), proj, core


def derive(p):
    import sympy as sp

    (n, d), proj, core = _flops()
    total = sp.expand(proj + core)
    p.step("F(n) = projections + QKᵀ + AV", total)
    p.identity("F(n) = 8nd² + 4n²d", total, 8 * n * d ** 2 + 4 * n ** 2 * d, id="flop_formula")
    cross = sp.solve(sp.Eq(proj, core), n)
    p.identity("the n² part equals the projections at n = 2d", cross[0], 2 * d, id="crossover")
    p.identity("lim F(2n)/F(n) = 4 as n → ∞", sp.limit(total.subs(n, 2 * n) / total, n, sp.oo), 4)


def _saved_bytes(fn, n, d, device, heads_dim=True):
    import torch

    shape = (1, 1, n, d) if heads_dim else (1, n, d)
    q, k, v = (torch.randn(*shape, device=device, requires_grad=True) for _ in range(3))
    seen, total = set(), [0]

    def pack(t):
        if t.data_ptr() not in seen:      # count each storage once (views share it)
            seen.add(t.data_ptr())
            total[0] += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn(q, k, v)
    return total[0]


def experiment(p):
    import sympy as sp
    import torch
    import torch.nn.functional as F
    from torch.utils.flop_counter import FlopCounterMode

    (n_s, d_s), proj, core = _flops()
    flop_f = sp.lambdify((n_s, d_s), proj + core)
    d = 16
    torch.manual_seed(p.seed)
    mha = torch.nn.MultiheadAttention(d, 2, batch_first=True)
    cases = []
    for n in (16, 32, 64, 128):
        x = torch.randn(1, n, d)
        with FlopCounterMode(display=False) as fc, torch.no_grad():
            mha(x, x, x, need_weights=True)
        cases.append((f"n={n}", abs(fc.get_total_flops() - flop_f(n, d))))
    p.sweep("|flop_counter(nn.MultiheadAttention) − (8nd² + 4n²d)|, d = 16", cases, "<=", 0, id="flops_match")
    with FlopCounterMode(display=False) as fc, torch.no_grad():
        x = torch.randn(1, 256, d)
        mha(x, x, x, need_weights=True)
    p.equal("counted FLOPs at n = 256, d = 16", fc.get_total_flops(), int(flop_f(256, d)), id="flops_n256")

    def hand(q, k, v):
        return torch.softmax(q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5, -1) @ v

    sizes = (128, 256, 512)
    mem_hand = [_saved_bytes(hand, n, d, p.device) for n in sizes]
    mem_sdpa = [_saved_bytes(F.scaled_dot_product_attention, n, d, p.device) for n in sizes]
    p.close("hand attention: saved bytes at n = 512 / at n = 256", mem_hand[2] / mem_hand[1], 4.0, rtol=0.1,
            id="hand_memory_quadratic")
    p.greater("hand attention: saved bytes at n = 512, against one float32 n × n matrix (n²·4 bytes)",
              mem_hand[2], 512 * 512 * 4 - 1, id="hand_bytes_512")
    p.close("F.scaled_dot_product_attention (CPU): saved bytes at n = 512 / at n = 256", mem_sdpa[2] / mem_sdpa[1],
            2.0, rtol=0.05, id="sdpa_memory_linear")
    p.less("F.scaled_dot_product_attention: saved bytes at n = 512, against n²·4 bytes", mem_sdpa[2],
           512 * 512 * 4, id="sdpa_bytes_512")
    # The fused path depends on the inputs: 3-D (batch, n, d) tensors take SDPA's math path on the CPU (run there),
    # which keeps the n × n weights like the hand version.
    mem_3d = [_saved_bytes(F.scaled_dot_product_attention, n, d, "cpu", heads_dim=False) for n in sizes[1:]]
    p.greater("F.scaled_dot_product_attention (CPU) on 3-D inputs: saved bytes at n = 512 / at n = 256",
              mem_3d[1] / mem_3d[0], 3.0, id="sdpa_3d_memory_quadratic")
    if not p.quick:
        _timing(p, hand)


def _timing(p, hand):
    """Full scale only (timings differ from run to run, so no quick snapshot can hold them): wall time of the
    plain attention forward against n, and the log-log slope between the two largest sizes."""
    import math
    import time

    import torch

    # A GPU is not saturated by n = 1024 (launches, not arithmetic, set the time there), so on
    # CUDA the sizes go as far as memory allows (8·16384² fp32 scores are 8.6 GB; the softmax
    # needs a few such tensors at once), up to 4096 … 16384.
    d, times = 64, []
    sizes = (1024, 2048, 4096)
    if p.device == "cuda":
        free, _ = torch.cuda.mem_get_info()
        top = max((n for n in (4096, 8192, 16384) if 4 * 8 * n * n * 4 < 0.8 * free), default=4096)
        sizes = (top // 4, top // 2, top)
    for n in sizes:
        q = torch.randn(1, 8, n, d, device=p.device)
        for _ in range(2):
            hand(q, q, q)                                  # warm-up
        if p.device == "cuda":
            torch.cuda.synchronize()
        best = math.inf
        for _ in range(5):                                 # best of 5: the least disturbed run
            start = time.perf_counter()
            hand(q, q, q)
            if p.device == "cuda":
                torch.cuda.synchronize()
            best = min(best, time.perf_counter() - start)
        times.append(best)
    slope = math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0])
    p.greater(f"plain attention forward time (best of 5), log-log slope from n = {sizes[0]} to {sizes[-1]} (d = {d}, 8 heads)",
              slope, 1.5, id="time_slope")

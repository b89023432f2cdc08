"""Why decoding is memory-bandwidth bound: arithmetic intensity of a batch-1 matvec vs a batched matmul.

Symbolic: y = Wx with W (m × n) stored in s bytes per element and a batch of B tokens costs 2Bmn FLOPs
and moves s·(mn + Bn + Bm) bytes, so the intensity I(B) = 2Bmn / (s·(mn + B(m + n))) is ≈ 2/s FLOP/byte
at B = 1 (1 in 16-bit) and grows ≈ linearly in B until B nears mn/(m + n). The roofline says a kernel is
memory bound while I is under the chip's ridge point (peak FLOP/s ÷ bandwidth); the batch where the
weight matmul reaches the ridge is solved for. Attention over a KV cache does not share its bytes
across the batch: 4nd FLOPs against 2nd·s bytes per sequence, I = 2/s whatever B is.
Numeric: FlopCounterMode's FLOPs and the tensors' nbytes for F.linear with a 4096 × 4096 bf16 weight
(meta tensors, nothing allocated) at B = 1, 8, 64, 512 against the lambdified I(B); the batch solved
for, evaluated; the attention intensity with a per-sequence cache at two batch sizes.
Full scale, on a CUDA device: the time of one F.linear with an 8192 × 8192 bf16 weight (128 MiB, more
than the L2 cache) at batch 1 … 4096, timed with CUDA events: the weight bytes streamed per second at
batch 1, how little longer batch 64 takes, and the FLOP/s once the batch is large.
Counterfactual (p.myth): the weights are counted as free (already on chip), as the belief that
decoding is compute bound implicitly assumes.
"""

TITLE = {
    "en": "Decoding at small batch is memory-bandwidth bound: arithmetic intensity and batching",
    "zh": "小批量解码受内存带宽限制：算术强度与批处理",
}
CLAIMS = [
    {
        "en": "A batch-1 matrix–vector product does 2 FLOPs per weight read: about 1 FLOP per byte in 16-bit, far "
              "under a GPU's ridge point (hundreds of FLOP/byte), so per-token decoding time is set by reading the weights.",
        "zh": "批大小为 1 的矩阵–向量乘每读一个权重只做 2 次浮点运算：16 位下约 1 FLOP/字节，远低于 GPU 的脊点"
              "（数百 FLOP/字节），所以逐 token 解码的时间由读取权重决定。",
    },
    {
        "en": "Batching B sequences reuses each weight B times: intensity ≈ B FLOP/byte (16-bit) until B approaches "
              "mn/(m + n); attention over each sequence's own KV cache stays at 2/s FLOP/byte whatever B is.",
        "zh": "把 B 个序列批在一起，每个权重被复用 B 次：强度约为 B FLOP/字节（16 位），直到 B 接近 mn/(m + n)；"
              "而每个序列对自己 KV 缓存的注意力，无论 B 多大都只有 2/s FLOP/字节。",
    },
]

M = N = 4096
# NVIDIA H100 SXM datasheet: 989 TFLOP/s dense BF16 Tensor Core, 3.35 TB/s HBM3.
PEAK, BANDWIDTH = 989e12, 3.35e12


def intensity():
    import sympy as sp

    B, m, n, s = sp.symbols("B m n s", positive=True)
    flops = 2 * B * m * n
    bytes_moved = s * (m * n + B * n + B * m)  # read W and x, write y
    return (B, m, n, s), flops, bytes_moved


def ridge_batch():
    """The batch B* at which I(B) equals the ridge R: I(B) = R is linear in B once the denominator is cleared."""
    import sympy as sp

    (B, m, n, s), flops, bytes_moved = intensity()
    R = sp.Symbol("R", positive=True)
    linear = sp.Poly(sp.expand(flops - R * bytes_moved), B)  # c₁·B + c₀ = 0
    c1, c0 = linear.coeff_monomial(B), linear.coeff_monomial(1)
    return (m, n, s, R), sp.simplify(-c0 / c1)


def derive(p):
    import sympy as sp

    (B, m, n, s), flops, bytes_moved = intensity()
    I = flops / bytes_moved
    p.step("I(B) = 2Bmn / (s·(mn + Bn + Bm))", I)
    p.identity("B = 1, m, n → ∞: I → 2/s (1 FLOP/byte in 16-bit)",
               sp.limit(sp.limit(I.subs(B, 1), m, sp.oo), n, sp.oo), 2 / s, id="matvec_intensity_limit")
    p.identity("for B ≪ m, n: I/B → 2/s (intensity grows linearly with the batch)",
               sp.limit(sp.limit(I / B, m, sp.oo), n, sp.oo), 2 / s, id="batched_linear_in_b")
    p.identity("B → ∞: I → 2mn/(s(m + n)) (the matmul's own ceiling)", sp.limit(I, B, sp.oo),
               2 * m * n / (s * (m + n)))
    (_, _, _, R), b_star = ridge_batch()
    p.step("batch where I(B) = R (the ridge point): 2Bmn = R·s·(mn + B(m + n)) solved for B", b_star)
    p.identity("at that batch the intensity equals R", sp.simplify(I.subs(B, b_star)), R, id="ridge_batch_solves")
    n_ctx, d = sp.symbols("n d", positive=True)
    att = (2 * n_ctx * d + 2 * n_ctx * d) / (s * 2 * n_ctx * d)  # q·Kᵀ and a·V over a cache of K and V
    p.identity("attention over one sequence's cache: 4nd FLOPs / (2nd·s) bytes = 2/s, no B in it", att, 2 / s,
               id="attention_intensity")


def experiment(p):
    import math

    import sympy as sp
    import torch
    import torch.nn.functional as F
    from torch.utils.flop_counter import FlopCounterMode

    (B_s, m_s, n_s, s_s), flops_f, bytes_f = intensity()
    I_f = sp.lambdify((B_s, m_s, n_s, s_s), flops_f / bytes_f)
    ridge = PEAK / BANDWIDTH

    def measured(batch):
        W = torch.empty(M, N, dtype=torch.bfloat16, device="meta")
        x = torch.empty(batch, N, dtype=torch.bfloat16, device="meta")
        with FlopCounterMode(display=False) as fc:
            y = F.linear(x, W)
        moved = x.nbytes + y.nbytes + (0 if p.myth else W.nbytes)
        return fc.get_total_flops() / moved

    cases = []
    for batch in (1, 8, 64, 512):
        cases.append((f"B = {batch}", abs(measured(batch) / I_f(batch, M, N, 2) - 1)))
    p.sweep("|measured FLOPs/bytes ÷ I(B) − 1| for F.linear, 4096 × 4096 bf16, over B", cases, "<=", 1e-12,
            id="intensity_formula_matches")
    i1 = measured(1)
    p.less("FLOP per byte of a batch-1 bf16 matvec (4096 × 4096), against the H100 ridge point", i1, ridge,
           id="batch1_memory_bound", refutes="batch-1 decoding is compute bound")
    p.close("batch-1 intensity, FLOP/byte", i1, 1, rtol=1e-3, id="batch1_intensity")
    p.close("batch-64 intensity / batch-1 intensity", measured(64) / i1, I_f(64, M, N, 2) / I_f(1, M, N, 2),
            rtol=1e-12, id="batch64_gain")
    p.greater("H100 ridge point ÷ batch-1 intensity (how far under the ridge decoding sits)", ridge / i1, 100,
              id="ridge_over_batch1")

    (mx, nx, sx, R), b_star_f = ridge_batch()
    b_star = float(b_star_f.subs({mx: M, nx: N, sx: 2, R: ridge}))
    # Independent: bisect on the measured intensity for the smallest batch that reaches the ridge.
    lo, hi = 1, 4096
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if measured(mid) >= ridge else (mid + 1, hi)
    p.equal("smallest batch whose measured intensity reaches the H100 ridge (bisection) vs ⌈solved B⌉", lo,
            math.ceil(b_star), id="ridge_batch")

    # Attention over per-sequence caches: FLOPs and bytes both scale with B.
    ratios = {}
    for batch in (1, 16):
        q = torch.empty(batch, 1, 128, dtype=torch.bfloat16, device="meta")
        K = torch.empty(batch, 1024, 128, dtype=torch.bfloat16, device="meta")
        V = torch.empty(batch, 1024, 128, dtype=torch.bfloat16, device="meta")
        with FlopCounterMode(display=False) as fc:
            torch.bmm(torch.bmm(q, K.transpose(1, 2)), V)
        ratios[batch] = fc.get_total_flops() / (K.nbytes + V.nbytes)
    p.close("attention over a 1024-token cache, batch 1: FLOP per cache byte", ratios[1], 1, rtol=1e-12,
            id="attention_intensity_b1")
    p.close("attention over a 1024-token cache, batch 16: FLOP per cache byte", ratios[16], 1, rtol=1e-12,
            id="attention_intensity_b16")

    if not p.quick and str(p.device).startswith("cuda"):
        _time_on_gpu(p, torch, F)


def _time_on_gpu(p, torch, F):
    """Wall time of y = x·Wᵀ on the GPU, per call, from CUDA events (median of 7 runs of 20 calls)."""
    import statistics

    torch.manual_seed(p.seed)
    side = 8192
    W = torch.randn(side, side, device=p.device, dtype=torch.bfloat16)
    seconds = {}
    for batch in (1, 8, 64, 256, 1024, 4096):
        x = torch.randn(batch, side, device=p.device, dtype=torch.bfloat16)
        for _ in range(10):
            F.linear(x, W)
        runs = []
        for _ in range(7):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(20):
                F.linear(x, W)
            end.record()
            torch.cuda.synchronize()
            runs.append(start.elapsed_time(end) / 20 / 1e3)
        seconds[batch] = statistics.median(runs)
    p.greater("GPU, batch 1: weight bytes read per second (TB/s)", W.nbytes / seconds[1] / 1e12, 1.0,
              id="full_batch1_bandwidth")
    p.greater("GPU, batch 1: time of one 8192 × 8192 bf16 F.linear (µs) vs 128 MiB at the H200's 4.8 TB/s",
              seconds[1] * 1e6, W.nbytes / 4.8e12 * 1e6, id="full_time_b1_us")
    p.less("GPU: time at batch 64 ÷ time at batch 1 (64× the FLOPs)", seconds[64] / seconds[1], 2.0,
           id="full_t64_over_t1")
    p.greater("GPU: time at batch 4096 ÷ time at batch 1 (compute bound by then)", seconds[4096] / seconds[1], 4.0,
              id="full_t4096_over_t1")
    p.greater("GPU, batch 4096: achieved TFLOP/s", 2 * 4096 * side * side / seconds[4096] / 1e12, 100,
              id="full_tflops_b4096")
    p.plot("time per F.linear vs batch (8192 × 8192 bf16)",
           {"time (µs)": (list(seconds), [seconds[b] * 1e6 for b in seconds])}, xlabel="batch", ylabel="µs", logy=True)

"""int8 weight quantisation: per-channel vs per-tensor scales, the error bound and the memory saved.

Symbolic: symmetric int8 with scale s = max|w|/127 maps w to q = round(w/s) ∈ [−127, 127]; the
rounding error is at most s/2 per weight and, uniform, has variance s²/12, so a row quantised with its
own (smaller) scale has proportionally smaller error; storage of an m × n matrix: 4mn bytes in fp32
against mn + 4m (one fp32 scale per row), a ratio → 4 as n grows (2 from fp16).
Numeric: a hand quantiser checked against torch.quantize_per_channel / torch.quantize_per_tensor
(qint8, zero point 0; equal away from rounding ties, at most one step apart at a tie); on weights whose rows differ in magnitude, the per-channel and per-tensor
errors and the s/2 bound; bytes of the real int8 tensor and its scales.
Counterfactual (p.myth): the "per-channel" scales are all the global max/127, as if the two schemes
were the same.
"""

TITLE = {
    "en": "int8 quantisation: per-channel vs per-tensor error, and memory",
    "zh": "int8 量化：逐通道与逐张量的误差，以及内存",
}
CLAIMS = [
    {
        "en": "Symmetric int8 rounding error is at most s/2 per weight, s = max|w|/127 over the group sharing the scale.",
        "zh": "对称 int8 的舍入误差每个权重至多 s/2，s = 共享该尺度的那组权重的 max|w|/127。",
    },
    {
        "en": "When rows differ in magnitude, one scale per output channel gives a much smaller error than one "
              "scale for the whole tensor.",
        "zh": "当各行的量级不同时，每个输出通道一个尺度的误差远小于整个张量一个尺度。",
    },
    {
        "en": "An m × n int8 matrix with fp32 per-row scales takes mn + 4m bytes: ≈ 4× smaller than fp32, 2× than fp16.",
        "zh": "带 fp32 逐行尺度的 m × n int8 矩阵占 mn + 4m 字节：约为 fp32 的 1/4、fp16 的 1/2。",
    },
]


def memory():
    import sympy as sp

    m, n = sp.symbols("m n", positive=True, integer=True)
    return (m, n), 4 * m * n, m * n * 1 + m * 4  # fp32 bytes; int8 weights + one fp32 scale per row


def derive(p):
    import sympy as sp

    w, s, u = sp.symbols("w s u", real=True)
    p.step("q = round(w/s): w/s − q ∈ [−½, ½], so |w − s·q| ≤ s/2", sp.Abs(s * u))
    err_var = sp.integrate(u**2, (u, -sp.Rational(1, 2), sp.Rational(1, 2)))
    p.identity("rounding error uniform on [−s/2, s/2]: E[e²] = s²·∫u² du = s²/12", s**2 * err_var, s**2 / 12,
               id="uniform_error_variance")
    (m, n), fp32, int8 = memory()
    p.step("bytes: fp32 4mn; int8 mn + 4m (fp32 scale per row)", int8)
    p.identity("fp32 / int8 bytes → 4 as n → ∞", sp.limit(fp32 / int8, n, sp.oo), 4, id="int8_ratio_limit")
    p.identity("fp16 / int8 bytes → 2 as n → ∞", sp.limit(fp32 / 2 / int8, n, sp.oo), 2)
    p.identity("4096 × 4096: fp32 / int8 = 4·4096/(4096 + 4) = 4096/1025", (fp32 / int8).subs({m: 4096, n: 4096}),
               sp.Rational(4096, 1025), id="int8_ratio_4096")


def experiment(p):
    import warnings

    import sympy as sp
    import torch

    (m_s, n_s), fp32_f, int8_f = memory()
    int8_bytes = sp.lambdify((m_s, n_s), int8_f)
    g = torch.Generator().manual_seed(p.seed)

    def quantise(w, per_channel):
        """Symmetric int8 (zero point 0): returns (int8 values, scales of shape (rows, 1))."""
        amax = w.abs().amax(1, keepdim=True) if per_channel and not p.myth else w.abs().max().expand(w.shape[0], 1)
        scale = amax / 127
        return torch.clamp(torch.round(w / scale), -127, 127).to(torch.int8), scale

    rows, cols = 64, 256
    magnitudes = torch.logspace(-2, 0, rows, dtype=torch.float64).unsqueeze(1)  # rows span 100× in size
    w = (torch.randn(rows, cols, generator=g, dtype=torch.float64) * magnitudes).float()
    q, s = quantise(w, per_channel=True)
    with warnings.catch_warnings():  # torch 2.x deprecates the quantized dtypes; here they are only the reference
        warnings.filterwarnings("ignore", message="torch.quantize_per_tensor, torch.quantize_per_channel")
        ref = torch.quantize_per_channel(w, s.squeeze(1).double(), torch.zeros(rows, dtype=torch.long), 0,
                                         torch.qint8)
        qt, st = quantise(w, per_channel=False)
        ref_t = torch.quantize_per_tensor(w, float(st[0]), 0, torch.qint8)
    # Where w/s lies within float rounding of a half-step (k + ½), the hand float32 division and torch's own
    # arithmetic may round to different neighbours (w/s = −43.5 in float32, −43.4999988 in float64 at seed 39):
    # those entries are compared separately, and may differ by at most one step.
    def tie(w, scale):
        frac = (w.double() / scale.double()).abs() % 1
        return (frac - 0.5).abs() < 1e-5

    for name, hand, scale, torch_q, rid in (("per-channel", q, s, ref, "matches_torch_per_channel"),
                                            ("per-tensor", qt, st, ref_t, "matches_torch_per_tensor")):
        near = tie(w, scale)
        mine, theirs = hand.float() * scale, torch_q.dequantize()
        p.allclose(f"hand {name} dequantised vs torch.quantize_{name.replace('-', '_')}(qint8), away from rounding "
                   "ties", mine[~near], theirs[~near], rtol=0, atol=1e-7, id=rid)
        step = scale.expand_as(w)[near]
        p.less(f"… {name}, at the {int(near.sum())} entries within 10⁻⁵ of a tie: largest difference in steps",
               float(((mine[near] - theirs[near]).abs() / step).max()) if bool(near.any()) else 0.0, 1 + 1e-5)

    err_c = (w - ref.dequantize()).double()
    err_t = (w - ref_t.dequantize()).double()
    bound = (err_c.abs().amax(1) / (s.squeeze(1).double() / 2)).max()
    p.less("max over rows of max|error| / (s_row/2), per-channel", bound, 1 + 1e-5, id="error_within_half_scale")
    rel_c = (err_c.pow(2).sum(1) / w.double().pow(2).sum(1)).mean()
    rel_t = (err_t.pow(2).sum(1) / w.double().pow(2).sum(1)).mean()
    p.greater("mean relative squared error per row: per-tensor / per-channel (row sizes span 100×)",
              rel_t / rel_c, 10, id="per_channel_beats_per_tensor",
              refutes="per-tensor int8 is as accurate as per-channel")
    p.close("per-channel MSE vs the uniform-rounding prediction mean(s_row²)/12",
            err_c.pow(2).mean(), (s.double() ** 2).mean() / 12, rtol=0.1, id="mse_matches_s2_over_12")

    # Spread sweep: even with equal-sized rows, per-channel is never worse on average.
    cases = []
    for spread in (1.0, 10.0, 100.0):
        for seed in range(3):
            gg = torch.Generator().manual_seed(p.seed + 10 * seed)
            mags = torch.logspace(0, -torch.log10(torch.tensor(spread)).item(), rows, dtype=torch.float64)[:, None]
            ww = torch.randn(rows, cols, generator=gg, dtype=torch.float64) * mags
            e = [((ww - a.double() * b) ** 2).mean() for a, b in (quantise(ww, True), quantise(ww, False))]
            cases.append((f"row spread {spread:g}×, seed {seed}", e[1] / e[0]))
    p.sweep("per-tensor MSE / per-channel MSE over row spread × seeds", cases, ">=", 1, id="per_channel_sweep")

    stored = ref.int_repr().nbytes + s.squeeze(1).float().nbytes
    p.equal("bytes of the int8 tensor + fp32 scales (64 × 256)", stored, int(int8_bytes(rows, cols)),
            id="int8_bytes_match")
    p.close("fp32 bytes / int8 bytes (64 × 256)", w.nbytes / stored, 4 * rows * cols / int8_bytes(rows, cols),
            rtol=1e-12, id="int8_saving_64x256")

"""The GRU equations as PyTorch computes them: gates r, z, n; reset after the hidden matmul.

Symbolic: 1 − σ(a) = σ(−a), so the two update-gate conventions (z on the old state, as
in Cho et al. and PyTorch, or on the candidate, as in Chung et al., colah's blog and the
a widely copied note) are the same model with the z-weights negated; and r⊙(W h) ≠ W(r⊙h) unless
all units share one reset value. Numeric: a hand GRU in torch's form reproduces
torch.nn.GRUCell and torch.nn.GRU; the reset-before variant does not; the other z
convention does once its z weights are negated.
"""

TITLE = {
    "en": "GRU equations checked against torch.nn.GRUCell (r, z, n; reset after the matmul)",
    "zh": "GRU 公式与 torch.nn.GRUCell 对照（r, z, n；重置门在矩阵乘之后）",
}
CLAIMS = [
    {
        "en": "torch: r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz), n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)), h′ = (1−z)⊙n + z⊙h.",
        "zh": "torch：r = σ(W_ir x + b_ir + W_hr h + b_hr)，z = σ(W_iz x + b_iz + W_hz h + b_hz)，n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))，h′ = (1−z)⊙n + z⊙h。",
    },
    {
        "en": "The reset gate is applied after the hidden matmul, r⊙(W_hn h + b_hn); the reset-before form W_hn(r⊙h) (Cho et al. v3, Chung et al.) is a different function.",
        "zh": "重置门作用在隐藏矩阵乘之后：r⊙(W_hn h + b_hn)；先重置的形式 W_hn(r⊙h)（Cho 等 v3、Chung 等）是另一个函数。",
    },
    {
        "en": "h′ = (1−z)⊙h + z⊙ñ (z on the candidate) is the same model family as torch's: 1 − σ(a) = σ(−a), so negate the z weights and bias.",
        "zh": "h′ = (1−z)⊙h + z⊙ñ（z 乘在候选上）与 torch 的形式是同一族模型：1 − σ(a) = σ(−a)，把 z 的权重和偏置取负即可。",
    },
]


def derive(p):
    import sympy as sp

    a = sp.Symbol("a", real=True)
    sigma = 1 / (1 + sp.exp(-a))
    p.identity("1 − σ(a) = σ(−a)", 1 - sigma, sigma.subs(a, -a))
    z, h, n = sp.symbols("z h n")
    torch_form = (1 - z) * n + z * h
    other_form = (1 - z) * h + z * n  # Chung et al., colah's blog, a widely copied note
    p.identity("Replacing z by 1 − z turns (1−z)·h + z·n into torch's (1−z)·n + z·h",
               other_form.subs(z, 1 - z), torch_form)

    W = sp.Matrix(2, 2, sp.symbols("w11 w12 w21 w22"))
    r = sp.Matrix(sp.symbols("r1 r2"))
    hv = sp.Matrix(sp.symbols("h1 h2"))
    after = sp.matrix_multiply_elementwise(r, W * hv)   # torch, cuDNN
    before = W * sp.matrix_multiply_elementwise(r, hv)  # Cho et al. (v3), Chung et al.
    diff = sp.expand(after - before)
    p.step("r⊙(W h) − W(r⊙h)", diff)
    r1, r2 = r
    p.identity("r⊙(W h) − W(r⊙h) = [(r₁ − r₂)·w₁₂h₂, (r₂ − r₁)·w₂₁h₁]: zero only if r₁ = r₂ (or W diagonal)",
               diff, sp.Matrix([(r1 - r2) * W[0, 1] * hv[1], (r2 - r1) * W[1, 0] * hv[0]]))


def _gru_torch(x, h, W_ih, W_hh, b_ih, b_hh):
    import torch

    gi = x @ W_ih.T + b_ih
    gh = h @ W_hh.T + b_hh
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def _gru_reset_before(x, h, W_ih, W_hh, b_ih, b_hh):
    import torch

    gi = x @ W_ih.T + b_ih
    W_hr, W_hz, W_hn = W_hh.chunk(3, 0)
    b_hr, b_hz, b_hn = b_hh.chunk(3, -1)
    i_r, i_z, i_n = gi.chunk(3, -1)
    r = torch.sigmoid(i_r + h @ W_hr.T + b_hr)
    z = torch.sigmoid(i_z + h @ W_hz.T + b_hz)
    n = torch.tanh(i_n + (r * h) @ W_hn.T + b_hn)
    return (1 - z) * n + z * h


def _gru_z_on_candidate(x, h, W_ih, W_hh, b_ih, b_hh):
    """h′ = (1 − z)·h + z·n, the convention of Chung et al. / colah's blog."""
    import torch

    gi = x @ W_ih.T + b_ih
    gh = h @ W_hh.T + b_hh
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * h + z * n


def experiment(p):
    import torch

    f64 = torch.float64
    gen = torch.Generator().manual_seed(p.seed)
    d, n, B, T = 5, 7, 4, 10
    cell = torch.nn.GRUCell(d, n, dtype=f64)
    with torch.no_grad():
        for prm in cell.parameters():
            prm.copy_(0.6 * torch.randn(prm.shape, generator=gen, dtype=f64))
    cell = cell.to(p.device)
    x = torch.randn(B, d, generator=gen, dtype=f64).to(p.device)
    h = torch.randn(B, n, generator=gen, dtype=f64).to(p.device)
    with torch.no_grad():
        ref = cell(x, h)
        args = [cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]
        p.allclose("hand GRU (r, z, n; reset after matmul) vs nn.GRUCell", _gru_torch(x, h, *args), ref,
                   rtol=1e-12, atol=1e-14, id="hand_gru_matches")
        # p.myth: the misconception that nn.GRUCell computes the other write-up's form; its model
        # of the cell is then that form itself.
        ref_before = _gru_reset_before(x, h, *args) if p.myth else ref
        ref_convention = _gru_z_on_candidate(x, h, *args) if p.myth else ref
        gap_before = (_gru_reset_before(x, h, *args) - ref_before).abs().max()
        p.greater("reset-before variant W_hn(r⊙h) vs nn.GRUCell: max |Δ| (a different function)", gap_before, 1e-2,
                  id="reset_before_differs", refutes="nn.GRU applies the reset gate before the matmul, W_hn(r⊙h)")
        gap_convention = (_gru_z_on_candidate(x, h, *args) - ref_convention).abs().max()
        p.greater("z-on-candidate convention with torch's weights: max |Δ|", gap_convention, 1e-2,
                  id="z_convention_differs", refutes="nn.GRU computes h′ = (1 − z)⊙h + z⊙ñ")
        flipped = [a.clone() for a in args]
        for k in (0, 1):
            flipped[k][n:2 * n] *= -1  # W_iz, W_hz
        for k in (2, 3):
            flipped[k][n:2 * n] *= -1  # b_iz, b_hz
        p.allclose("z-on-candidate convention with the z weights and biases negated vs nn.GRUCell",
                   _gru_z_on_candidate(x, h, *flipped), ref, rtol=1e-12, atol=1e-14, id="z_convention_negated")
        swapped = [torch.cat([a[n:2 * n], a[:n], a[2 * n:]]) for a in args]  # read as z, r, n
        p.greater("gates read in the order z, r, n: max |Δ|", (_gru_torch(x, h, *swapped) - ref).abs().max(), 1e-2)

    gru = torch.nn.GRU(d, n, dtype=f64)
    with torch.no_grad():
        for prm in gru.parameters():
            prm.copy_(0.6 * torch.randn(prm.shape, generator=gen, dtype=f64))
    gru = gru.to(p.device)
    xs = torch.randn(T, B, d, generator=gen, dtype=f64).to(p.device)
    h0 = torch.randn(1, B, n, generator=gen, dtype=f64).to(p.device)
    with torch.no_grad():
        out_ref, _ = gru(xs, h0)
        W = [gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0]
        h_t, outs = h0[0], []
        for t in range(T):
            h_t = _gru_torch(xs[t], h_t, *W)
            outs.append(h_t)
    p.allclose("hand GRU unrolled 10 steps vs nn.GRU", torch.stack(outs), out_ref, rtol=1e-11, atol=1e-13)

"""The GRU's analogue of the LSTM cell path: ∂h_t/∂h_{t−1} = diag(z_t) + (gate and candidate terms).

Symbolic: differentiate one scalar GRU step in PyTorch's form h′ = (1−z)·n + z·h and
split ∂h′/∂h into the direct "copy" path z and the paths through n, r and z.
Numeric: autograd on torch.nn.GRUCell equals that Jacobian written as matrices; with
W_hh = 0 it is exactly diag(z), and through 30 steps of torch.nn.GRU exactly diag(∏ z_t).
"""

TITLE = {
    "en": "GRU state path: ∂h_t/∂h_{t−1} = diag(z_t) + …",
    "zh": "GRU 状态通路：∂h_t/∂h_{t−1} = diag(z_t) + …",
}
CLAIMS = [
    {
        "en": "In torch's GRU, h′ = (1−z)⊙n + z⊙h, so ∂h′/∂h = diag(z) + diag(1−z)·∂n/∂h + diag(h−n)·∂z/∂h.",
        "zh": "torch 的 GRU 中 h′ = (1−z)⊙n + z⊙h，所以 ∂h′/∂h = diag(z) + diag(1−z)·∂n/∂h + diag(h−n)·∂z/∂h。",
    },
    {
        "en": "∂n/∂h = diag(1−n²)·[diag(r)·W_hn + diag(W_hn h + b_hn)·diag(r(1−r))·W_hr] because the reset gate multiplies W_hn h + b_hn.",
        "zh": "∂n/∂h = diag(1−n²)·[diag(r)·W_hn + diag(W_hn h + b_hn)·diag(r(1−r))·W_hr]，因为重置门乘在 W_hn h + b_hn 上。",
    },
    {
        "en": "The direct path is diag(z): with W_hh = 0, ∂h_T/∂h_0 = diag(∏_t z_t) exactly (z plays the LSTM forget gate's role).",
        "zh": "直接通路是 diag(z)：W_hh = 0 时 ∂h_T/∂h_0 = diag(∏_t z_t) 精确成立（z 起到 LSTM 遗忘门的作用）。",
    },
]


def derive(p):
    import sympy as sp

    x, h = sp.symbols("x h")
    (wr, ur, br), (wz, uz, bz) = sp.symbols("w_r u_r b_r"), sp.symbols("w_z u_z b_z")
    win, bin_, un, bhn = sp.symbols("w_in b_in u_hn b_hn")
    S, G = sp.Function("σ"), sp.Function("g")  # σ for the gates, g = tanh for the candidate
    a_r, a_z = wr * x + ur * h + br, wz * x + uz * h + bz
    r, z = S(a_r), S(a_z)
    a_n = win * x + bin_ + r * (un * h + bhn)  # torch: reset applied after the hidden matmul
    n = G(a_n)
    h_new = (1 - z) * n + z * h
    p.step("PyTorch's GRU step: h′ = (1 − z)·n + z·h, n = g(w_in x + b_in + r·(u_hn h + b_hn))", h_new)

    R, Z, N = sp.symbols("r z n")
    dr, dz, dn = sp.symbols("σ'(a_r) σ'(a_z) g'(a_n)")
    derivs = {a_r: dr, a_z: dz, a_n: dn}

    def named(e):
        e = e.xreplace({s: derivs[s.point[0]] for s in e.atoms(sp.Subs)})
        e = e.xreplace({d: derivs[d.variables[0]] for d in e.atoms(sp.Derivative) if d.variables[0] in derivs})
        return sp.expand(e.xreplace({n: N}).xreplace({r: R, z: Z}))

    J = named(sp.diff(h_new, h))
    p.step("sympy: ∂h′/∂h", J)
    dn_dh = dn * (R * un + (un * h + bhn) * dr * ur)
    expected = Z + (1 - Z) * dn_dh + (h - N) * dz * uz
    p.identity("∂h′/∂h = z + (1−z)·g′(a_n)·(r·u_hn + (u_hn h + b_hn)·σ′(a_r)·u_r) + (h − n)·σ′(a_z)·u_z",
               J, sp.expand(expected), shown=sp.Eq(sp.Symbol("∂h′/∂h"), expected, evaluate=False))
    p.identity("With no recurrent weights (u_r = u_z = u_hn = 0) only the copy path z is left",
               J.subs({ur: 0, uz: 0, un: 0}), Z)


def experiment(p):
    import torch

    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    d, n = 5, 8
    cell = torch.nn.GRUCell(d, n, dtype=f64)
    with torch.no_grad():
        for prm in cell.parameters():
            prm.copy_(0.5 * torch.randn(prm.shape, generator=g, dtype=f64))
    cell = cell.to(p.device)
    x = torch.randn(d, generator=g, dtype=f64).to(p.device)
    h = torch.randn(n, generator=g, dtype=f64).to(p.device)
    # n copies in one batch: the gradient of h′[b, b] w.r.t. copy b is row b of ∂h′/∂h.
    h_rows = h.expand(n, n).clone().requires_grad_()
    (J,) = torch.autograd.grad(torch.diagonal(cell(x.expand(n, d), h_rows)).sum(), h_rows)

    def gates(cell, x, h):  # torch's gate order in weight_ih / weight_hh: r, z, n
        gi = cell.weight_ih @ x + cell.bias_ih
        gh = cell.weight_hh @ h + cell.bias_hh
        r = torch.sigmoid(gi[:n] + gh[:n])
        z = torch.sigmoid(gi[n:2 * n] + gh[n:2 * n])
        cand = torch.tanh(gi[2 * n:] + r * gh[2 * n:])
        return r, z, cand, gh[2 * n:]

    with torch.no_grad():
        hd = h
        r, z, cand, hn = gates(cell, x, hd)
        W_hr, W_hz, W_hn = cell.weight_hh[:n], cell.weight_hh[n:2 * n], cell.weight_hh[2 * n:]
        dn_dh = torch.diag(1 - cand**2) @ (torch.diag(r) @ W_hn + torch.diag(hn * r * (1 - r)) @ W_hr)
        J_formula = torch.diag(z) + torch.diag(1 - z) @ dn_dh + torch.diag((hd - cand) * z * (1 - z)) @ W_hz
    p.allclose("nn.GRUCell: autograd ∂h′/∂h vs the closed-form Jacobian", J, J_formula, rtol=1e-12, atol=1e-14)
    p.greater("‖∂h′/∂h − diag(z)‖ with W_hh ≠ 0 (the other paths are real)", (J - torch.diag(z)).abs().max(), 1e-2)

    # W_hh = 0: only the copy path is left, over one step and over 30 steps of nn.GRU.
    T = 30
    gru = torch.nn.GRU(d, n, dtype=f64)
    with torch.no_grad():
        for prm in gru.parameters():
            prm.copy_(0.5 * torch.randn(prm.shape, generator=g, dtype=f64))
        gru.bias_ih_l0[n:2 * n] += 3.0  # z ≈ 1: mostly copy the old state
        gru.weight_hh_l0.zero_()
    gru = gru.to(p.device)
    xs = torch.randn(T, d, generator=g, dtype=f64).to(p.device)
    h0 = torch.zeros(1, n, n, dtype=f64, device=p.device, requires_grad=True)
    _, hT = gru(xs.unsqueeze(1).expand(T, n, d), h0)  # n copies: copy b reads Jacobian row b
    (JT,) = torch.autograd.grad(torch.diagonal(hT[0]).sum(), h0)
    with torch.no_grad():
        zs = torch.sigmoid(xs @ gru.weight_ih_l0[n:2 * n].T + gru.bias_ih_l0[n:2 * n] + gru.bias_hh_l0[n:2 * n])
    p.allclose("nn.GRU, 30 steps, W_hh = 0: ∂h_T/∂h_0 vs diag(∏_t z_t)", JT[0], torch.diag(zs.prod(0)),
               rtol=1e-10, atol=1e-15)
    p.greater("largest ∏_t z_t over the units (the check is not vacuous: z bias +3)", zs.prod(0).max(), 0.05)

"""Why an LSTM keeps gradients alive: the cell path ∂c_t/∂c_{t−1} = diag(f_t).

Symbolic: differentiate one LSTM step (scalar, gates σ and candidate tanh left as
abstract functions) and find ∂c_t/∂c_{t−1} = f_t exactly, then two steps, where the
derivative splits into the direct path f₂ plus a path back through h₁ = o₁·tanh(c₁).
Numeric: autograd on the real torch.nn.LSTMCell gives ∂c′/∂c = diag(f) to machine
precision (f recomputed by hand from the cell's weights), and through 30 steps of
torch.nn.LSTM with W_hh = 0 the Jacobian ∂c_T/∂c_0 is exactly diag(∏_t f_t); with a large
W_hh block on the candidate the paths through h make ∂c_T/∂c_0 grow (8 draws).
"""

TITLE = {
    "en": "LSTM cell path: ∂c_t/∂c_{t−1} = diag(f_t)",
    "zh": "LSTM 细胞通路：∂c_t/∂c_{t−1} = diag(f_t)",
}
CLAIMS = [
    {
        "en": "With h_{t−1} held fixed, ∂c_t/∂c_{t−1} = diag(f_t) exactly: in torch's LSTM (no peepholes) c_{t−1} enters c_t only through f_t ⊙ c_{t−1}.",
        "zh": "固定 h_{t−1} 时 ∂c_t/∂c_{t−1} = diag(f_t) 精确成立：torch 的 LSTM（无 peephole）中 c_{t−1} 只通过 f_t ⊙ c_{t−1} 进入 c_t。",
    },
    {
        "en": "Over two steps, ∂c₂/∂c₁ = f₂ + (terms through h₁ = o₁ tanh(c₁)): the direct path is a product of forget gates with no W and no tanh′.",
        "zh": "两步时 ∂c₂/∂c₁ = f₂ + （经过 h₁ = o₁ tanh(c₁) 的项）：直接通路只是遗忘门的连乘，没有 W，也没有 tanh′。",
    },
    {
        "en": "If the gates do not read h (W_hh = 0), ∂c_T/∂c_0 = diag(∏_t f_t) exactly over any number of steps of torch.nn.LSTM.",
        "zh": "若门不读取 h（W_hh = 0），torch.nn.LSTM 任意步数下 ∂c_T/∂c_0 = diag(∏_t f_t) 精确成立。",
    },
    {
        "en": "The cell path does not prevent explosion: when the candidate reads h through a large W_hh block, the paths through h make ‖∂c_50/∂c_0‖ grow although ∏_t f_t ≤ 1.",
        "zh": "细胞通路并不能阻止梯度爆炸：候选值经由较大的 W_hh 块读取 h 时，经过 h 的通路使 ‖∂c_50/∂c_0‖ 增长，尽管 ∏_t f_t ≤ 1。",
    },
]


def derive(p):
    import sympy as sp

    x1, x2, h0, c0 = sp.symbols("x1 x2 h0 c0")
    w = {k: sp.symbols(f"w_{k} u_{k} b_{k}") for k in "ifgo"}  # input weight, recurrent weight, bias
    S, G = sp.Function("σ"), sp.Function("g")  # gate squashing σ and candidate squashing (tanh)

    def lstm_step(x, h, c):
        a = {k: w[k][0] * x + w[k][1] * h + w[k][2] for k in "ifgo"}
        c_new = S(a["f"]) * c + S(a["i"]) * G(a["g"])
        return c_new, S(a["o"]) * G(c_new), a

    c1, h1, a1 = lstm_step(x1, h0, c0)
    p.step("One step: c₁ = σ(a_f)·c₀ + σ(a_i)·g(a_g), with a_k = w_k x + u_k h₀ + b_k", c1)
    p.identity("∂c₁/∂c₀ (h₀ held fixed) = f₁ = σ(a_f): the gates read x and h, never c",
               sp.diff(c1, c0), S(a1["f"]))

    # Two steps: c₁ now also reaches c₂ through h₁ = σ(a_o)·g(c₁) and the step-2 gates.
    C1 = sp.Symbol("c1")
    H1 = S(a1["o"]) * G(C1)
    c2, _, a2 = lstm_step(x2, H1, C1)
    full = sp.diff(c2, C1)
    # Name the values so the result reads as gates: f₂, i₂, g₂, o₁ and their derivatives.
    f2, i2, g2, o1 = sp.symbols("f2 i2 g2 o1")
    df2, di2, dg2, dg_c1 = sp.symbols("σ'(a_f2) σ'(a_i2) g'(a_g2) g'(c1)")
    names = {S(a2["f"]): f2, S(a2["i"]): i2, G(a2["g"]): g2, S(a1["o"]): o1}
    derivs = {a2["f"]: df2, a2["i"]: di2, a2["g"]: dg2, C1: dg_c1}

    def named(e):
        e = e.xreplace({s: derivs[s.point[0]] for s in e.atoms(sp.Subs)})
        e = e.xreplace({d: derivs[d.variables[0]] for d in e.atoms(sp.Derivative)})
        return sp.expand(e.xreplace(names).xreplace({h: o1 * G(C1) for h in [H1]}))

    full_named = named(full)
    p.step("sympy: ∂c₂/∂c₁ through every path", full_named)
    through_h = o1 * dg_c1 * (C1 * df2 * w["f"][1] + g2 * di2 * w["i"][1] + i2 * dg2 * w["g"][1])
    p.identity("∂c₂/∂c₁ = f₂ + o₁·g′(c₁)·(c₁σ′(a_f)u_f + g₂σ′(a_i)u_i + i₂g′(a_g)u_g)",
               full_named, sp.expand(f2 + through_h),
               shown=sp.Eq(sp.Symbol("∂c₂/∂c₁"), f2 + through_h, evaluate=False))
    p.identity("With no recurrent gate weights (u_f = u_i = u_g = 0) only the direct path is left",
               full_named.subs({w["f"][1]: 0, w["i"][1]: 0, w["g"][1]: 0}), f2)


def experiment(p):
    import torch

    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    d, n = 5, 8

    # 1. One step of the real LSTMCell: ∂c′/∂c = diag(f), with f recomputed from the weights.
    cell = torch.nn.LSTMCell(d, n, dtype=f64)
    with torch.no_grad():
        for prm in cell.parameters():
            prm.copy_(0.5 * torch.randn(prm.shape, generator=g, dtype=f64))
    cell = cell.to(p.device)
    x = torch.randn(d, generator=g, dtype=f64).to(p.device)
    h = torch.randn(n, generator=g, dtype=f64).to(p.device)
    c = torch.randn(n, generator=g, dtype=f64).to(p.device)
    # n copies of the same input in one batch: the gradient of c′[b, b] w.r.t. copy b is row b of ∂c′/∂c.
    c_rows = c.expand(n, n).clone().requires_grad_()
    if p.myth:
        # The misconception: torch's gates read c_{t−1} (peepholes, Gers & Schmidhuber 2000).
        peep = 0.5 * torch.randn(3, n, generator=g, dtype=f64).to(p.device)
        a_i, a_f, a_g, _ = (x.expand(n, d) @ cell.weight_ih.T + cell.bias_ih + h.expand(n, n) @ cell.weight_hh.T
                            + cell.bias_hh).chunk(4, -1)
        c_new = (torch.sigmoid(a_f + peep[1] * c_rows) * c_rows
                 + torch.sigmoid(a_i + peep[0] * c_rows) * torch.tanh(a_g))
    else:
        _, c_new = cell(x.expand(n, d), (h.expand(n, n), c_rows))
    (J,) = torch.autograd.grad(torch.diagonal(c_new).sum(), c_rows)
    with torch.no_grad():
        W_if, W_hf = cell.weight_ih[n:2 * n], cell.weight_hh[n:2 * n]  # torch's gate order: i, f, g, o
        f = torch.sigmoid(W_if @ x + cell.bias_ih[n:2 * n] + W_hf @ h + cell.bias_hh[n:2 * n])
    p.allclose("nn.LSTMCell: autograd ∂c′/∂c vs diag(f) from the weights", J, torch.diag(f), rtol=1e-12, atol=1e-15, id="lstmcell_dc_is_diag_f",
               refutes="torch.nn.LSTM's gates read the previous cell state (peepholes)")
    p.equal("off-diagonal entries of ∂c′/∂c that are non-zero", int((J - torch.diag(torch.diagonal(J))).abs().gt(0).sum()), 0)

    # 2. Thirty steps of nn.LSTM with W_hh = 0: ∂c_T/∂c_0 = diag(∏ f_t) exactly.
    T = 30
    lstm = torch.nn.LSTM(d, n, dtype=f64)
    with torch.no_grad():
        for prm in lstm.parameters():
            prm.copy_(0.5 * torch.randn(prm.shape, generator=g, dtype=f64))
        lstm.bias_ih_l0[n:2 * n] += 3.0  # forget gates mostly open, so the product stays visible
        lstm.weight_hh_l0.zero_()
    lstm = lstm.to(p.device)
    xs = torch.randn(T, d, generator=g, dtype=f64).to(p.device)
    # Batch trick: n copies of the sequence; copy b reads row b of the Jacobian.
    c0 = torch.zeros(1, n, n, dtype=f64, device=p.device, requires_grad=True)
    h0 = torch.zeros(1, n, n, dtype=f64, device=p.device)
    _, (_, cT) = lstm(xs.unsqueeze(1).expand(T, n, d), (h0, c0))
    (JT,) = torch.autograd.grad(torch.diagonal(cT[0]).sum(), c0)
    with torch.no_grad():
        fs = torch.sigmoid(xs @ lstm.weight_ih_l0[n:2 * n].T + lstm.bias_ih_l0[n:2 * n] + lstm.bias_hh_l0[n:2 * n])
    p.allclose("nn.LSTM, 30 steps, W_hh = 0: ∂c_T/∂c_0 vs diag(∏_t f_t)", JT[0], torch.diag(fs.prod(0)),
               rtol=1e-10, atol=1e-15)
    p.greater("largest ∏_t f_t over the units (the check is not vacuous: forget bias +3)", fs.prod(0).max(), 0.05)

    # 3. The cell path does not prevent explosion: the paths through h carry W_hh. An nn.LSTM whose
    #    candidate reads h through W_hg = 3·Q (Q orthogonal), gates biased open, small inputs: ‖∂c_50/∂c_0‖
    #    over 8 draws. The misconception's model keeps only the cell path, diag(∏_t f_t) (the module's
    #    own forget gates), whose norm cannot exceed 1.
    def explosion_case(k):
        import math

        gk = torch.Generator().manual_seed(p.seed + 100 + k)
        m = torch.nn.LSTM(d, n, dtype=f64)
        with torch.no_grad():
            for prm in m.parameters():
                prm.copy_((torch.rand(prm.shape, generator=gk, dtype=f64) * 2 - 1) / math.sqrt(n))
            Q, _ = torch.linalg.qr(torch.randn(n, n, generator=gk, dtype=f64))
            m.weight_hh_l0[2 * n:3 * n] = 3.0 * Q    # candidate block g reads h
            m.bias_ih_l0[n:2 * n] += 5.0             # forget gate open
            m.bias_ih_l0[:n] += 3.0                  # input gate open
            m.bias_ih_l0[3 * n:] += 3.0              # output gate open
        m = m.to(p.device)
        seq = (0.1 * torch.randn(50, d, generator=gk, dtype=f64)).to(p.device)
        c0 = torch.zeros(1, n, n, dtype=f64, device=p.device, requires_grad=True)
        h0 = torch.zeros(1, n, n, dtype=f64, device=p.device)
        out, (_, cT) = m(seq.unsqueeze(1).expand(50, n, d), (h0, c0))
        if p.myth:  # only the cell path: diag(∏_t f_t), f_t recomputed from the module's weights and its h_{t−1}
            with torch.no_grad():
                h_prev = torch.cat([h0[0, :1], out[:-1, 0]])
                f_t = torch.sigmoid(seq @ m.weight_ih_l0[n:2 * n].T + m.bias_ih_l0[n:2 * n]
                                    + h_prev @ m.weight_hh_l0[n:2 * n].T + m.bias_hh_l0[n:2 * n])
                return f_t.prod(0).max().item()
        (Jk,) = torch.autograd.grad(torch.diagonal(cT[0]).sum(), c0)
        return torch.linalg.matrix_norm(Jk[0], 2).item()

    # Every draw exceeds the ceiling of 1 that the cell path alone has; how far it grows depends on the draw
    # (over 50 draws the weakest was about 5, the typical about 70), so the growth is claimed for the median.
    cases = [(f"draw {k}", explosion_case(k)) for k in range(8)]
    p.sweep("nn.LSTM, W_hg = 3·Q, gates biased open: ‖∂c_50/∂c_0‖₂ over 8 draws, above the cell path's ceiling 1",
            cases, ">", 1.0, id="lstm_can_explode", refutes="the LSTM's cell path prevents exploding gradients")
    p.greater("… the median of the 8 draws (grows more than tenfold in 50 steps)",
              sorted(v for _, v in cases)[len(cases) // 2], 10.0, id="lstm_explode_median")

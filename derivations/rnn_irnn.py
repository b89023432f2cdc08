"""ReLU in an RNN, and the identity initialisation of the recurrent matrix (IRNN, Le et al. 2015).

Symbolic: while every ReLU unit is active the RNN is linear, so ∂h_T/∂h_0 = W^T (W to the power T);
in that region W^T keeps every singular value at 1 for any orthogonal W, and scales as a^T for
W = a·I. Numeric (torch.nn.RNN, 100 steps, autograd): with ReLU and W = I the Jacobian is a 0/1
diagonal of norm 1, but only the units that never touched 0 keep their gradient; tanh with W = I
decays; ReLU with W = 1.1·I blows up forward and backward; ReLU with W = 0.9·I (units kept
active by a positive bias) vanishes as 0.9¹⁰⁰. A ReLU network does not stay in the active
region for a generic orthogonal W: the rotation sends units below 0 and the gradient dies
(8 more random draws too); a permutation, which maps h ≥ 0 to h ≥ 0 like I, keeps norm 1.
For the same reason singular values above 1 alone do not make the state blow up: with
W = 1.1·Q the state typically shrinks (median of 9 draws of Q) and in no draw grows past 2×.
"""

TITLE = {
    "en": "ReLU RNNs and identity initialisation (IRNN) vs tanh",
    "zh": "ReLU RNN 与单位矩阵初始化（IRNN）对比 tanh",
}
CLAIMS = [
    {
        "en": "While all ReLU units are active, h_t = W h_{t−1} + U x_t, so h_T = W^T h_0 + ∑_t W^{T−t} U x_t and ∂h_T/∂h_0 = W^T.",
        "zh": "所有 ReLU 单元都处于激活状态时，h_t = W h_{t−1} + U x_t，于是 h_T = W^T h_0 + ∑_t W^{T−t} U x_t，∂h_T/∂h_0 = W^T。",
    },
    {
        "en": "In the active region W^T keeps norm 1 for every orthogonal W and is a^T for W = a·I; but with a generic orthogonal W a ReLU RNN leaves that region (units rotated below 0 are cut) and its gradient vanishes. W = I or a permutation maps h ≥ 0 to h ≥ 0, so the recurrence itself cuts no unit: units the inputs never push to 0 keep gradient 1, those they do push to 0 still lose it.",
        "zh": "在激活区内，任何正交 W 都使 W^T 的范数保持为 1，W = a·I 时为 a^T；但对一般的正交 W，ReLU RNN 会离开激活区（被转到 0 以下的单元被截断），梯度消失。W = I 或置换矩阵把 h ≥ 0 映到 h ≥ 0，递推本身不截断任何单元：输入从未推到 0 的单元保持梯度 1，被输入推到 0 的单元仍会失去梯度。",
    },
    {
        "en": "IRNN (ReLU, W = I, b = 0): after 100 steps ∂h_T/∂h_0 is a 0/1 diagonal of norm 1; units that hit 0 on the way lose their gradient.",
        "zh": "IRNN（ReLU，W = I，b = 0）：100 步后 ∂h_T/∂h_0 是范数为 1 的 0/1 对角阵；途中触及 0 的单元失去梯度。",
    },
    {
        "en": "tanh with W = I decays (tanh′ < 1); ReLU with W = 1.1·I explodes forward and backward (the Jacobian is 1.1¹⁰⁰·I); ReLU with W = 0.9·I (units kept active by a bias) has its gradient vanish as 0.9¹⁰⁰, while its state settles near b/(1 − 0.9).",
        "zh": "tanh 配 W = I 会衰减（tanh′ < 1）；ReLU 配 W = 1.1·I 前向与反向都爆炸（雅可比矩阵为 1.1¹⁰⁰·I）；ReLU 配 W = 0.9·I（用偏置让单元保持激活）梯度按 0.9¹⁰⁰ 消失，而状态本身稳定在 b/(1 − 0.9) 附近。",
    },
]


def derive(p):
    import sympy as sp

    W = sp.Matrix(2, 2, sp.symbols("w11 w12 w21 w22"))
    U = sp.Matrix(2, 1, sp.symbols("u1 u2"))
    h0 = sp.Matrix(sp.symbols("h01 h02"))
    xs = sp.symbols("x1:4")
    h = h0
    for x in xs:  # active ReLU region: relu(a) = a
        h = W * h + U * x
    p.step("Active region, three steps: h₃ = W(W(Wh₀ + Ux₁) + Ux₂) + Ux₃; first entry", sp.expand(h[0]))
    closed = W**3 * h0 + W**2 * U * xs[0] + W * U * xs[1] + U * xs[2]
    p.identity("h₃ = W³h₀ + W²Ux₁ + WUx₂ + Ux₃", sp.expand(h), sp.expand(closed))
    p.identity("∂h₃/∂h₀ = W³", sp.expand(h.jacobian(h0)), sp.expand(W**3))
    # A rotation that is not I, with rational entries (c = (1−s²)/(1+s²), sin = 2s/(1+s²)).
    s = sp.Symbol("s", real=True)
    c, sn = (1 - s**2) / (1 + s**2), 2 * s / (1 + s**2)
    R = sp.Matrix([[c, -sn], [sn, c]])
    p.identity("R is orthogonal: RᵀR = I", (R.T * R).applyfunc(sp.cancel), sp.eye(2))
    R3 = (R**3).applyfunc(sp.cancel)
    p.identity("(R³)ᵀR³ = I: the Jacobian R³ of the active region keeps every singular value at 1",
               (R3.T * R3).applyfunc(sp.cancel), sp.eye(2))
    p.step("For W = a·I the Jacobian is a^T·I: 1.1¹⁰⁰ ≈", sp.N(sp.Rational(11, 10)**100, 5))


def experiment(p):
    import torch

    f64 = torch.float64
    gen = torch.Generator().manual_seed(p.seed)
    n, d, T = 32, 4, 100
    U = 0.1 * torch.randn(n, d, generator=gen, dtype=f64)
    xs = torch.randn(T, d, generator=gen, dtype=f64)
    h0_init = 0.5 + 0.5 * torch.rand(n, generator=gen, dtype=f64)
    eye = torch.eye(n, dtype=f64)
    Q, _ = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=f64))
    P = eye[torch.randperm(n, generator=gen)]
    # name: (activation, W, bias b_hh). The 0.9·I case gets a bias of +0.5 so its units stay
    # active (without it every unit dies and the Jacobian is 0, which says nothing about 0.9¹⁰⁰).
    cases = {"IRNN: ReLU, W = I": ("relu", eye, 0.0), "tanh, W = I": ("tanh", eye, 0.0),
             "ReLU, W = 1.1·I": ("relu", 1.1 * eye, 0.0), "ReLU, W = 0.9·I, b = 0.5": ("relu", 0.9 * eye, 0.5),
             "ReLU, W = Q (random orthogonal)": ("relu", Q, 0.0), "ReLU, W = P (permutation)": ("relu", P, 0.0),
             "ReLU, W = 1.1·Q": ("relu", 1.1 * Q, 0.0)}

    def myth_matrix(name, W):
        """The misconception 'ReLU′ = 1, so a ReLU RNN's gradient neither vanishes nor explodes'
        leaves W out of the product: its model of the 1.1·I and 0.9·I networks uses W = I."""
        return eye if p.myth and ("1.1" in name or "0.9" in name) else W

    grid = list(range(10, T + 1, 10))
    series, J_T, hT, norms_at = {}, {}, {}, {}
    for name, (act, W, b) in cases.items():
        rnn = torch.nn.RNN(d, n, nonlinearity=act, bias=True, dtype=f64)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(U)
            rnn.weight_hh_l0.copy_(myth_matrix(name, W))
            rnn.bias_ih_l0.zero_()
            rnn.bias_hh_l0.fill_(b)
        rnn = rnn.to(p.device)
        # n copies of the sequence: copy b gives row b of the Jacobian.
        h0 = h0_init.to(p.device).expand(1, n, n).contiguous().requires_grad_()
        out, _ = rnn(xs.to(p.device).unsqueeze(1).expand(T, n, d), h0)
        norms = []
        for t in grid:
            (J,) = torch.autograd.grad(torch.diagonal(out[t - 1]).sum(), h0, retain_graph=True)
            norms.append(torch.linalg.matrix_norm(J[0], 2).item())
        J_T[name], hT[name], norms_at[name] = J[0].detach().cpu(), out[-1, 0].detach().cpu(), dict(zip(grid, norms))
        if min(norms) > 0:
            series[name] = (grid, norms)

    def norm(name):
        return torch.linalg.matrix_norm(J_T[name], 2)

    J = J_T["IRNN: ReLU, W = I"]
    diag = torch.diagonal(J)
    p.equal("IRNN: non-zero off-diagonal entries of ∂h_100/∂h_0", int((J - torch.diag(diag)).ne(0).sum()), 0,
            id="irnn_off_diagonal")
    p.holds("IRNN: every diagonal entry is exactly 0 or 1", bool(((diag == 0) | (diag == 1)).all()),
            f"{int((diag == 1).sum())} ones, {int((diag == 0).sum())} zeros", "only 0 and 1", id="irnn_zero_one")
    p.greater(f"IRNN: units whose gradient survives 100 steps (of {n})", int((diag == 1).sum()), 0,
              id="irnn_units_kept")
    p.greater(f"IRNN: units that touched 0 and lost their gradient (of {n})", int((diag == 0).sum()), 0,
              id="irnn_units_lost")
    p.close("IRNN: ‖∂h_100/∂h_0‖₂", norm("IRNN: ReLU, W = I"), 1.0, rtol=1e-12, id="irnn_norm")
    p.less("tanh, W = I: ‖∂h_100/∂h_0‖₂ (decays; the IRNN keeps 1)", norm("tanh, W = I"), 0.25, id="tanh_identity_norm")
    p.close("ReLU, W = 1.1·I: ‖∂h_100/∂h_0‖₂ vs 1.1¹⁰⁰", norm("ReLU, W = 1.1·I"), 1.1**100, rtol=1e-9,
            id="relu_1p1_jacobian", refutes="ReLU′ = 1, so a ReLU RNN's gradient neither vanishes nor explodes")
    p.greater("ReLU, W = 1.1·I: ‖h_100‖ / ‖h_0‖ (forward blow-up)", hT["ReLU, W = 1.1·I"].norm() / h0_init.norm(), 100,
              id="relu_1p1_forward")
    name = "ReLU, W = 0.9·I, b = 0.5"
    p.equal("ReLU, W = 0.9·I, b = 0.5: units active at every step (the check below is not vacuous)",
            int(torch.diagonal(J_T[name]).gt(0).sum()), n, id="relu_0p9_units_active")
    p.close("ReLU, W = 0.9·I, b = 0.5: ‖∂h_100/∂h_0‖₂ vs 0.9¹⁰⁰", norm(name), 0.9**100, rtol=1e-9,
            id="relu_0p9_jacobian", refutes="ReLU′ = 1, so a ReLU RNN's gradient neither vanishes nor explodes")
    p.greater("ReLU, W = 0.9·I, b = 0.5: ‖h_100‖ / ‖h_0‖ (the state itself does not vanish: it settles near b/(1 − 0.9))",
              hT[name].norm() / h0_init.norm(), 1.0, id="relu_0p9_forward")
    name = "ReLU, W = Q (random orthogonal)"
    p.close("ReLU, W = Q: every singular value of Q is 1", torch.linalg.svdvals(Q).min(), 1.0, rtol=1e-12,
            id="orthogonal_svals")
    p.less("ReLU, W = Q: ‖∂h_20/∂h_0‖₂ (units rotated below 0 are cut)", norms_at[name][20], 0.1,
           id="orthogonal_norm_20")
    p.less("ReLU, W = Q: ‖∂h_100/∂h_0‖₂", norms_at[name][100], 1e-6, id="orthogonal_norm_100")

    def orthogonal_case(k):
        g = torch.Generator().manual_seed(p.seed + 1000 + k)
        Qk, _ = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=f64))
        h0 = h0_init.clone().requires_grad_()
        h = h0
        with torch.enable_grad():
            for x in xs:
                h = torch.relu(Qk @ h + U @ x)
            J = torch.stack([torch.autograd.grad(h[i], h0, retain_graph=True)[0] for i in range(n)])
        return torch.linalg.matrix_norm(J, 2).item()

    p.sweep("ReLU, W = another random orthogonal Q: ‖∂h_100/∂h_0‖₂",
            [(f"Q draw {k}", orthogonal_case(k)) for k in range(8)], "<", 1e-3, id="orthogonal_sweep")

    def scaled_orthogonal_forward(k):
        g = torch.Generator().manual_seed(p.seed + 1000 + k)
        Qk, _ = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=f64))
        h = h0_init.clone()
        for x in xs:
            h = torch.relu(1.1 * Qk @ h + U @ x)
        return (h.norm() / h0_init.norm()).item()

    # The Q above and 8 more draws. Typically the state shrinks (about a quarter of ‖h_0‖); rarely it does not
    # (1.05 once in 600 draws, the next largest 0.57), but it never comes near the active region's 1.1¹⁰⁰.
    q_draws = [("Q above", (hT["ReLU, W = 1.1·Q"].norm() / h0_init.norm()).item())]
    q_draws += [(f"Q draw {k}", scaled_orthogonal_forward(k)) for k in range(8)]
    p.less("ReLU, W = 1.1·Q (every singular value 1.1): ‖h_100‖ / ‖h_0‖, median of 9 draws of Q (units cut: "
           "the state shrinks)", sorted(v for _, v in q_draws)[len(q_draws) // 2], 1.0,
           id="relu_1p1_orthogonal_forward")
    p.sweep("ReLU, W = 1.1·Q: ‖h_100‖ / ‖h_0‖ over the 9 draws of Q (no blow-up: at most 2, where W = 1.1·I "
            "gives more than 100)", q_draws, "<", 2.0, id="relu_1p1_orthogonal_forward_sweep")
    name = "ReLU, W = P (permutation)"
    p.close("ReLU, W = P (maps h ≥ 0 to h ≥ 0): ‖∂h_100/∂h_0‖₂", norm(name), 1.0, rtol=1e-12,
            id="permutation_norm")
    p.plot("‖∂h_t/∂h_0‖₂ of torch.nn.RNN (n = 32), by autograd", series,
           xlabel="time steps t", ylabel="‖∂h_t/∂h_0‖₂", logy=True)

"""ReLU in an RNN, and the identity initialisation of the recurrent matrix (IRNN, Le et al. 2015).

Symbolic: while every ReLU unit is active the RNN is linear, so ∂h_T/∂h_0 = W^T (W to the power T);
it neither shrinks nor grows when W = I, and keeps norm 1 for any orthogonal W, but
scales as a^T for W = a·I. Numeric (torch.nn.RNN, 100 steps, autograd): with ReLU and
W = I the Jacobian is a 0/1 diagonal of norm exactly 1 (units that touched 0 lose their
gradient); tanh with W = I decays; ReLU with W = 1.1·I blows up forward and backward
as 1.1¹⁰⁰; ReLU with W = 0.9·I vanishes.
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
        "en": "W^T keeps norm 1 for W = I and for every orthogonal W; it is a^T for W = a·I. What matters is the singular values of W, not whether W is exactly I.",
        "zh": "W = I 以及任何正交矩阵 W 都使 W^T 的范数保持为 1；W = a·I 时为 a^T。关键是 W 的奇异值，而不是 W 是否恰好为 I。",
    },
    {
        "en": "IRNN (ReLU, W = I, b = 0): over 100 steps ∂h_T/∂h_0 is a 0/1 diagonal of norm exactly 1; units that hit 0 on the way lose their gradient.",
        "zh": "IRNN（ReLU，W = I，b = 0）：100 步后 ∂h_T/∂h_0 是 0/1 对角阵，范数恰为 1；途中触及 0 的单元失去梯度。",
    },
    {
        "en": "tanh with W = I decays (tanh′ < 1); ReLU with W = 1.1·I explodes forward and backward (1.1¹⁰⁰ ≈ 1.4·10⁴); ReLU with W = 0.9·I vanishes.",
        "zh": "tanh 配 W = I 会衰减（tanh′ < 1）；ReLU 配 W = 1.1·I 前向与反向都爆炸（1.1¹⁰⁰ ≈ 1.4·10⁴）；ReLU 配 W = 0.9·I 会消失。",
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
    cases = {"IRNN: ReLU, W = I": ("relu", eye), "tanh, W = I": ("tanh", eye),
             "ReLU, W = 1.1·I": ("relu", 1.1 * eye), "ReLU, W = 0.9·I": ("relu", 0.9 * eye)}
    grid = list(range(10, T + 1, 10))
    series, J_T, hT = {}, {}, {}
    for name, (act, W) in cases.items():
        rnn = torch.nn.RNN(d, n, nonlinearity=act, bias=False, dtype=f64)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(U)
            rnn.weight_hh_l0.copy_(W)
        rnn = rnn.to(p.device)
        # n copies of the sequence: copy b gives row b of the Jacobian.
        h0 = h0_init.to(p.device).expand(1, n, n).contiguous().requires_grad_()
        out, _ = rnn(xs.to(p.device).unsqueeze(1).expand(T, n, d), h0)
        norms = []
        for t in grid:
            (J,) = torch.autograd.grad(torch.diagonal(out[t - 1]).sum(), h0, retain_graph=True)
            norms.append(torch.linalg.matrix_norm(J[0], 2).item())
        J_T[name], hT[name] = J[0].detach(), out[-1, 0].detach()
        if min(norms) > 0:
            series[name] = (grid, norms)

    J = J_T["IRNN: ReLU, W = I"]
    diag = torch.diagonal(J)
    p.equal("IRNN: non-zero off-diagonal entries of ∂h_100/∂h_0", int((J - torch.diag(diag)).ne(0).sum()), 0)
    p.holds("IRNN: every diagonal entry is exactly 0 or 1", bool(((diag == 0) | (diag == 1)).all()),
            f"{int((diag == 1).sum())} ones, {int((diag == 0).sum())} zeros", "only 0 and 1")
    p.close("IRNN: ‖∂h_100/∂h_0‖₂", torch.linalg.matrix_norm(J, 2), 1.0, rtol=1e-12)
    p.less("tanh, W = I: ‖∂h_100/∂h_0‖₂ (decays; the IRNN keeps 1)", torch.linalg.matrix_norm(J_T["tanh, W = I"], 2), 0.25)
    p.close("ReLU, W = 1.1·I: ‖∂h_100/∂h_0‖₂ vs 1.1¹⁰⁰", torch.linalg.matrix_norm(J_T["ReLU, W = 1.1·I"], 2),
            1.1**100, rtol=1e-9)
    p.greater("ReLU, W = 1.1·I: ‖h_100‖ / ‖h_0‖ (forward blow-up)", hT["ReLU, W = 1.1·I"].norm() / h0_init.norm(), 100)
    p.less("ReLU, W = 0.9·I: ‖∂h_100/∂h_0‖₂ ≤ 0.9¹⁰⁰", torch.linalg.matrix_norm(J_T["ReLU, W = 0.9·I"], 2),
           0.9**100 * (1 + 1e-9))
    p.plot("‖∂h_t/∂h_0‖₂ of torch.nn.RNN (n = 32), by autograd", series,
           xlabel="time steps t", ylabel="‖∂h_t/∂h_0‖₂", logy=True)

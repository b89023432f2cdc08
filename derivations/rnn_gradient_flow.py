"""How a gradient travels back through a tanh RNN: a product of diag(f′)·W factors.

Symbolic: differentiate a two-step RNN with respect to its initial state and read off
∂h₂/∂h₀ = diag(f′(a₂))·W·diag(f′(a₁))·W (matrix symbols keep the order). Numeric:
autograd's Jacobian of a 40-step tanh RNN equals that product; with σ_max(W) < 1 its norm
stays under σ_max^T and vanishes; a random W with entries below 1 but ρ ≈ 2 makes it grow;
so does a non-normal W whose eigenvalues are all 0.9 (σ_max ≈ 1.9): what bounds the
growth is the singular values, not the spectral radius; and a W whose singular values are
all 2 still vanishes once strong inputs saturate the tanh.
"""

TITLE = {
    "en": "∂h_T/∂h_0 in a tanh RNN: vanishing and exploding with W's singular values",
    "zh": "tanh RNN 的 ∂h_T/∂h_0：梯度随 W 的奇异值消失或爆炸",
}
CLAIMS = [
    {
        "en": "For h_t = tanh(W h_{t−1} + U x_t + b): ∂h_T/∂h_0 = ∏_{t=T..1} diag(1 − h_t²)·W (the latest step on the left).",
        "zh": "对 h_t = tanh(W h_{t−1} + U x_t + b)：∂h_T/∂h_0 = ∏_{t=T..1} diag(1 − h_t²)·W（最新的时间步在最左边）。",
    },
    {
        "en": "Backprop applies the transpose: ∂L/∂h_0 = Wᵀdiag(f′_1)·…·Wᵀdiag(f′_T)·∂L/∂h_T.",
        "zh": "反向传播用的是转置：∂L/∂h_0 = Wᵀdiag(f′_1)·…·Wᵀdiag(f′_T)·∂L/∂h_T。",
    },
    {
        "en": "Since |tanh′| ≤ 1, ‖∂h_T/∂h_0‖ ≤ σ_max(W)^T: a W with σ_max < 1 makes the gradient vanish geometrically.",
        "zh": "由于 |tanh′| ≤ 1，‖∂h_T/∂h_0‖ ≤ σ_max(W)^T：σ_max < 1 的 W 让梯度按几何级数消失。",
    },
    {
        "en": "Growth needs σ_max(W) > 1, not a spectral radius above 1: a non-normal W with every eigenvalue 0.9 "
              "makes ‖∂h_40/∂h_0‖ grow; entries below 1 do not prevent it either.",
        "zh": "增长需要 σ_max(W) > 1，而不是谱半径大于 1：所有特征值都为 0.9 的非正规 W 也让 ‖∂h_40/∂h_0‖ 增长；"
              "元素都小于 1 也挡不住。",
    },
    {
        "en": "σ_max > 1 is necessary, not sufficient: with W = 2·Q and strong inputs the tanh saturates and the "
              "gradient vanishes.",
        "zh": "σ_max > 1 是必要而非充分条件：W = 2·Q 且输入很强时 tanh 饱和，梯度仍然消失。",
    },
]


def derive(p):
    import sympy as sp

    W = sp.Matrix(2, 2, sp.symbols("w11 w12 w21 w22"))
    h0 = sp.Matrix(sp.symbols("h01 h02"))
    u1, u2 = sp.Matrix(sp.symbols("u11 u12")), sp.Matrix(sp.symbols("u21 u22"))  # u_t = U x_t + b
    f = sp.Function("f")  # any activation; tanh below

    def step(h, u):
        return [sum(W[i, k] * h[k] for k in range(2)) + u[i] for i in range(2)]

    a1 = step(h0, u1)                       # pre-activations a_t = W h_{t−1} + u_t
    h1 = sp.Matrix([f(a) for a in a1])
    a2 = step(h1, u2)
    h2 = sp.Matrix([f(a) for a in a2])
    p.step("Two steps of h_t = f(W h_{t−1} + u_t), u_t = U x_t + b; the first entry of h₂ is", h2[0])

    # Name f′ at each pre-activation, d_ti = f′(a_ti), so the result reads as matrices.
    d1, d2 = sp.symbols("d11 d12"), sp.symbols("d21 d22")
    point = {**dict(zip(a1, d1)), **dict(zip(a2, d2))}

    def named(m):
        return sp.expand(m.xreplace({s: point[s.point[0]] for s in m.atoms(sp.Subs)}))

    D1, D2 = sp.diag(*d1), sp.diag(*d2)
    # The claimed products as non-commutative matrix symbols: the order printed is the order
    # multiplied, and the same expression, with the matrices substituted, is what is checked.
    Ws, WsT = sp.MatrixSymbol("W", 2, 2), sp.MatrixSymbol("Wᵀ", 2, 2)
    D1s, D2s = sp.MatrixSymbol("diag(f′(a₁))", 2, 2), sp.MatrixSymbol("diag(f′(a₂))", 2, 2)
    vs = sp.MatrixSymbol("v", 2, 1)
    values = {Ws: W, WsT: W.T, D1s: D1, D2s: D2}

    def check(claim, jac, product, name):
        explicit = sp.expand(sp.Matrix(product.subs({**values, vs: v}).doit()))
        return p.identity(claim, jac, explicit,
                          shown=sp.Eq(sp.MatrixSymbol(name, *product.shape), product, evaluate=False))

    v = sp.Matrix(sp.symbols("v1 v2"))
    J1 = named(h1.jacobian(h0))
    p.step("sympy differentiates one step (d₁ᵢ = f′(a₁ᵢ))", J1)
    check("∂h₁/∂h₀ = diag(f′(a₁))·W", J1, D1s * Ws, "∂h₁/∂h₀")
    J2 = named(h2.jacobian(h0))
    p.step("sympy differentiates two steps (chain rule through h₁); entry (1,1)", J2[0, 0])
    check("∂h₂/∂h₀ = diag(f′(a₂))·W·diag(f′(a₁))·W: one factor per step, newest on the left",
          J2, D2s * Ws * D1s * Ws, "∂h₂/∂h₀")
    # Matrices do not commute: the other order is a different matrix.
    swapped = sp.expand(W * D2 * W * D1)
    p.holds("(sympy) the reversed order W·diag(f′(a₂))·W·diag(f′(a₁)) is a different matrix",
            sp.simplify(J2 - swapped) != sp.zeros(2, 2), "≠ ∂h₂/∂h₀", "≠")
    # The vector that backprop carries is the transpose: v ↦ Jᵀ v.
    grad_h0 = named(sp.Matrix([sp.diff(v[0] * h2[0] + v[1] * h2[1], s) for s in h0]))
    check("∂(vᵀh₂)/∂h₀ = Wᵀdiag(f′(a₁))·Wᵀdiag(f′(a₂))·v: backprop reverses the order",
          grad_h0, WsT * D1s * WsT * D2s * vs, "∂(vᵀh₂)/∂h₀")
    x = sp.Symbol("x", real=True)
    p.identity("For f = tanh: f′(x) = 1 − tanh²(x), which lies in (0, 1]",
               sp.diff(sp.tanh(x), x), 1 - sp.tanh(x)**2)
    s, T = sp.symbols("sigma_max T", positive=True)
    p.step("so ‖diag(1−h_t²)·W‖₂ ≤ σ_max(W) and ‖∂h_T/∂h₀‖₂ ≤", s**T)


def _unroll(W, x, h0):
    import torch

    hs, h = [], h0
    for t in range(x.shape[0]):
        h = torch.tanh(W @ h + x[t])
        hs.append(h)
    return hs


def _jacobian(h_T, h0):
    import torch

    eye = torch.eye(h0.shape[0], dtype=h0.dtype, device=h0.device)
    (J,) = torch.autograd.grad(h_T, h0, eye, is_grads_batched=True, retain_graph=True)
    return J  # row i = ∂h_T[i]/∂h0


def experiment(p):
    import math

    import torch

    n, T = 64, 40
    g = torch.Generator().manual_seed(p.seed)
    f64 = torch.float64
    Q, _ = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=f64))
    x = 0.1 * torch.randn(T, n, generator=g, dtype=f64)  # u_t = U x_t + b
    h0_init = 0.5 * torch.randn(n, generator=g, dtype=f64)
    v = torch.randn(n, generator=g, dtype=f64).to(p.device)
    # Uniform with variance 4/n, so ρ ≈ 2 (circular law) while every entry is below √(12/n) ≈ 0.43 by
    # construction (a Gaussian N(0, 4/n) has an entry above 1 in about one draw in ten at n = 64).
    expansive = (torch.rand(n, n, generator=g, dtype=f64) * 2 - 1) * math.sqrt(12 / n)
    # Non-normal: 0.9 on the diagonal, 1 above it. Every eigenvalue is 0.9, yet σ_max ≈ 1.9.
    nonnormal = 0.9 * torch.eye(n, dtype=f64) + torch.diag(torch.ones(n - 1, dtype=f64), 1)
    zero = torch.zeros(T, n, dtype=f64)
    cases = {  # name: (W, inputs u_t, h_0)
        "contractive: W = 0.9·Q (ρ = σ_max = 0.9)": (0.9 * Q, x, h0_init),
        "expansive: W ~ U(±√(12/n)), variance 4/n (ρ ≈ 2, entries < 1)": (expansive, x, h0_init),
        "non-normal: ρ = 0.9, σ_max ≈ 1.9 (at h = 0)": (nonnormal, zero, torch.zeros(n, dtype=f64)),
        "saturated: W = 2·Q (all σ = 2), inputs ×30": (2.0 * Q, 30 * x, h0_init),
    }

    def spectral_radius(W):
        return torch.linalg.eigvals(W).abs().max().item()

    def myth_matrix(name, W):
        """The misconceptions' models of W (p.myth): act′ⁿ·wⁿ with w the largest entry, or
        'only the spectral radius matters' (a normal matrix with W's spectral radius)."""
        if name.startswith("expansive"):
            return W.abs().max() * torch.eye(n, dtype=f64)
        if name.startswith("non-normal"):
            return spectral_radius(W) * torch.eye(n, dtype=f64)
        return W

    grid = list(range(4, T + 1, 4))
    series, norms = {}, {}
    for name, (W_cpu, u, h_start) in cases.items():
        W = (myth_matrix(name, W_cpu) if p.myth else W_cpu).to(p.device)
        h0 = h_start.clone().to(p.device).requires_grad_()
        hs = _unroll(W, u.to(p.device), h0)
        norms[name] = [torch.linalg.matrix_norm(_jacobian(hs[t - 1], h0), 2).item() for t in grid]
        series[name] = (grid, norms[name])
        if name.startswith("contractive"):
            # Closed form: the product of diag(1 − h_t²)·W, newest step on the left.
            J = torch.eye(n, dtype=f64, device=p.device)
            with torch.no_grad():
                for h in hs:
                    J = torch.diag(1 - h**2) @ W @ J
            p.allclose("∏ diag(1−h_t²)·W vs autograd ∂h_40/∂h_0", J, _jacobian(hs[-1], h0),
                       rtol=1e-9, atol=1e-15, id="product_matches_autograd")
            # Backprop: v ↦ Wᵀ diag(f′_1) … Wᵀ diag(f′_T) v.
            (auto_grad,) = torch.autograd.grad(hs[-1] @ v, h0, retain_graph=True)
            with torch.no_grad():
                back = v.clone()
                for h in reversed(hs):
                    back = W.T @ ((1 - h**2) * back)
            p.allclose("Wᵀdiag(f′)… chain vs autograd ∂(vᵀh_40)/∂h_0", back, auto_grad, rtol=1e-9, atol=1e-15,
                       id="backprop_chain_matches_autograd")
            smax = torch.linalg.matrix_norm(W_cpu, 2).item()
            p.sweep("‖∂h_t/∂h_0‖ / σ_max(W)^t over t = 4, 8, …, 40 (contractive W)",
                    [(f"t = {t}", nm / smax**t) for t, nm in zip(grid, norms[name])], "<=", 1 + 1e-9,
                    id="bound_sigma_max_t")
            p.less("‖∂h_40/∂h_0‖, contractive W", norms[name][-1], 1e-2, id="contractive_norm_40")
        elif name.startswith("expansive"):
            p.greater("spectral radius of the expansive W", spectral_radius(W_cpu), 1.5, id="expansive_rho")
            p.less("largest |entry| of the expansive W (below √(12/n) ≈ 0.43 by construction, so this row cannot fail)",
                   W_cpu.abs().max(), 1.0, id="expansive_max_entry")
            p.greater("‖∂h_40/∂h_0‖, expansive W with every entry below 1 (grows)", norms[name][-1], 10.0,
                      id="expansive_norm_40", refutes="the gradient explodes when the weights are initialised above 1")
        elif name.startswith("non-normal"):
            p.close("spectral radius of the non-normal W", spectral_radius(W_cpu), 0.9, rtol=1e-9,
                    id="nonnormal_rho")
            p.greater("σ_max of the non-normal W", torch.linalg.matrix_norm(W_cpu, 2), 1.0, id="nonnormal_smax")
            p.greater("‖∂h_40/∂h_0‖, non-normal W with ρ = 0.9 (grows)", norms[name][-1], 1e3,
                      id="nonnormal_norm_40", refutes="explosion needs a spectral radius above 1")
        else:
            p.greater("smallest singular value of W = 2·Q", torch.linalg.svdvals(W_cpu).min(), 1.9,
                      id="saturated_smin")
            p.less("‖∂h_40/∂h_0‖, W = 2·Q with inputs ×30 (tanh saturates: vanishes)", norms[name][-1], 1e-2,
                   id="saturated_norm_40")
    p.plot("‖∂h_t/∂h_0‖₂ of a tanh RNN (n = 64), by autograd", series,
           xlabel="time steps t", ylabel="‖∂h_t/∂h_0‖₂", logy=True)

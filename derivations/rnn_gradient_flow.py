"""How a gradient travels back through a tanh RNN: a product of diag(f′)·W factors.

Symbolic: differentiate a two-step tanh RNN with respect to its initial state and
read off ∂h₂/∂h₀ = diag(1−h₂²)·W·diag(1−h₁²)·W. Numeric: autograd's Jacobian of a
40-step RNN equals that product; with σ_max(W) < 1 its norm stays under σ_max^T and
vanishes, with a random W of spectral radius ≈ 2 it grows by orders of magnitude.
"""

TITLE = {
    "en": "∂h_T/∂h_0 in a tanh RNN: vanishing and exploding with the spectral radius",
    "zh": "tanh RNN 的 ∂h_T/∂h_0：梯度随谱半径消失或爆炸",
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
        "en": "Since |tanh′| ≤ 1, ‖∂h_T/∂h_0‖ ≤ σ_max(W)^T: a contractive W makes the gradient vanish geometrically.",
        "zh": "由于 |tanh′| ≤ 1，‖∂h_T/∂h_0‖ ≤ σ_max(W)^T：收缩的 W 让梯度按几何级数消失。",
    },
    {
        "en": "A random W with spectral radius ≈ 2 makes ‖∂h_T/∂h_0‖ grow by orders of magnitude over 40 steps.",
        "zh": "谱半径约为 2 的随机 W 让 ‖∂h_T/∂h_0‖ 在 40 步内增长几个数量级。",
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
    J1 = named(h1.jacobian(h0))
    p.step("sympy differentiates one step (d₁ᵢ = f′(a₁ᵢ))", J1)
    p.identity("∂h₁/∂h₀ = diag(f′(a₁))·W", J1, sp.expand(D1 * W),
               shown=sp.Eq(sp.Symbol("∂h₁/∂h₀"), sp.MatMul(sp.Symbol("diag(f′(a₁))"), sp.Symbol("W"))))
    J2 = named(h2.jacobian(h0))
    p.step("sympy differentiates two steps (chain rule through h₁); entry (1,1)", J2[0, 0])
    p.identity("∂h₂/∂h₀ = diag(f′(a₂))·W·diag(f′(a₁))·W: one factor per step, newest on the left",
               J2, sp.expand(D2 * W * D1 * W),
               shown=sp.Eq(sp.Symbol("∂h₂/∂h₀"),
                           sp.MatMul(sp.Symbol("diag(f′(a₂))"), sp.Symbol("W"),
                                     sp.Symbol("diag(f′(a₁))"), sp.Symbol("W"))))
    # The vector that backprop carries is the transpose: v ↦ Jᵀ v.
    v = sp.Matrix(sp.symbols("v1 v2"))
    grad_h0 = named(sp.Matrix([sp.diff(v[0] * h2[0] + v[1] * h2[1], s) for s in h0]))
    p.identity("∂(vᵀh₂)/∂h₀ = Wᵀdiag(f′(a₁))·Wᵀdiag(f′(a₂))·v: backprop reverses the order",
               grad_h0, sp.expand(W.T * D1 * W.T * D2 * v),
               shown=sp.Eq(sp.Symbol("∂(vᵀh₂)/∂h₀"),
                           sp.MatMul(sp.Symbol("Wᵀ"), sp.Symbol("diag(f′(a₁))"), sp.Symbol("Wᵀ"),
                                     sp.Symbol("diag(f′(a₂))"), sp.Symbol("v"))))
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
    cases = {
        "contractive: W = 0.9·Q (ρ = σ_max = 0.9)": 0.9 * Q,
        "expansive: W ~ N(0, 4/n) (ρ ≈ 2)": 2.0 * torch.randn(n, n, generator=g, dtype=f64) / math.sqrt(n),
    }
    x = (0.1 * torch.randn(T, n, generator=g, dtype=f64)).to(p.device)  # u_t = U x_t + b
    h0_init = 0.5 * torch.randn(n, generator=g, dtype=f64)
    v = torch.randn(n, generator=g, dtype=f64).to(p.device)
    grid = list(range(4, T + 1, 4))
    series, norms = {}, {}
    for name, W_cpu in cases.items():
        W = W_cpu.to(p.device)
        h0 = h0_init.clone().to(p.device).requires_grad_()
        hs = _unroll(W, x, h0)
        norms[name] = [torch.linalg.matrix_norm(_jacobian(hs[t - 1], h0), 2).item() for t in grid]
        series[name] = (grid, norms[name])
        rho = torch.linalg.eigvals(W_cpu).abs().max().item()
        if name.startswith("contractive"):
            # Closed form: the product of diag(1 − h_t²)·W, newest step on the left.
            J = torch.eye(n, dtype=f64, device=p.device)
            with torch.no_grad():
                for h in hs:
                    J = torch.diag(1 - h**2) @ W @ J
            p.allclose("∏ diag(1−h_t²)·W vs autograd ∂h_40/∂h_0", J, _jacobian(hs[-1], h0),
                       rtol=1e-9, atol=1e-15)
            # Backprop: v ↦ Wᵀ diag(f′_1) … Wᵀ diag(f′_T) v.
            (auto_grad,) = torch.autograd.grad(hs[-1] @ v, h0, retain_graph=True)
            with torch.no_grad():
                back = v.clone()
                for h in reversed(hs):
                    back = W.T @ ((1 - h**2) * back)
            p.allclose("Wᵀdiag(f′)… chain vs autograd ∂(vᵀh_40)/∂h_0", back, auto_grad, rtol=1e-9, atol=1e-15)
            smax = torch.linalg.matrix_norm(W_cpu, 2).item()
            p.holds("‖∂h_t/∂h_0‖ ≤ σ_max(W)^t at every t (contractive W)",
                    all(nm <= smax**t * (1 + 1e-9) for t, nm in zip(grid, norms[name])),
                    f"max ratio {max(nm / smax**t for t, nm in zip(grid, norms[name])):.3g}", "≤ 1")
            p.less("‖∂h_40/∂h_0‖, contractive W", norms[name][-1], 1e-2)
        else:
            p.greater("spectral radius of the expansive W", rho, 1.5)
            p.greater("‖∂h_40/∂h_0‖, expansive W (grows)", norms[name][-1], 10.0)
    p.plot("‖∂h_t/∂h_0‖₂ of a tanh RNN (n = 64), by autograd", series,
           xlabel="time steps t", ylabel="‖∂h_t/∂h_0‖₂", logy=True)

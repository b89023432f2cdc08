"""Forget-gate bias initialisation: how long an LSTM remembers at initialisation.

Symbolic: with the forget gate at f = σ(b_f), the cell path scales a signal by σ(b_f)^T;
the number of steps for it to fall by e is τ = −1/ln σ(b_f) = 1/ln(1 + e^{−b_f}) ≈ e^{b_f}.
Numeric: torch.nn.LSTM at initialisation with b_f = 0, 1 and 2: the mean forget gate is
σ(b_f), and autograd's ‖∂c_T/∂c_0‖ after 50 steps grows by orders of magnitude with b_f.
PyTorch stores two biases, so setting both bias_ih and bias_hh of the forget gate to 1
gives an effective b_f of 2, not 1.
"""

TITLE = {
    "en": "Forget-gate bias initialisation and how far gradients reach at init",
    "zh": "遗忘门偏置初始化与初始化时梯度能传多远",
}
CLAIMS = [
    {
        "en": "With f = σ(b_f), the cell path multiplies by σ(b_f) per step; the memory time constant τ = 1/ln(1 + e^{−b_f}) ≈ e^{b_f} grows exponentially with the bias.",
        "zh": "f = σ(b_f) 时细胞通路每步乘以 σ(b_f)；记忆时间常数 τ = 1/ln(1 + e^{−b_f}) ≈ e^{b_f}，随偏置指数增长。",
    },
    {
        "en": "At initialisation with b_f = 0 (f ≈ 0.5) an LSTM's ‖∂c_50/∂c_0‖ is below 10⁻⁶: the gated cell alone does not stop vanishing gradients.",
        "zh": "初始化时 b_f = 0（f ≈ 0.5），LSTM 的 ‖∂c_50/∂c_0‖ 小于 10⁻⁶：仅有门控细胞并不能阻止梯度消失。",
    },
    {
        "en": "Raising b_f from 0 to 1 to 2 raises ‖∂c_50/∂c_0‖ by more than 100× at each step up.",
        "zh": "把 b_f 从 0 提到 1 再到 2，每提高一级 ‖∂c_50/∂c_0‖ 都增大 100 倍以上。",
    },
    {
        "en": "torch's effective forget bias is bias_ih[h:2h] + bias_hh[h:2h]: setting both to 1 gives b_f = 2.",
        "zh": "torch 的有效遗忘门偏置是 bias_ih[h:2h] + bias_hh[h:2h]：两者都设为 1 时 b_f = 2。",
    },
]


def derive(p):
    import sympy as sp

    b, T = sp.symbols("b_f T", positive=True)
    u = sp.Symbol("u", positive=True)  # u = e^{−b_f}
    sigma = 1 / (1 + sp.exp(-b))
    log_f = sp.expand_log(sp.log(sigma), force=True)
    p.identity("ln σ(b_f) = −ln(1 + e^{−b_f})", log_f, -sp.log(1 + sp.exp(-b)))
    tau = -1 / log_f
    p.step("σ(b_f)^τ = e⁻¹  ⇒  τ = −1/ln σ(b_f) =", tau)
    series = sp.series(sp.log(1 + u), u, 0, 3).removeO()
    p.identity("ln(1 + u) = u − u²/2 + O(u³), u = e^{−b_f}", series, u - u**2 / 2)
    p.step("so τ ≈ 1/e^{−b_f} = e^{b_f} once b_f is a few units; τ for b_f = 0, 1, 2, 5:",
           sp.Tuple(*[sp.N(tau.subs(b, v), 3) for v in (sp.Rational(1, 10**9), 1, 2, 5)]))
    p.identity("τ(b_f = 0) = 1/ln 2 (f = ½ halves the signal every step)", sp.limit(tau, b, 0), 1 / sp.log(2))
    bih, bhh = sp.symbols("b_ih b_hh")
    p.step("torch: f = σ(W_if x + b_ih + W_hf h + b_hh), so the effective bias is", bih + bhh)


def experiment(p):
    import math

    import torch

    f64 = torch.float64
    gen = torch.Generator().manual_seed(p.seed)
    d, n, T = 8, 32, 50
    bound = 1 / math.sqrt(n)  # torch's default LSTM init: U(−1/√h, 1/√h) for every parameter
    base = torch.nn.LSTM(d, n, dtype=f64)
    with torch.no_grad():
        for prm in base.parameters():
            prm.copy_((torch.rand(prm.shape, generator=gen, dtype=f64) * 2 - 1) * bound)
    xs = torch.randn(T, d, generator=gen, dtype=f64).to(p.device)
    grid = list(range(5, T + 1, 5))
    settings = {"b_f = 0": (0.0, 0.0), "b_f = 1 (bias_ih = 1)": (1.0, 0.0),
                "b_f = 2 (bias_ih = bias_hh = 1)": (1.0, 1.0)}
    series, final = {}, {}
    for name, (b_ih, b_hh) in settings.items():
        lstm = torch.nn.LSTM(d, n, dtype=f64)
        lstm.load_state_dict(base.state_dict())
        with torch.no_grad():
            lstm.bias_ih_l0[n:2 * n] = b_ih
            lstm.bias_hh_l0[n:2 * n] = b_hh
        lstm = lstm.to(p.device)
        # The forget gates as the real module computes them: with h_0 = 0, ∂c_1/∂c_0 = diag(f_1),
        # so the gradient of ∑c_1 with respect to c_0 is f_1 (each x_t as one batch element).
        c0 = torch.zeros(1, T, n, dtype=f64, device=p.device, requires_grad=True)
        _, (_, c1) = lstm(xs.unsqueeze(0), (torch.zeros(1, T, n, dtype=f64, device=p.device), c0))
        (f,) = torch.autograd.grad(c1.sum(), c0)
        p.close(f"{name}: mean forget gate of nn.LSTM (∂c₁/∂c₀) vs σ(b_ih + b_hh)", f.mean(), 1 / (1 + math.exp(-(b_ih + b_hh))),
                rtol=0, atol=0.02)
        norms = []
        for t in grid:
            # n copies of the sequence; copy k gives row k of ∂c_t/∂c_0.
            c0 = torch.zeros(1, n, n, dtype=f64, device=p.device, requires_grad=True)
            h0 = torch.zeros(1, n, n, dtype=f64, device=p.device)
            _, (_, c_t) = lstm(xs[:t].unsqueeze(1).expand(t, n, d), (h0, c0))
            (J,) = torch.autograd.grad(torch.diagonal(c_t[0]).sum(), c0)
            norms.append(torch.linalg.matrix_norm(J[0], 2).item())
        series[name] = (grid, norms)
        final[name] = norms[-1]
    names = list(settings)
    p.less("‖∂c_50/∂c_0‖₂ with b_f = 0", final[names[0]], 1e-6, id="cell_grad_bf0")
    p.greater("‖∂c_50/∂c_0‖ ratio, b_f = 1 over b_f = 0", final[names[1]] / final[names[0]], 100)
    p.greater("‖∂c_50/∂c_0‖ ratio, b_f = 2 over b_f = 1", final[names[2]] / final[names[1]], 100)
    p.plot("‖∂c_t/∂c_0‖₂ of torch.nn.LSTM at initialisation (h = 32), by autograd", series,
           xlabel="time steps t", ylabel="‖∂c_t/∂c_0‖₂", logy=True)

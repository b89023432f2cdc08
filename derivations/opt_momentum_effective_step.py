"""Momentum's effective step: η/(1 − μ) along a steady gradient, η/(1 + μ) across an oscillating one.

Symbolic: with b ← μb + g, a constant gradient gives b_t = g(1 − μᵗ)/(1 − μ) → g/(1 − μ),
so the step grows to η·g/(1 − μ) (10× at μ = 0.9) after a transient of about 1/(1 − μ)
steps; a gradient that flips sign every step (the walls of a ravine) gives a periodic buffer
of size g/(1 + μ): the step across the ravine shrinks. Momentum is not "a larger learning
rate": it amplifies the consistent part of the gradient and damps the alternating part.
Numeric: torch.optim.SGD(momentum=μ) on a linear loss with a constant and with a
sign-flipping gradient, for several μ: the measured step sizes against the lambdified
formulas.
"""

TITLE = {
    "en": "Momentum: step η/(1 − μ) along consistent gradients, η/(1 + μ) across oscillating ones",
    "zh": "动量：一致梯度方向步长 η/(1 − μ)，振荡梯度方向步长 η/(1 + μ)",
}
CLAIMS = [
    {
        "en": "For a constant gradient the momentum buffer is g(1 − μᵗ)/(1 − μ): the step approaches η·g/(1 − μ), "
              "e.g. 10·ηg at μ = 0.9.",
        "zh": "梯度恒定时动量缓冲为 g(1 − μᵗ)/(1 − μ)：步长趋近 η·g/(1 − μ)，例如 μ = 0.9 时为 10·ηg。",
    },
    {
        "en": "For a gradient that alternates ±g the steady step is η·g/(1 + μ): momentum damps oscillation across "
              "a ravine instead of amplifying it, so it is not equivalent to a larger learning rate.",
        "zh": "梯度在 ±g 之间交替时，稳态步长为 η·g/(1 + μ)：动量抑制峡谷两壁间的振荡而不是放大它，"
              "所以它并不等于更大的学习率。",
    },
]


def _buffers():
    import sympy as sp

    mu = sp.Symbol("mu", positive=True)
    g = sp.Symbol("g", positive=True)
    t = sp.Symbol("t", integer=True, nonnegative=True)
    b = sp.Function("b")
    # b_t = μ·b_{t−1} + g with b_0 = 0 (torch's b₁ = g₁ is this recursion's first step)
    const = sp.simplify(sp.rsolve(b(t) - mu * b(t - 1) - g, b(t), {b(0): 0}))
    b_even, b_odd = sp.symbols("b_even b_odd")
    periodic = sp.solve([sp.Eq(b_even, mu * b_odd + g), sp.Eq(b_odd, mu * b_even - g)], [b_even, b_odd])
    return mu, g, t, const, periodic[b_even]


def derive(p):
    import sympy as sp

    mu, g, t, const, alt = _buffers()
    p.step("constant gradient: solve b_t = μb_{t−1} + g, b₀ = 0", const)
    p.identity("b_t = g(1 − μᵗ)/(1 − μ)", const, g * (1 - mu**t) / (1 - mu))
    limit = sp.limit(const.subs(mu, sp.Rational(9, 10)), t, sp.oo)
    p.identity("t → ∞ at μ = 0.9: b → 10·g", limit, 10 * g)
    p.step("gradient +g, −g, +g, …: a periodic buffer solves b₊ = μb₋ + g, b₋ = μb₊ − g; b₊ =", alt)
    p.identity("|b| = g/(1 + μ) < g: the oscillation is damped", alt, g / (1 + mu))
    p.identity("μ = 0.9: along/across ratio (1 + μ)/(1 − μ) = 19", (g / (1 - mu)) / alt, (1 + mu) / (1 - mu))


def experiment(p):
    import sympy as sp
    import torch

    mu_s, g_s, t_s, const, alt = _buffers()
    along = sp.lambdify((mu_s, g_s, t_s), const)
    across = sp.lambdify((mu_s, g_s), alt)
    eta, g, steps = 0.01, 1.0, 200

    def steps_taken(mu, sign_flip):
        """Step sizes of the real torch.optim.SGD on L(w) = ±g·w, or (p.myth) of the misconception's
        model: momentum is plain SGD with the learning rate η/(1 − μ)."""
        w = torch.zeros(1, dtype=torch.float64, device=p.device, requires_grad=True)
        opt = (torch.optim.SGD([w], lr=eta / (1 - mu)) if p.myth
               else torch.optim.SGD([w], lr=eta, momentum=mu))
        sizes = []
        for i in range(steps):
            sign = -1.0 if (sign_flip and i % 2) else 1.0
            before = w.detach().clone()
            opt.zero_grad()
            (sign * g * w).sum().backward()
            opt.step()
            sizes.append(float((before - w.detach()).abs()))
        return sizes

    def along_row(mu, id):
        s = steps_taken(mu, sign_flip=False)
        p.close(f"μ = {mu}, constant g: step {steps} / η vs (1 − μᵗ)/(1 − μ)", s[-1] / eta,
                along(mu, g, steps), rtol=1e-9, id=id)

    def across_row(mu, id):
        s = steps_taken(mu, sign_flip=True)
        p.close(f"μ = {mu}, alternating ±g: steady step / η vs 1/(1 + μ)", s[-1] / eta, across(mu, g),
                rtol=1e-6, id=id, refutes="momentum μ is just a learning rate 1/(1 − μ) times larger")

    along_row(0.5, id="along_mu50")
    along_row(0.9, id="along_mu90")
    along_row(0.99, id="along_mu99")  # 200 steps are only about 2/(1 − μ): still in the transient
    across_row(0.5, id="across_mu50")
    across_row(0.9, id="across_mu90")

"""Escaping a strict saddle: GD on the stable manifold stays, noise leaves it, momentum speeds that up.

Symbolic: f(x, y) = ½x² − ½y² + ¼y⁴ has a strict saddle at 0 (Hessian diag(1, −1)) and minima at
(0, ±1). ∂f/∂y = −y + y³ vanishes on the whole line y = 0, so gradient descent started there
never leaves it: it converges to the saddle (x ← (1 − η)x). Off the line, near the saddle,
y ← (1 + η)y: a perturbation δ reaches |y| = 0.1 after about ln(0.1/δ)/ln(1 + η) steps. With
gradient noise σξ (ξ ~ N(0, 1) per step) started at y = 0, y_t = ησ Σ (1 + η)^{t−1−s} ξ_s has
standard deviation ησ·√(((1 + η)^{2t} − 1)/((1 + η)² − 1)). Heavy ball (torch's convention)
along curvature −1 obeys y_{t+1} = (1 + μ + η)y_t − μy_{t−1}: growth factor
z = ((1 + μ + η) + √((1 + μ + η)² − 4μ))/2 > 1 + η.
Numeric: torch.optim.SGD on f: from (1, 0) exactly, y stays 0 and x reaches the saddle; with noise
the escape times of 64 runs against the derived estimate; with momentum the measured growth
factor against z and the escape time against plain GD from the same perturbation.
"""

TITLE = {
    "en": "A strict saddle traps GD only on its stable manifold; noise escapes it, momentum speeds the escape up",
    "zh": "严格鞍点只在稳定流形上困住 GD；噪声能逃离它，动量加快逃离",
}
CLAIMS = [
    {
        "en": "Gradient descent started exactly on a saddle's stable manifold converges to the saddle: "
              "the gradient has no component that could take it off.",
        "zh": "恰好从鞍点稳定流形上出发的梯度下降会收敛到鞍点：梯度没有任何分量能把它带离。",
    },
    {
        "en": "Any perturbation along the negative-curvature direction grows by 1 + η|λ| per GD step, so gradient "
              "noise escapes in a number of steps logarithmic in 1/σ; heavy-ball momentum grows it faster.",
        "zh": "沿负曲率方向的任何扰动每步 GD 增长 1 + η|λ| 倍，所以梯度噪声逃离所需步数与 1/σ 成对数关系；"
              "重球动量增长得更快。",
    },
]

ETA, MU, SIGMA, DELTA, EXIT = 0.1, 0.9, 1e-6, 1e-8, 0.1


def _model():
    import sympy as sp

    x, y, eta, mu, sigma, delta, t = sp.symbols("x y eta mu sigma delta t", positive=True)
    f = x**2 / 2 - y**2 / 2 + y**4 / 4
    z = ((1 + mu + eta) + sp.sqrt((1 + mu + eta) ** 2 - 4 * mu)) / 2
    std = eta * sigma * sp.sqrt(((1 + eta) ** (2 * t) - 1) / ((1 + eta) ** 2 - 1))
    return x, y, eta, mu, sigma, delta, t, f, z, std


def derive(p):
    import sympy as sp

    x, y, eta, mu, sigma, delta, t, f, z, std = _model()
    H = sp.hessian(f, (x, y)).subs({x: 0, y: 0})
    p.identity("Hessian at the critical point 0 is diag(1, −1): a strict saddle", H, sp.diag(1, -1))
    p.identity("∂f/∂y vanishes on the whole line y = 0 (the stable manifold)", sp.diff(f, y).subs(y, 0), 0)
    p.identity("minima at (0, ±1): ∂f/∂y = 0 and ∂²f/∂y² = 2 there",
               sp.Matrix([sp.diff(f, y).subs(y, 1), sp.diff(f, y, 2).subs(y, 1)]), sp.Matrix([0, 2]))
    p.identity("linearised GD along y: y − η∂f/∂y ≈ (1 + η)y", sp.series(y - eta * sp.diff(f, y), y, 0, 2).removeO(),
               (1 + eta) * y)
    T = sp.log(EXIT / delta) / sp.log(1 + eta)
    p.step("steps for a perturbation δ to reach |y| = 0.1: T = ln(0.1/δ)/ln(1 + η)", T)
    s = sp.Symbol("s", integer=True)
    var = sp.summation(((1 + eta) ** (2 * (t - 1 - s))) * eta**2 * sigma**2, (s, 0, t - 1))
    p.identity("noise started at y = 0: Var y_t = η²σ² Σ (1 + η)^{2(t−1−s)} (geometric sum)",
               sp.simplify(var - std**2), 0)
    p.identity("heavy ball along curvature −1: z is a root of z² − (1 + μ + η)z + μ",
               sp.expand(z**2 - (1 + mu + eta) * z + mu), 0)
    p.holds("at η = 0.1, μ = 0.9 the momentum growth factor exceeds GD's 1 + η",
            bool(z.subs({eta: ETA, mu: MU}) > 1 + ETA), sp.N(z.subs({eta: ETA, mu: MU}), 4), "> 1.1")


def _run(p, start, momentum=0.0, sigma=0.0, steps=300, gen=None):
    """torch.optim.SGD on f, one row of ``start`` per independent run (the loss is a sum over rows,
    so each row gets its own gradient), plus a random linear term σξ·w, i.e. gradient noise σξ.
    Returns the final points and the y path (steps × runs)."""
    import torch

    w = torch.tensor(start, dtype=torch.float64, device=p.device).reshape(-1, 2).requires_grad_()
    opt = torch.optim.SGD([w], lr=ETA, momentum=momentum)
    ys = []
    for _ in range(steps):
        opt.zero_grad()
        loss = (w[:, 0] ** 2 / 2 - w[:, 1] ** 2 / 2 + w[:, 1] ** 4 / 4).sum()
        if sigma:
            loss = loss + sigma * (torch.randn(w.shape, generator=gen, dtype=torch.float64).to(p.device) * w).sum()
        loss.backward()
        opt.step()
        ys.append(w[:, 1].detach().clone())
    return w.detach(), torch.stack(ys).cpu()


def _escape(ys):
    """First step (1-based) at which |y| > 0.1, per run; None where it never does."""
    out = []
    for col in ys.abs().T:
        hit = (col > EXIT).nonzero()
        out.append(int(hit[0]) + 1 if len(hit) else None)
    return out


def experiment(p):
    import statistics

    import sympy as sp
    import torch

    x, y, eta, mu, sigma, delta, t, f, z, std = _model()
    gen = torch.Generator().manual_seed(p.seed)
    start = [1.0, 0.0]
    if p.myth:  # the myth's GD: "gradient descent slides off a saddle by itself" — as if it were perturbed
        start = [1.0, 1e-12]
    # two independent GD runs at once: exactly on the stable manifold, and perturbed by δ = 1e-8
    w, both = _run(p, [start, [1.0, DELTA]], steps=250)
    ys, ys_gd = both[:, :1], both[:, 1:]
    p.holds("GD from (1, 0) exactly, 250 steps: y stays exactly 0", bool((ys == 0).all()),
            float(ys.abs().max()), 0, id="gd_stays_on_manifold", refutes="gradient descent always escapes saddle points")
    p.less("… and converges to the saddle: ‖w‖ after 250 steps", float(w[0].norm()), 1e-10, id="gd_converges_to_saddle",
           refutes="gradient descent always escapes saddle points")

    # Gradient noise from exactly the same start: escape times vs the derived noise growth.
    runs = 64 if p.quick else 512
    _, ys = _run(p, [[1.0, 0.0]] * runs, sigma=SIGMA, steps=250, gen=gen)
    times = _escape(ys)
    p.holds(f"SGD noise σ = {SIGMA:g}: every one of {runs} runs leaves |y| ≤ 0.1 within 250 steps",
            all(tm is not None for tm in times), sum(tm is None for tm in times), 0, id="noise_escapes_all")
    done = [tm for tm in times if tm is not None] or [250]
    median = statistics.median(done)
    # the step at which the derived standard deviation reaches 0.1/0.6745 (so |y| > 0.1 half the time)
    sd = sp.lambdify(t, std.subs({eta: ETA, sigma: SIGMA}))
    predicted = next(k for k in range(1, 1000) if sd(k) * 0.6745 > EXIT)
    p.close("median escape step with noise vs the derived step where median |y_t| reaches 0.1", median, predicted,
            rtol=0.1, id="noise_escape_median")
    p.step(f"noise escape steps: min {min(done)}, median {median}, max {max(done)}")

    # A perturbation δ = 1e-8 along y: GD vs heavy ball (momentum 0.9).
    _, hb = _run(p, [[1.0, 0.0], [1.0, DELTA]], momentum=MU, steps=100)
    ys_hb0, ys_hb = hb[:, :1], hb[:, 1:]
    (t_gd,), (t_hb,) = _escape(ys_gd), _escape(ys_hb)
    ys_hb = ys_hb[:, 0].tolist()
    T = float((sp.log(EXIT / delta) / sp.log(1 + eta)).subs({delta: DELTA, eta: ETA}))
    p.close("GD escape step from δ = 1e-8 vs ln(0.1/δ)/ln(1 + η)", t_gd, T, atol=2, id="gd_escape_steps")
    k0 = 25  # well inside the linear regime (|y| ≪ 0.1), after the transient root has died out
    growth = (abs(ys_hb[k0 + 10]) / abs(ys_hb[k0])) ** 0.1
    p.close("heavy-ball growth factor per step (measured) vs derived root z", growth,
            float(z.subs({eta: ETA, mu: MU})), rtol=1e-3, id="momentum_growth_factor")
    p.less("heavy ball escape step / GD escape step (same δ)", t_hb / t_gd, 0.6, id="momentum_escapes_faster")
    zp = z.subs({eta: ETA, mu: MU})
    zm = (1 + MU + ETA) - zp  # the other root (sum of roots = 1 + μ + η)
    amp = ((1 + ETA) * DELTA - zm * DELTA) / (zp - zm)  # y₀ = δ, y₁ = (1 + η)δ (torch: b₁ = g₁)
    p.close("heavy ball escape step vs ln(0.1/A)/ln z, A = (y₁ − z₋y₀)/(z₊ − z₋)", t_hb,
            float(sp.log(EXIT / amp) / sp.log(zp)), atol=2, id="momentum_escape_steps")
    p.holds("heavy ball from exactly (1, 0): y also stays 0 (momentum alone does not leave the manifold)",
            bool((ys_hb0 == 0).all()), id="momentum_stays_on_manifold")

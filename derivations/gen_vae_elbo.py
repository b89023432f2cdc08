"""The VAE objective: log p(x) = ELBO + KL(q(z|x) ‖ p(z|x)), ELBO = E_q[log p(x|z)] − KL(q ‖ p(z)).

Symbolic, in the one model where every term has a closed form (p(z) = N(0, 1),
p(x|z) = N(wz, τ²), q = N(m, v)): the ELBO, the marginal log p(x) and the
posterior are written out from their densities (Gaussian expectations of
quadratics need only E[z] = m and E[z²] = m² + v); sympy checks
log p(x) − ELBO = KL(q ‖ p(z|x)) ≥ 0 and that the ELBO's maximiser is the exact
posterior. For a Gaussian decoder, −log p(x|z) is the squared error / 2τ² plus a
constant: maximising the ELBO means MINIMISING reconstruction error plus the KL.
Numeric: a reparameterised Monte Carlo ELBO (torch.distributions log_prob) against
log p(x) and kl_divergence(q, posterior) within standard errors, and gradient
ascent on the ELBO landing on the exact posterior.
"""

TITLE = {
    "en": "VAE objective: the ELBO and its gap KL(q ‖ posterior)",
    "zh": "VAE 目标：ELBO 及其与 log p(x) 的差 KL(q ‖ 后验)",
}
CLAIMS = [
    {
        "en": "log p(x) = ELBO + KL(q(z|x) ‖ p(z|x)) with ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)); the gap is a KL, "
              "so ELBO ≤ log p(x), with equality only when q is the true posterior.",
        "zh": "log p(x) = ELBO + KL(q(z|x) ‖ p(z|x))，其中 ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))；差值是 KL，"
              "所以 ELBO ≤ log p(x)，仅当 q 等于真实后验时取等号。",
    },
    {
        "en": "Training maximises the ELBO: it maximises E_q[log p(x|z)] (for a Gaussian decoder, minimises the squared "
              "reconstruction error) and minimises KL(q ‖ p(z)).",
        "zh": "训练是最大化 ELBO：最大化 E_q[log p(x|z)]（高斯解码器时即最小化平方重构误差），并最小化 KL(q ‖ p(z))。",
    },
    {
        "en": "In a linear-Gaussian model, gradient ascent on the ELBO over q = N(m, v) converges to the exact posterior "
              "and the bound becomes tight.",
        "zh": "在线性高斯模型中，对 q = N(m, v) 做 ELBO 梯度上升会收敛到精确后验，下界变紧。",
    },
]


def derive(p):
    import sympy as sp

    z, x, m = sp.symbols("z x m", real=True)
    w, tau, v = sp.symbols("w tau v", positive=True)

    def log_normal(y, mean, var):
        return -sp.log(2 * sp.pi * var) / 2 - (y - mean) ** 2 / (2 * var)

    def expect_q(expr):
        """E over z ~ N(m, v) of a quadratic in z: only E[z] = m and E[z²] = m² + v are needed."""
        poly = sp.Poly(sp.expand(expr), z)
        moment = {0: 1, 1: m, 2: m**2 + v}
        return sp.expand(sum(c * moment[k[0]] for k, c in zip(poly.monoms(), poly.coeffs())))

    log_lik = log_normal(x, w * z, tau**2)
    recon = expect_q(log_lik)
    p.step("E_q[log p(x|z)], p(x|z) = N(wz, τ²)", recon)
    sq_err = expect_q((x - w * z) ** 2)
    p.identity("−E_q[log p(x|z)] = E_q(x − wz)²/(2τ²) + ½log(2πτ²): a squared error, to be MINIMISED",
               -recon, sq_err / (2 * tau**2) + sp.log(2 * sp.pi * tau**2) / 2)
    kl_prior = expect_q(log_normal(z, m, v) - log_normal(z, 0, 1))
    p.step("KL(q ‖ p(z)) = E_q[log q − log p(z)]", kl_prior)
    elbo = recon - kl_prior
    p.step("ELBO = E_q[log p(x|z)] − KL(q ‖ p(z))", elbo)

    # The exact quantities: marginal and posterior, by completing the square.
    log_px = log_normal(x, 0, w**2 + tau**2)
    post_var = tau**2 / (w**2 + tau**2)
    post_mean = w * x / (w**2 + tau**2)
    p.identity("Bayes: log p(z) + log p(x|z) − log p(x) = log N(z; wx/(w² + τ²), τ²/(w² + τ²))",
               sp.expand(log_normal(z, 0, 1) + log_lik - log_px),
               sp.expand(log_normal(z, post_mean, post_var)))
    kl_post = expect_q(log_normal(z, m, v) - log_normal(z, post_mean, post_var))
    p.identity("log p(x) − ELBO = KL(q ‖ p(z|x))", sp.expand(log_px - elbo), kl_post)

    dm, dv = sp.diff(elbo, m), sp.diff(elbo, v)
    best = sp.solve([dm, dv], [m, v], dict=True)
    p.step("Maximise the ELBO: ∂/∂m = 0, ∂/∂v = 0", sp.Matrix([dm, dv]))
    p.identity("the maximiser is the exact posterior (m, v) = (wx/(w² + τ²), τ²/(w² + τ²))",
               sp.Matrix([best[0][m], best[0][v]]), sp.Matrix([post_mean, post_var]))
    p.identity("at the maximiser the bound is tight: ELBO = log p(x)",
               elbo.subs(best[0]), log_px)


def experiment(p):
    import math

    import torch
    from torch.distributions import Normal, kl_divergence

    g = torch.Generator().manual_seed(p.seed)
    dt = torch.float64
    dev = p.device
    w, tau, x = torch.tensor(1.5, dtype=dt), torch.tensor(0.6, dtype=dt), torch.tensor(1.2, dtype=dt)
    w, tau, x = w.to(dev), tau.to(dev), x.to(dev)
    log_px = Normal(torch.zeros((), dtype=dt, device=dev), torch.sqrt(w**2 + tau**2)).log_prob(x)
    posterior = Normal(w * x / (w**2 + tau**2), tau / torch.sqrt(w**2 + tau**2))
    prior = Normal(torch.zeros((), dtype=dt, device=dev), torch.ones((), dtype=dt, device=dev))
    n = 20000 if p.quick else 2_000_000

    for m0, sd0 in ((0.0, 1.0), (1.0, 0.3), (-0.5, 0.8)):
        q = Normal(torch.tensor(m0, dtype=dt, device=dev), torch.tensor(sd0, dtype=dt, device=dev))
        zs = q.loc + q.scale * torch.randn(n, generator=g, dtype=dt).to(dev)  # reparameterised draws
        per_draw = Normal(w * zs, tau).log_prob(x) + prior.log_prob(zs) - q.log_prob(zs)
        elbo, se = per_draw.mean(), float(per_draw.std()) / math.sqrt(n)
        gap = kl_divergence(q, posterior)
        p.close(f"q = N({m0}, {sd0}²): log p(x) − MC ELBO vs kl_divergence(q, posterior) (±4 SE)",
                log_px - elbo, gap, rtol=0, atol=4 * se)
        p.less(f"q = N({m0}, {sd0}²): MC ELBO − 4 SE < log p(x)", elbo - 4 * se, log_px)
        # A Gaussian decoder's log-likelihood is a negative squared error plus a constant.
        nll = -Normal(w * zs, tau).log_prob(x)
        p.allclose(f"q = N({m0}, {sd0}²): −log p(x|z) = (x − wz)²/(2τ²) + ½log(2πτ²)", nll,
                   (x - w * zs) ** 2 / (2 * tau**2) + 0.5 * torch.log(2 * math.pi * tau**2), rtol=1e-12)

    # Gradient ascent on the ELBO (expectations in closed form, gradients by autograd).
    m = torch.zeros((), dtype=dt, device=dev, requires_grad=True)
    log_sd = torch.zeros((), dtype=dt, device=dev, requires_grad=True)
    gaps = []
    for step in range(300 if p.quick else 3000):
        q = Normal(m, log_sd.exp())
        recon = -((x - w * m) ** 2 + w**2 * q.scale**2) / (2 * tau**2) - 0.5 * torch.log(2 * math.pi * tau**2)
        elbo = recon - kl_divergence(q, prior)
        # p.myth: the flipped summary — maximise the squared error and minimise −KL(q ‖ p(z))
        objective = (-recon + kl_divergence(q, prior)) if p.myth else elbo
        gm, gs = torch.autograd.grad(objective, (m, log_sd))
        with torch.no_grad():
            m += 0.1 * gm
            log_sd += 0.1 * gs
        gaps.append(float((log_px - elbo).detach()))
    p.close("after ascent: mean of q vs posterior mean wx/(w² + τ²)", m.detach(), posterior.loc, rtol=1e-8,
            id="elbo_ascent_posterior_mean",
            refutes="VAE training minimises −KL(q ‖ p(z)) and maximises the reconstruction error")
    p.close("after ascent: sd of q vs posterior sd τ/√(w² + τ²)", log_sd.detach().exp(), posterior.scale, rtol=1e-8)
    p.less("after ascent: log p(x) − ELBO (tight bound)", gaps[-1], 1e-10)
    p.plot("Gradient ascent on the ELBO: gap log p(x) − ELBO = KL(q ‖ posterior)",
           {"gap": (list(range(len(gaps))), [max(v, 1e-16) for v in gaps])},
           xlabel="step", ylabel="nats", logy=True)

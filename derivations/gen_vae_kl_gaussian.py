"""KL of a diagonal Gaussian to N(0, I) in closed form: ½Σ(μ² + σ² − 1 − log σ²).

Symbolic: from the definition KL(q‖p) = ∫ q(z) log(q(z)/p(z)) dz with
q = N(μ, σ²) and p = N(0, 1): log(q/p) is a quadratic in z, so the integral needs
only ∫q, ∫z q and ∫z² q, which sympy integrates. For a diagonal Gaussian the log
density is a sum over coordinates, so the KL is the sum of the 1-D terms. The
minimum is μ = 0, σ = 1 (KL = 0). In the log-variance parameterisation s = log σ²
the term is ½(μ² + eˢ − 1 − s); the widely copied Σ(eˢ − (1 + s) + μ²) is twice it.
Numeric (float64, d = 8): the closed form against torch.distributions.kl_divergence
for Normal and for MultivariateNormal, and against a Monte Carlo average of
log q(z) − log p(z) with its standard error; autograd's gradients of the closed form.
"""

TITLE = {
    "en": "VAE: KL(N(μ, diag σ²) ‖ N(0, I)) in closed form",
    "zh": "VAE：KL(N(μ, diag σ²) ‖ N(0, I)) 的闭式解",
}
CLAIMS = [
    {
        "en": "KL(N(μ, σ²) ‖ N(0, 1)) = ½(μ² + σ² − 1 − log σ²), derived from ∫ q log(q/p) dz; for a diagonal "
              "Gaussian the KL is the sum of these terms over the coordinates.",
        "zh": "KL(N(μ, σ²) ‖ N(0, 1)) = ½(μ² + σ² − 1 − log σ²)，由 ∫ q log(q/p) dz 推出；"
              "对角高斯的 KL 是各坐标项之和。",
    },
    {
        "en": "The KL is ≥ 0 and is zero only at μ = 0, σ = 1; its gradients are ∂/∂μ = μ and ∂/∂(log σ²) = ½(σ² − 1).",
        "zh": "KL ≥ 0，仅在 μ = 0、σ = 1 时为零；梯度为 ∂/∂μ = μ，∂/∂(log σ²) = ½(σ² − 1)。",
    },
    {
        "en": "The closed form agrees with torch.distributions.kl_divergence and with a Monte Carlo estimate "
              "within its standard error.",
        "zh": "闭式解与 torch.distributions.kl_divergence 一致，也与蒙特卡洛估计在标准误差范围内一致。",
    },
    {
        "en": "With s = log σ² the term is ½(μ² + eˢ − 1 − s); Σ(eˢ − (1 + s) + μ²) (a common form) is exactly "
              "2·KL, and it is not the KL at all if eˢ is read as the standard deviation.",
        "zh": "用 s = log σ² 表示时该项为 ½(μ² + eˢ − 1 − s)；Σ(eˢ − (1 + s) + μ²)（一种常见写法）恰为 2·KL；"
              "若把 eˢ 当作标准差，它就根本不是 KL。",
    },
]


def derive(p):
    import sympy as sp

    z = sp.Symbol("z", real=True)
    mu = sp.Symbol("mu", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    q = sp.exp(-(z - mu) ** 2 / (2 * sigma**2)) / (sigma * sp.sqrt(2 * sp.pi))
    prior = sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi)
    p.step("KL(q‖p) = ∫ q(z) log(q(z)/p(z)) dz with q = N(μ, σ²), p = N(0, 1)",
           sp.Integral(sp.Symbol("q") * sp.log(sp.Symbol("q") / sp.Symbol("p")), (z, -sp.oo, sp.oo)))
    log_ratio = sp.expand(sp.expand_log(sp.log(q / prior), force=True))
    p.step("log(q/p) is a quadratic in z", log_ratio)
    # The integral of q times a quadratic needs only the first three moments of q.
    moments = [sp.integrate(z**k * q, (z, -sp.oo, sp.oo)) for k in range(3)]
    p.step("∫ zᵏ q(z) dz for k = 0, 1, 2", sp.Matrix([moments]))
    poly = sp.Poly(log_ratio, z)
    kl = sp.expand(sum(c * moments[m[0]] for m, c in zip(poly.monoms(), poly.coeffs())))
    p.step("Integrate the quadratic term by term", kl)
    closed = (mu**2 + sigma**2 - 1 - sp.log(sigma**2)) / 2
    p.identity("KL = ½(μ² + σ² − 1 − log σ²)", kl, sp.expand_log(closed, force=True),
               shown=sp.Eq(sp.Symbol("KL"), closed, evaluate=False))

    # Diagonal Gaussian in 2-D: the log-ratio splits into a sum, so the KL does too.
    z1, z2, m1, m2 = sp.symbols("z1 z2 mu1 mu2", real=True)
    s1, s2 = sp.symbols("sigma1 sigma2", positive=True)

    def normal(x, m, s):
        return sp.exp(-(x - m) ** 2 / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi))

    ratio2 = (normal(z1, m1, s1) * normal(z2, m2, s2)) / (normal(z1, 0, 1) * normal(z2, 0, 1))
    split = sp.expand(sp.expand_log(sp.log(ratio2), force=True))
    parts = [sp.expand(sp.expand_log(sp.log(normal(x, m, s) / normal(x, 0, 1)), force=True))
             for x, m, s in ((z1, m1, s1), (z2, m2, s2))]
    p.identity("diagonal covariance: log(q/p) = Σᵢ log(qᵢ/pᵢ), so KL = Σᵢ KLᵢ", split, parts[0] + parts[1])

    grad = [sp.diff(kl, mu), sp.diff(kl, sigma)]
    p.step("∂KL/∂μ, ∂KL/∂σ", sp.Matrix(grad))
    stationary = [sp.solve(grad[0], mu), sp.solve(grad[1], sigma)]
    p.identity("the only stationary point (σ > 0) is μ = 0, σ = 1",
               sp.Matrix([len(stationary[0]), len(stationary[1]), stationary[0][0], stationary[1][0]]),
               sp.Matrix([1, 1, 0, 1]))
    p.identity("KL(μ = 0, σ = 1) = 0", kl.subs({mu: 0, sigma: 1}), 0)
    p.identity("Hessian there is diag(1, 2): positive definite, so a minimum (KL is convex in μ, log σ)",
               sp.hessian(kl, (mu, sigma)).subs({mu: 0, sigma: 1}), sp.diag(1, 2))

    s = sp.Symbol("s", real=True)  # log-variance, what a VAE encoder usually outputs
    kl_s = kl.subs(sigma, sp.exp(s / 2))
    p.identity("with s = log σ²: KL = ½(μ² + eˢ − 1 − s)", kl_s, (mu**2 + sp.exp(s) - 1 - s) / 2)
    p.identity("∂KL/∂s = ½(eˢ − 1) = ½(σ² − 1)", sp.diff(kl_s, s), (sp.exp(s) - 1) / 2)
    copied_form = sp.exp(s) - (1 + s) + mu**2
    p.identity("the common form eˢ − (1 + s) + μ² = 2·KL when s is the log-variance", copied_form, 2 * kl_s)
    kl_logstd = kl.subs(sigma, sp.exp(s))
    p.identity("if eˢ is the standard deviation instead (c = m + eˢ·e): KL = ½(μ² + e²ˢ − 1 − 2s)",
               kl_logstd, (mu**2 + sp.exp(2 * s) - 1 - 2 * s) / 2)


def experiment(p):
    import math

    import torch
    from torch.distributions import MultivariateNormal, Normal, kl_divergence

    g = torch.Generator().manual_seed(p.seed)
    d, n = 8, (40000 if p.quick else 4_000_000)
    dt = torch.float64
    mu = (torch.randn(d, generator=g, dtype=dt) * 0.8).to(p.device)
    log_var = (torch.randn(d, generator=g, dtype=dt) * 0.7).to(p.device)
    sigma = torch.exp(log_var / 2)
    closed = 0.5 * (mu**2 + sigma**2 - 1 - torch.log(sigma**2)).sum()

    zeros, ones = torch.zeros(d, dtype=dt, device=p.device), torch.ones(d, dtype=dt, device=p.device)
    p.close("closed form vs kl_divergence(Normal, Normal).sum()",
            closed, kl_divergence(Normal(mu, sigma), Normal(zeros, ones)).sum(), rtol=1e-12)
    mvn_q = MultivariateNormal(mu, covariance_matrix=torch.diag(sigma**2))
    mvn_p = MultivariateNormal(zeros, covariance_matrix=torch.eye(d, dtype=dt, device=p.device))
    p.close("closed form vs kl_divergence(MultivariateNormal diag, N(0, I))", closed,
            kl_divergence(mvn_q, mvn_p), rtol=1e-10)

    # Monte Carlo from the definition: KL = E_q[log q(z) − log p(z)].
    eps = torch.randn(n, d, generator=g, dtype=dt).to(p.device)
    zs = mu + sigma * eps
    log_ratio = Normal(mu, sigma).log_prob(zs).sum(1) - Normal(zeros, ones).log_prob(zs).sum(1)
    se = float(log_ratio.std()) / math.sqrt(n)
    p.close(f"closed form vs Monte Carlo E_q[log q − log p] (±4 SE = {4 * se:.3f})",
            log_ratio.mean(), closed, rtol=0, atol=4 * se)

    # Gradients of the closed form, by autograd, in the encoder's parameters (μ, s = log σ²).
    m_req, s_req = mu.clone().requires_grad_(True), log_var.clone().requires_grad_(True)
    kl = 0.5 * (m_req**2 + torch.exp(s_req) - 1 - s_req).sum()
    gm, gs = torch.autograd.grad(kl, (m_req, s_req))
    p.allclose("autograd ∂KL/∂μ = μ", gm, mu, rtol=1e-12)
    p.allclose("autograd ∂KL/∂s = ½(σ² − 1)", gs, 0.5 * (sigma**2 - 1), rtol=1e-12, atol=1e-15)
    at_prior = kl_divergence(Normal(zeros, ones), Normal(zeros, ones)).sum()
    p.equal("KL at μ = 0, σ = 1", float(at_prior), 0.0)

    # The widely copied form, Σ(eˢ − (1 + s) + μ²).
    copied_form = (torch.exp(log_var) - (1 + log_var) + mu**2).sum()
    p.close("the form eˢ − (1 + s) + μ² with s = log σ²: equals 2·KL", copied_form, 2 * closed, rtol=1e-12,
            id="copied_form_log_variance")
    log_std = log_var / 2  # the same q, but now exp(·) read as the standard deviation
    misread = (torch.exp(log_std) - (1 + log_std) + mu**2).sum()
    # p.myth: the reading under which that form would be 2·KL with exp(s) the standard deviation
    reference = misread / 2 if p.myth else closed
    p.greater("the form eˢ − (1 + s) + μ² with s = log σ (exp(s) read as the std): |value − 2·KL| (it is not the KL)",
              (misread - 2 * reference).abs(), 0.1, id="copied_form_std_reading",
              refutes="Σ(exp(σ) − (1 + σ) + m²) is 2·KL when exp(σ) is the standard deviation")

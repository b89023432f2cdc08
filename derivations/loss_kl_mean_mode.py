"""Forward KL is mean-seeking, reverse KL is mode-seeking: fit one Gaussian to two bumps.

Symbolic: minimising the forward KL(p‖q) over q = N(μ, s²) is minimising −E_p[log q] =
½·log(2πs²) + (E_p[x²] − 2μE_p[x] + μ²)/(2s²); setting both derivatives to zero gives
moment matching, μ = E_p[x] and s² = Var_p[x]. For p = ½N(−a, σ²) + ½N(a, σ²) that is
μ = 0, s² = a² + σ²: a broad Gaussian centred where p has almost no mass. The reverse
KL(q‖p) = E_q[log q − log p] is infinite-ish wherever q puts mass that p lacks, so it prefers
to sit on one bump: q ≈ N(±a, σ²), with KL(q‖p) → log 2 as the bumps separate.

Numeric: both KLs by quadrature on a grid, minimised by brute force over (μ, s); the
forward optimum against the moment-matching closed form, the reverse optimum against
one component, and a plot of p with both fits.
"""

TITLE = {
    "en": "Forward KL is mean-seeking, reverse KL is mode-seeking (Gaussian fit to two well-separated bumps)",
    "zh": "前向 KL 趋向均值、反向 KL 趋向众数（用单个高斯拟合两个分得很开的峰）",
}
CLAIMS = [
    {
        "en": "argmin over N(μ, s²) of KL(p‖q) matches moments: μ = E_p[x], s² = Var_p[x] "
              "(for ½N(−2, 0.5²) + ½N(2, 0.5²): μ = 0, s ≈ 2.06).",
        "zh": "在 N(μ, s²) 中最小化 KL(p‖q) 即矩匹配：μ = E_p[x]，s² = Var_p[x]"
              "（对 ½N(−2, 0.5²) + ½N(2, 0.5²)：μ = 0，s ≈ 2.06）。",
    },
    {
        "en": "argmin of KL(q‖p) locks onto one mode: μ ≈ ±2, s ≈ 0.5, with KL(q‖p) ≈ log 2.",
        "zh": "最小化 KL(q‖p) 会锁定一个峰：μ ≈ ±2，s ≈ 0.5，此时 KL(q‖p) ≈ log 2。",
    },
]


def derive(p):
    import sympy as sp

    mu, m1 = sp.symbols("mu m1", real=True)
    s, m2, a, sigma = sp.symbols("s m2 a sigma", positive=True)
    cross = sp.log(2 * sp.pi * s**2) / 2 + (m2 - 2 * mu * m1 + mu**2) / (2 * s**2)
    p.step("−E_p[log N(x | μ, s²)] with m1 = E_p[x], m2 = E_p[x²] (the only part of KL(p‖q) that depends on q)",
           cross)
    sol = sp.solve([sp.diff(cross, mu), sp.diff(cross, s)], [mu, s], dict=True)[0]
    p.step("Stationary point", sp.Matrix([sol[mu], sol[s]]))
    p.identity("μ* = E_p[x]", sol[mu], m1)
    p.identity("s*² = E_p[x²] − E_p[x]² = Var_p[x]", sol[s] ** 2, m2 - m1**2)
    mix_m1 = (-a + a) / 2
    mix_m2 = ((sigma**2 + a**2) + (sigma**2 + a**2)) / 2
    p.step("Mixture ½N(−a, σ²) + ½N(a, σ²): E[x] = 0, E[x²] = σ² + a²", sp.Matrix([mix_m1, mix_m2]))
    p.identity("forward-KL fit: s*² = a² + σ², wider than either bump",
               (sol[s] ** 2).subs({m1: mix_m1, m2: mix_m2}), a**2 + sigma**2)
    p.step("Reverse KL with q = one component and far-apart bumps: p ≈ q/2 where q lives, "
           "so KL(q‖p) = E_q[log(q/p)] → log 2")


def experiment(p):
    import math

    import torch

    f64, dev = torch.float64, p.device
    a, sigma = 2.0, 0.5
    x = torch.linspace(-9, 9, 601, dtype=f64, device=dev)
    dx = float(x[1] - x[0])

    def normal(t, m, s):
        return torch.exp(-((t - m) ** 2) / (2 * s**2)) / (s * math.sqrt(2 * math.pi))

    log_p = torch.log(0.5 * normal(x, -a, sigma) + 0.5 * normal(x, a, sigma))
    pdf = log_p.exp()

    def kls(mus, ss):
        """Forward and reverse KL for every (μ, s) pair, by the trapezoid rule on x."""
        m, s = mus[:, None, None], ss[None, :, None]
        log_q = -((x - m) ** 2) / (2 * s**2) - torch.log(s * math.sqrt(2 * math.pi))
        q = log_q.exp()
        w = torch.full_like(x, dx)
        w[0] = w[-1] = dx / 2
        forward = (pdf * (log_p - log_q) * w).sum(-1)
        reverse = (q * (log_q - log_p) * w).sum(-1)
        return forward, reverse

    # Brute force: one coarse (μ, s) grid for both, then a fine grid around each best cell.
    coarse_mu = torch.linspace(-4, 4, 41, dtype=f64, device=dev)
    coarse_s = torch.linspace(0.2, 4, 39, dtype=f64, device=dev)
    coarse = kls(coarse_mu, coarse_s)
    best = []
    for which in (0, 1):
        i, j = divmod(int(coarse[which].argmin()), len(coarse_s))
        mus = torch.linspace(-0.2, 0.2, 81, dtype=f64, device=dev) + coarse_mu[i]
        ss = torch.linspace(-0.1, 0.1, 41, dtype=f64, device=dev) + coarse_s[j]
        fine = kls(mus, ss)[which]
        i, j = divmod(int(fine.argmin()), len(ss))
        best.append((float(mus[i]), float(ss[j]), float(fine.min())))
    (mu_f, s_f, kl_f), (mu_r, s_r, kl_r) = best
    p.close("forward KL: best μ (brute force) vs E_p[x] = 0", mu_f, 0.0, atol=0.005)
    p.close("forward KL: best s vs √(a² + σ²)", s_f, math.sqrt(a**2 + sigma**2), rtol=0.005, id="forward_s")
    p.close("reverse KL: |best μ| vs the mode a = 2", abs(mu_r), a, rtol=0.01, id="reverse_mu")
    p.close("reverse KL: best s vs the component's σ = 0.5", s_r, sigma, rtol=0.02, id="reverse_s")
    p.close("reverse KL at its optimum vs log 2", kl_r, math.log(2), rtol=0.01, id="reverse_kl")
    grid = lambda v: torch.tensor([v], dtype=f64, device=dev)  # noqa: E731
    rev_at_f = float(kls(grid(mu_f), grid(s_f))[1])
    fwd_at_r = float(kls(grid(mu_r), grid(s_r))[0])
    p.greater("reverse KL of the moment-matched fit ÷ reverse KL of the one-mode fit", rev_at_f / kl_r, 1.2)
    p.greater("forward KL of the one-mode fit ÷ forward KL of the moment-matched fit", fwd_at_r / kl_f, 2.0)
    # Mode-seeking needs well-separated bumps: ½N(±2, 1²) is still bimodal (a > σ), but its reverse-KL
    # Gaussian sits in the middle (the coarse μ grid, spacing 0.2; every third s).
    log_p1 = torch.log(0.5 * normal(x, -a, 1.0) + 0.5 * normal(x, a, 1.0))
    widths = coarse_s[::3]
    log_q = -((x - coarse_mu[:, None, None]) ** 2) / (2 * widths[None, :, None] ** 2) \
        - torch.log(widths[None, :, None] * math.sqrt(2 * math.pi))
    weights = torch.full_like(x, dx)
    weights[0] = weights[-1] = dx / 2
    i, _ = divmod(int((log_q.exp() * (log_q - log_p1) * weights).sum(-1).argmin()), len(widths))
    p.less("reverse KL for ½N(−2, 1²) + ½N(2, 1²) (bimodal, closer bumps): |best μ| on the coarse grid",
           abs(float(coarse_mu[i])), 0.2, id="reverse_close_bumps_centred")
    xs = x[::5].cpu().tolist()
    p.plot("p (two bumps) and the Gaussians that minimise each KL",
           {"p": (xs, pdf[::5].cpu().tolist()),
            "argmin KL(p‖q): mean-seeking": (xs, normal(x, mu_f, s_f)[::5].cpu().tolist()),
            "argmin KL(q‖p): mode-seeking": (xs, normal(x, mu_r, s_r)[::5].cpu().tolist())},
           xlabel="x", ylabel="density")

"""The critical batch size (McCandlish et al. 2018): past B_noise a bigger batch buys little.

Symbolic: with the quadratic model L(w − εg) ≈ L − εGᵀg + ½ε²gᵀHg and a mini-batch gradient
g (mean G, covariance Σ/B), E[ΔL] = −ε|G|² + ½ε²(GᵀHG + tr(HΣ)/B). The best step is
ε* = ε_max/(1 + B_noise/B) and the best expected improvement ΔL* = ΔL_max/(1 + B_noise/B), with
B_noise = tr(HΣ)/(GᵀHG). So for B ≪ B_noise doubling B doubles the progress per step (as good
as two steps); for B ≫ B_noise it barely helps. With S steps and E = S·B examples, the same
model gives (S/S_min − 1)(E/E_min − 1) = 1: a trade-off curve whose knee is at B_noise.
Numeric: a least-squares loss (exactly quadratic), per-example gradients from torch.func, the
real loss evaluated after one step of size ε*(B) on thousands of sampled batches: the mean
improvement against ΔL_max/(1 + B_noise/B) (Monte Carlo standard error) for B = 1 … 256.
"""

TITLE = {
    "en": "Critical batch size: the best step's progress is ΔL_max/(1 + B_noise/B)",
    "zh": "临界批大小：最优步的收益为 ΔL_max/(1 + B_noise/B)",
}
CLAIMS = [
    {
        "en": "On a quadratic model the optimal step size and expected improvement are ε_max/(1 + B_noise/B) and "
              "ΔL_max/(1 + B_noise/B), B_noise = tr(HΣ)/(GᵀHG).",
        "zh": "在二次模型上，最优步长与期望改进分别为 ε_max/(1 + B_noise/B) 与 ΔL_max/(1 + B_noise/B)，"
              "其中 B_noise = tr(HΣ)/(GᵀHG)。",
    },
    {
        "en": "Below B_noise a larger batch is almost as good as more steps; far above it, it buys almost nothing: "
              "(S/S_min − 1)(E/E_min − 1) = 1.",
        "zh": "B 小于 B_noise 时，加大批量几乎等同于多走几步；远大于它时几乎没有收益：(S/S_min − 1)(E/E_min − 1) = 1。",
    },
]


def _model():
    import sympy as sp

    eps, B = sp.symbols("epsilon B", positive=True)
    G2, GHG, trHS = sp.symbols("G2 GHG trHSigma", positive=True)  # |G|², GᵀHG, tr(HΣ)
    expected_dL = -eps * G2 + eps**2 / 2 * (GHG + trHS / B)
    eps_star = sp.solve(sp.diff(expected_dL, eps), eps)[0]
    best = sp.simplify(-expected_dL.subs(eps, eps_star))
    return eps, B, G2, GHG, trHS, expected_dL, eps_star, best


def derive(p):
    import sympy as sp

    eps, B, G2, GHG, trHS, expected_dL, eps_star, best = _model()
    p.step("E[L(w − εg) − L(w)] = −ε|G|² + ½ε²(GᵀHG + tr(HΣ)/B)", expected_dL)
    eps_max, dL_max, B_noise = G2 / GHG, G2**2 / (2 * GHG), trHS / GHG
    p.identity("ε* = ε_max/(1 + B_noise/B), ε_max = |G|²/GᵀHG", eps_star, eps_max / (1 + B_noise / B))
    p.identity("ΔL* = ΔL_max/(1 + B_noise/B), ΔL_max = |G|⁴/(2GᵀHG)", best, dL_max / (1 + B_noise / B))
    S_min, E_min, S, E = sp.symbols("S_min E_min S E", positive=True)
    # To make fixed total progress: S = S_min(1 + B_noise/B) steps, E = S·B examples, E_min = S_min·B_noise.
    S_B = S_min * (1 + B_noise / B)
    E_B = S_B * B
    p.identity("(S/S_min − 1)(E/E_min − 1) = 1 with E_min = S_min·B_noise",
               (S_B / S_min - 1) * (E_B / (S_min * B_noise) - 1), 1)
    p.identity("B = B_noise: half of the best possible progress per step", (best / dL_max).subs(B, B_noise),
               sp.Rational(1, 2))
    gain = sp.factor(sp.simplify(best.subs(B, 2 * B) / best))
    p.step("doubling B multiplies the progress per step by", gain)
    p.identity("… which tends to 2 only for B ≪ B_noise", sp.limit(gain, B, 0), 2)
    p.identity("… and is 4/3 at B = B_noise", gain.subs(B, B_noise), sp.Rational(4, 3))


def experiment(p):
    import sympy as sp
    import torch
    from torch.func import grad, vmap

    eps_s, B_s, G2_s, GHG_s, trHS_s, _, eps_star, best = _model()
    step_f = sp.lambdify((B_s, G2_s, GHG_s, trHS_s), eps_star)
    best_f = sp.lambdify((B_s, G2_s, GHG_s, trHS_s), best)
    gen = torch.Generator().manual_seed(p.seed)
    N, d = 512, 6
    X = torch.randn(N, d, generator=gen, dtype=torch.float64).to(p.device) * torch.linspace(
        0.5, 2.0, d, dtype=torch.float64).to(p.device)
    y = X @ torch.randn(d, generator=gen, dtype=torch.float64).to(p.device) + 2 * torch.randn(
        N, generator=gen, dtype=torch.float64).to(p.device)
    w = torch.linalg.lstsq(X, y[:, None]).solution[:, 0] + 0.3 * torch.randn(
        d, generator=gen, dtype=torch.float64).to(p.device)

    def loss_i(v, x, t):
        return 0.5 * (x @ v - t) ** 2

    per_ex = vmap(grad(loss_i), in_dims=(None, 0, 0))(w, X, y)
    G = per_ex.mean(0)
    Sigma = (per_ex - G).T @ (per_ex - G) / N
    H = X.T @ X / N  # the loss is exactly quadratic
    G2, GHG, trHS = float(G @ G), float(G @ H @ G), float(torch.trace(H @ Sigma))
    B_noise = trHS / GHG
    p.greater("B_noise = tr(HΣ)/GᵀHG for this problem", B_noise, 1.0, id="b_noise")

    def full_loss(W):  # the real loss at each row of W
        return 0.5 * ((X @ W.T - y[:, None]) ** 2).mean(0)

    L0 = float(full_loss(w[None])[0])
    M = 4000 if p.quick else 40000
    def progress(B, id):
        idx = torch.randint(0, N, (M, B), generator=gen).to(p.device)
        g = per_ex[idx].mean(1)
        gain = L0 - full_loss(w[None] - step_f(B, G2, GHG, trHS) * g)
        se = float(gain.std() / M**0.5)
        p.close(f"B = {B}: mean improvement of the real loss at ε*(B) (±{se:.2g}) vs ΔL_max/(1 + B_noise/B)",
                gain.mean(), best_f(B, G2, GHG, trHS), rtol=0, atol=4 * se, id=id)
        return float(gain.mean()) / (G2**2 / (2 * GHG))

    progress(1, id="progress_b1")
    progress(16, id="progress_b16")
    ratios = [progress(256, id="progress_b256")]
    p.less("B = 256: progress per step as a fraction of ΔL_max (the most a batch can buy)", ratios[-1], 1.0,
           id="fraction_b256")

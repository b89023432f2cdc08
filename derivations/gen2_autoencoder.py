"""What autoencoders are for: under- vs over-complete codes, denoising, anomaly detection.

Symbolic: a scalar linear denoising autoencoder x̂ = w·(x + ε), Var x = s², Var ε = σ²:
E(x − x̂)² = s²(1 − w)² + w²σ², minimised at w* = s²/(s² + σ²) < 1 — a shrinkage, not the
identity; in d dimensions W* = Σ(Σ + σ²I)⁻¹. Without noise and with a code at least as wide as
the input the optimum is W = I (zero error on EVERY input). Numeric (8-D data near a 2-D
subspace; anomalies leave it): a 2-D code (PCA via torch.linalg.svd, the optimum of a linear
autoencoder) flags anomalies by reconstruction error (AUROC); the least-squares optimal
over-complete linear autoencoder (torch.linalg.lstsq) reconstructs anomalies as well as normal
points; the least-squares denoising autoencoder matches Σ(Σ + σ²I)⁻¹ and flags anomalies again
with a full-width code. Counterfactual (p.myth): the wide autoencoder is scored with the 2-D
code's errors, as if width did not matter.
"""

TITLE = {
    "en": "Autoencoders: bottleneck or noise, reconstruction error as an anomaly score",
    "zh": "自编码器：瓶颈或噪声，用重构误差做异常检测",
}
CLAIMS = [
    {
        "en": "An over-complete (code ≥ input) autoencoder without a constraint can learn the identity and reconstructs anomalies as well as normal data.",
        "zh": "没有约束的过完备（编码 ≥ 输入）自编码器可以学成恒等映射，对异常样本和正常样本重构得一样好。",
    },
    {
        "en": "A linear denoising autoencoder learns W* = Σ(Σ + σ²I)⁻¹: it shrinks directions with little data variance, so it is not the identity even with a full-width code.",
        "zh": "线性去噪自编码器学到 W* = Σ(Σ + σ²I)⁻¹：在数据方差小的方向上收缩，所以即使编码与输入同宽也不是恒等映射。",
    },
]


def _dae_weight():
    import sympy as sp

    w = sp.Symbol("w", real=True)
    s, sigma = sp.symbols("s sigma", positive=True)
    risk = s**2 * (1 - w) ** 2 + w**2 * sigma**2
    return w, s, sigma, risk, sp.solve(sp.diff(risk, w), w)[0]


def derive(p):
    import sympy as sp

    w, s, sigma, risk, best = _dae_weight()
    x, eps = sp.symbols("x epsilon", real=True)
    loss = sp.expand((x - w * (x + eps)) ** 2)
    p.step("(x − w(x + ε))² expanded; take E with E x² = s², E ε² = σ², E xε = 0", loss)
    expected = loss.subs({x * eps: 0}).subs({x**2: s**2, eps**2: sigma**2})
    p.identity("E(x − w(x + ε))² = s²(1 − w)² + w²σ²", expected, risk)
    p.identity("minimiser w* = s²/(s² + σ²)", best, s**2 / (s**2 + sigma**2), id="dae_scalar_optimum")
    p.identity("no noise (σ = 0): w* = 1, the identity", best.subs(sigma, 0), 1)
    p.holds("(sympy) second derivative 2(s² + σ²) > 0: a minimum", sp.diff(risk, w, 2).is_positive, "> 0", "> 0")


def _auroc(normal, anomalous):
    """P(score of an anomaly > score of a normal point), ties counted half."""
    diff = anomalous[:, None] - normal[None, :]
    return ((diff > 0).double().mean() + 0.5 * (diff == 0).double().mean()).item()


def experiment(p):
    import sympy as sp
    import torch

    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    d, k, noise = 8, 2, 0.05
    A = torch.linalg.qr(torch.randn(d, k, generator=g, dtype=f64))[0]

    def normal(count):
        return torch.randn(count, k, generator=g, dtype=f64) @ A.T * 2 + noise * torch.randn(count, d, generator=g,
                                                                                              dtype=f64)

    train, test = normal(2000).to(p.device), normal(300).to(p.device)
    off = torch.randn(300, d, generator=g, dtype=f64)
    off = off - off @ A @ A.T                                    # leave the subspace
    anomalies = (normal(300) + off / off.norm(dim=1, keepdim=True)).to(p.device)

    _, _, Vt = torch.linalg.svd(train, full_matrices=False)
    P = Vt[:k].T @ Vt[:k]                                        # the optimal 2-D linear autoencoder

    def err(x, W):
        return ((x @ W - x) ** 2).sum(1)

    narrow = _auroc(err(test, P), err(anomalies, P))
    p.greater("2-D code: AUROC of reconstruction error, anomalies vs normal", narrow, 0.99, id="undercomplete_auroc")

    W_wide = torch.linalg.lstsq(train, train).solution          # 8 → 8 code, least-squares optimum
    W_scored = P if p.myth else W_wide
    kept = 1 - err(anomalies, W_scored) / (anomalies ** 2).sum(1)
    p.greater("least-squares 8-wide autoencoder: smallest share of an anomaly's ‖x‖² it reconstructs",
              kept.min(), 1 - 1e-9, id="overcomplete_copies_anomalies",
              refutes="a wider code makes a better anomaly detector")

    sigma = 0.5
    noisy = train + sigma * torch.randn(train.shape, generator=g, dtype=f64).to(p.device)
    W_dae = torch.linalg.lstsq(noisy, train).solution            # x̂ = (x + ε)·W, fitted to the clean x
    Sigma = train.T @ train / len(train)
    closed = torch.linalg.solve(Sigma + sigma**2 * torch.eye(d, dtype=f64, device=p.device), Sigma)
    p.allclose("denoising least squares W vs (Σ + σ²I)⁻¹Σ", W_dae, closed, rtol=0, atol=0.05, id="dae_closed_form")
    _, s_, sg, _, best = _dae_weight()
    shrink = sp.lambdify((s_, sg), best)
    eig = torch.linalg.eigvalsh(Sigma)
    p.close("smallest eigenvalue of the denoising W vs the derived s²/(s² + σ²) at the smallest data variance",
            torch.linalg.eigvals(closed).real.min(), shrink(eig.min().sqrt().item(), sigma), rtol=1e-9,
            id="dae_shrinks")
    p.greater("denoising autoencoder (8-wide code): AUROC of reconstruction error", _auroc(err(test, W_dae),
              err(anomalies, W_dae)), 0.95, id="dae_auroc")

"""Repeating data for several epochs (Muennighoff et al. 2023): repeated tokens are worth less and less.

Symbolic: with U unique tokens seen 1 + R times, the data-constrained law replaces D by the
effective data D' = U + U·R*·(1 − e^(−R/R*)): its slope in R starts at U (the first repeats are
almost as good as fresh tokens) and decays as e^(−R/R*); D' never exceeds U(1 + R) and tends to
U(1 + R*) as R → ∞ — past a point, more epochs add nothing. R*_D ≈ 15.39 is the authors' fitted
value (with R*_N ≈ 5.31 for parameters beyond what the unique data can use; constants from the
authors' repository, huggingface/datablations). Numeric: the closed form against a numerical
integral of its slope; the whole fitted law against the two losses the authors' README prints;
D'/(tokens seen) at 4, 16 and 40 epochs; and the loss the law predicts for repeating.
"""

TITLE = {
    "en": "Repeating data for several epochs: effective data D' = U + U·R*·(1 − e^(−R/R*))",
    "zh": "数据重复多个 epoch：有效数据量 D' = U + U·R*·(1 − e^(−R/R*))",
}
CLAIMS = [
    {
        "en": "In Muennighoff et al.'s fit the R-th repeat of a token is worth e^(−R/R*) of a fresh one: the first "
              "few epochs are almost as good as unique data, and no number of epochs is worth more than U(1 + R*).",
        "zh": "在 Muennighoff 等人的拟合中，一个 token 的第 R 次重复价值为新 token 的 e^(−R/R*)：最初几个 epoch 几乎与"
              "不重复数据一样好，再多 epoch 也不超过 U(1 + R*)。",
    },
]

# Muennighoff et al. 2023, the fitted data-constrained law as printed in the authors' repository
# (huggingface/datablations, README "Parametric Fit"): log A, log B, log E, α, β, R*_D, R*_N.
LOG_A, LOG_B, LOG_E, ALPHA, BETA, R_STAR, RN_STAR = 6.255414, 7.3049974, 0.6254804, 0.3526596, 0.3526596, 15.387756, 5.309743


def _effective():
    import sympy as sp

    U, R, Rs = sp.symbols("U R R^*", positive=True)
    return (U, R, Rs), U + U * Rs * (1 - sp.exp(-R / Rs))


def derive(p):
    import sympy as sp

    (U, R, Rs), eff = _effective()
    p.step("effective data after 1 + R epochs of U unique tokens", eff)
    slope = sp.diff(eff, R)
    p.identity("dD'/dR = U·e^(−R/R*): the value of the next repeat decays exponentially", slope, U * sp.exp(-R / Rs))
    p.identity("at R = 0 the slope is U: the first repeat is worth (almost) a fresh epoch", slope.subs(R, 0), U)
    p.identity("R = 0 (one epoch): D' = U", eff.subs(R, 0), U)
    p.identity("R → ∞: D' → U(1 + R*)", sp.limit(eff, R, sp.oo), U * (1 + Rs), id="ceiling")
    x = sp.Symbol("x", positive=True)
    p.identity("U(1 + R) − D' = U·R*·(x − 1 + e^(−x)) with x = R/R*, and x − 1 + e^(−x) ≥ 0 (its derivative "
               "1 − e^(−x) ≥ 0, value 0 at x = 0)", sp.simplify((U * (1 + R) - eff).subs(R, x * Rs)),
               U * Rs * (x - 1 + sp.exp(-x)))


def experiment(p):
    import sympy as sp
    import torch

    (U_s, R_s, Rs_s), eff = _effective()
    effective = sp.lambdify((U_s, R_s, Rs_s), eff)
    r = torch.linspace(0, 39, 390_001, dtype=torch.float64)
    integral = 1 + torch.cumulative_trapezoid(torch.exp(-r / R_STAR), r)  # U = 1
    p.close("closed form D'(R = 39) vs the numerical integral of e^(−R/R*)", effective(1, 39, R_STAR),
            integral[-1].item(), rtol=1e-9)

    def worth(epochs):
        """D' / tokens seen; (p.myth) the myth that every repeated epoch is as good as a fresh one."""
        R = epochs - 1
        return 1.0 if p.myth else effective(1.0, R, R_STAR) / epochs

    p.greater("4 epochs: D' / (4U)", worth(4), 0.9, id="four_epochs_worth")
    p.less("16 epochs: D' / (16U)", worth(16), 0.8, id="sixteen_epochs_worth",
           refutes="every repeated epoch is as good as fresh data")
    p.less("40 epochs: D' / (40U)", worth(40), 0.5, id="forty_epochs_worth",
           refutes="every repeated epoch is as good as fresh data")
    p.less("D' after 1000 epochs / U(1 + R*) (the ceiling)", effective(1.0, 999, R_STAR) / (1 + R_STAR), 1.0 + 1e-12)

    import math

    A, B, E = math.exp(LOG_A), math.exp(LOG_B), math.exp(LOG_E)
    G = (ALPHA * A / (BETA * B)) ** (1 / (ALPHA + BETA))

    def law(N, D, U, myth=False):
        """The authors' loss law: effective data D' and effective parameters N' (parameters beyond what U unique
        tokens can use, N > D_to_N(U), decay with R*_N the same way)."""
        RD = max(D / U - 1, 0.0)
        UN = min(N, (U * G) ** (BETA / ALPHA) * G)
        RN = max(N / UN - 1, 0.0)
        n_eff = UN + UN * RN_STAR * (1 - math.exp(-RN / RN_STAR))
        d_eff = U * (1 + RD) if myth else effective(U, RD, R_STAR)  # myth: every epoch counts as fresh
        return E + A / n_eff**ALPHA + B / d_eff**BETA

    p.close("the law at N = 6.34e9, D = 242e9, U = 25e9 vs the authors' printed 2.2256440889984477",
            law(6.34e9, 242e9, 25e9), 2.2256440889984477, rtol=1e-12, id="law_matches_authors_1")
    p.close("the law at N = 8.67e9, D = 178e9, U = 25e9 vs the authors' printed 2.2269634075087867",
            law(8.67e9, 178e9, 25e9), 2.2269634075087867, rtol=1e-12, id="law_matches_authors_2")
    N, D = 8.7e9, 178e9
    p.less("8.7B parameters, 178B tokens: loss with 4 epochs of D/4 unique − with D unique, nats",
           law(N, D, D / 4, p.myth) - law(N, D, D), 0.02, id="four_epochs_loss_gap")
    p.greater("… with 16 epochs of D/16 unique − with D unique, nats", law(N, D, D / 16, p.myth) - law(N, D, D), 0.05,
              id="sixteen_epochs_loss_gap")

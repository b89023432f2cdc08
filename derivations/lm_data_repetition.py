"""Repeating data for several epochs (Muennighoff et al. 2023): repeated tokens are worth less and less.

Symbolic: with U unique tokens seen 1 + R times, the data-constrained law replaces D by the
effective data D' = U + U·R*·(1 − e^(−R/R*)): its slope in R starts at U (the first repeats are
almost as good as fresh tokens) and decays as e^(−R/R*); D' never exceeds U(1 + R) and tends to
U(1 + R*) as R → ∞ — past a point, more epochs add nothing. R* = 15.4 is the paper's fitted
value. Numeric: the closed form against a numerical integral of its slope, D'/(tokens seen)
at 4, 16 and 40 epochs, and what the loss law makes of 4 epochs at Chinchilla's size.
"""

TITLE = {
    "en": "Repeating data for several epochs: effective data D' = U + U·R*·(1 − e^(−R/R*))",
    "zh": "数据重复多个 epoch：有效数据量 D' = U + U·R*·(1 − e^(−R/R*))",
}
CLAIMS = [
    {
        "en": "In Muennighoff et al.'s fit a repeated token is worth e^(−R/R*) of a fresh one (R* = 15.4): 4 epochs "
              "are worth 93 % of 4× unique data, and no number of epochs is worth more than U(1 + R*).",
        "zh": "在 Muennighoff 等人的拟合中，重复的 token 价值为新 token 的 e^(−R/R*)（R* = 15.4）：4 个 epoch 约等于 "
              "93% 的 4 倍不重复数据，再多 epoch 也不超过 U(1 + R*)。",
    },
]

R_STAR = 15.4  # Muennighoff et al. 2023, the fitted R*_D of the data-constrained scaling law


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
    E, A, B, a, b = 1.69, 406.4, 410.7, 0.34, 0.28  # Hoffmann et al. 2022, eq. (10)
    N, U = 70e9, 0.35e12
    fresh = E + A / N**a + B / (4 * U) ** b
    repeated = E + A / N**a + B / (effective(U, 3, R_STAR)) ** b
    p.less("loss law at 70B: 4 epochs of 0.35T minus 1.4T unique, nats", repeated - fresh, 0.01,
           id="four_epochs_loss_gap")

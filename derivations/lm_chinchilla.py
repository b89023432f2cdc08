"""Chinchilla's compute-optimal split, derived from the fitted loss L = E + A/N^α + B/D^β under C = 6ND.

Symbolic: substitute D = C/(6N), set dL/dN = 0 and solve: N_opt = G·(C/6)^(β/(α+β)),
D_opt = G⁻¹·(C/6)^(α/(α+β)), G = (αA/(βB))^(1/(α+β)); the exponents add up to 1, and the
ratio D_opt/N_opt ∝ C^((α−β)/(α+β)) is constant only when α = β.
Numeric: with Hoffmann et al.'s published constants (E = 1.69, A = 406.4, B = 410.7,
α = 0.34, β = 0.28) a dense grid search over N at fixed C finds the same optimum as the
lambdified closed form; at Gopher's budget (5.76·10²³ FLOPs) it puts ≈ 93 tokens per
parameter, not the ≈ 20 of the Chinchilla model itself (70B on 1.4T tokens, from the
paper's approaches 1 and 2); the loss surface is so flat there that the two splits differ
by < 0.01 nats of predicted loss. The 93 is fragile: α and β are printed to two decimals, and moving them
within ±0.005 moves the optimum between ≈ 44 and ≈ 196 tokens per parameter (never near 20); Besiroglu
et al. (2024) name that rounding as one cause of the mismatch.
"""

TITLE = {
    "en": "Chinchilla: the compute-optimal N and D from L = E + A/N^α + B/D^β and C = 6ND",
    "zh": "Chinchilla：由 L = E + A/N^α + B/D^β 和 C = 6ND 推出计算最优的 N 与 D",
}
CLAIMS = [
    {
        "en": "N_opt = G·(C/6)^(β/(α+β)) and D_opt = (C/6)^(α/(α+β))/G with G = (αA/(βB))^(1/(α+β)).",
        "zh": "N_opt = G·(C/6)^(β/(α+β))，D_opt = (C/6)^(α/(α+β))/G，其中 G = (αA/(βB))^(1/(α+β))。",
    },
    {
        "en": "With the paper's rounded fit (α = 0.34, β = 0.28) the optimal tokens per parameter grow with the budget "
              "(∝ C^0.097) and are far above 20 at Gopher's budget; 20 is Chinchilla's own ratio (70B, 1.4T tokens).",
        "zh": "用论文四舍五入后的拟合值（α = 0.34，β = 0.28），最优的每参数 token 数随预算增长（∝ C^0.097），"
              "在 Gopher 的预算下远高于 20；20 是 Chinchilla 本身的比例（70B，1.4T token）。",
    },
]

HOFFMANN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}  # Hoffmann et al. 2022, eq. (10)
GOPHER_BUDGET = 5.76e23  # FLOPs, the budget Chinchilla and Gopher share (Hoffmann et al. 2022)


def _optimum():
    import sympy as sp

    N, C, A, B, a, b, E = sp.symbols("N C A B alpha beta E", positive=True)
    G = (a * A / (b * B)) ** (1 / (a + b))
    n_opt = G * (C / 6) ** (b / (a + b))
    d_opt = (C / 6) ** (a / (a + b)) / G
    return (N, C, A, B, a, b, E), n_opt, d_opt


def derive(p):
    import sympy as sp

    (N, C, A, B, a, b, E), n_opt, d_opt = _optimum()
    loss = E + A / N**a + B / (C / (6 * N)) ** b
    p.step("On the budget line D = C/(6N): L(N) = E + A·N^(−α) + B·(6N/C)^β", loss)
    dL = sp.diff(loss, N)
    p.step("dL/dN", dL)
    p.step("dL/dN = 0 ⇔ αA·N^(−α−1) = βB·6^β·N^(β−1)/C^β ⇔ N^(α+β) = (αA/(βB))·(C/6)^β", n_opt)
    at_opt = sp.powsimp(sp.expand_power_base(dL.subs(N, n_opt), force=True), force=True)
    p.identity("dL/dN vanishes at N_opt = G·(C/6)^(β/(α+β))", sp.simplify(at_opt), 0, id="stationary")
    p.identity("N_opt·D_opt = C/6: the optimum lies on the budget line (that it is a minimum, not a maximum, "
               "the experiment's grid search shows)", sp.simplify(n_opt * d_opt), C / 6)
    p.identity("exponents of C in N_opt and D_opt (C·d ln N_opt/dC + C·d ln D_opt/dC) add up to 1",
               sp.simplify(C * sp.diff(sp.log(n_opt), C) + C * sp.diff(sp.log(d_opt), C)), 1)
    ratio = sp.simplify(d_opt / n_opt)
    p.identity("D_opt/N_opt = G⁻²·(C/6)^((α−β)/(α+β)): constant in C only when α = β",
               sp.simplify(sp.diff(sp.log(ratio), C) * C), (a - b) / (a + b))


def experiment(p):
    import numpy as np
    import sympy as sp

    (N, C, A, B, a, b, E), n_opt, d_opt = _optimum()
    fit = dict(HOFFMANN)
    if p.myth:
        # The myth's model: a fitted law that does say "20 tokens per parameter, at every budget". Equal
        # exponents (the split then does not move with C) and B chosen so that D_opt/N_opt = (B/A)^(1/α) = 20.
        # Every computation below is unchanged; only the law is the one the misconception takes the fit to be.
        fit["alpha"] = fit["beta"] = 0.31
        fit["B"] = fit["A"] * 20.0 ** fit["alpha"]
    values = {A: fit["A"], B: fit["B"], a: fit["alpha"], b: fit["beta"]}
    n_closed = sp.lambdify(C, n_opt.subs(values), "numpy")

    def grid_optimum(budget):
        # A grid around √(C/6) (N = D), not around the closed form: ±3 decades, 6·10⁻⁵ decades apart.
        centre = np.log10((budget / 6) ** 0.5)
        ns = np.logspace(centre - 3, centre + 3, 100_001)
        losses = fit["E"] + fit["A"] / ns ** fit["alpha"] + fit["B"] / (budget / (6 * ns)) ** fit["beta"]
        i = int(np.argmin(losses))
        return ns[i], losses[i]

    cases, ratios = [], {}
    for budget in (1e19, 1e21, GOPHER_BUDGET, 1e25):
        n_grid, _ = grid_optimum(budget)
        cases.append((f"C = {budget:.3g}", abs(n_grid / n_closed(budget) - 1)))
        ratios[budget] = budget / 6 / n_grid ** 2
    p.sweep("|N_grid / N_closed − 1|: dense grid search vs the derived optimum, over budgets", cases, "<=", 3e-4,
            id="grid_matches_closed_form")
    # "Far from 20" is read as: more than twice the rule of thumb.
    p.greater("tokens per parameter at Gopher's budget, Hoffmann's published fit (grid search)", ratios[GOPHER_BUDGET],
              40, id="tokens_per_param_gopher", refutes="the fitted loss law gives 20 tokens per parameter")
    # α and β are printed to two decimals: sweep them over their rounding intervals (±0.005, an 11 × 11 grid
    # that includes the corners) at Gopher's budget. The closed form is used here (the grid search above shows
    # it is the optimum).
    n_of_exponents = sp.lambdify((a, b, C), n_opt.subs({A: fit["A"], B: fit["B"]}), "math")
    spread = []
    for ia in range(-5, 6):
        for ib in range(-5, 6):
            al, be = fit["alpha"] + ia / 1000, fit["beta"] + ib / 1000
            n_v = n_of_exponents(al, be, GOPHER_BUDGET)
            spread.append((f"α = {al:.3f}, β = {be:.3f}", GOPHER_BUDGET / 6 / n_v**2))
    lo, hi = min(v for _, v in spread), max(v for _, v in spread)
    p.sweep("tokens per parameter at Gopher's budget, α and β anywhere in their rounding intervals (±0.005)",
            spread, ">", 40, id="tokens_per_param_rounding_min",
            refutes="the fitted loss law gives 20 tokens per parameter")
    p.greater("largest / smallest tokens per parameter over those rounding intervals (how much the printed "
              "digits leave open)", hi / lo, 2.0, id="rounding_spread")
    p.greater("tokens per parameter at 1e25 / at 1e21 FLOPs (the split moves with the budget)", ratios[1e25] / ratios[1e21],
              1.2, id="ratio_grows_with_budget", refutes="the compute-optimal tokens per parameter are the same at every budget")
    n_g, l_g = grid_optimum(GOPHER_BUDGET)
    p.close("N_opt at Gopher's budget (parameters)", n_g, float(n_closed(GOPHER_BUDGET)), rtol=1e-4, id="n_opt_gopher")
    chinchilla = fit["E"] + fit["A"] / 70e9 ** fit["alpha"] + fit["B"] / 1.4e12 ** fit["beta"]
    p.less("predicted loss of Chinchilla (70B, 1.4T) − the fit's optimum, nats (a flat minimum)", chinchilla - l_g, 0.01,
           id="flat_minimum_gap")
    p.close("6·N·D for Chinchilla (70B, 1.4T tokens) / Gopher's budget", 6 * 70e9 * 1.4e12 / GOPHER_BUDGET, 1.0, rtol=0.05,
            id="chinchilla_budget")

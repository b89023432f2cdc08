"""Dropout before BatchNorm: the variance shift between train and eval (Li et al., 2019).

Symbolic: for a unit x with mean c and variance v, inverted dropout with keep
probability q = 1 − p gives a = x·m/q, m ~ Bernoulli(q). Its mean stays c, but its
variance in training is (v + c²)/q − c², while at eval (dropout off) it is v. BN
stores the training variance, so at eval its output variance is
v / ((v + c²)/q − c²) — 1 − p when c = 0 — not 1. Through a linear layer the
ratio stays the same for any weights only if the units are uncorrelated; with
correlation ρ it depends on the weights.
Numeric: nn.Dropout → nn.BatchNorm1d on Gaussian data, the running_var and the
eval-mode output variance against the closed form (Monte Carlo, ±4 standard
errors), over several p; Dropout → Linear → BatchNorm1d on correlated inputs, each
output feature against the derived ratio for its weights; and the shift disappears
once BN's statistics are re-estimated with dropout off.
"""

TITLE = {
    "en": "Dropout before BatchNorm shifts the variance between train and eval",
    "zh": "Dropout 放在 BatchNorm 之前：训练与推理之间的方差偏移",
}
CLAIMS = [
    {
        "en": "Inverted dropout keeps the mean (E[a] = c) but raises the training variance to (v + c²)/(1 − p) − c²; "
              "at eval the unit has variance v.",
        "zh": "inverted dropout 保持均值（E[a] = c），但训练时方差变为 (v + c²)/(1 − p) − c²；推理时该单元方差为 v。",
    },
    {
        "en": "BN after dropout stores the training variance in running_var, so in eval mode its output variance is "
              "v / ((v + c²)/(1 − p) − c²): exactly 1 − p for zero-mean inputs, instead of 1.",
        "zh": "dropout 之后的 BN 把训练时的方差存进 running_var，所以推理时输出方差为 "
              "v / ((v + c²)/(1 − p) − c²)：零均值输入时恰为 1 − p，而不是 1。",
    },
    {
        "en": "A linear layer between dropout and BN leaves the ratio unchanged for any weights only when the units "
              "are uncorrelated (and share c and v); with correlated units the ratio depends on the weights (above or below 1 − p).",
        "zh": "dropout 与 BN 之间隔一个线性层时，只有各单元互不相关（且 c、v 相同），该比值才对任意权重都不变；"
              "单元相关时比值取决于权重（可高于也可低于 1 − p）。",
    },
    {
        "en": "Re-estimating BN's statistics with dropout off (or putting dropout after the last BN) removes the shift.",
        "zh": "关闭 dropout 重新估计 BN 的统计量（或把 dropout 放在最后一个 BN 之后）即可消除偏移。",
    },
]


def _single_unit_var_train(sp, c, v, q):
    """a = x·m/q, m ~ Bernoulli(q) independent of x, E[x] = c, E[x²] = v + c²: (E[m], E[m²]), E[a], Var_train[a]."""
    from sympy.stats import Bernoulli, E

    m = Bernoulli("m", q)
    Em, Em2 = E(m), E(m ** 2)
    mean_a = c * Em / q
    second_a = (v + c ** 2) * Em2 / q ** 2
    return (Em, Em2), mean_a, sp.simplify(second_a - mean_a ** 2)


def derive(p):
    import sympy as sp

    c = sp.Symbol("c", real=True)
    v, q = sp.symbols("v q", positive=True)  # q = 1 − p, the keep probability
    drop_p = sp.Symbol("p", positive=True)
    (Em, Em2), mean_a, var_train = _single_unit_var_train(sp, c, v, q)
    p.step("Dropout mask m ~ Bernoulli(q): E[m] and E[m²]", sp.Tuple(Em, Em2))
    p.identity("E[a] = E[x]·E[m]/q = c: the mean is preserved", mean_a, c)
    p.step("Var_train[a] = E[x²]E[m²]/q² − c²", var_train)
    var_test = v  # dropout is the identity at eval
    ratio = var_test / var_train
    p.step("BN at eval divides by √Var_train but sees Var_test = v: output variance", sp.simplify(ratio))
    p.identity("zero-mean input (c = 0): eval output variance = q = 1 − p",
               sp.simplify(ratio.subs(c, 0).subs(q, 1 - drop_p)), 1 - drop_p, id="zero_mean_ratio")

    # Dropout → Linear → BN: a = ∑ₖ wₖ·xₖ·mₖ/q, masks independent of each other and of x; the units x₁, x₂
    # have mean c, variance v and correlation ρ.
    w1, w2 = sp.symbols("w1 w2", real=True)
    rho = sp.Symbol("rho", real=True)
    ratio_lin = _linear_layer_ratio(sp, w1, w2, c, v, q, rho)
    p.step("Through a linear layer: Var_test/Var_train of w₁x₁m₁/q + w₂x₂m₂/q, correlation ρ", ratio_lin)
    p.identity("ρ = 0 (units alike: same c, v): the ratio is the same as without the layer, for any w",
               sp.cancel(ratio_lin.subs(rho, 0)), sp.cancel(ratio),
               shown=sp.Eq(sp.Symbol("Var_test/Var_train (with w, ρ = 0)"), sp.simplify(ratio)),
               id="linear_layer_uncorrelated_same_ratio")
    # p.myth: the misconception computes the moments as if the units were uncorrelated, E[x₁x₂] = c².
    used = ratio_lin.subs(rho, 0) if p.myth else ratio_lin
    slope = sp.simplify(sp.diff(used, w1).subs({c: 0, rho: sp.Rational(1, 2), v: 1, q: sp.Rational(1, 2)}))
    p.step("c = 0, ρ = ½, q = ½: ∂ratio/∂w₁", slope)
    p.holds("(sympy) correlated units (ρ = ½): the ratio changes with the weights, ∂ratio/∂w₁ ≠ 0", slope != 0,
            measured=str(slope), expected="≠ 0", id="linear_layer_correlated_ratio_depends_on_w",
            refutes="a linear layer between dropout and BN never changes the variance ratio")


def _linear_layer_ratio(sp, w1, w2, c, v, q, rho):
    """Var_test/Var_train of a = (w₁x₁m₁ + w₂x₂m₂)/q with masks mₖ ~ Bernoulli(q) independent of x, and
    E[xₖ] = c, E[xₖ²] = v + c², E[x₁x₂] = ρv + c²."""
    from sympy.stats import Bernoulli, E

    m1, m2 = Bernoulli("m1", q), Bernoulli("m2", q)
    x1, x2 = sp.symbols("x1 x2", real=True)  # stand-ins, replaced by their moments below
    a = (w1 * x1 * m1 + w2 * x2 * m2) / q
    moments = {(2, 0): v + c**2, (0, 2): v + c**2, (1, 1): rho * v + c**2, (1, 0): c, (0, 1): c, (0, 0): 1}

    def expect(expr):  # E over the masks (sympy.stats), then over x by its moments
        poly = sp.Poly(sp.expand(E(sp.expand(expr))), x1, x2)
        return sum(coeff * moments[powers] for powers, coeff in poly.terms())

    var_train = sp.expand(expect(a**2) - expect(a) ** 2)
    a_test = w1 * x1 + w2 * x2  # dropout off
    var_test = sp.expand(expect(a_test**2) - expect(a_test) ** 2)
    return sp.cancel(var_test / var_train)


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    F, n, T = (64, 256, 10) if p.quick else (512, 1024, 50)

    import sympy as sp

    # The derived Var_train of one unit (derive's expression, evaluated here).
    sc, sv, sq = sp.Symbol("c", real=True), *sp.symbols("v q", positive=True)
    var_train_of = sp.lambdify((sc, sv, sq), _single_unit_var_train(sp, sc, sv, sq)[2])

    def predicted(drop, c, v=1.0):
        var_train = float(var_train_of(c, v, 1 - drop))
        return var_train, v / var_train

    def run(drop, c, recalibrate=False):
        """Dropout(drop) → BatchNorm1d, statistics over T train batches, then eval on fresh data."""
        dropout = torch.nn.Dropout(drop)
        bn = torch.nn.BatchNorm1d(F, momentum=None, affine=False, dtype=dt).to(dev)  # None: plain average
        # Dropout masks come from the global generator. Seeding it with the data's seed would make the
        # masks correlated with the data (same random stream), so it gets a different one. The masks are
        # drawn on the CPU (dropout before .to(dev)): on CUDA nn.Dropout would draw from the CUDA generator.
        torch.manual_seed(p.seed + 1)
        with torch.no_grad():
            for _ in range(T):
                bn(dropout(torch.randn(n, F, generator=gen, dtype=dt) + c).to(dev))
            if recalibrate:  # re-estimate the statistics with dropout off
                bn.reset_running_stats()
                dropout.eval()
                for _ in range(T):
                    bn(dropout(torch.randn(n, F, generator=gen, dtype=dt) + c).to(dev))
            running_var = bn.running_var.clone()
            dropout.eval()
            bn.eval()
            out = bn(dropout(torch.randn(4 * n, F, generator=gen, dtype=dt) + c).to(dev))
        out_var = out.var(dim=0)  # per feature; features are independent replicates
        return (float(running_var.mean()), float(running_var.std() / F ** 0.5),
                float(out_var.mean()), float(out_var.std() / F ** 0.5))

    drop, c = 0.5, 0.0
    rv, rv_se, ov, ov_se = run(drop, c)
    var_train, ratio = predicted(drop, c)
    p.close(f"p = {drop}, c = 0: running_var vs Var_train = 1/(1 − p), ±4 SE", rv, var_train, rtol=0, atol=4 * rv_se,
            id="running_var_zero_mean")
    p.close(f"p = {drop}, c = 0: eval output variance vs 1 − p, ±4 SE", ov, ratio, rtol=0, atol=4 * ov_se,
            id="eval_var_zero_mean")
    p.greater("…and it is far from the 1 BN is meant to give (in SE)", (1 - ov) / ov_se, 10, id="eval_var_shift_in_se")

    drop, c = 0.3, 1.0
    rv, rv_se, ov, ov_se = run(drop, c)
    var_train, ratio = predicted(drop, c)
    p.close(f"p = {drop}, c = 1: running_var vs (v + c²)/(1 − p) − c², ±4 SE", rv, var_train, rtol=0, atol=4 * rv_se,
            id="running_var_mean_one")
    p.close(f"p = {drop}, c = 1: eval output variance vs v/Var_train, ±4 SE", ov, ratio, rtol=0, atol=4 * ov_se,
            id="eval_var_mean_one")

    _, _, ov_fixed, ov_fixed_se = run(0.5, 0.0, recalibrate=True)
    p.close("statistics re-estimated with dropout off: eval output variance vs 1, ±4 SE",
            ov_fixed, 1.0, rtol=0, atol=4 * ov_fixed_se, id="recalibrated_eval_var")

    # Correlated units through a linear layer: Dropout → Linear(2, F) → BatchNorm1d. Each output feature has its
    # own weights (w₁, w₂), so the F features sample the ratio over weights; compare each with the derived formula.
    import sympy as sp

    sw1, sw2, sc, sv, sq, srho = sp.symbols("w1 w2 c v q rho", real=True)
    formula = sp.lambdify((sw1, sw2, sc, sv, sq, srho), _linear_layer_ratio(sp, sw1, sw2, sc, sv, sq, srho))
    rho_val, drop = 0.9, 0.5
    chol = torch.linalg.cholesky(torch.tensor([[1.0, rho_val], [rho_val, 1.0]], dtype=dt))
    lin = torch.nn.Linear(2, F, bias=False, dtype=dt).to(dev)  # default init: weights of both signs
    dropout = torch.nn.Dropout(drop)
    bn = torch.nn.BatchNorm1d(F, momentum=None, affine=False, dtype=dt).to(dev)
    torch.manual_seed(p.seed + 2)  # the dropout masks (drawn on the CPU, as above)
    with torch.no_grad():
        for _ in range(2 * T):
            bn(lin(dropout(torch.randn(n, 2, generator=gen, dtype=dt) @ chol.T).to(dev)))
        dropout.eval()
        bn.eval()
        out = bn(lin(dropout(torch.randn(32 * n, 2, generator=gen, dtype=dt) @ chol.T).to(dev)))
    measured_ratio = out.var(dim=0).cpu()
    weights = lin.weight.detach().cpu()
    predicted_ratio = torch.tensor([formula(w[0].item(), w[1].item(), 0.0, 1.0, 1 - drop, rho_val) for w in weights],
                                   dtype=dt)
    p.sweep(f"ρ = {rho_val}, p = {drop}: |measured / derived − 1| of the eval output variance over the {F} features",
            ((f"feature {k}", abs(m / e - 1)) for k, (m, e) in enumerate(zip(measured_ratio.tolist(),
                                                                               predicted_ratio.tolist()))),
            "<", 0.1, id="correlated_ratio_vs_formula")
    p.less(f"ρ = {rho_val}: smallest eval output variance over the features (below 1 − p = {1 - drop})",
           measured_ratio.min(), 1 - drop, id="correlated_ratio_min")
    p.greater(f"ρ = {rho_val}: largest eval output variance over the features (above 1 − p = {1 - drop})",
              measured_ratio.max(), 1 - drop, id="correlated_ratio_max")

    drops = [0.1, 0.3, 0.5, 0.7]
    curves = {}
    for c in (0.0, 1.0):
        measured = [run(d, c)[2] for d in drops]
        curves[f"measured, c = {c:g}"] = (drops, measured)
        curves[f"v/Var_train, c = {c:g}"] = (drops, [predicted(d, c)[1] for d in drops])
    p.plot("Variance of BN's eval output when dropout sits before it", curves,
           xlabel="dropout p", ylabel="output variance (1 = no shift)")
    worst = max(abs(m - e) for (_, ms), (_, es) in zip(list(curves.values())[::2], list(curves.values())[1::2])
                for m, e in zip(ms, es))
    p.less("max |measured − predicted| over the p sweep", worst, 0.05, id="p_sweep_max_error")

"""Dropout before BatchNorm: the variance shift between train and eval (Li et al., 2019).

Symbolic: for a unit x with mean c and variance v, inverted dropout with keep
probability q = 1 − p gives a = x·m/q, m ~ Bernoulli(q). Its mean stays c, but its
variance in training is (v + c²)/q − c², while at eval (dropout off) it is v. BN
stores the training variance, so at eval its output variance is
v / ((v + c²)/q − c²) — 1 − p when c = 0 — not 1. A linear layer between them
does not help: the ratio is the same for any weights.
Numeric: nn.Dropout → nn.BatchNorm1d on Gaussian data, the running_var and the
eval-mode output variance against the closed form (Monte Carlo, ±4 standard
errors), over several p; and the shift disappears once BN's statistics are
re-estimated with dropout off.
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
        "en": "A linear layer between dropout and BN (independent inputs) leaves the ratio unchanged for any weights.",
        "zh": "dropout 与 BN 之间隔一个线性层（输入相互独立）时，对任意权重该比值都不变。",
    },
    {
        "en": "Re-estimating BN's statistics with dropout off (or putting dropout after the last BN) removes the shift.",
        "zh": "关闭 dropout 重新估计 BN 的统计量（或把 dropout 放在最后一个 BN 之后）即可消除偏移。",
    },
]


def derive(p):
    import sympy as sp
    from sympy.stats import Bernoulli, E

    c = sp.Symbol("c", real=True)
    v, q = sp.symbols("v q", positive=True)  # q = 1 − p, the keep probability
    drop_p = sp.Symbol("p", positive=True)
    m = Bernoulli("m", q)
    Em, Em2 = E(m), E(m ** 2)
    p.step("Dropout mask m ~ Bernoulli(q): E[m] and E[m²]", sp.Tuple(Em, Em2))
    # a = x·m/q with x ⟂ m; E[x] = c, E[x²] = v + c².
    mean_a = c * Em / q
    second_a = (v + c ** 2) * Em2 / q ** 2
    var_train = sp.simplify(second_a - mean_a ** 2)
    p.identity("E[a] = E[x]·E[m]/q = c: the mean is preserved", mean_a, c)
    p.step("Var_train[a] = E[x²]E[m²]/q² − c²", var_train)
    var_test = v  # dropout is the identity at eval
    ratio = var_test / var_train
    p.step("BN at eval divides by √Var_train but sees Var_test = v: output variance", sp.simplify(ratio))
    p.identity("zero-mean input (c = 0): eval output variance = q = 1 − p",
               sp.simplify(ratio.subs(c, 0).subs(q, 1 - drop_p)), 1 - drop_p)

    # Dropout → Linear → BN: a = ∑ₖ wₖ·xₖ·mₖ/q with independent xₖ, mₖ.
    w1, w2 = sp.symbols("w1 w2", real=True)
    m1, m2 = Bernoulli("m1", q), Bernoulli("m2", q)
    x1, x2 = sp.symbols("x1 x2", real=True)  # stand-ins, replaced by their moments below
    a = (w1 * x1 * m1 + w2 * x2 * m2) / q
    moments = {x1 ** 2: v + c ** 2, x2 ** 2: v + c ** 2, x1: c, x2: c}
    second = sp.expand(E(sp.expand(a ** 2))).subs(moments)
    first = sp.expand(E(a)).subs(moments)
    var_lin_train = sp.factor(sp.expand(second - first ** 2))
    var_lin_test = (w1 ** 2 + w2 ** 2) * v
    p.step("Through a linear layer: Var_train[w₁x₁m₁/q + w₂x₂m₂/q]", var_lin_train)
    p.identity("…the eval/train variance ratio is the same as without the layer, for any w",
               sp.cancel(var_lin_test / var_lin_train), sp.cancel(ratio),
               shown=sp.Eq(sp.Symbol("Var_test/Var_train (with w)"), sp.simplify(ratio)))


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    F, n, T = (64, 256, 10) if p.quick else (512, 1024, 50)

    def predicted(drop, c, v=1.0):
        q = 1 - drop
        var_train = (v + c ** 2) / q - c ** 2
        return var_train, v / var_train

    def run(drop, c, recalibrate=False):
        """Dropout(drop) → BatchNorm1d, statistics over T train batches, then eval on fresh data."""
        dropout = torch.nn.Dropout(drop)
        bn = torch.nn.BatchNorm1d(F, momentum=None, affine=False, dtype=dt).to(dev)  # None: plain average
        # Dropout masks come from the global generator. Seeding it with the data's seed would make the
        # masks correlated with the data (same random stream), so it gets a different one.
        torch.manual_seed(p.seed + 1)
        with torch.no_grad():
            for _ in range(T):
                bn(dropout(torch.randn(n, F, generator=gen, dtype=dt).to(dev) + c))
            if recalibrate:  # re-estimate the statistics with dropout off
                bn.reset_running_stats()
                dropout.eval()
                for _ in range(T):
                    bn(dropout(torch.randn(n, F, generator=gen, dtype=dt).to(dev) + c))
            running_var = bn.running_var.clone()
            dropout.eval()
            bn.eval()
            out = bn(dropout(torch.randn(4 * n, F, generator=gen, dtype=dt).to(dev) + c))
        out_var = out.var(dim=0)  # per feature; features are independent replicates
        return (float(running_var.mean()), float(running_var.std() / F ** 0.5),
                float(out_var.mean()), float(out_var.std() / F ** 0.5))

    drop, c = 0.5, 0.0
    rv, rv_se, ov, ov_se = run(drop, c)
    var_train, ratio = predicted(drop, c)
    p.close(f"p = {drop}, c = 0: running_var vs Var_train = 1/(1 − p), ±4 SE", rv, var_train, rtol=0, atol=4 * rv_se)
    p.close(f"p = {drop}, c = 0: eval output variance vs 1 − p, ±4 SE", ov, ratio, rtol=0, atol=4 * ov_se)
    p.greater("…and it is far from the 1 BN is meant to give (in SE)", (1 - ov) / ov_se, 10)

    drop, c = 0.3, 1.0
    rv, rv_se, ov, ov_se = run(drop, c)
    var_train, ratio = predicted(drop, c)
    p.close(f"p = {drop}, c = 1: running_var vs (v + c²)/(1 − p) − c², ±4 SE", rv, var_train, rtol=0, atol=4 * rv_se)
    p.close(f"p = {drop}, c = 1: eval output variance vs v/Var_train, ±4 SE", ov, ratio, rtol=0, atol=4 * ov_se)

    _, _, ov_fixed, ov_fixed_se = run(0.5, 0.0, recalibrate=True)
    p.close("statistics re-estimated with dropout off: eval output variance vs 1, ±4 SE",
            ov_fixed, 1.0, rtol=0, atol=4 * ov_fixed_se)

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
    p.less("max |measured − predicted| over the p sweep", worst, 0.05)

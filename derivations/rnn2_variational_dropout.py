"""Recurrent dropout with one mask across time (Gal & Ghahramani) against a fresh mask per step.

Symbolic: with a mask z fixed over the sequence, W_h(z ⊙ h) = (W_h·diag(z))·h, so the whole
sequence runs one thinned RNN (columns of W_h dropped); a remembered value h_t = h_{t−1} (a unit
that only carries its state) survives T steps of per-step masks with probability (1 − p)^T and
of a fixed mask with probability 1 − p; with inverted scaling the per-step product keeps the mean
but its variance grows as (1 − p)^{−T} − 1. Numeric: the real nn.RNN with weight_hh = W·diag(z)
equals a hand loop that masks h_{t−1} with the fixed z; Monte Carlo with masks drawn by
F.dropout matches both survival probabilities within standard errors. Counterfactual (p.myth):
the hand loop draws a fresh mask at every step; the per-step memory is scored as if one mask
were drawn.
"""

TITLE = {
    "en": "Variational (one mask across time) vs per-step recurrent dropout",
    "zh": "变分 dropout（整条序列共用一个掩码）与逐步重采样的循环 dropout",
}
CLAIMS = [
    {
        "en": "One mask z on h_{t−1}, shared by all time steps, is the same as running an RNN with W_hh·diag(z): one thinned network per sequence.",
        "zh": "在 h_{t−1} 上用同一个掩码 z（所有时间步共享）等同于用 W_hh·diag(z) 运行 RNN：每条序列一个被稀疏化的网络。",
    },
    {
        "en": "A fresh mask each step erases a carried value with probability 1 − (1 − p)^T; a fixed mask with probability p, whatever T.",
        "zh": "每步重新采样的掩码以 1 − (1 − p)^T 的概率抹掉携带的值；固定掩码的概率是 p，与 T 无关。",
    },
]


def _survival():
    import sympy as sp

    q, T = sp.symbols("p T", positive=True)
    return q, T, (1 - q) ** T, 1 - q


def derive(p):
    import sympy as sp

    W = sp.Matrix(2, 2, sp.symbols("w11 w12 w21 w22"))
    h = sp.Matrix(sp.symbols("h1 h2"))
    z = sp.symbols("z1 z2")
    masked = W * sp.Matrix([z[0] * h[0], z[1] * h[1]])
    p.identity("W_h(z ⊙ h) = (W_h·diag(z))·h: a fixed mask drops columns of W_h", masked, (W * sp.diag(*z)) * h,
               id="mask_is_column_drop")
    q, T, per_step, fixed = _survival()
    k = sp.Symbol("k", integer=True, positive=True)
    p.identity("P(carried value survives T per-step masks) = ∏_{k=1..T} (1 − p) = (1 − p)^T",
               sp.product(1 - q, (k, 1, T)), per_step)
    p.step("with one mask for the sequence it survives iff that one mask keeps it:", fixed)
    s = 1 / (1 - q)
    second = (1 - q) * s**2            # E[(m/(1 − p))²] for one step
    r = sp.Symbol("r", positive=True)           # r = 1 − p > 0, so sympy may combine the powers
    p.identity("E[(m/(1−p))²] = 1/(1 − p), so Var(∏_t m_t/(1−p)) = (1 − p)^{−T} − 1",
               (second ** T - 1).subs(q, 1 - r), ((1 - q) ** (-T) - 1).subs(q, 1 - r),
               shown=sp.Eq(sp.Symbol("Var"), (1 - q) ** (-T) - 1))


def experiment(p):
    import sympy as sp
    import torch
    import torch.nn.functional as F

    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    n, T, drop = 6, 15, 0.3
    W = 0.5 * torch.randn(n, n, generator=g, dtype=f64)
    U = 0.5 * torch.randn(n, 4, generator=g, dtype=f64)
    x = torch.randn(T, 2, 4, generator=g, dtype=f64)
    torch.manual_seed(p.seed)
    z = F.dropout(torch.ones(n, dtype=f64), drop)            # one inverted-dropout mask, real F.dropout
    W, U, x, z = W.to(p.device), U.to(p.device), x.to(p.device), z.to(p.device)
    rnn = torch.nn.RNN(4, n, bias=False, dtype=f64).to(p.device)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(U)
        rnn.weight_hh_l0.copy_(W * z)                          # W·diag(z): column j scaled by z_j
        out = rnn(x)[0]
    h = torch.zeros(2, n, dtype=f64, device=p.device)
    hs = []
    for t in range(T):
        mask = F.dropout(torch.ones_like(z), drop) if p.myth else z
        h = torch.tanh(x[t] @ U.T + (mask * h) @ W.T)
        hs.append(h)
    p.allclose("nn.RNN with weight_hh = W·diag(z) vs a loop masking h_{t−1} with the fixed z", out,
               torch.stack(hs), rtol=1e-12, atol=1e-14, id="fixed_mask_is_thinned_rnn",
               refutes="variational (Gal & Ghahramani) dropout draws a new recurrent mask at every time step")

    q, Ts, per_step, fixed = _survival()
    runs, steps = 20000, 10
    # The masks are drawn by the real F.dropout on the CPU generator (seeded above) and moved to the device,
    # so the Monte Carlo draw, and with it every verdict, is the same on every device.
    masks = F.dropout(torch.ones(runs, steps, dtype=f64), drop).to(p.device)
    carried = masks.prod(dim=1)                                # h_T = h_0 · ∏ m_t/(1 − p)
    one = F.dropout(torch.ones(runs, dtype=f64), drop).to(p.device)
    survive_step = (carried != 0).double().mean().item()
    survive_fixed = (one != 0).double().mean().item()
    exact_step = float(per_step.subs({q: drop, Ts: steps}))
    exact_fixed = float(fixed.subs({q: drop}))
    if p.myth:
        exact_step = exact_fixed
    se = (exact_step * (1 - exact_step) / runs) ** 0.5
    p.less("per-step masks, p = 0.3, T = 10: |P̂(survive) − (1 − p)^T| / s.e. (MC, 20000 runs)",
           abs(survive_step - exact_step) / se, 4.5, id="per_step_survival",
           refutes="a fresh recurrent mask per step erases a carried value only with probability p")
    p.close("per-step masks: measured P(carried value survives 10 steps)", survive_step, exact_step, rtol=0.2,
            id="per_step_survival_value")
    se_f = (exact_fixed * (1 - exact_fixed) / runs) ** 0.5
    p.less("one mask: |P̂(survive) − (1 − p)| / s.e.", abs(survive_fixed - exact_fixed) / se_f, 4.5,
           id="fixed_survival")
    var_exact = float(sp.Float((1 - drop) ** (-steps) - 1))
    p.close("per-step masks: variance of the carried value (h_0 = 1) vs (1 − p)^{−T} − 1", carried.var().item(),
            var_exact, rtol=0.2, id="per_step_variance")

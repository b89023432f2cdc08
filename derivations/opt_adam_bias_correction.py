"""Adam's bias correction, derived, and checked step by step against torch.optim.Adam.

Symbolic: m_t = β₁m_{t−1} + (1 − β₁)g_t with m₀ = 0 unrolls to (1 − β₁)Σ_{i≤t} β₁^{t−i} g_i; if
the g_i share a mean E g, then E m_t = (1 − β₁ᵗ)·E g — biased towards 0 by the zero start — and
m̂_t = m_t/(1 − β₁ᵗ) is unbiased; the same for v_t and E g². At t = 1, m̂₁/√v̂₁ = g/|g|: the
first step moves every weight by exactly η (up to ε). Without the correction the first step
would be (1 − β₁)/√(1 − β₂)·η ≈ 3.16η at the defaults: larger, not smaller, because v is biased
more than m (Kingma & Ba, §3).
Numeric: a hand-written Adam built from the derived m̂, v̂ against torch.optim.Adam on a small
network's real gradients for 25 steps (float64); the first step of every weight equal to η·|g₁|/(|g₁| + ε) (η where |g₁| ≫ ε); and
the uncorrected ratio read from torch's own state (exp_avg, exp_avg_sq) after one step.
"""

TITLE = {
    "en": "Adam's bias correction: derived, checked step by step against torch.optim.Adam",
    "zh": "Adam 的偏差校正：推导，并与 torch.optim.Adam 逐步核对",
}
CLAIMS = [
    {
        "en": "E m_t = (1 − β₁ᵗ)·E g and E v_t = (1 − β₂ᵗ)·E g² for stationary gradients; dividing by these factors "
              "removes the bias of the zero initialisation. torch.optim.Adam does exactly this.",
        "zh": "梯度平稳时 E m_t = (1 − β₁ᵗ)·E g，E v_t = (1 − β₂ᵗ)·E g²；除以这两个因子即去掉零初始化带来的偏差。"
              "torch.optim.Adam 正是这样做的。",
    },
    {
        "en": "With the correction Adam's first step is η·sign(g) for every weight with |g| ≫ ε; without it, it would be "
              "(1 − β₁)/√(1 − β₂)·η ≈ 3.16η at the defaults — larger, not smaller.",
        "zh": "有校正时 Adam 第一步对每个 |g| ≫ ε 的权重都是 η·sign(g)；没有校正时将是 (1 − β₁)/√(1 − β₂)·η，默认参数下约 3.16η"
              "——更大，而不是更小。",
    },
]


def _moments():
    import sympy as sp

    beta = sp.Symbol("beta", positive=True)
    Eg = sp.Symbol("E_g")
    t = sp.Symbol("t", integer=True, nonnegative=True)
    m = sp.Function("m")
    # E m_t = β E m_{t−1} + (1 − β) E g: the expectation obeys the same recursion with g → E g.
    Em = sp.simplify(sp.rsolve(m(t) - beta * m(t - 1) - (1 - beta) * Eg, m(t), {m(0): 0}))
    return beta, Eg, t, Em


def derive(p):
    import sympy as sp

    beta, Eg, t, Em = _moments()
    p.step("E m_t from E m_t = βE m_{t−1} + (1 − β)E g, m₀ = 0", Em)
    p.identity("E m_t = (1 − βᵗ)·E g: biased towards 0", Em, (1 - beta**t) * Eg)
    p.identity("m̂_t = m_t/(1 − βᵗ) is unbiased", sp.simplify(Em / (1 - beta**t)), Eg)
    b1, b2 = sp.symbols("beta_1 beta_2", positive=True)
    g = sp.Symbol("g", positive=True)
    m1, v1 = (1 - b1) * g, (1 - b2) * g**2
    corrected = sp.simplify((m1 / (1 - b1)) / sp.sqrt(v1 / (1 - b2)))
    p.identity("t = 1 (ε = 0): m̂₁/√v̂₁ = 1 (times sign g): the first step is η", corrected, 1)
    raw = sp.simplify(m1 / sp.sqrt(v1))
    p.step("uncorrected first step m₁/√v₁ =", raw)
    at_defaults = raw.subs({b1: sp.Rational(9, 10), b2: sp.Rational(999, 1000)})
    p.identity("at β₁ = 0.9, β₂ = 0.999: √10 ≈ 3.16 (v is biased more than m)", at_defaults, sp.sqrt(10))
    p.identity("the myth's half-correction m₁/√v̂₁ (only m biased): 1 − β₁ = 0.1",
               (m1 / sp.sqrt(v1 / (1 - b2))).subs(b1, sp.Rational(9, 10)), sp.Rational(1, 10))


def experiment(p):
    import sympy as sp
    import torch

    beta_s, Eg_s, t_s, Em = _moments()
    debias = sp.lambdify((beta_s, t_s), sp.simplify(Em / Eg_s))  # the derived factor 1 − βᵗ
    gen = torch.Generator().manual_seed(p.seed)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double().to(p.device)
    X = torch.randn(128, 4, generator=gen, dtype=torch.float64).to(p.device)
    y = torch.randn(128, 1, generator=gen, dtype=torch.float64).to(p.device)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    opt = torch.optim.Adam(net.parameters(), lr=lr, betas=(b1, b2), eps=eps)
    params = list(net.parameters())
    m = [torch.zeros_like(q) for q in params]
    v = [torch.zeros_like(q) for q in params]
    worst, first_steps = 0.0, None
    for t in range(1, 26):
        idx = torch.randint(0, 128, (16,), generator=gen).to(p.device)
        opt.zero_grad()
        ((net(X[idx]) - y[idx]) ** 2).mean().backward()
        before = [q.detach().clone() for q in params]
        mine = []
        for q, mq, vq in zip(params, m, v):  # the derived update, by hand
            mq.mul_(b1).add_((1 - b1) * q.grad)
            vq.mul_(b2).add_((1 - b2) * q.grad**2)
            m_hat, v_hat = mq / debias(b1, t), vq / debias(b2, t)
            mine.append(q.detach() - lr * m_hat / (v_hat.sqrt() + eps))
        opt.step()
        worst = max(worst, max(float((q.detach() - w).abs().max()) for q, w in zip(params, mine)))
        if t == 1:
            first_steps = torch.cat([(b - q.detach()).abs().flatten() for b, q in zip(before, params)])
            first_grads = torch.cat([q.grad.abs().flatten() for q in params])
            w_scale = max(float(b.abs().max()) for b in before)  # rounding of w − Δ is a few ulp of |w|
            state = opt.state[params[0]]
            raw = (state["exp_avg"] / state["exp_avg_sq"].sqrt()).abs()
            grads0 = params[0].grad.abs()
    p.less("25 steps on a tanh MLP: max |torch Adam − derived m̂/(√v̂ + ε) update|", worst, 1e-13,
           id="adam_matches_torch")
    # m̂₁/(√v̂₁ + ε) = g₁/(|g₁| + ε): η for every weight whose |g₁| ≫ ε; a weight whose first gradient is
    # within a few orders of ε moves less (a fixed tolerance around η fails for some draws).
    p.allclose("first step, every weight: |Δw| vs η·|g₁|/(|g₁| + ε) (m̂₁/√v̂₁ = sign g, up to ε)", first_steps,
               lr * first_grads / (first_grads + eps), rtol=1e-12, atol=4 * 2.0**-53 * w_scale,
               id="first_step_is_lr")
    p.less("… and vs η itself, over weights with |g₁| > 1e-3: max |Δw/η − 1|",
           (first_steps[first_grads > 1e-3] / lr - 1).abs().max(), 1e-4)
    big = grads0 > 1e-3  # where ε = 1e-8 is negligible next to √v₁ = 0.03·|g|
    ratio = raw[big]
    if p.myth:  # the misconception: only m is biased towards 0 (v taken as if corrected)
        ratio = (state["exp_avg"] / (state["exp_avg_sq"] / (1 - b2)).sqrt()).abs()[big]
    p.close("uncorrected m₁/√v₁ from torch's state (exp_avg, exp_avg_sq), smallest over weights",
            ratio.min(), 10 ** 0.5, rtol=1e-6, id="uncorrected_first_step",
            refutes="without bias correction Adam's first steps would be too small")

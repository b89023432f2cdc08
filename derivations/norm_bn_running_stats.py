"""BatchNorm in train vs eval mode, and PyTorch's running-statistics update.

Symbolic: unroll the update running ← (1 − m)·running + m·batch_stat into an
exponentially weighted average, show it is Keras's form with momentum 1 − m, and
derive E[∑(xᵢ − x̄)²] = (n − 1)σ² — the reason running_var stores the unbiased
variance. Numeric: a hand-written BN (train and eval) and a hand-kept running
mean/var against torch.nn.BatchNorm1d's output and buffers over several batches;
Monte Carlo for the bias of the ÷n variance.
"""

TITLE = {
    "en": "BatchNorm train vs eval, and how PyTorch updates running_mean / running_var",
    "zh": "BatchNorm 的训练与推理模式，以及 PyTorch 如何更新 running_mean / running_var",
}
CLAIMS = [
    {
        "en": "Train mode normalises with the batch mean and the BIASED batch variance (÷n).",
        "zh": "训练模式用当前 batch 的均值和有偏方差（÷n）做归一化。",
    },
    {
        "en": "Each train-mode forward updates running ← (1 − momentum)·running + momentum·batch_stat with "
              "momentum = 0.1, and running_var is fed the UNBIASED batch variance (÷(n − 1)); the buffers "
              "start at running_mean = 0, running_var = 1.",
        "zh": "每次训练模式前向都执行 running ← (1 − momentum)·running + momentum·batch_stat，momentum = 0.1；"
              "running_var 用的是无偏方差（÷(n − 1)）；初值 running_mean = 0、running_var = 1。",
    },
    {
        "en": "Keras/TF write moving ← momentum·moving + (1 − momentum)·batch with momentum = 0.99: PyTorch's "
              "momentum m is Keras's 1 − m.",
        "zh": "Keras/TF 写作 moving ← momentum·moving + (1 − momentum)·batch，默认 momentum = 0.99："
              "PyTorch 的 momentum m 对应 Keras 的 1 − m。",
    },
    {
        "en": "Eval mode normalises with the running statistics only: no batch statistics, no buffer updates.",
        "zh": "推理模式只用 running 统计量归一化：不用 batch 统计量，也不更新缓冲区。",
    },
    {
        "en": "momentum=None makes the running statistics the plain average of all batch statistics so far.",
        "zh": "momentum=None 时 running 统计量是迄今所有 batch 统计量的简单平均。",
    },
    {
        "en": "E[(1/n)∑(xᵢ − x̄)²] = (n − 1)/n·σ²: the ÷n variance is biased low; ÷(n − 1) is unbiased.",
        "zh": "E[(1/n)∑(xᵢ − x̄)²] = (n − 1)/n·σ²：÷n 的方差偏小，÷(n − 1) 才无偏。",
    },
]


def derive(p):
    import sympy as sp

    m, k = sp.symbols("m k", positive=True)
    r0 = sp.Symbol("r0")
    s = sp.symbols("s1:4")

    r = r0
    for t, st in enumerate(s, start=1):
        r = (1 - m) * r + m * st
        if t == 1:
            p.step("PyTorch, one update: r₁ = (1 − m)·r₀ + m·s₁", r)
    p.step("Three updates, unrolled", sp.collect(sp.expand(r), s + (r0,)))
    ema = (1 - m) ** 3 * r0 + sum(m * (1 - m) ** (3 - t) * st for t, st in enumerate(s, start=1))
    p.identity("r₃ = (1 − m)³r₀ + ∑ₜ m(1 − m)³⁻ᵗ sₜ: an exponentially weighted average", sp.expand(r), sp.expand(ema),
               shown=sp.Eq(sp.Symbol("r₃"), ema))
    T = sp.Symbol("T", positive=True, integer=True)
    j = sp.Symbol("j", integer=True, nonnegative=True)
    weights = sp.summation(m * (1 - m) ** j, (j, 0, T - 1)) + (1 - m) ** T
    p.identity("the weights m(1 − m)ʲ on the batches plus (1 − m)ᵀ on r₀ sum to 1", sp.simplify(weights), 1,
               shown=sp.Eq(sp.Symbol("∑ⱼ₌₀ᵀ⁻¹ m(1 − m)ʲ + (1 − m)ᵀ"), 1))

    keras = k * r0 + (1 - k) * s[0]
    p.step("Keras/TF, one update: moving = k·moving + (1 − k)·batch (default k = 0.99)", keras)
    p.identity("Keras with k = 1 − m is the PyTorch update", keras.subs(k, 1 - m), (1 - m) * r0 + m * s[0],
               shown=sp.Eq(sp.Symbol("k·r₀ + (1 − k)·s₁ at k = 1 − m"), (1 - m) * r0 + m * s[0]))

    # E[∑(xᵢ − x̄)²] for n independent draws with mean μ and variance σ²:
    # expand, then replace E[xᵢ²] = σ² + μ² and E[xᵢxⱼ] = μ² (i ≠ j).
    n = 4
    xs = sp.symbols(f"x1:{n + 1}")
    mu, sigma = sp.symbols("mu sigma", positive=True)
    xbar = sum(xs) / n
    ss = sp.expand(sum((x - xbar) ** 2 for x in xs))
    p.step(f"n = {n}: ∑(xᵢ − x̄)² expanded", ss)
    poly = sp.Poly(ss, *xs)
    expectation = sum(coeff * (sigma ** 2 + mu ** 2 if 2 in mon else mu ** 2) for mon, coeff in poly.terms())
    p.step("Take expectations term by term: E[xᵢ²] = σ² + μ², E[xᵢxⱼ] = μ²", sp.expand(expectation))
    p.identity("E[∑(xᵢ − x̄)²] = (n − 1)σ², so E[biased var] = (n − 1)/n·σ²", expectation, (n - 1) * sigma ** 2)


class _MythBN:
    """The misconceptions the cards refute, as a BatchNorm1d stand-in (p.myth): "unbiased" normalises
    with the ÷(n − 1) variance; "biased_running" feeds the ÷n variance into running_var; "keras" puts the
    momentum on the OLD value (running ← 0.1·running + 0.9·batch); "zero_init" starts running_var at 0;
    "no_eps" drops ε in eval mode."""

    def __init__(self, torch, features, mistake, dtype, device):
        self.torch, self.mistake = torch, mistake
        self.running_mean = torch.zeros(features, dtype=dtype, device=device)
        self.running_var = (torch.zeros if mistake == "zero_init" else torch.ones)(features, dtype=dtype, device=device)
        self.num_batches_tracked = torch.tensor(0)
        self.training = True

    def eval(self):
        self.training = False

    def __call__(self, x, eps=1e-5, mom=0.1):
        if not self.training:
            eps = 0.0 if self.mistake == "no_eps" else eps
            return (x - self.running_mean) / self.torch.sqrt(self.running_var + eps)
        mean = x.mean(0)
        var_b = x.var(0, correction=0)
        var_u = x.var(0, correction=1)
        old, new = (mom, 1 - mom) if self.mistake == "keras" else (1 - mom, mom)
        self.running_mean = old * self.running_mean + new * mean
        self.running_var = old * self.running_var + new * (var_b if self.mistake == "biased_running" else var_u)
        self.num_batches_tracked += 1
        return (x - mean) / self.torch.sqrt((var_u if self.mistake == "unbiased" else var_b) + eps)


def experiment(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    dt, dev, eps, mom = torch.float64, p.device, 1e-5, 0.1
    F, n, T = 4, 6, 5

    def subject(mistake):
        """The BatchNorm under test: the real nn.BatchNorm1d, or (p.myth) the misconception's version."""
        if p.myth:
            return _MythBN(torch, F, mistake, dt, dev)
        return torch.nn.BatchNorm1d(F, dtype=dt).to(dev)  # defaults: momentum 0.1, eps 1e-5

    bn = torch.nn.BatchNorm1d(F, dtype=dt).to(dev)
    p.allclose("initial running_mean = 0", bn.running_mean, torch.zeros(F), id="initial_running_mean")
    p.allclose("initial running_var = 1", subject("zero_init").running_var, torch.ones(F), id="initial_running_var",
               refutes="running_var starts at 0")
    # Three copies of the module under test, one per misconception; in the normal run all three are the
    # real nn.BatchNorm1d and see the same batches.
    tested = {mistake: subject(mistake) for mistake in ("unbiased", "biased_running", "keras", "no_eps")}

    r_mean = torch.zeros(F, dtype=dt, device=dev)
    r_var = torch.ones(F, dtype=dt, device=dev)
    r_var_biased = r_var.clone()  # what the update would give with the ÷n variance
    r_keras_misread = r_var.clone()  # momentum read the Keras way: 0.1 on the OLD value
    train_gap = unbiased_gap = 0.0
    for _ in range(T):
        x = (torch.randn(n, F, generator=g, dtype=dt) * 2 + 3).to(dev)
        with torch.no_grad():
            y = tested["unbiased"](x)  # train mode
            bn(x)
            tested["biased_running"](x)
            tested["keras"](x)
            tested["no_eps"](x)
        mean = x.mean(0)
        var_b = ((x - mean) ** 2).sum(0) / n
        var_u = ((x - mean) ** 2).sum(0) / (n - 1)
        train_gap = max(train_gap, float((y - (x - mean) / torch.sqrt(var_b + eps)).abs().max()))
        unbiased_gap = max(unbiased_gap, float((y - (x - mean) / torch.sqrt(var_u + eps)).abs().max()))
        r_mean = (1 - mom) * r_mean + mom * mean
        r_var = (1 - mom) * r_var + mom * var_u
        r_var_biased = (1 - mom) * r_var_biased + mom * var_b
        r_keras_misread = mom * r_keras_misread + (1 - mom) * var_u

    p.less("train output vs (x − μ_B)/√(σ²_biased + ε), max |Δ| over batches", train_gap, 1e-12,
           id="train_output_biased_var", refutes="training-mode BatchNorm normalises with the ÷(n − 1) variance")
    p.greater("…the same with the unbiased variance does NOT match, max |Δ|", unbiased_gap, 1e-3,
              id="train_output_unbiased_differs")
    p.allclose(f"running_mean after {T} batches vs hand EMA (m = 0.1)", bn.running_mean, r_mean, rtol=1e-12,
               id="running_mean_ema")
    p.allclose(f"running_var after {T} batches vs hand EMA of the UNBIASED var", tested["biased_running"].running_var,
               r_var, rtol=1e-12, id="running_var_unbiased_ema",
               refutes="running_var averages the biased (÷n) batch variances")
    p.greater("|running_var − EMA of the biased var| (the ÷n guess is wrong)",
              (bn.running_var - r_var_biased).abs().max(), 1e-3, id="running_var_not_biased_ema")
    p.greater("|running_var − EMA with 0.1 on the old value| (the Keras reading is wrong)",
              (tested["keras"].running_var - r_keras_misread).abs().max(), 1e-3, id="keras_momentum_reading",
              refutes="PyTorch's momentum=0.1 weights the old running value by 0.1, as Keras's momentum does")
    p.equal("num_batches_tracked", int(bn.num_batches_tracked), T, id="num_batches_tracked")

    # Eval: the running statistics, nothing else; the buffers do not move.
    bn.eval()
    tested["no_eps"].eval()
    x = (torch.randn(8, F, generator=g, dtype=dt) * 2 + 3).to(dev)
    before = bn.running_mean.clone()
    with torch.no_grad():
        y = bn(x)
        y_alone = bn(x[:1])
        y_tested = tested["no_eps"](x)
    p.allclose("eval output vs (x − running_mean)/√(running_var + ε)", y_tested,
               (x - r_mean) / torch.sqrt(r_var + eps), rtol=1e-10, atol=1e-12, id="eval_output_with_eps",
               refutes="BatchNorm drops ε in eval mode")
    p.allclose("eval: sample 0 alone gives the same output as inside the batch", y_alone, y[:1], rtol=1e-12)
    p.allclose("eval leaves running_mean untouched", bn.running_mean, before, rtol=0.0)

    # momentum=None: cumulative average (factor 1/t at step t).
    cma = torch.nn.BatchNorm1d(F, momentum=None, dtype=dt).to(dev)
    means = []
    for _ in range(T):
        x = (torch.randn(n, F, generator=g, dtype=dt) + 1).to(dev)
        with torch.no_grad():
            cma(x)
        means.append(x.mean(0))
    p.allclose("momentum=None: running_mean = plain average of the batch means", cma.running_mean,
               torch.stack(means).mean(0), rtol=1e-12)

    # Monte Carlo: E[biased var] = (n − 1)/n·σ², E[unbiased var] = σ².
    reps, sigma2 = (20000 if p.quick else 1_000_000), 4.0
    draws = torch.randn(reps, n, generator=g, dtype=dt).to(dev) * sigma2 ** 0.5 + 3
    vb = draws.var(dim=1, correction=0)
    vu = draws.var(dim=1, correction=1)
    se_b = float(vb.std() / reps ** 0.5)
    se_u = float(vu.std() / reps ** 0.5)
    p.close(f"Monte Carlo mean of the ÷n variance (n = {n}), ±4 SE", vb.mean(), (n - 1) / n * sigma2, rtol=0, atol=4 * se_b)
    p.close("Monte Carlo mean of the ÷(n − 1) variance, ±4 SE", vu.mean(), sigma2, rtol=0, atol=4 * se_u)
    p.greater("gap σ² − E[÷n variance] in standard errors (the bias is real)", (sigma2 - vb.mean()) / se_b, 10)

"""Output layer + loss = a likelihood: sigmoid+BCE, softmax+CE, identity+MSE are negative log-likelihoods.

Symbolic: −log Bernoulli(y | σ(z)) = softplus(z) − y·z, which is binary cross-entropy on the
logit; −log Categorical(c | softmax(z)) = logsumexp(z) − z_c, the cross-entropy; and
−log N(y | f, s²) = (y − f)²/(2s²) + ½·log(2πs²), so with s fixed minimising it is
minimising the squared error — mind the ½: it is ½(y − f)² + const for s = 1, not (y − f)².

Numeric: torch.distributions log-probabilities against F.binary_cross_entropy_with_logits,
F.cross_entropy, F.mse_loss and F.gaussian_nll_loss on random data.
"""

TITLE = {
    "en": "Output activation + loss as maximum likelihood (Bernoulli, categorical, Gaussian)",
    "zh": "输出激活 + 损失即最大似然（伯努利、类别分布、高斯）",
}
CLAIMS = [
    {
        "en": "Sigmoid + BCE is the Bernoulli negative log-likelihood: −log p(y|z) = softplus(z) − y·z.",
        "zh": "Sigmoid + BCE 就是伯努利负对数似然：−log p(y|z) = softplus(z) − y·z。",
    },
    {
        "en": "Softmax + cross-entropy is the categorical negative log-likelihood: logsumexp(z) − z_c.",
        "zh": "Softmax + 交叉熵就是类别分布的负对数似然：logsumexp(z) − z_c。",
    },
    {
        "en": "Identity + MSE is the Gaussian negative log-likelihood with fixed variance: "
              "−log N(y|f, 1) = ½(y − f)² + ½·log 2π.",
        "zh": "恒等输出 + MSE 是方差固定的高斯负对数似然：−log N(y|f, 1) = ½(y − f)² + ½·log 2π。",
    },
]


def derive(p):
    import sympy as sp

    z, y, f = sp.symbols("z y f", real=True)
    s = sp.symbols("s", positive=True)
    q = 1 / (1 + sp.exp(-z))
    bern = -(y * sp.log(q) + (1 - y) * sp.log(1 - q))
    p.step("−log Bernoulli(y | q), q = σ(z): the binary cross-entropy", bern)
    softplus = sp.log(1 + sp.exp(z))
    # log σ(z) = z − softplus(z) and log(1 − σ(z)) = −softplus(z); check both, then substitute.
    p.identity("log σ(z) = z − softplus(z) (compared after exp, which is one-to-one)", sp.exp(sp.log(q)), sp.exp(z - softplus))
    p.identity("log(1 − σ(z)) = −softplus(z) (likewise)", sp.exp(sp.log(1 - q)), sp.exp(-softplus))
    bce = sp.expand(-(y * (z - softplus) + (1 - y) * (-softplus)))
    p.step("Substitute and collect", bce)
    p.identity("BCE on the logit = softplus(z) − y·z", bce, softplus - y * z)

    zs = sp.symbols("z1:4", real=True)
    lse = sp.log(sum(sp.exp(t) for t in zs))
    onehot = (0, 1, 0)  # the true class is c = 2
    cat = -sum(yk * sp.log(sp.exp(zk) / sp.exp(lse)) for yk, zk in zip(onehot, zs))
    p.step("−log Categorical(c = 2 | softmax(z)) = −Σ y_k log softmax(z)_k", cat)
    p.identity("… = logsumexp(z) − z_c", sp.expand_log(cat, force=True), lse - zs[1])

    gauss = -sp.log(sp.exp(-(y - f) ** 2 / (2 * s**2)) / sp.sqrt(2 * sp.pi * s**2))
    p.step("−log N(y | f, s²)", gauss)
    p.identity("= (y − f)²/(2s²) + ½·log(2πs²)", sp.expand_log(sp.expand(gauss), force=True),
               sp.expand_log(sp.expand((y - f) ** 2 / (2 * s**2) + sp.log(2 * sp.pi * s**2) / 2), force=True))
    ys = sp.symbols("y1:4", real=True)
    total = sum((yi - f) ** 2 / (2 * s**2) for yi in ys)
    p.identity("minimising over a constant prediction f gives the mean, whatever s",
               sp.solve(sp.diff(total, f), f)[0], sum(ys) / 3)


def experiment(p):
    import math

    import torch
    import torch.nn.functional as F
    from torch.distributions import Bernoulli, Categorical, Normal

    g = torch.Generator().manual_seed(p.seed)
    f64, dev = torch.float64, p.device
    z = (torch.randn(64, generator=g, dtype=f64) * 3).to(dev)
    y = (torch.rand(64, generator=g, dtype=f64) < 0.5).to(f64).to(dev)
    p.allclose("F.binary_cross_entropy_with_logits vs −Bernoulli(logits=z).log_prob(y)",
               F.binary_cross_entropy_with_logits(z, y, reduction="none"), -Bernoulli(logits=z).log_prob(y),
               rtol=1e-12, atol=1e-14)
    p.allclose("… vs softplus(z) − y·z", F.binary_cross_entropy_with_logits(z, y, reduction="none"),
               F.softplus(z) - y * z, rtol=1e-12, atol=1e-14)

    logits = (torch.randn(64, 5, generator=g, dtype=f64) * 2).to(dev)
    target = torch.randint(0, 5, (64,), generator=g).to(dev)
    p.allclose("F.cross_entropy vs −Categorical(logits).log_prob(c)", F.cross_entropy(logits, target, reduction="none"),
               -Categorical(logits=logits).log_prob(target), rtol=1e-12, atol=1e-14)
    p.allclose("… vs logsumexp(z) − z_c", F.cross_entropy(logits, target, reduction="none"),
               torch.logsumexp(logits, 1) - logits.gather(1, target[:, None]).squeeze(1), rtol=1e-12, atol=1e-14)

    pred = torch.randn(64, generator=g, dtype=f64).to(dev)
    obs = torch.randn(64, generator=g, dtype=f64).to(dev)
    nll = -Normal(pred, 1.0).log_prob(obs)
    p.allclose("−Normal(f, 1).log_prob(y) vs ½·F.mse_loss(f, y, 'none') + ½·log 2π", nll,
               0.5 * F.mse_loss(pred, obs, reduction="none") + 0.5 * math.log(2 * math.pi), rtol=1e-12)
    var = torch.full_like(pred, 1.0)
    p.close("F.gaussian_nll_loss(full=True, var=1) vs mean of −Normal(f, 1).log_prob(y)",
            F.gaussian_nll_loss(pred, obs, var, full=True), nll.mean(), rtol=1e-12)
    # The squared-error part of the Gaussian NLL: ½(y − f)², not (y − f)² as a widely copied
    # formula has it (p.myth uses that formula: the row must then fail).
    half = 1.0 if p.myth else 0.5
    p.allclose("−log N(y|f,1) − ½·log 2π vs ½(y − f)²", nll - 0.5 * math.log(2 * math.pi),
               half * (obs - pred) ** 2, rtol=1e-12, atol=1e-14, id="gaussian_nll_half_squared_error",
               refutes="the unit-variance Gaussian NLL is Σ(y − f)² + const")
    # A multi-class output must be a probability vector: softmax is, tanh (p.myth) is not.
    out = torch.tanh(logits) if p.myth else torch.softmax(logits, 1)
    worst = float((out.sum(1) - 1).abs().max() + (-out).clamp(min=0).max())
    p.less("softmax outputs as class probabilities: max |Σ − 1| + largest negative entry", worst, 1e-12,
           id="multiclass_output_is_distribution", refutes="tanh is an output for multi-class classification")

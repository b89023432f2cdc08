"""Inverted dropout (torch.nn.Dropout) keeps the expectation at train time; the eval pass is the identity.

Symbolic: with keep mask m ~ Bernoulli(1 − p), E[m·x/(1 − p)] = x and
Var = x²·p/(1 − p); without the 1/(1 − p) scaling the train-time mean is
(1 − p)x, which is why the original recipe multiplies by (1 − p) at test time.
Numeric, with the real nn.Dropout: every train-mode output is 0 or x/(1 − p);
the zeroed fraction is p (the DROP probability) within 4 standard errors for
p = 0.2 and p = 0.8; the Monte Carlo mean and variance match x and x²p/(1 − p)
within 4 standard errors; eval mode returns x unchanged; the backward pass
multiplies the gradient by mask/(1 − p); the train-mode mean is x, far from the
(1 − p)x that the original recipe's test pass outputs.
Counterfactual (p.myth): the convention rows run a layer whose p is the keep
probability; the recipe rows run the original recipe (no scaling in training,
× (1 − p) in eval mode) in place of nn.Dropout.
"""

TITLE = {
    "en": "Inverted dropout: what torch.nn.Dropout does, and what p means",
    "zh": "反向缩放的 Dropout：torch.nn.Dropout 做了什么，p 的含义",
}
CLAIMS = [
    {
        "en": "torch.nn.Dropout(p) in train mode zeroes each element with probability p (p is the DROP probability) "
              "and multiplies the kept ones by 1/(1 − p); in eval mode it is the identity.",
        "zh": "torch.nn.Dropout(p) 在训练模式下以概率 p 把每个元素置零（p 是丢弃概率），保留的元素乘以 1/(1 − p)；"
              "eval 模式下是恒等映射。",
    },
    {
        "en": "The scaling keeps the expectation: E[output] = x, with variance x²·p/(1 − p); so no rescaling is "
              "needed at test time.",
        "zh": "这一缩放保持期望不变：E[输出] = x，方差为 x²·p/(1 − p)；因此测试时无需再缩放。",
    },
    {
        "en": "Without the train-time scaling (the original recipe) the train-time mean is (1 − p)x, so the "
              "test-time output must be multiplied by (1 − p) — the keep probability — instead.",
        "zh": "若训练时不缩放（原始做法），训练时均值为 (1 − p)x，测试时就必须把输出乘以保留概率 (1 − p)。",
    },
]


def derive(p):
    import sympy as sp

    x = sp.symbols("x", real=True)
    pd = sp.symbols("p", positive=True)  # drop probability, 0 < p < 1
    keep = 1 - pd
    outcomes = [(0, pd), (1, keep)]  # mask value, its probability

    def expect(f):
        return sp.simplify(sum(prob * f(m) for m, prob in outcomes))

    inverted = expect(lambda m: m * x / keep)
    p.step("Inverted dropout y = m·x/(1 − p), m ∈ {0, 1}, P(m = 1) = 1 − p: E[y] = p·0 + (1 − p)·x/(1 − p)",
           inverted)
    p.identity("E[y] = x", inverted, x)
    variance = sp.factor(expect(lambda m: (m * x / keep) ** 2) - inverted**2)
    p.step("E[y²] − E[y]²", variance)
    p.identity("Var[y] = x²·p/(1 − p)", variance, x**2 * pd / (1 - pd))
    plain = expect(lambda m: m * x)
    p.step("Without the scaling (y = m·x): E[y]", plain)
    p.identity("E[m·x] = (1 − p)x: the test pass must then output (1 − p)x to match", plain, (1 - pd) * x)
    p.step("Gradient of y = m·x/(1 − p) w.r.t. x: the same mask and scale as the forward pass",
           sp.diff(sp.Symbol("m") * x / keep, x))


class _KeepProbDropout:
    """The myth that p is the KEEP probability (Srivastava et al.'s convention): zero with probability 1 − p."""

    def __init__(self, p, gen):
        self.p, self.gen, self.training = p, gen, True

    def __call__(self, x):
        import torch

        keep = (torch.rand(x.shape, generator=self.gen, dtype=x.dtype) < self.p).to(x)
        return x * keep / self.p if self.training else x


class _OriginalDropout(_KeepProbDropout):
    """The myth that nn.Dropout is the original recipe: drop with probability p, no scaling in
    training, output × (1 − p) in eval mode."""

    def __call__(self, x):
        import torch

        if not self.training:
            return x * (1 - self.p)
        return x * (torch.rand(x.shape, generator=self.gen, dtype=x.dtype) >= self.p).to(x)

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self


def experiment(p):
    import math

    import torch

    torch.manual_seed(p.seed)  # nn.Dropout draws from the global generator
    g = torch.Generator().manual_seed(p.seed)
    myth_gen = torch.Generator().manual_seed(p.seed + 1)
    n = 4000 if p.quick else 100000
    d = 64
    x = (torch.rand(d, generator=g, dtype=torch.float64) + 0.5).to(p.device)  # positive, away from 0
    X = x.expand(n, d).contiguous()
    def zeroed(drop):
        """Zeroed fraction of nn.Dropout(drop) in train mode (kept outputs checked), and its standard error."""
        layer = _KeepProbDropout(drop, myth_gen) if p.myth else torch.nn.Dropout(drop).to(p.device).train()
        out = layer(X)
        kept = out != 0
        p.allclose(f"p = {drop}: kept outputs equal x/(1 − p)", out[kept], (X / (1 - drop))[kept], rtol=1e-14)
        return 1 - kept.double().mean(), math.sqrt(drop * (1 - drop) / (n * d))

    frac, se = zeroed(0.2)
    p.close(f"nn.Dropout(p = 0.2): zeroed fraction (±4 SE = {4 * se:.1e})", frac, 0.2, rtol=0, atol=4 * se,
            id="zeroed_fraction_p02", refutes="p is the probability of keeping a unit")
    frac, se = zeroed(0.8)
    p.close(f"nn.Dropout(p = 0.8): zeroed fraction (±4 SE = {4 * se:.1e})", frac, 0.8, rtol=0, atol=4 * se,
            id="zeroed_fraction_p08", refutes="p is the probability of keeping a unit")

    drop = 0.3
    layer = _OriginalDropout(drop, myth_gen) if p.myth else torch.nn.Dropout(drop).to(p.device)
    Xg = X.clone().requires_grad_(True)
    out = layer.train()(Xg)
    ratio = out.detach() / X  # each entry is 0 or 1/(1 − p): the same law for every unit
    mean, sd = ratio.mean(), ratio.std()
    p.close("train mode: E[y/x] over all draws (±4 SE)", mean, 1.0, rtol=0, atol=4 * float(sd) / math.sqrt(n * d),
            id="train_mean_preserved", refutes="dropout does not rescale in training")
    sq = (ratio - 1) ** 2
    p.close("train mode: Var[y/x] vs p/(1 − p) (±4 SE)", sq.mean(), drop / (1 - drop), rtol=0,
            atol=4 * float(sq.std()) / math.sqrt(n * d))
    unit_means = out.detach().mean(0)
    unit_se = out.detach().std(0) / math.sqrt(n)
    p.less("train mode: largest |mean − x| / SE over 64 units", ((unit_means - x).abs() / unit_se).max(), 4.5)
    out.sum().backward()
    p.allclose("backward: ∂(Σy)/∂x = mask/(1 − p)", Xg.grad, (out.detach() != 0).double() / (1 - drop), rtol=1e-14)
    with torch.no_grad():
        eval_out = layer.eval()(X)
        p.equal("eval mode: max |nn.Dropout(x) − x|", float((eval_out - X).abs().max()), 0.0,
                id="dropout_eval_identity", refutes="nn.Dropout multiplies by (1 − p) at test time")
    # The original recipe's test pass outputs (1 − p)x. nn.Dropout's train-mode mean is x, not that:
    # porting a model trained one way to the other's test pass is off by the factor 1 − p.
    z_recipe = ((unit_means - (1 - drop) * x).abs() / unit_se).min()
    p.greater("nn.Dropout's train-mode mean vs the original recipe's test output (1 − p)x: smallest gap / SE "
              "over 64 units", z_recipe, 10, id="not_original_recipe",
              refutes="nn.Dropout is the original recipe: no scaling in training, × (1 − p) at test")

"""Dropout as an ensemble: for one softmax layer, weight scaling IS the geometric-mean ensemble.

Symbolic: with dropout on the inputs of a softmax layer, each mask m defines a
sub-network with logits z(m) = W(m ⊙ x)/q + b (q = 1 − p, inverted scaling).
In the log of the mask-probability-weighted geometric mean of the softmaxes,
the log-sum-exp terms are shared by all classes and cancel after
renormalisation, leaving logits E_m[z(m)] = Wx + b: exactly the eval-mode
(weight-scaled) network. Shown for two inputs and two classes by enumerating
all four masks.
Numeric (float64): enumerate all 2¹² masks of a 12-input, 5-class layer; the
renormalised geometric mean equals the eval-mode output of the real
nn.Sequential(nn.Dropout, nn.Linear) to ~1e-12. The arithmetic mean of the
2¹² softmaxes (the plain ensemble average) is a different quantity, and with a
hidden ReLU layer the eval pass no longer equals the geometric mean either. In
training, nn.Dropout draws an independent mask for every example of a batch, so
one step trains as many sampled sub-networks as the batch has examples.
Counterfactual (p.myth): one mask shared by the whole batch.
"""

TITLE = {
    "en": "Dropout as an implicit ensemble: weight scaling = geometric mean for a softmax layer",
    "zh": "Dropout 是隐式集成：对单个 softmax 层，权重缩放恰等于几何平均集成",
}
CLAIMS = [
    {
        "en": "Training with dropout trains 2ⁿ weight-sharing sub-networks (one per mask, a fresh mask for every "
              "example); the eval pass of a "
              "single linear + softmax layer equals the renormalised, probability-weighted geometric mean of all "
              "sub-networks' softmax outputs exactly.",
        "zh": "带 Dropout 训练相当于训练 2ⁿ 个共享权重的子网络（每个掩码一个，每个样本各抽一个掩码）；对单个线性 + softmax 层，"
              "eval 前向恰好等于所有子网络 softmax 输出按概率加权、再归一化的几何平均。",
    },
    {
        "en": "It is an approximation otherwise: the arithmetic ensemble average is a different quantity, and with a "
              "hidden non-linearity the eval pass is no longer the geometric mean either.",
        "zh": "其他情况下只是近似：算术平均集成是另一个量；有非线性隐藏层时 eval 前向也不再等于几何平均。",
    },
]


def derive(p):
    import itertools

    import sympy as sp

    x1, x2, b1, b2 = sp.symbols("x_1 x_2 b_1 b_2", real=True)
    W = sp.Matrix(2, 2, sp.symbols("w_11 w_12 w_21 w_22", real=True))
    q = sp.symbols("q", positive=True)  # keep probability 1 − p
    x, b = sp.Matrix([x1, x2]), sp.Matrix([b1, b2])

    def log_softmax(z):
        return [sp.log(sp.exp(z[k]) / (sp.exp(z[0]) + sp.exp(z[1]))) for k in range(2)]

    log_gm = [0, 0]  # log of the weighted geometric mean, before renormalisation
    for mask in itertools.product([0, 1], repeat=2):
        prob = sp.Mul(*[q if m else 1 - q for m in mask])
        z = W * sp.Matrix([m * xi / q for m, xi in zip(mask, x)]) + b
        for k, value in enumerate(log_softmax(z)):
            log_gm[k] += prob * value
    log_odds = sp.expand(sp.expand_log(log_gm[0] - log_gm[1], force=True))
    p.step("Σ_m P(m)·[log softmax₁ − log softmax₂] over the 4 masks (the log-sum-exp terms cancel)", log_odds)
    z_eval = W * x + b
    p.identity("= z₁ − z₂ of the eval network Wx + b: the renormalised geometric mean is softmax(Wx + b)",
               log_odds, z_eval[0] - z_eval[1])
    sigma = lambda v: 1 / (1 + sp.exp(-v))  # noqa: E731
    arith = (sigma(2) + sigma(0)) / 2
    p.step("The arithmetic mean is different. One input, keep ½, sub-network logits 2 or 0: "
           "mean of σ minus σ(mean logit) =", sp.N(arith - sigma(1), 6))

def _masks(n, q, device):
    import itertools

    import torch

    masks = torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)), dtype=torch.float64, device=device)
    kept = masks.sum(1)
    log_prob = kept * torch.log(torch.tensor(q, dtype=torch.float64)) + (n - kept) * torch.log(
        torch.tensor(1 - q, dtype=torch.float64))
    return masks, log_prob.to(device).exp()


def experiment(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    n, k, drop = (12, 5, 0.3) if p.quick else (16, 10, 0.5)
    q = 1 - drop
    model = torch.nn.Sequential(torch.nn.Dropout(drop), torch.nn.Linear(n, k, dtype=torch.float64))
    with torch.no_grad():
        model[1].weight.copy_(torch.randn(k, n, generator=g, dtype=torch.float64))
        model[1].bias.copy_(torch.randn(k, generator=g, dtype=torch.float64))
    model = model.to(p.device)
    x = torch.randn(n, generator=g, dtype=torch.float64).to(p.device)
    masks, prob = _masks(n, q, p.device)
    p.close("mask probabilities sum to 1", prob.sum(), 1.0, rtol=1e-12)
    with torch.no_grad():
        sub_logits = model[1](masks * x / q)  # every sub-network, with nn.Dropout's 1/q scaling
        log_gm = (prob[:, None] * torch.log_softmax(sub_logits, dim=1)).sum(0)
        geometric = torch.softmax(log_gm, dim=0)
        arithmetic = (prob[:, None] * torch.softmax(sub_logits, dim=1)).sum(0)
        eval_out = torch.softmax(model.eval()(x), dim=0)
    p.allclose(f"renormalised geometric mean over all 2^{n} masks vs eval-mode nn.Dropout → nn.Linear → softmax",
               geometric, eval_out, rtol=0, atol=1e-12, id="geometric_mean_is_eval")
    with torch.no_grad():
        unweighted = torch.log_softmax(torch.log_softmax(sub_logits, dim=1).mean(0), dim=0)
    p.greater(f"the unweighted geometric mean (every mask alike; p = {drop}, so they are not equally likely) vs the "
              "eval output, as log-probabilities: max |Δ|", (unweighted - torch.log(eval_out)).abs().max(), 1e-3,
              id="unweighted_geometric_mean_differs")
    gap = (arithmetic - eval_out).abs().max()
    p.greater("arithmetic ensemble mean vs eval output: max |Δ| (not equal)", gap, 1e-4, id="arithmetic_mean_differs")

    # A hidden ReLU layer breaks the identity.
    hidden = 8
    deep = torch.nn.Sequential(torch.nn.Dropout(drop), torch.nn.Linear(n, hidden, dtype=torch.float64),
                               torch.nn.ReLU(), torch.nn.Linear(hidden, k, dtype=torch.float64))
    with torch.no_grad():
        for param in deep.parameters():
            param.copy_(torch.randn(param.shape, generator=g, dtype=torch.float64))
    deep = deep.to(p.device)
    with torch.no_grad():
        sub = deep[1:](masks * x / q)
        # compared as log-probabilities: softmax outputs saturate (a dominant class leaves probabilities
        # within 1e-9 of each other even when the logits disagree clearly)
        geo_deep = torch.log_softmax((prob[:, None] * torch.log_softmax(sub, dim=1)).sum(0), dim=0)
        eval_deep = torch.log_softmax(deep.eval()(x), dim=0)
    p.greater("with a hidden ReLU: log of the renormalised geometric mean vs eval log-softmax, max |Δ| "
              "(no longer exact)", (geo_deep - eval_deep).abs().max(), 1e-6, id="hidden_relu_not_exact")

    # Which sub-networks does one training step train? nn.Dropout draws a mask per example (per element),
    # so a minibatch of B examples trains B sampled sub-networks, not one.
    batch, width = 64, 100
    torch.manual_seed(p.seed)  # nn.Dropout draws from the global generator
    ones = torch.ones(batch, width, dtype=torch.float64, device=p.device)
    if p.myth:  # the myth: one sub-network per step, i.e. one mask shared by the whole batch
        shared = (torch.rand(1, width, generator=g, dtype=torch.float64) >= drop).double().to(p.device)
        masks_used = (ones * shared / q) != 0
    else:
        masks_used = torch.nn.Dropout(drop).train()(ones) != 0
    p.equal(f"distinct dropout masks in one training batch of {batch} examples (nn.Dropout, {width} units)",
            int(torch.unique(masks_used, dim=0).shape[0]), batch, id="mask_per_example",
            refutes="each training step trains one sub-network")

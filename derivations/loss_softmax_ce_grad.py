"""The gradient of softmax + cross-entropy with respect to the logits is p − y.

Symbolic: with K = 3 logits, the softmax Jacobian is ∂pᵢ/∂zⱼ = pᵢ(δᵢⱼ − pⱼ), i.e.
diag(p) − ppᵀ; chaining it with ∂(−Σ yᵢ log pᵢ)/∂pᵢ = −yᵢ/pᵢ gives pⱼ·Σyᵢ − yⱼ = pⱼ − yⱼ
whenever the target sums to 1 (one-hot or soft). So the gradient is a K-vector per example
whose entries sum to zero — not the scalar sum of −y/ŷ.

Numeric: autograd through F.cross_entropy (class indices, probability targets, label
smoothing; mean over N) against (p − y)/N, the softmax Jacobian from
torch.autograd.functional.jacobian against diag(p) − ppᵀ, and a central difference.
"""

TITLE = {
    "en": "Softmax + cross-entropy gradient w.r.t. the logits is p − y",
    "zh": "Softmax + 交叉熵对 logits 的梯度为 p − y",
}
CLAIMS = [
    {
        "en": "The softmax Jacobian is diag(p) − ppᵀ.",
        "zh": "Softmax 的雅可比矩阵为 diag(p) − ppᵀ。",
    },
    {
        "en": "∂CE/∂z = p − y for any target y that sums to 1 (one-hot, soft, label-smoothed); "
              "F.cross_entropy's mean reduction divides by N; each row of the gradient sums to 0.",
        "zh": "对任意和为 1 的目标 y（one-hot、软标签、标签平滑），∂CE/∂z = p − y；"
              "F.cross_entropy 的 mean 归约除以 N；梯度每行之和为 0。",
    },
]


def derive(p):
    import sympy as sp

    K = 3
    z = sp.Matrix(sp.symbols(f"z1:{K + 1}", real=True))
    y = sp.Matrix(sp.symbols(f"y1:{K + 1}", nonnegative=True))
    denom = sum(sp.exp(t) for t in z)
    probs = sp.Matrix([sp.exp(t) / denom for t in z])
    J = probs.jacobian(z)
    p.step("softmax p(z), K = 3", probs.T)
    p.identity("∂pᵢ/∂zⱼ = pᵢ(δᵢⱼ − pⱼ): the Jacobian is diag(p) − ppᵀ", J, sp.diag(*probs) - probs * probs.T)
    ce = -sum(y[i] * sp.log(probs[i]) for i in range(K))
    grad = sp.Matrix([sp.diff(ce, t) for t in z])
    p.step("∂/∂z of CE = −Σ yᵢ log pᵢ", grad)
    closed = probs * sum(y) - y
    # The difference is a rational function of the exp(zᵢ): cancel() zeroes it in ~0.04 s where simplify() takes ~0.3 s.
    p.identity("∂CE/∂z = p·Σyᵢ − y", (grad - closed).applyfunc(sp.cancel), sp.zeros(K, 1),
               shown=sp.Eq(sp.Symbol("∂CE/∂z"), closed, evaluate=False))
    p.step("with Σyᵢ = 1 (one-hot or any distribution) this is p − y")
    p.identity("its entries sum to Σpᵢ − Σyᵢ = 1 − 1 = 0",
               sum(closed.subs(y[K - 1], 1 - sum(y[:K - 1]))), 0)


def experiment(p):
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(p.seed)
    f64, dev = torch.float64, p.device
    N, K = 64, 5
    logits = (torch.randn(N, K, generator=g, dtype=f64) * 2).to(dev).requires_grad_()
    probs = torch.softmax(logits.detach(), 1)
    labels = torch.randint(0, K, (N,), generator=g).to(dev)
    onehot = F.one_hot(labels, K).to(f64)
    soft = torch.softmax(torch.randn(N, K, generator=g, dtype=f64), 1).to(dev)
    eps = 0.1
    cases = (
        ("class indices", F.cross_entropy(logits, labels), onehot),
        ("probability targets", F.cross_entropy(logits, soft), soft),
        (f"label_smoothing = {eps}", F.cross_entropy(logits, labels, label_smoothing=eps),
         (1 - eps) * onehot + eps / K),
    )
    for name, loss, target in cases:
        (grad,) = torch.autograd.grad(loss, logits)
        p.allclose(f"autograd F.cross_entropy ({name}, mean) vs (p − y)/N", grad, (probs - target) / N,
                   rtol=1e-12, atol=1e-17)
    if p.myth:  # the widely copied backward: −y/ŷ, the derivative with respect to the probabilities
        grad = -target / probs / N
    p.less("largest |row sum| of the gradient", grad.sum(1).abs().max(), 1e-15, id="grad_rows_sum_to_zero",
           refutes="the backward of softmax + CE is −y/ŷ (w.r.t. the probabilities)")

    x = logits.detach()[0]
    J = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0), x)
    q = torch.softmax(x, 0)
    p.allclose("softmax Jacobian from autograd vs diag(p) − ppᵀ", J, torch.diag(q) - torch.outer(q, q),
               rtol=1e-12, atol=1e-16)

    # Independent of torch's backward: nudge each logit of the first example.
    h, y0 = 1e-6, labels[:1]
    central = torch.stack([
        (F.cross_entropy((x + h * e)[None], y0) - F.cross_entropy((x - h * e)[None], y0)) / (2 * h)
        for e in torch.eye(K, dtype=f64, device=dev)])
    p.allclose("central difference of F.cross_entropy vs p − y (one example)", central, q - onehot[0],
               rtol=0, atol=1e-8)

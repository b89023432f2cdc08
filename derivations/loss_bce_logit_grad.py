"""The gradient of binary cross-entropy with respect to the logit is σ(z) − y.

Symbolic: differentiate −[y·log σ(z) + (1 − y)·log(1 − σ(z))] in z; the σ′ = σ(1 − σ) from
the sigmoid cancels the 1/σ and 1/(1 − σ) from the logs, leaving σ(z) − y. With a squared
error on the probability instead, ∂/∂z ½(σ(z) − y)² = (σ − y)·σ(1 − σ) keeps the σ′ factor,
which vanishes when the model is confidently wrong.

Numeric: autograd through F.binary_cross_entropy_with_logits (mean over N) against
(σ(z) − y)/N, soft labels included; the BCE and MSE gradients at z = −10, y = 1; and
what goes wrong when the sigmoid and the loss are computed separately at |z| = 40.
"""

TITLE = {
    "en": "BCE gradient w.r.t. the logit is σ(z) − y (and why not MSE on a sigmoid)",
    "zh": "BCE 对 logit 的梯度为 σ(z) − y（以及为何不用 sigmoid + MSE）",
}
CLAIMS = [
    {
        "en": "∂BCE/∂z = σ(z) − y for any label y ∈ [0, 1]; PyTorch's mean reduction divides it by N.",
        "zh": "对任意标签 y ∈ [0, 1]，∂BCE/∂z = σ(z) − y；PyTorch 的 mean 归约再除以 N。",
    },
    {
        "en": "Sigmoid + MSE has gradient (σ − y)σ(1 − σ): at z = −10, y = 1 it is about 4.5·10⁻⁵ against ≈ 1 for BCE.",
        "zh": "Sigmoid + MSE 的梯度为 (σ − y)σ(1 − σ)：在 z = −10、y = 1 处约为 4.5·10⁻⁵，而 BCE 约为 1。",
    },
    {
        "en": "Computing BCE on σ(z) separately breaks at |z| = 40 (loss clamped at 100, gradient ≈ 0); "
              "BCEWithLogits gives the exact loss 40 and gradient ±1.",
        "zh": "先算 σ(z) 再算 BCE 在 |z| = 40 时出错（损失被截到 100、梯度约为 0）；BCEWithLogits 给出精确损失 40 和梯度 ±1。",
    },
]


def derive(p):
    import sympy as sp

    z, y = sp.symbols("z y", real=True)
    s = 1 / (1 + sp.exp(-z))
    bce = -(y * sp.log(s) + (1 - y) * sp.log(1 - s))
    p.step("Binary cross-entropy as a function of the logit z", bce)
    d = sp.diff(bce, z)
    p.step("Differentiate (chain rule through log and σ)", d)
    p.identity("∂BCE/∂z = σ(z) − y", d, s - y)
    mse = (s - y) ** 2 / 2
    d_mse = sp.diff(mse, z)
    p.identity("for comparison ∂/∂z ½(σ(z) − y)² = (σ − y)·σ(1 − σ)", d_mse, (s - y) * s * (1 - s))
    p.identity("∂²BCE/∂z² = σ(1 − σ) ≥ 0: convex in the logit (and in w for z = w·x)", sp.diff(d, z),
               s * (1 - s))
    d2_mse = sp.diff(d_mse, z).subs(y, 1)
    p.less("(sympy) ∂²/∂z² ½(σ − 1)² at z = −3 (concave there: sigmoid + MSE is not convex)",
           sp.N(d2_mse.subs(z, -3)), 0)
    p.greater("(sympy) … and at z = 1 it is positive", sp.N(d2_mse.subs(z, 1)), 0)
    at = {z: -10, y: 1}
    p.step("at z = −10, y = 1: ∂BCE/∂z and ∂MSE/∂z", sp.Matrix([sp.N(d.subs(at), 6), sp.N(d_mse.subs(at), 6)]))


def experiment(p):
    import math

    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(p.seed)
    f64, dev = torch.float64, p.device
    N = 300
    z = (torch.randn(N, generator=g, dtype=f64) * 4).to(dev).requires_grad_()
    hard = (torch.rand(N, generator=g, dtype=f64) < 0.5).to(f64).to(dev)
    soft = torch.rand(N, generator=g, dtype=f64).to(dev)
    for name, y in (("hard labels", hard), ("soft labels", soft)):
        (grad,) = torch.autograd.grad(F.binary_cross_entropy_with_logits(z, y), z)
        p.allclose(f"autograd BCEWithLogits (mean), {name}, vs (σ(z) − y)/N", grad,
                   (torch.sigmoid(z.detach()) - y) / N, rtol=1e-12, atol=1e-17)
    with torch.no_grad():  # the loss is a sum of per-example terms, so all can be nudged at once
        h, zd = 1e-6, z.detach()
        loss = lambda t: F.binary_cross_entropy_with_logits(t, hard, reduction="none")  # noqa: E731
        central = (loss(zd + h) - loss(zd - h)) / (2 * h)
    p.allclose("central difference of the BCEWithLogits forward vs σ(z) − y", central,
               torch.sigmoid(zd) - hard, rtol=0, atol=1e-8)

    zz = torch.tensor([-10.0], dtype=f64, device=dev, requires_grad=True)
    one = torch.ones(1, dtype=f64, device=dev)
    (g_bce,) = torch.autograd.grad(F.binary_cross_entropy_with_logits(zz, one), zz)
    (g_mse,) = torch.autograd.grad(0.5 * F.mse_loss(torch.sigmoid(zz), one), zz)
    p.less("|∂(½·MSE)/∂z| at z = −10, y = 1 (confidently wrong)", g_mse.abs(), 5e-5, id="mse_grad_confident_wrong")
    p.close("|∂BCE/∂z| there vs |σ(−10) − 1|", g_bce.abs(), 1 - 1 / (1 + math.exp(10)), rtol=1e-12,
            id="bce_grad_confident_wrong")
    p.greater("|∂BCE/∂z| ÷ |∂(½·MSE)/∂z| there", g_bce.abs() / g_mse.abs(), 1e4, id="bce_over_mse_grad")

    # Separate sigmoid + BCE in float64: σ(40) rounds to exactly 1, σ(−40) is tiny.
    z40 = torch.tensor([40.0, -40.0], dtype=f64, device=dev, requires_grad=True)
    y40 = torch.tensor([0.0, 1.0], dtype=f64, device=dev)
    naive = F.binary_cross_entropy(torch.sigmoid(z40), y40, reduction="none")
    (g_naive,) = torch.autograd.grad(naive.sum(), z40)
    exact = F.binary_cross_entropy_with_logits(z40, y40, reduction="none")
    (g_exact,) = torch.autograd.grad(exact.sum(), z40)
    p.close("BCE(σ(40), 0): the log is clamped at −100 by PyTorch", naive[0], 100.0, rtol=1e-12,
            id="naive_loss_clamped")
    p.equal("gradient of the separate version at z = 40, y = 0 (should be 1)", float(g_naive[0]), 0.0,
            id="naive_grad_pos40")
    p.less("|gradient| of the separate version at z = −40, y = 1 (should be 1)", g_naive[1].abs(), 1e-5,
           id="naive_grad_neg40")
    p.allclose("BCEWithLogits at z = ±40: loss vs softplus(40) = 40 + log(1 + e⁻⁴⁰)", exact,
               [40.0, 40.0], rtol=1e-15)
    p.less("max |gradient| of the separate version at z = ±40 (should be 1)", g_naive.abs().max(), 1e-5)
    p.allclose("BCEWithLogits gradient at z = ±40 vs σ(z) − y = ±1", g_exact, [1.0, -1.0], rtol=1e-15)

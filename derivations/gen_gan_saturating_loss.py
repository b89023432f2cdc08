"""GAN generator losses: the saturating log(1 − D(G(z))) stalls early; the non-saturating −log D(G(z)) does not.

Symbolic: with D = σ(l) (l the discriminator's logit on a fake sample), the
generator's saturating loss log(1 − σ(l)) has ∂/∂l = −D, and the non-saturating
loss −log σ(l) has ∂/∂l = −(1 − D). Early in training the discriminator rejects
fakes (l → −∞, D → 0): the first gradient tends to 0, the second to −1; their ratio is
D/(1 − D) = eˡ. Both push l the same way, so they share the same fixed points. The
vanishing comes from the sigmoid (dD/dl = D(1 − D)): w.r.t. D itself log(1 − D) has
slope −1 at D = 0.
Numeric: autograd through torch's own losses (log1p(−sigmoid), binary_cross_entropy_with_logits)
against −D and −(1 − D) over logits from −12 to 4; a linear generator facing a
confident discriminator gets a gradient ~e⁻⁸ times smaller from the saturating loss,
and 100 descent steps move it almost nowhere, while the non-saturating loss moves it.
"""

TITLE = {
    "en": "GAN: saturating vs non-saturating generator loss",
    "zh": "GAN：饱和与非饱和生成器损失",
}
CLAIMS = [
    {
        "en": "With D = σ(l): ∂/∂l log(1 − D) = −D and ∂/∂l (−log D) = −(1 − D).",
        "zh": "设 D = σ(l)：∂/∂l log(1 − D) = −D，∂/∂l (−log D) = −(1 − D)。",
    },
    {
        "en": "When the discriminator confidently rejects fakes (D(G(z)) ≈ 0, early training), the saturating loss's "
              "gradient vanishes (∝ D) while the non-saturating one stays ≈ 1; the ratio is D/(1 − D).",
        "zh": "判别器自信地拒绝假样本时（D(G(z)) ≈ 0，训练早期），饱和损失的梯度消失（∝ D），"
              "非饱和损失的梯度保持 ≈ 1；二者之比为 D/(1 − D)。",
    },
    {
        "en": "Both losses push D(G(z)) up and have the same fixed points; the non-saturating one is a heuristic "
              "(Goodfellow et al. 2014), not the minimax objective.",
        "zh": "两种损失都把 D(G(z)) 往上推，不动点相同；非饱和损失是启发式改动（Goodfellow 等 2014），不再是 minimax 目标本身。",
    },
]


def derive(p):
    import sympy as sp

    ell = sp.Symbol("l", real=True)
    Dsym = sp.Symbol("D", positive=True)
    sig = 1 / (1 + sp.exp(-ell))
    p.identity("sigmoid: dD/dl = D(1 − D)", sp.diff(sig, ell), sig * (1 - sig))

    sat = sp.log(1 - sig)
    ns = -sp.log(sig)
    d_sat, d_ns = sp.diff(sat, ell), sp.diff(ns, ell)
    p.step("Saturating generator loss log(1 − D) (minimised): ∂/∂l", sp.simplify(d_sat))
    p.identity("∂/∂l log(1 − σ(l)) = −σ(l) = −D", d_sat, -sig)
    p.step("Non-saturating loss −log D: ∂/∂l", sp.simplify(d_ns))
    p.identity("∂/∂l (−log σ(l)) = −(1 − σ(l)) = −(1 − D)", d_ns, -(1 - sig))
    p.identity("early training, l → −∞ (D → 0): saturating gradient → 0", sp.limit(d_sat, ell, -sp.oo), 0)
    p.identity("early training, l → −∞: non-saturating gradient → −1", sp.limit(d_ns, ell, -sp.oo), -1)
    p.identity("ratio of the two gradients = D/(1 − D) = eˡ", sp.simplify(d_sat / d_ns), sp.exp(ell))
    # W.r.t. D itself nothing vanishes: the sigmoid's D(1 − D) is what kills the gradient.
    p.identity("w.r.t. D itself: ∂/∂D log(1 − D) at D = 0 is −1 (not small)",
               sp.diff(sp.log(1 - Dsym), Dsym).subs(Dsym, 0), -1)
    p.step("Both derivatives are negative for every l: descent raises l (and D) under either loss",
           sp.Matrix([-sig, -(1 - sig)]))


def experiment(p):
    import torch
    import torch.nn.functional as F

    dt = torch.float64
    dev = p.device
    logits = torch.linspace(-12, 4, 33, dtype=dt, device=dev, requires_grad=True)
    (g_sat,) = torch.autograd.grad(torch.log1p(-torch.sigmoid(logits)).sum(), logits)
    (g_sat_bce,) = torch.autograd.grad(-F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits),
                                                                           reduction="sum"), logits)
    (g_ns,) = torch.autograd.grad(F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits),
                                                                     reduction="sum"), logits)
    D = torch.sigmoid(logits.detach())
    p.allclose("autograd ∂/∂l log(1 − σ(l)) vs −D", g_sat, -D, rtol=1e-10, atol=1e-15)
    p.allclose("autograd ∂/∂l of −BCE(l, target 0) (= log(1 − D)) vs −D", g_sat_bce, -D, rtol=1e-10, atol=1e-15)
    p.allclose("autograd ∂/∂l of BCE(l, target 1) (= −log D) vs −(1 − D)", g_ns, -(1 - D), rtol=1e-10,
               atol=1e-15)

    # A linear generator x = a·z + c facing a fixed discriminator that rejects its samples.
    g = torch.Generator().manual_seed(p.seed)
    z = torch.randn(256, generator=g, dtype=dt).to(dev)
    disc_w, disc_b = 2.0, -2.0  # D(x) = σ(2x − 2): real data near x = 3, fakes near x = −3

    def generator_grads(loss_name, a, c):
        a = torch.tensor(a, dtype=dt, device=dev, requires_grad=True)
        c = torch.tensor(c, dtype=dt, device=dev, requires_grad=True)
        logit = disc_w * (a * z + c) + disc_b
        if loss_name == "saturating":
            loss = torch.log1p(-torch.sigmoid(logit)).mean()
        else:
            loss = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit))
        ga, gc = torch.autograd.grad(loss, (a, c))
        return torch.stack([ga, gc]), torch.sigmoid(logit.detach())

    g_s, D_fake = generator_grads("saturating", 0.3, -3.0)
    g_n, _ = generator_grads("non-saturating", 0.3, -3.0)
    p.less("early training: mean D(G(z))", D_fake.mean(), 1e-3, id="early_mean_d_fake")
    ratio = float(g_s.norm() / g_n.norm())
    p.less("‖∇_G‖ saturating / ‖∇_G‖ non-saturating", ratio, 1e-2, id="gradient_ratio")
    # Chain rule through logit = w(az + c) + b: ∂/∂(a, c) = E[∂loss/∂l · w·(z, 1)].
    p.allclose("saturating ∇_(a,c) vs closed form −w·(E[D z], E[D])", g_s,
               -disc_w * torch.stack([(D_fake * z).mean(), D_fake.mean()]), rtol=1e-10)
    p.allclose("non-saturating ∇_(a,c) vs closed form −w·(E[(1 − D) z], E[1 − D])", g_n,
               -disc_w * torch.stack([((1 - D_fake) * z).mean(), (1 - D_fake).mean()]), rtol=1e-10)

    # 100 plain gradient-descent steps on the generator with each loss.
    moved = {}
    for loss_name in ("saturating", "non-saturating"):
        a, c = 0.3, -3.0
        for _ in range(100):
            grads, _ = generator_grads(loss_name, a, c)
            a, c = a - 0.5 * float(grads[0]), c - 0.5 * float(grads[1])
        moved[loss_name] = c + 3.0
    p.greater("non-saturating loss: how far the generator's offset c moved in 100 steps", moved["non-saturating"],
              2.0)
    p.less("saturating loss: how far c moved, as a fraction of the non-saturating move",
           moved["saturating"] / moved["non-saturating"], 0.05, id="saturating_move_fraction")

    ls = [float(v) for v in logits.detach().cpu()]
    p.plot("|∂loss/∂logit| of the generator's loss vs the discriminator's logit on a fake",
           {"saturating log(1 − D)": (ls, [max(abs(float(v)), 1e-300) for v in g_sat.cpu()]),
            "non-saturating −log D": (ls, [abs(float(v)) for v in g_ns.cpu()])},
           xlabel="logit l (D = σ(l))", ylabel="|∂/∂l|", logy=True)

"""GAN: the optimal discriminator is p_data/(p_data + p_g), and then V = −log 4 + 2·JSD (Goodfellow et al. 2014).

Symbolic: for fixed G the value V(D) = ∫ p_data log D + p_g log(1 − D) is
maximised point by point; a·log D + b·log(1 − D) has its only stationary point at
D = a/(a + b) with negative curvature. Substituting back and writing M = (p_data + p_g)/2
gives −log 4 + KL(p_data‖M) + KL(p_g‖M) = −log 4 + 2·JSD(p_data‖p_g), whose minimum
over G is −log 4 at p_g = p_data (where D* = ½).
Numeric: a discriminator with one free logit per point of a 12-point space (any
function, as the proof assumes) trained by gradient descent on torch's
binary_cross_entropy_with_logits lands on p_data/(p_data + p_g); its value matches
−log 4 + 2·JSD computed with torch.distributions.kl_divergence on Categoricals;
random discriminators all score lower.
"""

TITLE = {
    "en": "GAN: optimal discriminator D* = p_data/(p_data + p_g) and the JSD",
    "zh": "GAN：最优判别器 D* = p_data/(p_data + p_g) 与 JS 散度",
}
CLAIMS = [
    {
        "en": "For a fixed generator, D*(x) = p_data(x)/(p_data(x) + p_g(x)): the pointwise maximiser of "
              "p_data·log D + p_g·log(1 − D).",
        "zh": "生成器固定时，D*(x) = p_data(x)/(p_data(x) + p_g(x))：逐点最大化 p_data·log D + p_g·log(1 − D) 的解。",
    },
    {
        "en": "At D*, V(D*, G) = −log 4 + 2·JSD(p_data ‖ p_g), so with an optimal discriminator the minimax generator "
              "minimises the Jensen–Shannon divergence; the minimum −log 4 is reached at p_g = p_data, where D* = ½.",
        "zh": "在 D* 处 V(D*, G) = −log 4 + 2·JSD(p_data ‖ p_g)，因此判别器最优时 minimax 生成器在最小化 JS 散度；"
              "最小值 −log 4 在 p_g = p_data 时取得，此时 D* = ½。",
    },
    {
        "en": "A discriminator free to take any value at each point (one logit per point, as the proof assumes) "
              "trained with binary cross-entropy (real → 1, fake → 0) converges to D*.",
        "zh": "每个点都可自由取值的判别器（每点一个 logit，正如证明所假设）用二元交叉熵（真 → 1，假 → 0）训练后收敛到 D*。",
    },
    {
        "en": "The non-saturating generator loss E_{p_g}[−log D*] (D* held fixed) has the gradient of "
              "KL(p_g ‖ p_data) − 2·JSD, not of 2·JSD (Arjovsky & Bottou 2017).",
        "zh": "非饱和生成器损失 E_{p_g}[−log D*]（固定 D*）的梯度是 KL(p_g ‖ p_data) − 2·JSD 的梯度，"
              "而不是 2·JSD 的梯度（Arjovsky & Bottou 2017）。",
    },
]


def derive(p):
    import sympy as sp

    a, b = sp.symbols("a b", positive=True)  # p_data(x), p_g(x) at one point x
    D = sp.Symbol("D", positive=True)
    f = a * sp.log(D) + b * sp.log(1 - D)
    p.step("Pointwise objective at x: a = p_data(x), b = p_g(x)", f)
    df = sp.diff(f, D)
    p.step("d/dD", df)
    sol = sp.solve(sp.Eq(df, 0), D)
    p.identity("the only stationary point: D* = a/(a + b)", sp.Matrix(sol), sp.Matrix([a / (a + b)]))
    d_star = sol[0]
    curv = sp.simplify(sp.diff(f, D, 2).subs(D, d_star))
    p.identity("curvature there = −(a + b)³/(ab) < 0: a maximum", curv, -(a + b) ** 3 / (a * b))

    value = sp.expand_log(f.subs(D, d_star), force=True)
    p.step("Value at D*", f.subs(D, d_star))
    m = (a + b) / 2
    kl_terms = sp.expand_log(a * sp.log(a / m) + b * sp.log(b / m), force=True)
    p.identity("a log(a/(a+b)) + b log(b/(a+b)) = a log(a/m) + b log(b/m) − (a + b) log 2, m = (a + b)/2",
               value, kl_terms - (a + b) * sp.log(2))

    # Sum over a two-point space (Σa = Σb = 1): the KL terms become 2·JSD and (a + b) log 2 sums to log 4.
    a1, b1 = sp.symbols("a1 b1", positive=True)
    m1, m2 = sp.symbols("m1 m2", positive=True)  # M = (P + Q)/2 at the two points
    P, Q, M = [a1, 1 - a1], [b1, 1 - b1], [m1, m2]

    def kl(U, W):
        return sum(u * sp.log(u / w) for u, w in zip(U, W))

    # Σ over points of the value at D*, with a + b written as 2m (the definition of M).
    V = sum(u * sp.log(u / (2 * mm)) + w * sp.log(w / (2 * mm)) for u, w, mm in zip(P, Q, M))
    jsd = (kl(P, M) + kl(Q, M)) / 2
    p.step("Two-point space: JSD = ½KL(P‖M) + ½KL(Q‖M), M = (P + Q)/2", jsd)
    p.identity("V(D*, G) = Σₓ [a log(a/2m) + b log(b/2m)] = −log 4 + 2·JSD(p_data ‖ p_g)",
               sp.expand(sp.expand_log(V, force=True)), sp.expand(sp.expand_log(-sp.log(4) + 2 * jsd, force=True)),
               shown=sp.Eq(sp.Symbol("V(D*, G)"), -sp.log(4) + 2 * sp.Symbol("JSD")))
    p.identity("p_g = p_data: D* = ½", d_star.subs(b, a), sp.Rational(1, 2))
    p.identity("p_g = p_data (so m = a): V = −log 4 (JSD = 0)",
               sp.expand_log(V.subs({b1: a1, m1: a1, m2: 1 - a1}), force=True), -sp.log(4))


def experiment(p):
    import torch
    import torch.nn.functional as F
    from torch.distributions import Categorical, kl_divergence

    g = torch.Generator().manual_seed(p.seed)
    K = 12
    dt = torch.float64
    # Two different distributions on K points (mixed with uniform so every point has some mass).
    p_data = (0.5 * torch.softmax(torch.randn(K, generator=g, dtype=dt), 0) + 0.5 / K).to(p.device)
    p_g = (0.5 * torch.softmax(torch.randn(K, generator=g, dtype=dt), 0) + 0.5 / K).to(p.device)

    def value(logits):
        # V = Σ p_data log D + p_g log(1 − D), D = sigmoid(logit): −(BCE on real) − (BCE on fake).
        return -(F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits), weight=p_data, reduction="sum")
                 + F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits), weight=p_g,
                                                      reduction="sum"))

    theta = torch.zeros(K, dtype=dt, device=p.device, requires_grad=True)
    # Plain gradient descent on the discriminator's BCE loss; its curvature is at most (a + b)/4 < 1/2.
    for _ in range(800 if p.quick else 20000):
        (grad,) = torch.autograd.grad(-value(theta), theta)
        with torch.no_grad():
            theta -= 4.0 * grad
    D = torch.sigmoid(theta.detach())
    d_star = p_data / (p_data + p_g)
    p.allclose("trained discriminator D(x) vs p_data/(p_data + p_g) on 12 points", D, d_star, atol=1e-6)

    Pd, Pg = Categorical(probs=p_data), Categorical(probs=p_g)
    Mix = Categorical(probs=(p_data + p_g) / 2)
    jsd = 0.5 * kl_divergence(Pd, Mix) + 0.5 * kl_divergence(Pg, Mix)
    with torch.no_grad():
        v_star = value(torch.logit(d_star))
        p.close("V(D*) vs −log 4 + 2·JSD (JSD from kl_divergence on Categoricals)", v_star,
                -torch.log(torch.tensor(4.0, dtype=dt)) + 2 * jsd, rtol=1e-12)
        p.close("V(trained D) vs V(D*)", value(theta), v_star, rtol=1e-9)
        others = torch.randn(200, K, generator=g, dtype=dt).to(p.device) + theta
        best_other = max(float(value(t)) for t in others)
        p.less("best V over 200 random perturbed discriminators < V(D*)", best_other, v_star)
        same = torch.zeros(K, dtype=dt, device=p.device)  # D = ½ everywhere when p_g = p_data
        v_same = -(F.binary_cross_entropy_with_logits(same, torch.ones_like(same), weight=p_data, reduction="sum")
                   + F.binary_cross_entropy_with_logits(same, torch.zeros_like(same), weight=p_data,
                                                        reduction="sum"))
        p.close("p_g = p_data, D = ½: V = −log 4", v_same, -torch.log(torch.tensor(4.0, dtype=dt)), rtol=1e-12)
        p.greater("JSD(p_data ‖ p_g) > 0 for different distributions, so V(D*) > −log 4", jsd, 1e-3)

    # The non-saturating generator loss E_{p_g}[−log D*] with D* held fixed, as p_g = softmax(φ)
    # moves: its gradient is that of KL(p_g ‖ p_data) − 2·JSD (Arjovsky & Bottou 2017, Thm 2.5),
    # not that of 2·JSD (what p.myth, "GAN training minimises the JS divergence", would give).
    phi = torch.log(p_g).clone().requires_grad_(True)
    q = torch.softmax(phi, 0)
    (g_ns,) = torch.autograd.grad((q * -torch.log(d_star)).sum(), phi)
    phi2 = torch.log(p_g).clone().requires_grad_(True)
    q2 = torch.softmax(phi2, 0)
    m2 = (p_data + q2) / 2

    def kl(a, b):
        return (a * (a / b).log()).sum()

    two_jsd = kl(p_data, m2) + kl(q2, m2)
    target = two_jsd if p.myth else kl(q2, p_data) - two_jsd
    (g_target,) = torch.autograd.grad(target, phi2)
    p.allclose("∇ of the non-saturating loss at fixed D* vs ∇[KL(p_g ‖ p_data) − 2·JSD] (autograd, p_g = softmax(φ))",
               g_ns, g_target, rtol=1e-9, atol=1e-14, id="nonsaturating_gradient_target",
               refutes="GAN training with the non-saturating loss minimises the JS divergence")

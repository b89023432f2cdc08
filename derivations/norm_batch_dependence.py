"""In train mode a sample's BatchNorm output depends on the rest of the batch (and on padding); LayerNorm's does not.

Symbolic: for a batch of two, BN (ε = 0) maps the larger value to +1 and the
smaller to −1 whatever they are; for a batch of three, ∂x̂₁/∂x₂ ≠ 0; over any group of
n entries sharing a statistic, ∂x̂ₐ/∂xᵦ = (δₐᵦ − 1/n − x̂ₐx̂ᵦ/n)/s. Padding a
sequence batch with z zero tokens scales BN's per-channel mean by n/(n + z).
Numeric: torch.nn.BatchNorm1d vs nn.LayerNorm on the same sample in different
batches, with more or less padding; autograd's Jacobians of both modules against that
formula (LN's groups are samples, so its cross-sample entries are exactly 0); and the spread of one sample's BN output
across random batches against its large-batch prediction √((1 + x₀²/2)/B).
"""

TITLE = {
    "en": "BN depends on the batch and on padding; LN does not",
    "zh": "BN 依赖同批其他样本和 padding，LN 不依赖",
}
CLAIMS = [
    {
        "en": "In train mode a sample's BN output changes when the other samples in the batch change; "
              "its LN output, and its BN output in eval mode, do not. LN is identical in train and eval mode.",
        "zh": "训练模式下，某个样本的 BN 输出会随同批其他样本改变；它的 LN 输出以及 eval 模式下的 BN 输出不会。"
              "LN 在训练和推理模式下完全相同。",
    },
    {
        "en": "With a batch of two, train-mode BN (ε = 0) outputs only ±1 per feature: the information left is "
              "which sample is larger. nn.BatchNorm1d refuses a batch of one ([1, F]) in train mode.",
        "zh": "batch 为 2 时，训练模式 BN（ε = 0）每个特征只输出 ±1：只剩下哪个样本更大的信息；"
              "batch 为 1（[1, F]）时 nn.BatchNorm1d 在训练模式下直接报错。",
    },
    {
        "en": "The noise BN adds to one sample shrinks like 1/√B for moderate and large B: its standard deviation "
              "across random batches is ≈ √((1 + x₀²/2)/B) when the others are drawn from N(0, 1).",
        "zh": "B 不太小时，BN 给单个样本带来的噪声按 1/√B 缩小：对高斯分布的同批样本，它在不同 batch 间的标准差约为 "
              "√((1 + x₀²/2)/B)（其他样本取自 N(0, 1)）。",
    },
    {
        "en": "Zero padding in a [N, L, F] batch enters BN's statistics (mean scaled by n_real/n_total), so real "
              "tokens' outputs change with the amount of padding; LN, per token, is unaffected.",
        "zh": "[N, L, F] 中的零 padding 会进入 BN 的统计量（均值乘以 n_real/n_total），真实 token 的输出随 "
              "padding 多少而变；LN 逐 token 计算，不受影响。",
    },
]


def _noise_std(sp):
    """The spread of one sample's train-mode BN output, by the delta method: x̂ = f(m, v) = (x₀ − m)/√v with
    m, v the batch mean and biased variance. For B − 1 N(0, 1) companions and large B, m and v are
    uncorrelated with Var(m) ≈ 1/B and Var(v) ≈ 2/B (Gaussian fourth moment 3) around (0, 1)."""
    x0, m, v = sp.symbols("x0 m v", real=True)
    B = sp.Symbol("B", positive=True)
    f = (x0 - m) / sp.sqrt(v)
    at = {m: 0, v: 1}
    grad = [sp.diff(f, m).subs(at), sp.diff(f, v).subs(at)]
    variance = sp.simplify(grad[0] ** 2 / B + grad[1] ** 2 * 2 / B)
    return x0, B, f, grad, variance


def _closed_form(sp):
    """∂x̂ₐ/∂xᵦ = (δₐᵦ − 1/n − x̂ₐx̂ᵦ/n)/s, as an expression in (δₐᵦ, n, x̂ₐ, x̂ᵦ, s)."""
    d, n, ha, hb, s = sp.symbols("delta n xhat_a xhat_b s", real=True)
    return (d, n, ha, hb, s), (d - 1 / n - ha * hb / n) / s


def _group_jacobian(sp, n):
    """The Jacobian of x̂ = (x − μ)/√(σ² + ε) over a group of n entries: sympy's derivative of the definition,
    and the closed form evaluated with the same symbols."""
    x = sp.symbols(f"x1:{n + 1}", real=True)
    eps = sp.Symbol("epsilon", positive=True)
    mu = sum(x) / n
    s = sp.sqrt(sum((v - mu) ** 2 for v in x) / n + eps)
    xhat = [(v - mu) / s for v in x]
    jac = [[sp.diff(xhat[a], x[b]) for b in range(n)] for a in range(n)]
    args, closed = _closed_form(sp)
    formula = [[closed.subs(dict(zip(args, (int(a == b), n, xhat[a], xhat[b], s)))) for b in range(n)]
               for a in range(n)]
    return x, jac, formula


def _jacobian_by_formula(xhat, s, dim):
    """The derived closed form for every pair sharing a statistic (groups run along `dim` of a 2-D [B, F]
    input), 0 for every other pair: a [B, F, B, F] tensor to hold against autograd's Jacobian."""
    import sympy as sp
    import torch

    args, closed = _closed_form(sp)
    entry = sp.lambdify(args, closed, modules=[{}])  # + − × ÷ only: evaluates on torch tensors
    B, F = xhat.shape
    n = xhat.shape[dim]
    full = torch.zeros(B, F, B, F, dtype=xhat.dtype, device=xhat.device)
    for i in range(B if dim == 1 else F):
        h = xhat[i] if dim == 1 else xhat[:, i]
        block = entry(torch.eye(n, dtype=h.dtype, device=h.device), n, h[:, None], h[None, :], s[i])
        if dim == 1:
            full[i, :, i, :] = block
        else:
            full[:, i, :, i] = block
    return full


def derive(p):
    import sympy as sp

    # A batch of two: x̂ = ±1 whatever the values.
    x2, d = sp.symbols("x2 d", positive=True)
    x1 = x2 + d  # say x₁ is the larger one
    mu = (x1 + x2) / 2
    var = ((x1 - mu) ** 2 + (x2 - mu) ** 2) / 2
    p.step("Batch of two with x₁ = x₂ + d (d > 0): biased variance", sp.simplify(var))
    xhat = [sp.simplify((v - mu) / sp.sqrt(var)) for v in (x1, x2)]
    p.identity("BN output (ε = 0) of the batch {x₁, x₂}: (+1, −1), independent of x₁, x₂",
               sp.Matrix(xhat), sp.Matrix([1, -1]), shown=sp.Eq(sp.Symbol("(x̂₁, x̂₂)"), sp.Symbol("(+1, −1)")))

    # A batch of three: the output of sample 1 moves with sample 2.
    a, b, c = sp.symbols("x1 x2 x3", real=True)
    eps = sp.Symbol("epsilon", positive=True)
    m3 = (a + b + c) / 3
    v3 = ((a - m3) ** 2 + (b - m3) ** 2 + (c - m3) ** 2) / 3
    xhat1 = (a - m3) / sp.sqrt(v3 + eps)
    dx = sp.diff(xhat1, b)
    at = {a: 1, b: 0, c: -2, eps: 0}
    p.step("∂x̂₁/∂x₂ for a batch of three, at (x₁, x₂, x₃) = (1, 0, −2), ε = 0", sp.nsimplify(dx.subs(at)))
    p.holds("(sympy) ∂x̂₁/∂x₂ ≠ 0: sample 1's BN output depends on sample 2", dx.subs(at) != 0,
            measured=str(sp.nsimplify(dx.subs(at))), expected="≠ 0", id="bn_output_reads_other_sample")

    # Which entries does a normalised output read? Derive the Jacobian of a normalisation over a group of n
    # entries from its definition; the experiment holds the real modules' Jacobians against it.
    group, jac, formula = _group_jacobian(sp, 3)
    p.step("x̂ₐ = (xₐ − μ)/s over a group of n = 3 entries, s = √(σ² + ε): sympy's ∂x̂₁/∂x₂",
           sp.factor(sp.together(jac[0][1])))
    # Row a = 1 covers every case (b = a and b ≠ a); the others follow by permuting the group.
    p.identity("∂x̂ₐ/∂xᵦ = (δₐᵦ − 1/n − x̂ₐx̂ᵦ/n)/s, for a = 1 and b = 1, 2, 3",
               sp.Matrix([sp.expand(sp.together(jac[0][b] - formula[0][b])) for b in range(3)]), sp.zeros(3, 1),
               shown=sp.Eq(sp.Symbol("∂x̂ₐ/∂xᵦ"), sp.Symbol("(δₐᵦ − 1/n − x̂ₐx̂ᵦ/n)/s")), id="group_jacobian")
    p.step("An entry outside the group enters neither xₐ nor μ, σ²: its derivative is 0. LN's group is one "
           "sample's features, BN's one feature across the batch — the experiment checks both modules against this")

    # The noise one sample's BN output carries, to first order (delta method).
    x0, B, f, grad, variance = _noise_std(sp)
    p.step("x̂ = f(m, v) = (x₀ − m)/√v; its gradient in (m, v) at (0, 1)", sp.Tuple(*grad))
    p.step("Var(x̂) ≈ f_m²·Var(m) + f_v²·Var(v), Var(m) = 1/B, Var(v) = 2/B (N(0, 1) companions)", variance)
    p.identity("Var(x̂) ≈ (1 + x₀²/2)/B: the noise shrinks like 1/√B", variance, (1 + x0**2 / 2) / B,
               id="bn_noise_variance")

    # Padding: z zero tokens join the n real ones in BN's per-channel mean.
    n, z = sp.symbols("n z", positive=True, integer=True)
    mu_real = sp.Symbol("mu_real", real=True)
    mu_pad = (n * mu_real + z * 0) / (n + z)
    p.step("BN channel mean over n real tokens and z zero-padded ones", mu_pad)
    p.identity("padded mean = n/(n + z)·μ_real: the more padding, the more it is pulled to 0",
               mu_pad, n / (n + z) * mu_real)


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    F = 8

    def rand(*shape):
        return torch.randn(*shape, generator=gen, dtype=dt)

    bn = torch.nn.BatchNorm1d(F, affine=False, dtype=dt).to(dev)
    ln = torch.nn.LayerNorm(F, elementwise_affine=False, dtype=dt).to(dev)
    x0 = rand(1, F).to(dev)
    batch_a = torch.cat([x0, rand(15, F).to(dev)])
    batch_b = torch.cat([x0, (rand(15, F) * 3 + 1).to(dev)])
    def ln_tested(x):
        """nn.LayerNorm, or (p.myth) the misconception's LayerNorm, whose statistics include the other samples."""
        if p.myth:
            return (x - x.mean()) / torch.sqrt(x.var(correction=0) + 1e-5)
        return ln(x)

    with torch.no_grad():
        p.greater("train BN: max |output(x₀ in batch A) − output(x₀ in batch B)|",
                  (bn(batch_a)[0] - bn(batch_b)[0]).abs().max(), 0.05, id="bn_batch_dependence")
        p.allclose("LN: output of x₀ identical in batch A and batch B", ln_tested(batch_a)[0], ln_tested(batch_b)[0],
                   rtol=0, atol=1e-14, id="ln_batch_independent",
                   refutes="LayerNorm's output depends on the other samples in the batch")

    # The whole Jacobian of each module on a batch of 4, by autograd, against the derived group formula.
    from torch.autograd.functional import jacobian

    small = (rand(4, F) * 2 + 0.5).to(dev)
    J_ln = jacobian(ln_tested, small)  # [4, F, 4, F]
    J_bn = jacobian(lambda x: torch.nn.functional.batch_norm(x, None, None, training=True, eps=1e-5), small)
    other = ~torch.eye(4, dtype=torch.bool, device=dev)  # pairs (sample i, sample k ≠ i)
    p.equal("LN: entries ∂LN(x)ᵢⱼ/∂xₖₘ (k ≠ i) of autograd's Jacobian that are not exactly 0, of "
            f"{int(other.sum()) * F * F}", int((J_ln.permute(0, 2, 1, 3)[other] != 0).sum()), 0,
            id="ln_output_reads_no_other_sample",
            refutes="LayerNorm's output depends on the other samples in the batch")
    ln_mu, ln_var = small.mean(1, keepdim=True), small.var(1, keepdim=True, correction=0)
    ln_s = torch.sqrt(ln_var + 1e-5)
    p.allclose("LN: autograd's Jacobian vs the derived formula, groups = each sample's features",
               J_ln, _jacobian_by_formula((small - ln_mu) / ln_s, ln_s.flatten(), 1), rtol=1e-9, atol=1e-12,
               id="ln_jacobian_formula")
    bn_mu, bn_var = small.mean(0, keepdim=True), small.var(0, keepdim=True, correction=0)
    bn_s = torch.sqrt(bn_var + 1e-5)
    p.allclose("BN (train): autograd's Jacobian vs the derived formula, groups = each feature across the batch",
               J_bn, _jacobian_by_formula((small - bn_mu) / bn_s, bn_s.flatten(), 0), rtol=1e-9, atol=1e-12,
               id="bn_jacobian_formula")
    p.greater("BN (train): max |∂BN(x)ᵢⱼ/∂xₖⱼ| over k ≠ i", J_bn.permute(0, 2, 1, 3)[other].abs().max(), 0.01,
              id="bn_jacobian_other_samples")

    with torch.no_grad():
        bn.eval()
        p.allclose("eval BN: output of x₀ identical in batch A and batch B", bn(batch_a)[0], bn(batch_b)[0],
                   rtol=0, atol=1e-14)
        bn.train()
        ln_train = ln(batch_a)
        ln.eval()
        p.allclose("LN: train-mode and eval-mode outputs identical (no running statistics)", ln(batch_a), ln_train,
                   rtol=0, atol=0)
        ln.train()
        pair = rand(2, F).to(dev) * 5 + 3
        two = bn(pair)
        # |x̂| = (|d|/2)/√(d²/4 + ε), d = x₁ − x₂: 1 as ε → 0 (a fixed tolerance fails when d happens to be small).
        d = (pair[0] - pair[1]).abs()
        p.allclose("train BN, batch of two: |output| vs (|d|/2)/√(d²/4 + ε) (→ 1 as ε → 0)", two.abs(),
                   (d / 2 / torch.sqrt(d ** 2 / 4 + bn.eps)).expand(2, F), rtol=1e-9, atol=1e-12)
    try:
        bn(x0)
        refused = False
    except (ValueError, RuntimeError):
        refused = True
    p.holds("nn.BatchNorm1d refuses a [1, F] batch in train mode", refused, measured=refused, expected=True)
    p.equal("nn.LayerNorm handles a [1, F] batch", tuple(ln(x0).shape), (1, F))

    # Noise vs batch size: one fixed value x₀ = 1.5 with B − 1 random N(0, 1) companions, R batches at once.
    # Stacking the R batches as R channels of one [B, R] input makes the real BN treat each independently.
    R = 4000 if p.quick else 100000
    x0_val = 1.5
    sizes = [4, 8, 16, 32, 64, 128]
    import sympy as sp

    x0_sym, B_sym, _, _, variance = _noise_std(sp)
    noise_std = sp.lambdify((x0_sym, B_sym), sp.sqrt(variance))
    measured, predicted = [], []
    for B in sizes:
        batch = rand(B, R).to(dev)
        batch[0] = x0_val
        out = torch.nn.functional.batch_norm(batch, None, None, training=True, eps=1e-5)[0]
        measured.append(float(out.std()))
        predicted.append(float(noise_std(x0_val, B)))
    p.plot("Spread of one sample's train-mode BN output across random batches",
           {"measured std": (sizes, measured), "√((1 + x₀²/2)/B)": (sizes, predicted)},
           xlabel="batch size B", ylabel="std of BN(x₀)", logy=True)
    p.close("std at B = 32 ÷ std at B = 128 vs √(128/32) = 2 (1/√B scaling), ±10%",
            measured[3] / measured[5], 2.0, rtol=0.1, id="noise_scaling_32_128")
    # At B = 128 the delta-method prediction holds; std of a std estimate from R draws ≈ 1/√(2R) relative.
    p.close("std of BN(x₀) at B = 128 vs √((1 + x₀²/2)/B), ±4 SE", measured[-1], predicted[-1],
            rtol=4 / (2 * R) ** 0.5 + 0.02, id="noise_std_128")

    # Padding: sequence batch [N, L, F], sequence 0 has 5 real tokens; add more zero padding.
    N, real = 4, 5
    tokens = (rand(N, real, F) * 2 + 1).to(dev)
    outs_bn, outs_ln = [], []
    bn_pad = torch.nn.BatchNorm1d(F, affine=False, momentum=1.0, dtype=dt).to(dev)  # momentum 1: running = batch stat
    for L in (real, 2 * real, 4 * real):
        seq = torch.cat([tokens, torch.zeros(N, L - real, F, dtype=dt, device=dev)], dim=1)
        with torch.no_grad():
            outs_bn.append(bn_pad(seq.transpose(1, 2)).transpose(1, 2)[0, :real])
            outs_ln.append(ln(seq)[0, :real])
            if 4 * real == L:
                p.allclose("BN channel mean with padding = n_real/n_total · mean of real tokens",
                           bn_pad.running_mean, real / L * tokens.mean(dim=(0, 1)), rtol=1e-12)
    p.greater("BN: real tokens' outputs, no padding vs 3× padding (max |Δ|)",
              (outs_bn[0] - outs_bn[2]).abs().max(), 0.1)
    p.allclose("LN: real tokens' outputs, no padding vs 3× padding", outs_ln[0], outs_ln[2], rtol=0, atol=1e-14)

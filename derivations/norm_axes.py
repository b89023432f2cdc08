"""Which axes BatchNorm and LayerNorm average over, for [N, F] and [N, L, F] inputs.

Symbolic: on a small symbolic batch, BN's statistics run down each column (one
feature, all samples) and LN's along each row (one sample, all features); each
normalised column (BN) or row (LN) has mean 0 and variance σ²/(σ² + ε), and each
is blind to a shift along its own axis but not along the other. With one
normalisation function whose reduced dims are a parameter, on a symbolic [N, L, F]
batch, sympy's derivatives show that a BN output (dims N, L) reads the other samples
and the other tokens, and an LN output (dim F) reads neither.
Numeric: the real nn.BatchNorm1d and nn.LayerNorm against hand-written mean/var
formulas, including the [N, L, F] case where BatchNorm1d wants channels second, and
autograd's Jacobian of nn.LayerNorm(F), whose entries between tokens are exactly 0.
"""

TITLE = {
    "en": "The axes BatchNorm and LayerNorm normalise over",
    "zh": "BatchNorm 与 LayerNorm 各在哪些维度上归一化",
}
CLAIMS = [
    {
        "en": "[N, F]: BN takes mean/var per feature over the N samples (statistics of shape [1, F]); "
              "LN takes them per sample over the F features (shape [N, 1]).",
        "zh": "[N, F]：BN 对每个特征在 N 个样本上求均值/方差（统计量形状 [1, F]）；"
              "LN 对每个样本在 F 个特征上求（形状 [N, 1]）。",
    },
    {
        "en": "[N, L, F]: nn.BatchNorm1d(F) needs the input as [N, F, L] (channels second) and then averages "
              "over N and L together (statistics [1, 1, F]); nn.LayerNorm(F) averages over F only ([N, L, 1]).",
        "zh": "[N, L, F]：nn.BatchNorm1d(F) 要求输入为 [N, F, L]（通道在第二维），在 N 和 L 上一起求统计量"
              "（形状 [1, 1, F]）；nn.LayerNorm(F) 只在 F 上求（形状 [N, L, 1]）。",
    },
    {
        "en": "Feeding [N, L, F] straight into nn.BatchNorm1d(F) raises an error when L ≠ F (its γ, β and running "
              "buffers have size F) and silently normalises the wrong axis when L = F, or when it has no γ, β and "
              "buffers (affine=False, track_running_stats=False).",
        "zh": "把 [N, L, F] 直接送入 nn.BatchNorm1d(F)：L ≠ F 时报错（它的 γ、β 和 running 缓冲区大小为 F），"
              "L = F 时，或没有 γ、β 和缓冲区时（affine=False、track_running_stats=False），不报错却在错误的维度上归一化。",
    },
    {
        "en": "Per-position statistics of shape [1, L, F] (a common mistake) are not what BatchNorm1d computes.",
        "zh": "形状为 [1, L, F] 的逐位置统计量（一种常见的错误说法）并不是 BatchNorm1d 的计算方式。",
    },
]


def derive(p):
    import itertools

    import sympy as sp

    n, f = 3, 2
    X = sp.Matrix(n, f, lambda i, j: sp.Symbol(f"x{i + 1}{j + 1}", real=True))
    eps = sp.Symbol("epsilon", positive=True)
    p.step("A batch of N = 3 samples (rows) with F = 2 features (columns)", X)

    def mean(v):
        return sp.expand(sum(v) / len(v))

    def var(v):  # biased (÷n): what BN and LN normalise with
        m = mean(v)
        return sp.expand(sum((a - m) ** 2 for a in v) / len(v))

    col, row = list(X[:, 0]), list(X[0, :])
    p.step("BN statistic of feature 1 runs DOWN the column: μ₁ = mean over samples", mean(col))
    p.step("LN statistic of sample 1 runs ALONG the row: μ = mean over features", mean(row))
    p.step("BN variance of feature 1 (biased): σ₁² = (1/N)∑ᵢ(xᵢ₁ − μ₁)²", sp.factor(var(col)))

    s = sp.Symbol("s", positive=True)  # s = √(σ² + ε), the common denominator
    bn_col = [(a - mean(col)) / s for a in col]
    ln_rows = [[(a - mean(list(X[i, :]))) / s for a in X[i, :]] for i in range(n)]
    p.identity("BN: x̂ of each feature sums to 0 over the batch, ∑ᵢ x̂ᵢ₁ = 0", sp.expand(sum(bn_col)), 0)
    p.identity("LN: x̂ of each sample sums to 0 over its features, ∑ⱼ x̂₁ⱼ = 0",
               sp.Matrix([sp.expand(sum(r)) for r in ln_rows]), sp.zeros(n, 1))
    second_moment = sp.expand(sum(a ** 2 for a in bn_col) / n).subs(s, sp.sqrt(var(col) + eps))
    p.identity("BN: (1/N)∑ᵢ x̂ᵢ₁² = σ₁²/(σ₁² + ε), i.e. variance 1 up to ε",
               sp.cancel(second_moment), sp.cancel(var(col) / (var(col) + eps)),
               shown=sp.Eq(sp.Symbol("(1/N)∑ᵢ x̂ᵢ₁²"), sp.Symbol("σ₁²/(σ₁² + ε)")))

    # Shifts: BN is blind to a per-feature shift, LN to a per-sample shift — not the other way round.
    c = sp.Symbol("c", real=True)
    col_shifted = [a + c for a in col]
    p.identity("Add c to feature 1 of every sample: each BN numerator xᵢ₁ − μ₁ is unchanged",
               sp.Matrix([sp.expand(a - mean(col_shifted)) for a in col_shifted]),
               sp.Matrix([sp.expand(a - mean(col)) for a in col]),
               shown=sp.Eq(sp.Symbol("(xᵢ₁ + c) − μ₁(x + c)"), sp.Symbol("xᵢ₁ − μ₁(x)")))
    p.identity("…and so is σ₁², hence the BN output", var(col_shifted), var(col),
               shown=sp.Eq(sp.Symbol("σ₁²(x + c)"), sp.Symbol("σ₁²(x)")))
    row_shifted = [a + c for a in row]
    p.identity("Add c to every feature of sample 1: LN numerators x₁ⱼ − μ and σ² unchanged",
               sp.Matrix([sp.expand(a - mean(row_shifted)) for a in row_shifted] + [var(row_shifted)]),
               sp.Matrix([sp.expand(a - mean(row)) for a in row] + [var(row)]),
               shown=sp.Eq(sp.Symbol("(x₁ⱼ + c) − μ(x₁ + c), σ²(x₁ + c)"), sp.Symbol("x₁ⱼ − μ(x₁), σ²(x₁)")))
    # Which entries does an output read? One normalisation whose reduced dims are a parameter (torch's `dim=`),
    # on a symbolic [N, L, F] = [2, 2, 2] batch; differentiate every output by every input entry.
    shape = (2, 2, 2)
    T = {idx: sp.Symbol("x" + "".join(str(i + 1) for i in idx), real=True)
         for idx in itertools.product(*(range(d) for d in shape))}

    def normalise(dims):
        """x̂ of every entry, with mean and biased variance over the dims in `dims` (keepdim-style)."""
        out = {}
        for idx in T:
            group = [T[o] for o in T if all(o[d] == idx[d] for d in range(3) if d not in dims)]
            out[idx] = (T[idx] - mean(group)) / sp.sqrt(var(group) + eps)
        return out

    point = {sym: sp.Rational(v) for sym, v in zip(T.values(), [1, -2, 0, 3, 2, 1, -1, 4])}
    point[eps] = sp.Rational(1, 10)

    def reads(out):
        """How many derivatives ∂x̂[n,l,f]/∂x[n′,l′,f′] are non-zero at a numeric point: (other sample n′ ≠ n,
        same sample but another token l′ ≠ l, n′ = n), each of how many."""
        other_sample, other_token = [0, 0], [0, 0]
        for i in out:
            for k in T:
                if k[0] == i[0] and k[1] == i[1]:
                    continue
                tally = other_sample if k[0] != i[0] else other_token
                tally[1] += 1
                tally[0] += sp.diff(out[i], T[k]).subs(point) != 0
        return other_sample, other_token

    bn_sample, bn_token = reads(normalise((0, 1)))  # BatchNorm1d on [N, L, F]: statistics over N and L
    # p.myth: the misconception that LN's statistics also run over the batch.
    ln_sample, ln_token = reads(normalise((0, 2) if p.myth else (2,)))  # nn.LayerNorm(F): over F only
    p.step("Non-zero ∂x̂[n,l,f]/∂x[n′,l′,f′] at a numeric point: BN over (N, L) reads other samples "
           f"{bn_sample[0]}/{bn_sample[1]}, other tokens of its sample {bn_token[0]}/{bn_token[1]}")
    p.holds("(sympy) LN over F reads no other sample and no other token, while the same function with BN's dims "
            "(N, L) reads both", ln_sample[0] == 0 and ln_token[0] == 0 and bn_sample[0] > 0 and bn_token[0] > 0,
            measured=f"LN {ln_sample[0]}/{ln_sample[1]}, {ln_token[0]}/{ln_token[1]}; "
                     f"BN {bn_sample[0]}/{bn_sample[1]}, {bn_token[0]}/{bn_token[1]}",
            expected="LN 0, 0; BN > 0, > 0", id="ln_reads_no_other_sample",
            refutes="LayerNorm's output depends on the other samples in the batch")


def experiment(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    dt, dev, eps = torch.float64, p.device, 1e-5

    def rand(*shape):
        return torch.randn(*shape, generator=g, dtype=dt)

    def by_hand(x, dims):
        """Normalise over `dims` with the biased variance — written out, no torch.nn."""
        m = x.mean(dim=dims, keepdim=True)
        v = ((x - m) ** 2).mean(dim=dims, keepdim=True)
        return (x - m) / torch.sqrt(v + eps), m

    # --- [N, F] ---------------------------------------------------------------------------
    N, L, F = 8, 6, 5
    x2 = (rand(N, F) * 3 + rand(F) * 2).to(dev)  # features with different means and scales
    bn = torch.nn.BatchNorm1d(F, dtype=dt).to(dev)
    ln = torch.nn.LayerNorm(F, dtype=dt).to(dev)
    with torch.no_grad():
        for mod in (bn, ln):  # non-trivial γ, β so the affine part is checked too
            mod.weight.copy_(rand(F))
            mod.bias.copy_(rand(F))
        bn_hat, bn_mu = by_hand(x2, (0,))
        ln_hat, ln_mu = by_hand(x2, (1,))
        p.step(f"[N, F] = [{N}, {F}]: the hand statistics have shapes {tuple(bn_mu.shape)} (BN, over dim 0) and "
               f"{tuple(ln_mu.shape)} (LN, over dim 1)")
        bn.momentum = 1.0  # running_mean := the batch mean, to read BN's own statistic
        p.allclose("[N,F] nn.BatchNorm1d (train) vs per-feature formula",
                   bn(x2), bn_hat * bn.weight + bn.bias, rtol=1e-10, atol=1e-12, id="nf_bn_matches_per_feature")
        p.allclose("[N,F] nn.BatchNorm1d's own batch mean (running_mean, momentum 1) vs the mean over dim 0",
                   bn.running_mean, bn_mu.flatten(), rtol=1e-12, atol=1e-12, id="nf_bn_mean_over_samples")
        p.allclose("[N,F] nn.LayerNorm vs per-sample formula",
                   ln(x2), ln_hat * ln.weight + ln.bias, rtol=1e-10, atol=1e-12, id="nf_ln_matches_per_sample")

        # --- [N, L, F] ----------------------------------------------------------------------
        x3 = (rand(N, L, F) * 2 + rand(L, F) * 1.5 + rand(F)).to(dev)  # each position and feature has its own mean
        bn3 = torch.nn.BatchNorm1d(F, momentum=1.0, dtype=dt).to(dev)
        real_bn = bn3(x3.transpose(1, 2)).transpose(1, 2)  # BatchNorm1d wants [N, C, L]
        # p.myth: the misconception's BatchNorm, statistics [1, L, F] (per position, over N only).
        torch_bn = by_hand(x3, (0,))[0] if p.myth else real_bn
        hat, mu = by_hand(x3, (0, 1))
        p.allclose("[N,L,F] BatchNorm1d on x.transpose(1,2) vs statistics [1, 1, F] over (N, L)", torch_bn, hat,
                   rtol=1e-10, atol=1e-12, id="nlf_bn_statistic_shape",
                   refutes="BatchNorm on [N, L, F] keeps statistics of shape [1, L, F], one per position")
        # (running_mean has F entries by construction, BatchNorm1d(F); what is tested is which values they hold.)
        p.allclose("[N,L,F] nn.BatchNorm1d's F means (running_mean, momentum 1) vs the mean over N and L",
                   bn3.running_mean, mu.flatten(), rtol=1e-12,
                   atol=1e-12, id="nlf_bn_mean_over_n_and_l")
        ln3 = torch.nn.LayerNorm(F, elementwise_affine=False, dtype=dt).to(dev)
        hat, mu = by_hand(x3, (2,))
        p.allclose("[N,L,F] nn.LayerNorm(F) vs stats over F per token ([N, L, 1])", ln3(x3), hat, rtol=1e-10,
                   atol=1e-12, id="nlf_ln_per_token")
        # Which inputs does each token's LN output read? Autograd's Jacobian of the real module on a small batch.
        # p.myth: the misconception's LayerNorm on [N, L, F], statistics over the whole sample (L and F).
        ln_tested = torch.nn.LayerNorm((3, F) if p.myth else F, elementwise_affine=False, dtype=dt).to(dev)
        from torch.autograd.functional import jacobian

        J = jacobian(ln_tested, x3[:2, :3]).reshape(6, F, 6, F).permute(0, 2, 1, 3)  # [token, token′, f, f′]
        other_token = ~torch.eye(6, dtype=torch.bool, device=dev)
        p.equal("[N,L,F] nn.LayerNorm(F): autograd Jacobian entries linking two different tokens (same or other "
                f"sample) that are not exactly 0, of {int(other_token.sum()) * F * F}",
                int((J[other_token] != 0).sum()), 0, id="nlf_ln_reads_only_its_token",
                refutes="LayerNorm on [N, L, F] mixes the tokens of a sample (statistics over L and F)")
        ln_lf = torch.nn.LayerNorm((L, F), elementwise_affine=False, dtype=dt).to(dev)
        p.allclose("[N,L,F] nn.LayerNorm((L, F)) vs stats over the trailing (L, F)",
                   ln_lf(x3), by_hand(x3, (1, 2))[0], rtol=1e-10, atol=1e-12, id="nlf_ln_last_two_axes")

        # Per-position statistics [1, L, F] (over N only): a different normalisation from BatchNorm1d's.
        per_position = by_hand(x3, (0,))[0]
        p.greater("max |BatchNorm1d − per-position [1,L,F] normalisation|",
                  (real_bn - per_position).abs().max(), 0.05,
                  id="per_position_differs")

        # --- the channels-second trap --------------------------------------------------------
        try:
            bn3(x3)  # [N, L, F] with L ≠ F: BatchNorm1d(F) reads L as the channel axis
            raised = False
        except (RuntimeError, ValueError):
            raised = True
        p.holds("BatchNorm1d(F) on [N, L, F] with L ≠ F raises", raised, measured=raised, expected=True,
                id="wrong_layout_raises")
        # The error comes from γ, β and the running buffers having size F, not L: without them nothing is checked.
        bare = torch.nn.BatchNorm1d(F, affine=False, track_running_stats=False, dtype=dt).to(dev)
        try:
            bare_out = bare(x3)
        except (RuntimeError, ValueError):
            bare_out = None
        p.holds("…but BatchNorm1d(F, affine=False, track_running_stats=False) on it runs, normalising each of the "
                "L positions over (N, F)", bare_out is not None and torch.allclose(bare_out, by_hand(x3, (0, 2))[0]),
                measured="runs" if bare_out is not None else "raises", expected="runs, wrong axis",
                id="wrong_layout_bare_runs")
        x_sq = rand(N, F, F).to(dev)  # L = F: no error...
        silent = bn3(x_sq)
        p.allclose("…with L = F it runs, normalising each position l over (N, F)",
                   silent, by_hand(x_sq, (0, 2))[0], rtol=1e-10, atol=1e-12, id="square_layout_wrong_axis")
        right = bn3(x_sq.transpose(1, 2)).transpose(1, 2)
        p.greater("max |wrong-axis output − correct per-feature output|", (silent - right).abs().max(), 0.05,
                  id="square_layout_differs")

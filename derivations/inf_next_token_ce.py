"""Next-token cross-entropy: the shift, ignore_index, and perplexity = exp(CE).

Symbolic: position t predicts token t + 1, so logits[:, :−1] pair with ids[:, 1:]; the mean loss over
the N positions that are not ignored is −(1/N) Σ log p(yₜ), and exp of it is the geometric mean of
1/p(yₜ): the perplexity. A uniform model over V tokens has CE = log V and perplexity V.
Numeric (float64): F.cross_entropy(ignore_index=−100) on shifted logits of padded sequences against a
hand log-softmax averaged over the positions that count; a model that predicts the next token is
scored with and without the shift; zero logits give log V and perplexity V.
Counterfactual (p.myth): the hand reference averages over every position (ignored ones as zero loss),
and the labels are not shifted.
"""

TITLE = {
    "en": "Next-token cross-entropy: shift, ignore_index, perplexity",
    "zh": "下一个 token 的交叉熵：错位、ignore_index 与困惑度",
}
CLAIMS = [
    {
        "en": "Logits at position t are scored against token t + 1: logits[:, :−1] with ids[:, 1:].",
        "zh": "位置 t 的 logits 与第 t + 1 个 token 比较：logits[:, :−1] 对应 ids[:, 1:]。",
    },
    {
        "en": "F.cross_entropy with ignore_index averages over the positions that are not ignored: padding neither "
              "adds loss nor dilutes the mean.",
        "zh": "带 ignore_index 的 F.cross_entropy 只在未被忽略的位置上求平均：填充既不增加损失，也不稀释均值。",
    },
    {
        "en": "Perplexity = exp(mean CE) = the geometric mean of 1/p(yₜ); a uniform model over V tokens has perplexity V.",
        "zh": "困惑度 = exp(平均交叉熵) = 1/p(yₜ) 的几何平均；对 V 个 token 均匀的模型困惑度为 V。",
    },
]


def derive(p):
    import sympy as sp

    V = sp.Symbol("V", positive=True, integer=True)
    z = sp.Symbol("z", real=True)
    ce_uniform = -sp.log(sp.exp(z) / (V * sp.exp(z)))
    p.identity("equal logits z: −log(e^z / Σ_V e^z) = log V", sp.simplify(ce_uniform), sp.log(V), id="uniform_ce")
    p.identity("perplexity of the uniform model: exp(log V) = V", sp.exp(sp.log(V)), V, id="uniform_ppl")
    q = sp.symbols("p1:4", positive=True)
    ce = -sum(sp.log(x) for x in q) / 3
    p.identity("exp(−(1/3)Σ log pₜ) = (p₁p₂p₃)^(−1/3), the geometric mean of 1/pₜ",
               sp.simplify(sp.exp(ce) - (q[0] * q[1] * q[2]) ** sp.Rational(-1, 3)), 0, id="ppl_geometric_mean")


def experiment(p):
    import math

    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(p.seed)
    f64 = torch.float64
    B, T, V, PAD = 3, 9, 13, -100
    ids = torch.randint(0, V, (B, T), generator=g)
    lengths = [9, 6, 4]
    labels = ids.clone()
    for b, n in enumerate(lengths):
        labels[b, n:] = PAD  # padding after each sequence's end
    logits = torch.randn(B, T, V, generator=g, dtype=f64)

    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=PAD)
    total, counted = 0.0, 0
    for b in range(B):
        for t in range(T - 1):
            y = int(labels[b, t + 1])
            if y == PAD:
                continue
            row = [float(v) for v in logits[b, t]]
            top = max(row)
            total += -(row[y] - top - math.log(sum(math.exp(v - top) for v in row)))
            counted += 1
    positions = B * (T - 1)
    reference = total / (positions if p.myth else counted)
    p.close("F.cross_entropy(shifted, ignore_index=−100) vs hand −mean log p over non-ignored positions",
            loss, reference, rtol=1e-12, id="ce_matches_hand_mean",
            refutes="ignored positions count as zero loss in the mean")
    p.equal("positions that count (of B·(T − 1))", counted, sum(n - 1 for n in lengths), id="counted_positions")

    # Gradient accumulation: micro-batches with different numbers of counted tokens.
    flat_logits, flat_labels = logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1)
    cut = 2 * (T - 1)  # sequences 0 and 1 (13 counted tokens) | sequence 2 (3)
    halves = [(flat_logits[:cut], flat_labels[:cut]), (flat_logits[cut:], flat_labels[cut:])]
    means = [F.cross_entropy(lg, lb, ignore_index=PAD) for lg, lb in halves]
    counts = [int((lb != PAD).sum()) for _, lb in halves]
    # The gap is (m₁ − m₂)·(½ − 13/16): it is small whenever the two micro-batch means happen to be close (below
    # 10⁻³ at seed 38), so the row takes its median over these logits and 8 more draws.
    def plain_mean_gap(lg):
        flat = lg[:, :-1].reshape(-1, V)
        ms = [F.cross_entropy(flat[a:b], flat_labels[a:b], ignore_index=PAD) for a, b in ((0, cut), (cut, None))]
        return float((sum(ms) / 2 - F.cross_entropy(flat, flat_labels, ignore_index=PAD)).abs())

    more = torch.Generator().manual_seed(p.seed + 1)
    gaps = [float((sum(means) / 2 - loss).abs())]
    gaps += [plain_mean_gap(torch.randn(B, T, V, generator=more, dtype=f64)) for _ in range(8)]
    p.greater("|mean of the two micro-batch means − whole-batch mean| (micro-batches of unequal token counts), median "
              "of 9 draws of the logits", sorted(gaps)[len(gaps) // 2], 1e-3, id="mean_of_means_differs")
    p.close("token-count-weighted mean of the micro-batch means vs whole-batch mean",
            sum(c * m for c, m in zip(counts, means)) / sum(counts), loss, rtol=1e-12, id="weighted_means_agree")

    # A model that knows the next token: logit 20 on ids[:, t + 1] at position t.
    oracle = torch.zeros(B, T, V, dtype=f64)
    oracle[:, :-1].scatter_(-1, ids[:, 1:, None], 20.0)
    shifted = F.cross_entropy(oracle[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=PAD)
    unshifted = F.cross_entropy(oracle.reshape(-1, V), labels.reshape(-1), ignore_index=PAD)
    scored = unshifted if p.myth else shifted
    p.less("CE of a next-token oracle scored with the shift", scored, 1e-6, id="shift_oracle_ce",
           refutes="logits at position t are scored against token t")
    p.greater("the same oracle scored without the shift", unshifted, 1, id="unshifted_oracle_ce")

    zero = torch.zeros(20, V, dtype=f64)
    ce0 = F.cross_entropy(zero, torch.randint(0, V, (20,), generator=g))
    p.close("CE of zero logits vs log V (V = 13)", ce0, math.log(V), rtol=1e-12, id="zero_logits_ce")
    p.close("perplexity exp(CE) of zero logits vs V", torch.exp(ce0), V, rtol=1e-12, id="zero_logits_ppl")
    probs = torch.softmax(logits[:, :-1], -1).gather(-1, labels[:, 1:].clamp_min(0)[..., None])[..., 0]
    kept = probs[labels[:, 1:] != PAD]
    p.close("exp(CE) vs geometric mean of 1/p(yₜ) over counted positions", torch.exp(loss),
            torch.exp(-kept.log().mean()), rtol=1e-12, id="ppl_is_geometric_mean")

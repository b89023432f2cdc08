"""Greedy decoding and beam search against exhaustive search over every sequence.

Symbolic: log P(x₁…x_L) = Σₜ log P(xₜ | x_<t); greedy maximises each term given its own prefix, which
maximises the sum only when the conditionals ignore the prefix. A two-step example: P(A) = 0.6,
P(B) = 0.4, then flat ¼ after A and 0.9 after B: greedy scores 0.6·¼ = 0.15 while B·(0.9) scores 0.36.
Numeric: small autoregressive "models" given as conditional tables (torch.softmax of random logits),
decoded greedily (torch.argmax) and with beam search (torch.topk over beam × vocabulary), against
exhaustive enumeration of all V^L sequences: beam width V^(L−1) finds the optimum; greedy misses it;
beam width 2 can even end below greedy (a table found by search is replayed).
Counterfactual (p.myth): the conditionals ignore the prefix (a unigram model), where greedy is optimal.
"""

TITLE = {
    "en": "Greedy vs beam search vs the most probable sequence",
    "zh": "贪心、束搜索与最可能序列",
}
CLAIMS = [
    {
        "en": "Greedy decoding does not in general return the most probable sequence: a likely first token can lead "
              "to flat continuations (0.6·¼ = 0.15 < 0.4·0.9 = 0.36).",
        "zh": "贪心解码一般不会返回概率最大的序列：概率大的第一个 token 之后可能是平坦的续写（0.6·¼ = 0.15 < 0.4·0.9 = 0.36）。",
    },
    {
        "en": "Beam search with width B keeps the B best prefixes; it is exact only when B covers every prefix, and a "
              "small beam can end below greedy.",
        "zh": "宽度为 B 的束搜索保留 B 个最好的前缀；只有 B 覆盖所有前缀时它才精确，小束甚至可能比贪心更差。",
    },
]

V, L = 3, 4
BEAM_WORSE_SEED = 2055  # found by searching seeds 0… for a table where width-2 beam ends below greedy


def derive(p):
    import sympy as sp

    pa, pb, flat, peak = sp.Rational(6, 10), sp.Rational(4, 10), sp.Rational(1, 4), sp.Rational(9, 10)
    greedy, best = pa * flat, pb * peak
    # The example as a table (second token from 4: flat after A, peaked after B); greedy and an exhaustive search
    # over the joint P(x₁)·P(x₂|x₁) run on it, so the ratio is searched, not typed.
    first = {"A": pa, "B": pb}
    second = {"A": [flat] * 4, "B": [peak] + [(1 - peak) / 3] * 3}
    x1 = max(first, key=first.get)
    greedy_path = first[x1] * max(second[x1])
    exhaustive = max(first[a] * q for a in first for q in second[a])
    p.step("greedy: P(A)·max P(·|A) = 0.6·¼", greedy_path)
    p.step("exhaustive search over the 8 sequences: P(B)·P(·|B) = 0.4·0.9", exhaustive)
    p.identity("the best sequence is 12/5 times as likely as greedy's", exhaustive / greedy_path, best / greedy,
               id="toy_ratio")
    x1, x2 = sp.symbols("x1 x2")
    f, g_ = sp.Function("f"), sp.Function("g")
    p.step("if P(x₂|x₁) = g(x₂) ignores x₁: max over (x₁, x₂) of f(x₁)·g(x₂) = max f · max g — greedy is exact",
           f(x1) * g_(x2))


def tables(seed, unigram=False):
    """Conditional tables: tabs[t][x₁, …, xₜ, :] = P(x_{t+1} | x₁…xₜ)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    tabs = [torch.softmax(torch.randn((V,) * (t + 1), generator=g, dtype=torch.float64) * 2, -1) for t in range(L)]
    if unigram:  # the myth's model: the next-token distribution does not depend on the prefix
        tabs = [t.reshape(-1, V)[0].expand((V,) * (i + 1)).clone() for i, t in enumerate(tabs)]
    return tabs


def experiment(p):
    import itertools
    import math

    import torch

    def logp(tabs, seq):
        return sum(math.log(float(tabs[t][tuple(seq[:t + 1])])) for t in range(L))

    def exhaustive(tabs):
        return max(logp(tabs, s) for s in itertools.product(range(V), repeat=L))

    def greedy(tabs):
        seq = []
        for t in range(L):
            seq.append(int(torch.argmax(tabs[t][tuple(seq)])))
        return logp(tabs, seq)

    def beam(tabs, width):
        prefixes, scores = [()], torch.zeros(1, dtype=torch.float64)
        for t in range(L):
            cand = torch.stack([tabs[t][b].log() for b in prefixes]) + scores[:, None]  # (beams, V)
            top = torch.topk(cand.flatten(), min(width, cand.numel()))
            prefixes = [prefixes[i // V] + (i % V,) for i in top.indices.tolist()]
            scores = top.values
        return float(scores[0])

    # 20 random prefix-dependent tables (V = 3, L = 4): exhaustive search vs greedy vs a full-width beam.
    cases_gap, cases_full = [], []
    for seed in range(20):
        tabs = tables(p.seed + seed, unigram=p.myth)
        best = exhaustive(tabs)
        cases_gap.append((f"table seed {seed}", best - greedy(tabs)))
        cases_full.append((f"table seed {seed}", abs(beam(tabs, V ** (L - 1)) - best)))
    p.sweep("|beam(width V^(L−1)) − exhaustive max log-prob| over 20 random tables (V = 3, L = 4)", cases_full,
            "<=", 1e-12, id="full_beam_exact")
    p.greater("largest (exhaustive max − greedy) log-prob over 20 random tables", max(v for _, v in cases_gap), 1e-9,
              id="greedy_not_optimal", refutes="greedy decoding returns the most probable sequence")
    p.greater("tables (of 20) where greedy misses the most probable sequence", sum(v > 1e-9 for _, v in cases_gap), 0,
              id="greedy_misses")
    tabs = tables(BEAM_WORSE_SEED)
    p.greater("replayed table (seed 2055): greedy log-prob − beam(width 2) log-prob", greedy(tabs) - beam(tabs, 2), 0,
              id="beam2_below_greedy")

"""How many mini-batches per epoch: ⌈N/B⌉, or ⌊N/B⌋ with drop_last.

Symbolic: write N = qB + r with 0 ≤ r < B; then ⌊N/B⌋ = q and ⌈N/B⌉ = q + [r > 0]; the last
batch holds r samples (or B when r = 0); drop_last throws away r = N mod B samples per
epoch; ⌈N/B⌉ = ⌊(N + B − 1)/B⌋ checked exactly over a grid. Numeric: len() of a real
torch.utils.data.DataLoader and the batches it actually yields, on random (N, B), with
and without drop_last; with shuffling, the dropped samples change from epoch to epoch.
"""

TITLE = {
    "en": "DataLoader length with and without drop_last",
    "zh": "DataLoader 的长度：drop_last 开与关",
}
CLAIMS = [
    {
        "en": "A DataLoader over N samples with batch size B yields ⌈N/B⌉ batches, the last one of "
              "N − B(⌈N/B⌉ − 1) samples; with drop_last=True it yields ⌊N/B⌋ full batches.",
        "zh": "N 个样本、批大小 B 的 DataLoader 产生 ⌈N/B⌉ 个批，最后一批 N − B(⌈N/B⌉ − 1) 个样本；"
              "drop_last=True 时产生 ⌊N/B⌋ 个满批。",
    },
    {
        "en": "drop_last discards N mod B samples per epoch; with shuffle=True they are different "
              "samples each epoch, so none is lost for good.",
        "zh": "drop_last 每个 epoch 丢弃 N mod B 个样本；shuffle=True 时每个 epoch 丢的样本不同，"
              "不会有样本被永久丢掉。",
    },
    {
        "en": "A last batch of one sample breaks BatchNorm in training mode when that leaves one value per channel "
              "(BatchNorm1d on (N, C) features); drop_last avoids it. BatchNorm2d on an image still runs.",
        "zh": "只有一个样本的最后一批，在每个通道只剩一个值时（如 (N, C) 特征上的 BatchNorm1d）会让训练模式下的 "
              "BatchNorm 报错；drop_last 可以避免。图像上的 BatchNorm2d 仍能运行。",
    },
]


def _derivation():
    """Batch sizes from the definition of batching, and the counts that follow (derive prints, experiment uses).

    Batching cuts the sampler's order into chunks of B: batch k holds indices kB … min((k + 1)B, N) − 1,
    so its size is min(B, max(0, N − kB)); a batch is yielded when that size is > 0, and with
    drop_last only when it is B."""
    import sympy as sp

    q, B = sp.symbols("q B", positive=True, integer=True)
    r = sp.Symbol("r", nonnegative=True, integer=True)
    s, j = sp.symbols("s j", nonnegative=True, integer=True)  # r = B − 1 − s encodes r < B
    N = q * B + r

    def size(k):
        return sp.Min(B, sp.Max(0, N - k * B))

    before = sp.simplify(size(q - 1 - j))  # any batch before the q-th, j ≥ 0
    at_q = sp.simplify(size(q).subs(r, B - 1 - s)).subs(s, B - 1 - r)
    after = sp.simplify(size(q + 1 + j).subs(r, B - 1 - s))
    n_full = q  # batches 0 … q − 1, each of size `before`
    n_all = n_full + sp.Piecewise((1, at_q > 0), (0, True))
    last = sp.Piecewise((at_q, at_q > 0), (before, True))
    dropped = sp.expand(N - n_full * before)  # what drop_last leaves out: N minus the full batches
    return dict(q=q, B=B, r=r, N=N, size=size, before=before, at_q=at_q, after=after, n_full=n_full,
                n_all=n_all, last=last, dropped=dropped)


def derive(p):
    import sympy as sp

    d = _derivation()
    q, B, r = d["q"], d["B"], d["r"]
    n_sym = sp.Symbol("N", positive=True, integer=True)
    k = sp.Symbol("k", nonnegative=True, integer=True)
    p.step("Divide N by B: quotient q, remainder r with 0 ≤ r < B", sp.Eq(n_sym, d["N"]))
    p.step("Batch k holds indices kB … min((k + 1)B, N) − 1: its size", d["size"](k))
    p.step("Batches k = q − 1 − j before the q-th (j ≥ 0) are full: size", d["before"])
    p.step("Batch k = q (write r = B − 1 − s, s ≥ 0, for r < B): size", d["at_q"])
    p.step("Batches after it: size", d["after"])
    p.step("So the DataLoader yields (drop_last=False)", d["n_all"])
    p.step("…the last one holding", d["last"])
    p.step("With drop_last=True only the q full batches remain, and it leaves out", d["dropped"])
    p.identity("drop_last leaves out r = N mod B samples", d["dropped"], r,
               shown=sp.Eq(n_sym - B * sp.floor(n_sym / B), r))

    pairs = [(n, b) for n in range(1, 41) for b in range(1, 13)]
    count = sp.Lambda((q, r), d["n_all"])
    p.identity("the derived count = ⌈N/B⌉ and the full count q = ⌊N/B⌋, for every N ≤ 40, B ≤ 12",
               sp.Matrix([[count(n // b, n % b), d["n_full"].subs(q, n // b)] for n, b in pairs]),
               sp.Matrix([[sp.ceiling(sp.Rational(n, b)), sp.floor(sp.Rational(n, b))] for n, b in pairs]),
               shown=sp.Eq(sp.Symbol("q + [r > 0]"), sp.Symbol("⌈N/B⌉")))


def experiment(p):
    import random

    import sympy as sp
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    d = _derivation()  # the derived counts, evaluated at each (N, B) below
    n_all = sp.lambdify((d["q"], d["r"]), d["n_all"])
    n_full = sp.lambdify((d["q"],), d["n_full"])
    last_size = sp.lambdify((d["q"], d["r"], d["B"]), d["last"])
    rng = random.Random(p.seed)
    n_cases = 40 if p.quick else 400
    bad_len, bad_iter, bad_last = 0, 0, 0
    for _ in range(n_cases):
        N, B = rng.randint(1, 200), rng.randint(1, 64)
        q, r = divmod(N, B)
        data = TensorDataset(torch.arange(N))
        for drop in (False, True):
            loader = DataLoader(data, batch_size=B, drop_last=drop)
            expected = int(n_full(q)) if drop else int(n_all(q, r))
            sizes = [len(batch) for (batch,) in loader]
            bad_len += len(loader) != expected
            bad_iter += len(sizes) != expected
            if sizes:
                last = B if drop else int(last_size(q, r, B))
                bad_last += sizes[-1] != last
    p.equal(f"len(DataLoader) ≠ the derived count ({n_cases} random N, B, both drop_last)", bad_len, 0,
            id="len_matches_derived")
    p.equal("batches actually yielded ≠ the derived count", bad_iter, 0)
    p.equal("last batch size ≠ the derived size", bad_last, 0)

    N, B = 103, 10
    p.equal("N = 103, B = 10: len(DataLoader)", len(DataLoader(TensorDataset(torch.arange(N)), batch_size=B)),
            int(n_all(*divmod(N, B))), id="len_103_10")
    p.equal("N = 103, B = 10: size of the last batch",
            len(list(DataLoader(TensorDataset(torch.arange(N)), batch_size=B))[-1][0]),
            int(last_size(*divmod(N, B), B)), id="last_103_10")
    p.equal("N = 103, B = 10, drop_last=True: len(DataLoader)",
            len(DataLoader(TensorDataset(torch.arange(N)), batch_size=B, drop_last=True)),
            int(n_full(N // B)), id="len_103_10_drop")

    N, B = 103, 10
    loader = DataLoader(TensorDataset(torch.arange(N)), batch_size=B, drop_last=True,
                        generator=torch.Generator().manual_seed(p.seed), shuffle=True)
    seen, dropped = set(), []
    for _ in range(8):
        epoch = torch.cat([batch for (batch,) in loader]).tolist()
        dropped.append(N - len(epoch))
        seen.update(epoch)
    p.equal("N = 103, B = 10, drop_last: samples dropped in each of 8 epochs", dropped, [N % B] * 8)
    p.equal("distinct samples seen over 8 shuffled epochs", len(seen), N, id="all_seen_shuffled")
    loader = DataLoader(TensorDataset(torch.arange(N)), batch_size=B, drop_last=True, shuffle=False)
    never = set(range(N)) - set(torch.cat([batch for (batch,) in loader]).tolist())
    p.equal("without shuffling the same 3 samples are never seen", sorted(never), [100, 101, 102], id="never_seen")

    # Why drop_last exists: N = 21, B = 10 leaves a last batch of 1, which BatchNorm cannot
    # normalise in training mode (no variance from one value).
    bn = torch.nn.BatchNorm1d(4).train()
    data = TensorDataset(torch.randn(21, 4, generator=torch.Generator().manual_seed(p.seed)))
    refused = 0
    for (batch,) in DataLoader(data, batch_size=10):
        try:
            bn(batch)
        except ValueError:
            refused += 1
    p.equal("N = 21, B = 10: batches BatchNorm1d (training mode) refuses — the last, of 1 sample",
            refused, 1, id="bn1d_refuses_single")
    # The condition is one value per channel: BatchNorm2d normalises a single image over its H·W values.
    bn2 = torch.nn.BatchNorm2d(4).train()
    single = torch.randn(1, 4, 5, 5, generator=torch.Generator().manual_seed(p.seed))
    p.equal("BatchNorm2d (training mode) on a batch of one 5×5 image: output shape (it runs)",
            list(bn2(single).shape), [1, 4, 5, 5], id="bn2d_single_image_runs")
    refused_drop = 0
    for (batch,) in DataLoader(data, batch_size=10, drop_last=True):
        try:
            bn(batch)
        except ValueError:
            refused_drop += 1
    p.equal("… with drop_last=True: batches BatchNorm1d (training mode) refuses", refused_drop, 0)

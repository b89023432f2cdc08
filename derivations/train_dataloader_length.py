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
        "en": "A last batch of one sample breaks BatchNorm in training mode; drop_last avoids it.",
        "zh": "只有一个样本的最后一批会让训练模式下的 BatchNorm 报错；drop_last 可以避免。",
    },
]


def derive(p):
    import sympy as sp

    q, B = sp.symbols("q B", positive=True, integer=True)
    r = sp.Symbol("r", nonnegative=True, integer=True)
    N = q * B + r
    n_sym = sp.Symbol("N", positive=True, integer=True)
    p.step("Divide N by B: quotient q, remainder r with 0 ≤ r < B", sp.Eq(n_sym, N))
    full = sp.floor(sp.expand(N / B))
    p.step("⌊N/B⌋: the integer q comes out of the floor", full)
    # 0 ≤ r/B < 1, so ⌊r/B⌋ = 0: full batches = q (the drop_last count).
    p.identity("⌊r/B⌋ = 0 because 0 ≤ r < B, so ⌊N/B⌋ = q", full.subs(sp.floor(r / B), 0), q,
               shown=sp.Eq(sp.floor(n_sym / B), q))
    all_batches = sp.ceiling(sp.expand(N / B))
    p.step("⌈N/B⌉ = q + ⌈r/B⌉, and ⌈r/B⌉ is 1 if r > 0 else 0", all_batches)
    last = N - B * (all_batches - 1)
    p.identity("r > 0: the last batch holds r samples", last.subs(sp.ceiling(r / B), 1), r,
               shown=sp.Eq(n_sym - B * (sp.ceiling(n_sym / B) - 1), r))
    p.identity("r = 0: every batch is full, the last holds B", last.subs(r, 0), B)
    p.identity("drop_last drops N − B·⌊N/B⌋ = r = N mod B samples", N - B * q, r,
               shown=sp.Eq(n_sym - B * sp.floor(n_sym / B), r))

    pairs = [(n, b) for n in range(1, 41) for b in range(1, 13)]
    p.identity("⌈N/B⌉ = ⌊(N + B − 1)/B⌋ for every N ≤ 40, B ≤ 12 (exact integers)",
               sp.Matrix([sp.ceiling(sp.Rational(n, b)) for n, b in pairs]),
               sp.Matrix([(n + b - 1) // b for n, b in pairs]),
               shown=sp.Eq(sp.Symbol("⌈N/B⌉"), sp.Symbol("⌊(N + B − 1)/B⌋")))


def experiment(p):
    import math
    import random

    import torch
    from torch.utils.data import DataLoader, TensorDataset

    rng = random.Random(p.seed)
    n_cases = 40 if p.quick else 400
    bad_len, bad_iter, bad_last = 0, 0, 0
    for _ in range(n_cases):
        N, B = rng.randint(1, 200), rng.randint(1, 64)
        data = TensorDataset(torch.arange(N))
        for drop in (False, True):
            loader = DataLoader(data, batch_size=B, drop_last=drop)
            expected = N // B if drop else math.ceil(N / B)
            sizes = [len(batch) for (batch,) in loader]
            bad_len += len(loader) != expected
            bad_iter += len(sizes) != expected
            if sizes:
                last = B if drop or N % B == 0 else N % B
                bad_last += sizes[-1] != last
    p.equal(f"len(DataLoader) ≠ ⌈N/B⌉ / ⌊N/B⌋ ({n_cases} random N, B, both drop_last)", bad_len, 0)
    p.equal("batches actually yielded ≠ the formula", bad_iter, 0)
    p.equal("last batch size ≠ N mod B (or B)", bad_last, 0)

    N, B = 103, 10
    loader = DataLoader(TensorDataset(torch.arange(N)), batch_size=B, drop_last=True,
                        generator=torch.Generator().manual_seed(p.seed), shuffle=True)
    seen, dropped = set(), []
    for _ in range(8):
        epoch = torch.cat([batch for (batch,) in loader]).tolist()
        dropped.append(N - len(epoch))
        seen.update(epoch)
    p.equal("N = 103, B = 10, drop_last: samples dropped in each of 8 epochs", dropped, [3] * 8)
    p.equal("distinct samples seen over 8 shuffled epochs", len(seen), N)
    loader = DataLoader(TensorDataset(torch.arange(N)), batch_size=B, drop_last=True, shuffle=False)
    never = set(range(N)) - set(torch.cat([batch for (batch,) in loader]).tolist())
    p.equal("without shuffling the same 3 samples are never seen", sorted(never), [100, 101, 102])

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
            refused, 1)
    p.equal("… with drop_last=True: batches refused",
            sum(1 for (batch,) in DataLoader(data, batch_size=10, drop_last=True) if batch.shape[0] < 2), 0)

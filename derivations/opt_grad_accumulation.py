"""Gradient accumulation: when k micro-batches equal one big batch, and when they do not.

Symbolic: with mean reduction, L_big = (1/N)Σ_i ℓ_i. Splitting into k micro-batches of sizes n_j,
Σ_j (1/k)·(1/n_j)Σ_{i∈j} ℓ_i equals L_big exactly when every n_j = N/k; with a ragged last
micro-batch each of its examples weighs N/(k·n_j) times too much; backward() on the plain
micro-batch means sums to k·∇L_big. Summing per-example losses and dividing by N is exact for
any sizes. None of this covers layers that couple the examples of a batch: BatchNorm normalises
each micro-batch by its own statistics, so the accumulated gradient is not the big batch's.
Numeric: a tanh MLP in float64: accumulated .grad (loss/k) vs the big batch (equal to rounding);
without /k (k times larger); a ragged split (the derived weighting, and the sum/N fix); the same
MLP with nn.BatchNorm1d: a clear gradient gap, and running statistics that differ too.
"""

TITLE = {
    "en": "Gradient accumulation = a big batch only with the right scaling and no batch-coupled layers",
    "zh": "梯度累积只有在正确缩放且没有跨样本耦合层时才等于大批量",
}
CLAIMS = [
    {
        "en": "Accumulating k equal micro-batches with loss/k reproduces the big-batch gradient; without /k it is "
              "k times larger; with a ragged last micro-batch loss/k weights examples unequally, sum/N is exact.",
        "zh": "k 个等大的微批量用 loss/k 累积可重现大批量梯度；不除以 k 则大 k 倍；最后一个微批量较小时，loss/k 使样本"
              "权重不等，而用求和再除以 N 是精确的。",
    },
    {
        "en": "With BatchNorm the accumulated gradient differs from the big batch's (each micro-batch uses its own "
              "mean and variance), and the running statistics get k updates instead of one.",
        "zh": "有 BatchNorm 时累积梯度与大批量不同（每个微批量用自己的均值和方差），运行统计量也被更新 k 次而不是一次。",
    },
]


def derive(p):
    import sympy as sp

    N, k = 12, 3
    ell = sp.symbols(f"l1:{N + 1}")
    big = sum(ell) / N
    equal = [ell[j * 4:(j + 1) * 4] for j in range(k)]
    accum = sum(sum(part) / len(part) / k for part in equal)
    p.identity("N = 12, k = 3 equal micro-batches: Σ_j (1/k)·mean_j = mean of all", accum, big)
    p.identity("without 1/k: Σ_j mean_j = k·(mean of all)", sum(sum(part) / len(part) for part in equal), k * big)
    ragged = [ell[0:5], ell[5:10], ell[10:12]]  # sizes 5, 5, 2
    accum_r = sum(sum(part) / len(part) / k for part in ragged)
    weights = [sp.diff(accum_r, e) for e in ell]
    p.step("ragged sizes 5, 5, 2 with loss/k: the weight of each example", sp.Matrix([weights]))
    p.identity("an example of the last micro-batch weighs N/(k·n_j) = 12/(3·2) = 2 times its share",
               weights[-1] / sp.Rational(1, N), 2)
    accum_sum = sum(sum(part) for part in ragged) / N
    p.identity("summing the per-example losses and dividing by N is exact for any split", accum_sum, big)


def experiment(p):
    import copy

    import torch

    gen = torch.Generator().manual_seed(p.seed)
    X = torch.randn(32, 6, generator=gen, dtype=torch.float64).to(p.device)
    y = torch.randn(32, 1, generator=gen, dtype=torch.float64).to(p.device)

    def make(bn):
        torch.manual_seed(p.seed)
        layers = [torch.nn.Linear(6, 16)] + ([torch.nn.BatchNorm1d(16)] if bn else []) + [
            torch.nn.Tanh(), torch.nn.Linear(16, 1)]
        return torch.nn.Sequential(*layers).double().to(p.device)

    def grads(net):
        return torch.cat([q.grad.flatten() for q in net.parameters()])

    def big_batch(net):
        net.zero_grad()
        torch.nn.functional.mse_loss(net(X), y).backward()
        return grads(net)

    def accumulate(net, sizes, scale):
        net.zero_grad()
        start = 0
        for n in sizes:
            part = slice(start, start + n)
            loss = torch.nn.functional.mse_loss(net(X[part]), y[part], reduction="sum" if scale == "sum/N" else "mean")
            (loss / {"1/k": len(sizes), "none": 1, "sum/N": len(X)}[scale]).backward()
            start += n
        return grads(net)

    plain = make(bn=False)
    ref = big_batch(plain)
    p.allclose("no BatchNorm, 4 micro-batches of 8, loss/4: accumulated grad vs batch of 32", accumulate(
        plain, [8] * 4, "1/k"), ref, rtol=1e-10, atol=1e-14, id="equal_microbatches_exact")
    p.close("without /k: ‖accumulated‖ / ‖big batch‖", accumulate(plain, [8] * 4, "none").norm() / ref.norm(), 4.0,
            rtol=1e-10, id="no_division_k_times")
    ragged = accumulate(plain, [10, 10, 10, 2], "1/k")
    p.greater("ragged micro-batches 10, 10, 10, 2 with loss/k: relative gap to the big batch",
              (ragged - ref).norm() / ref.norm(), 0.05, id="ragged_gap")
    p.allclose("ragged micro-batches with sum reduction / 32: accumulated grad vs batch of 32",
               accumulate(plain, [10, 10, 10, 2], "sum/N"), ref, rtol=1e-10, atol=1e-14, id="ragged_sum_exact")

    # The myth's model: a network without batch coupling, so micro-batches cannot tell the difference.
    bn_big = make(bn=not p.myth)
    bn_acc = copy.deepcopy(bn_big)
    g_big = big_batch(bn_big)
    g_acc = accumulate(bn_acc, [8] * 4, "1/k")
    p.greater("with BatchNorm1d, 4 × 8 with loss/4 vs batch of 32: relative gradient gap", (g_acc - g_big).norm()
              / g_big.norm(), 0.01, id="batchnorm_gap", refutes="gradient accumulation always equals a larger batch")
    if not p.myth:
        rm_big, rm_acc = bn_big[1].running_mean, bn_acc[1].running_mean
        p.greater("BatchNorm running_mean after one big batch vs after 4 micro-batches: relative gap",
                  (rm_big - rm_acc).norm() / rm_big.norm(), 0.5, id="running_stats_gap")

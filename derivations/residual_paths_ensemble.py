"""Residual networks as an ensemble of paths (Veit, Wilber & Belongie, 2016).

Symbolic: with linear branches, L blocks compute (1 + f_L)⋯(1 + f_1)x; expanding
the product with non-commuting f's gives 2^L terms, one per path (per subset of
blocks the signal goes through), and C(L, k) of them have length k. Replacing
every f by a commuting t turns the product into (1 + t)^L, from which the mean
path length L/2 and variance L/4 follow; for the 54 blocks of a 110-layer ResNet,
98% of the paths are 19–35 blocks long. Numeric: a linear residual net equals the
explicit sum over its 256 paths, and deleting a block deletes exactly the paths
through it; then the lesion experiment on tanh nets: deleting one block changes a
residual net's output far less than deleting one layer changes a plain net's.
"""

TITLE = {
    "en": "Residual nets as an ensemble of 2^L paths; deleting one block",
    "zh": "残差网络是 2^L 条路径的集成；删除单个残差块",
}
CLAIMS = [
    {
        "en": "L residual blocks unroll into 2^L paths; C(L, k) of them pass through k branches, so path lengths "
              "are Binomial(L, ½): mean L/2, variance L/4 (for L = 54, 98% of paths have length 19–35).",
        "zh": "L 个残差块展开为 2^L 条路径，其中经过 k 个分支的有 C(L, k) 条，路径长度服从 Binomial(L, ½)："
              "均值 L/2，方差 L/4（L = 54 时 98% 的路径长度在 19–35 之间）。",
    },
    {
        "en": "For linear branches the output is exactly the sum over all paths, and deleting block i leaves exactly "
              "the 2^(L−1) paths that avoid it; a plain net has one path, which any deletion cuts.",
        "zh": "分支为线性时输出恰好是所有路径之和，删除第 i 块后恰好剩下不经过它的 2^(L−1) 条路径；"
              "普通网络只有一条路径，删除任何一层都会切断它。",
    },
    {
        "en": "In a random 16-block tanh net (width 32), deleting one residual block changes the output far less than "
              "deleting one layer of the plain net with the same layers (the plain output changes by about its own "
              "size).",
        "zh": "在随机初始化的 16 块 tanh 网络（宽 32）中，删除一个残差块对输出的改变远小于在同样层构成的普通网络中删除一层"
              "（普通网络输出的变化量与输出本身同量级）。",
    },
]


def derive(p):
    import sympy as sp

    L4 = 4
    fs = sp.symbols(f"f1:{L4 + 1}", commutative=False)
    product = sp.Integer(1)
    for f in fs:
        product = (1 + f) * product  # block i applied after block i − 1
    paths = sp.expand(product)
    p.step(f"{L4} linear blocks, (1 + f₄)(1 + f₃)(1 + f₂)(1 + f₁), expanded: one term per path", paths)
    terms = sp.Add.make_args(paths)
    p.equal(f"number of paths for L = {L4}", len(terms), 2**L4)
    lengths = [sum(1 for factor in sp.Mul.make_args(term) if factor != 1) for term in terms]
    p.equal("number of paths of length k = 0…4", [lengths.count(k) for k in range(L4 + 1)],
            [sp.binomial(L4, k) for k in range(L4 + 1)])

    # Any L: put a commuting t for every branch; the coefficient of t^k counts the paths of length k.
    t, L, k = sp.symbols("t L k", positive=True)
    gen = (1 + t) ** L
    p.step("Counting paths by length: every f → t gives the generating function", gen)
    total = gen.subs(t, 1)
    mean = sp.simplify(sp.diff(gen, t).subs(t, 1) / total)
    second = sp.simplify(sp.diff(gen, t, 2).subs(t, 1) / total)  # E[K(K − 1)]
    p.identity("total number of paths (1 + 1)^L = 2^L", total, 2**L)
    p.identity("mean path length G'(1)/G(1) = L/2", mean, L / 2, id="mean_path_length")
    p.identity("variance G''(1)/G(1) + mean − mean² = L/4", sp.simplify(second + mean - mean**2), L / 4,
               id="path_length_variance")

    blocks = 54  # ResNet-110 on CIFAR: 54 residual blocks
    share = sp.Sum(sp.binomial(blocks, k), (k, 19, 35)).doit() / 2**blocks
    p.step("Share of the 2^54 paths of ResNet-110 with length 19…35 (exact)", sp.Float(share, 6))
    p.greater("share of ResNet-110 paths with length 19–35", share, 0.95, id="resnet110_path_share")


def _run(torch, Ws, bs, x, residual, alpha, skip=None):
    h = x
    for i, (W, b) in enumerate(zip(Ws, bs)):
        if i == skip:
            continue
        branch = torch.tanh(h @ W.T + b)
        h = h + alpha * branch if residual else branch
    return h


def experiment(p):
    import torch

    dt = torch.float64
    g = torch.Generator().manual_seed(p.seed)

    # 1. Linear branches: the network equals the explicit sum over its 2^L paths.
    L, n = 8, 6
    A = [(torch.randn(n, n, generator=g, dtype=dt) / n**0.5).to(p.device) for _ in range(L)]
    x = torch.randn(n, generator=g, dtype=dt).to(p.device)

    def network(skip=None):
        h = x
        for i, Ai in enumerate(A):
            if i != skip:
                h = h + Ai @ h
        return h

    def path_sum(avoid=None):
        total = torch.zeros(n, dtype=dt, device=p.device)
        for subset in range(2**L):  # bit i set: the path goes through branch i
            if avoid is not None and subset >> avoid & 1:
                continue
            h = x
            for i in range(L):
                if subset >> i & 1:
                    h = A[i] @ h
            total = total + h
        return total

    p.allclose(f"linear residual net vs Σ over its 2^{L} = {2**L} paths", network(), path_sum(),
               rtol=1e-10, atol=1e-10)
    p.allclose("block 3 deleted vs Σ over the 128 paths that avoid block 3", network(skip=3), path_sum(avoid=3),
               rtol=1e-10, atol=1e-10)

    # 2. Lesion study on tanh nets: the same layers, stacked plainly or with skips.
    # 16 blocks. In much deeper random tanh stacks (54 tried) the plain net's output hardly
    # depends on its early layers, so a lesion of a random net no longer separates the two;
    # Veit et al. lesion trained nets.
    L, n = 16, 32
    variants = {"plain": (False, 1.0), "residual": (True, 1.0), "residual, branch/√L": (True, L**-0.5)}
    change = {name: [0.0] * L for name in variants}
    nets = 1 if p.quick else 16  # averaged over random nets at the full scale
    for _ in range(nets):
        Ws = [(torch.randn(n, n, generator=g, dtype=dt) / n**0.5).to(p.device) for _ in range(L)]
        bs = [(0.1 * torch.randn(n, generator=g, dtype=dt)).to(p.device) for _ in range(L)]
        xs = torch.randn(64, n, generator=g, dtype=dt).to(p.device)
        for name, (residual, alpha) in variants.items():
            full = _run(torch, Ws, bs, xs, residual, alpha)
            for i in range(L):
                delta = (_run(torch, Ws, bs, xs, residual, alpha, skip=i) - full).norm() / full.norm()
                change[name][i] += delta.item() / nets
    p.plot("Relative change of the output when one block/layer is deleted",
           {name: (list(range(1, L + 1)), ys) for name, ys in change.items()},
           xlabel="deleted block", ylabel="‖f₋ᵢ(x) − f(x)‖ / ‖f(x)‖")
    mean = {name: sum(ys) / L for name, ys in change.items()}
    p.greater("plain: mean relative change when one layer is deleted", mean["plain"], 0.5, id="plain_lesion_change")
    p.less("residual / plain: mean relative change", mean["residual"] / mean["plain"], 0.7,
           id="residual_over_plain_lesion")
    p.less("residual with branch/√L / plain: mean relative change", mean["residual, branch/√L"] / mean["plain"], 0.3,
           id="scaled_over_plain_lesion")

"""GroupNorm, and LayerNorm and InstanceNorm as its two ends.

Symbolic: GroupNorm with G groups splits the C channels into G blocks of C/G and normalises
each sample's block over (C/G)·H·W values; with G = 1 the block is the whole sample (the
LayerNorm set), with G = C it is one channel of one sample (the InstanceNorm set). The
statistics have shape N×G. The mean of a group is the average of its channels' means, so
GroupNorm is not a per-channel norm once C/G > 1. Numeric: nn.GroupNorm(1, C) against
nn.LayerNorm((C, H, W)) and nn.GroupNorm(C, C) against nn.InstanceNorm2d(C), both with the
affine part set to the identity; the output of one sample does not depend on the batch.
"""

TITLE = {
    "en": "GroupNorm: G = 1 is LayerNorm over (C, H, W), G = C is InstanceNorm",
    "zh": "GroupNorm：G = 1 即对 (C, H, W) 的 LayerNorm，G = C 即 InstanceNorm",
}
CLAIMS = [
    {"en": "GroupNorm(G, C) normalises each sample over groups of C/G channels × H × W; its statistics "
           "have shape N×G.",
     "zh": "GroupNorm(G, C) 对每个样本在 C/G 个通道 × H × W 的组内归一化；统计量形状为 N×G。"},
    {"en": "GroupNorm(1, C) equals LayerNorm((C, H, W)) and GroupNorm(C, C) equals InstanceNorm2d(C) "
           "(affine parts aside).",
     "zh": "GroupNorm(1, C) 等于 LayerNorm((C, H, W))，GroupNorm(C, C) 等于 InstanceNorm2d(C)（仿射部分除外）。"},
    {"en": "None of the three uses other samples: a sample's output is the same in a batch of 1 or of 16.",
     "zh": "三者都不使用其他样本：一个样本的输出在 batch 为 1 或 16 时相同。"},
]


def derive(p):
    import sympy as sp

    C, G, H, W = sp.symbols("C G H W", positive=True, integer=True)
    size = (C / G) * H * W
    p.step("values per GroupNorm statistic: (C/G)·H·W", size)
    p.identity("G = 1: one statistic over C·H·W values, the LayerNorm set", size.subs(G, 1), C * H * W)
    p.identity("G = C: one statistic over H·W values, the InstanceNorm set", size.subs(G, C), H * W)

    # a group of two channels with H·W = 2 values each: the group mean is the mean of channel means
    a = sp.symbols("a1:3")
    b = sp.symbols("b1:3")
    group_mean = (sum(a) + sum(b)) / 4
    p.identity("group mean = average of the channel means (two channels, equal sizes)",
               group_mean, (sum(a) / 2 + sum(b) / 2) / 2)
    var_group = sum((v - group_mean) ** 2 for v in a + b) / 4
    mean_a, mean_b = sum(a) / 2, sum(b) / 2
    var_a = sum((v - mean_a) ** 2 for v in a) / 2
    var_b = sum((v - mean_b) ** 2 for v in b) / 2
    p.identity("group variance = mean within-channel variance + variance of the channel means",
               var_group, (var_a + var_b) / 2 + ((mean_a - group_mean) ** 2 + (mean_b - group_mean) ** 2) / 2)


def experiment(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    N, C, H, W, eps = 4, 6, 5, 3, 1e-5
    x = (torch.randn(N, C, H, W, generator=g, dtype=torch.float64) * 3 + 1).to(p.device)

    def group_norm(x, groups):
        """The real nn.GroupNorm, or (p.myth) the misreading that GroupNorm(1, C) normalises each
        channel over the batch, as BatchNorm does."""
        if p.myth and groups == 1:
            bn = torch.nn.BatchNorm2d(x.shape[1], affine=False, dtype=x.dtype).to(x.device)
            return bn(x)
        return torch.nn.GroupNorm(groups, x.shape[1], eps=eps, dtype=x.dtype).to(x.device)(x)

    ln = torch.nn.LayerNorm((C, H, W), eps=eps, dtype=torch.float64).to(p.device)
    inorm = torch.nn.InstanceNorm2d(C, eps=eps, dtype=torch.float64).to(p.device)
    with torch.no_grad():
        gnc = group_norm(x, C)
        # the common misreading of G as "channels per group": GroupNorm(1, C) would then be one channel per
        # group, i.e. InstanceNorm — that is what the counterfactual run puts in its place
        gn1 = torch.nn.GroupNorm(C if p.myth else 1, C, eps=eps, dtype=x.dtype).to(x.device)(x)
        p.allclose("GroupNorm(1, C)(x) vs LayerNorm((C, H, W))(x)", gn1, ln(x), rtol=1e-10, atol=1e-12,
                   id="gn1_equals_layernorm",
                   refutes="G counts channels per group, so GroupNorm(1, C) normalises each channel on its own")
        p.allclose("GroupNorm(C, C)(x) vs InstanceNorm2d(C)(x)", gnc, inorm(x), rtol=1e-10, atol=1e-12,
                   id="gnc_equals_instancenorm")

        # one mean and variance per (sample, group) — statistics of shape N×G — against the module's output
        for groups in (2, 3):
            xs = x.reshape(N, groups, -1)
            mean, var = xs.mean(-1, keepdim=True), xs.var(-1, correction=0, keepdim=True)
            hand = ((xs - mean) / torch.sqrt(var + eps)).reshape_as(x)
            p.allclose(f"G = {groups}: nn.GroupNorm vs normalising with N×{groups} statistics",
                       torch.nn.GroupNorm(groups, C, dtype=torch.float64).to(p.device)(x), hand,
                       rtol=1e-10, atol=1e-12)
        # GroupNorm(2, C) is not InstanceNorm: groups mix channels
        p.greater("GroupNorm(2, C) vs InstanceNorm2d, max |Δ| (a group mixes channels)",
                  (torch.nn.GroupNorm(2, C, dtype=torch.float64).to(p.device)(x) - inorm(x)).abs().max(), 1e-3,
                  id="gn2_not_instancenorm")

        # batch independence, swept over the three norms and several batch sizes
        cases = []
        for name, groups in (("LayerNorm (G = 1)", 1), ("GroupNorm G = 3", 3), ("InstanceNorm (G = C)", C)):
            alone = group_norm(x[:1], groups)
            for batch in (2, N):
                cases.append((f"{name}, batch {batch}", (group_norm(x[:batch], groups)[:1] - alone).abs().max()))
        p.sweep("max |output of sample 0 in a batch − alone| over norms × batch sizes", cases, "<", 1e-12,
                id="batch_independent", refutes="LayerNorm / GroupNorm outputs depend on the other samples")

        # the BatchNorm contrast: the same sample in different batches is normalised differently
        bn = torch.nn.BatchNorm2d(C, affine=False, dtype=torch.float64).to(p.device)
        p.greater("BatchNorm2d (train): |sample 0 in batch of 2 − in batch of 4|",
                  (bn(x[:2])[:1] - bn(x)[:1]).abs().max(), 1e-3, id="batchnorm_depends_on_batch")

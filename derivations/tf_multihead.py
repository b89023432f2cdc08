"""Multi-head attention: h heads of width d/h cost what one head of width d costs; concat, then W_O.

Symbolic: with d_k = d_v = d/h the per-head projections hold h·3·d·(d/h) = 3d² weights and the
output projection d², whatever h is: 4d² + 4d parameters with biases. Score and value FLOPs
are h·2·n²·(d/h) each: 4n²d in all, again free of h; the projections add 8nd².
Numeric (float64): per-head softmax(Q_iK_iᵀ/√(d/h))V_i, concatenated and multiplied by W_O,
rebuilt from nn.MultiheadAttention's own weights, equals its output and its head-averaged
weights, with a causal mask; sum(p.numel()) and torch.utils.flop_counter's count of the real
module (matmuls only) are the same for h = 1, 2, 4, 8 and match the derived 4d² + 4d and 8nd² + 4n²d;
the memory autograd saves in the default path grows with h (the h·n² attention weights).
"""

TITLE = {
    "en": "Multi-head attention: d/h per head, same cost as one wide head, concat then W_O",
    "zh": "多头注意力：每头 d/h 维，与单个宽头代价相同，拼接后乘 W_O",
}
CLAIMS = [
    {
        "en": "MultiHead(Q, K, V) = Concat(head_1, …, head_h)W_O with head_i = softmax(QW_iᵠ(KW_iᴷ)ᵀ/√(d/h))VW_iⱽ; "
              "this is exactly what nn.MultiheadAttention computes.",
        "zh": "MultiHead(Q, K, V) = Concat(head_1, …, head_h)W_O，head_i = softmax(QW_iᵠ(KW_iᴷ)ᵀ/√(d/h))VW_iⱽ；"
              "nn.MultiheadAttention 计算的正是这个。",
    },
    {
        "en": "At fixed d the number of heads changes neither the parameter count (4d² + 4d) nor the matmul FLOPs "
              "(8nd² + 4n²d): more heads split the same width. The h·n² score matrix (its softmax, and the memory "
              "of the non-fused path) does grow with h.",
        "zh": "d 固定时，头数既不改变参数量（4d² + 4d），也不改变矩阵乘法 FLOPs（8nd² + 4n²d）：更多的头只是切分同样的宽度。"
              "h·n² 的分数矩阵（其 softmax，以及非融合路径的内存）则随 h 增长。",
    },
]


def _counts():
    import sympy as sp

    d, h, n = sp.symbols("d h n", positive=True)
    dk = d / h
    params = h * 3 * (d * dk + dk) + d * d + d   # per-head W_Q, W_K, W_V with biases, then W_O with bias
    flops = 4 * 2 * n * d * d + h * (2 * n * n * dk) * 2   # Q, K, V, O projections; QKᵀ and AV per head
    return (d, h, n), sp.simplify(params), sp.expand(flops)


def derive(p):
    import sympy as sp

    (d, h, n), params, flops = _counts()
    p.step("parameters: h·3·(d·d/h + d/h) + d² + d", params)
    p.identity("parameters = 4d² + 4d, free of h", params, 4 * d ** 2 + 4 * d, id="param_formula")
    p.identity("∂(parameters)/∂h = 0", sp.diff(params, h), 0)
    p.step("FLOPs: 4·2nd² (projections) + h·2·2n²(d/h) (QKᵀ and AV)", flops)
    p.identity("FLOPs = 8nd² + 4n²d, free of h", flops, 8 * n * d ** 2 + 4 * n ** 2 * d, id="flop_formula")


def experiment(p):
    import sympy as sp
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    (d_s, h_s, n_s), params, flops = _counts()
    param_f, flop_f = sp.lambdify((d_s, h_s), params), sp.lambdify((d_s, h_s, n_s), flops)
    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    b, n, d, h = 2, 6, 8, 4
    mha = torch.nn.MultiheadAttention(d, h, batch_first=True, dtype=f64).to(p.device)
    with torch.no_grad():
        for prm in mha.parameters():
            prm.copy_(0.5 * torch.randn(prm.shape, generator=g, dtype=f64))
    x = torch.randn(b, n, d, generator=g, dtype=f64).to(p.device)
    blocked = torch.ones(n, n, dtype=torch.bool, device=p.device).triu(1)  # MHA: True = may NOT attend
    with torch.no_grad():
        out, avg = mha(x, x, x, attn_mask=blocked, need_weights=True)
        W, bias = mha.in_proj_weight, mha.in_proj_bias
        q, k, v = (x @ W[i * d:(i + 1) * d].T + bias[i * d:(i + 1) * d] for i in range(3))
        split = [t.view(b, n, h, d // h).transpose(1, 2) for t in (q, k, v)]
        s = split[0] @ split[1].transpose(-1, -2) / (d // h) ** 0.5
        a = torch.softmax(s.masked_fill(blocked, float("-inf")), -1)
        heads = (a @ split[2]).transpose(1, 2).reshape(b, n, d)   # concatenate the heads
        mine = heads @ mha.out_proj.weight.T + mha.out_proj.bias
    p.allclose("per-head attention, concat, W_O = nn.MultiheadAttention output (causal mask)", mine, out,
               rtol=1e-12, atol=1e-14, id="mha_rebuilt")
    p.allclose("head-averaged weights = nn.MultiheadAttention's returned weights", a.mean(1), avg,
               rtol=1e-12, atol=1e-15)

    def count(module_d, heads):
        """sum(p.numel()) of the real module; the myth gives each head its own full d × d projections."""
        if p.myth:
            return sum(sum(q.numel() for q in torch.nn.MultiheadAttention(module_d, 1, device="meta").parameters())
                       for _ in range(heads))
        return sum(q.numel() for q in torch.nn.MultiheadAttention(module_d, heads, device="meta").parameters())

    d, n = 64, 32
    cases = [(f"d={d}, h={hh}", abs(count(d, hh) - param_f(d, hh))) for hh in (1, 2, 4, 8, 16)]
    p.sweep("|sum(p.numel()) − (4d² + 4d)| over h = 1 … 16", cases, "<=", 0, id="params_match_formula")
    p.close("parameters with h = 8 / parameters with h = 1 (d = 64)", count(d, 8) / count(d, 1), 1.0, rtol=1e-12,
            id="heads_same_params", refutes="more heads at the same d mean more parameters")
    x = torch.randn(1, n, d)
    counted = {}
    for hh in (1, 2, 4, 8):
        m = torch.nn.MultiheadAttention(d, hh, batch_first=True)
        with FlopCounterMode(display=False) as fc, torch.no_grad():
            m(x, x, x, need_weights=True)
        counted[hh] = fc.get_total_flops()
    p.equal("flop_counter of nn.MultiheadAttention, h = 1 (d = 64, n = 32)", counted[1], int(flop_f(d, 1, n)),
            id="flops_h1")
    p.close("matmul FLOPs (flop_counter) with h = 8 / with h = 1", counted[8] / counted[1], 1.0, rtol=1e-12,
            id="heads_same_flops")

    def saved_bytes(heads, n_tok=128):
        """Bytes autograd keeps for backward in the default (need_weights=True) path: the h·n² weights are among them."""
        m = torch.nn.MultiheadAttention(d, heads, batch_first=True)
        xx = torch.randn(1, n_tok, d, requires_grad=True)
        seen, total = set(), [0]

        def pack(t):
            if t.data_ptr() not in seen:
                seen.add(t.data_ptr())
                total[0] += t.numel() * t.element_size()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            m(xx, xx, xx)
        return total[0]

    p.greater("saved-for-backward bytes, nn.MultiheadAttention default path, h = 8 / h = 1 (d = 64, n = 128): "
              "the h·n² weights grow with h", saved_bytes(8) / saved_bytes(1), 2.0, id="heads_memory_grows")

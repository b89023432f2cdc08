"""Dot-product vs additive (Bahdanau) attention: one matmul against an n_q × n_k × d_a tensor, and why
additive attention needs its tanh.

Symbolic: additive attention scores e_ij = vᵀtanh(W_q q_i + W_k k_j). If tanh were linear,
e_ij = vᵀW_q q_i + vᵀW_k k_j and the query term is a constant of row i, which the softmax over j
removes: every query would get the same weights. Dot-product scores q_iᵀk_j are one matrix product.
Numeric (float64): additive attention with nn.Linear projections; with queries and keys scaled into
tanh's linear range the weights of different queries coincide (to the scale's second order); at unit
scale they differ. Memory, counted with autograd's saved_tensors_hooks: additive attention keeps the
n_q × n_k × d_a pre-activation for backward, about d_a times the dot-product's n_q × n_k scores.
"""

TITLE = {
    "en": "Dot-product vs additive attention: one matmul vs an n×n×d_a tensor, and the role of tanh",
    "zh": "点积注意力与加性注意力：一次矩阵乘法 vs n×n×d_a 的张量，以及 tanh 的作用",
}
CLAIMS = [
    {
        "en": "Additive attention e_ij = vᵀtanh(W_q q_i + W_k k_j) materialises an n_q × n_k × d_a tensor; dot-product "
              "attention needs one matrix product QKᵀ (Vaswani et al.: similar complexity in theory, faster and more "
              "memory-efficient in practice).",
        "zh": "加性注意力 e_ij = vᵀtanh(W_q q_i + W_k k_j) 要生成 n_q × n_k × d_a 的张量；点积注意力只需一次矩阵乘法 QKᵀ"
              "（Vaswani 等：理论复杂度相近，实践中更快、更省内存）。",
    },
    {
        "en": "Without the tanh, additive attention would give every query the same weights: the query term is constant in "
              "each row and cancels in the softmax.",
        "zh": "去掉 tanh，加性注意力会让每个 query 得到相同的权重：query 项在每一行是常数，在 softmax 中被消去。",
    },
]


def derive(p):
    import sympy as sp

    a = sp.Symbol("a", real=True)           # vᵀW_q q_i: one number per query
    b = sp.symbols("b1:4", real=True)       # vᵀW_k k_j: one per key
    lin = [sp.exp(a + bj) / sum(sp.exp(a + bk) for bk in b) for bj in b]
    p.identity("softmax_j(a + b_j) = softmax_j(b_j): a linear scorer ignores the query",
               sp.Matrix(lin), sp.Matrix([sp.exp(bj) / sum(sp.exp(bk) for bk in b) for bj in b]),
               id="linear_scorer_query_free")
    x = sp.Symbol("x", real=True)
    p.identity("tanh(x) = x − x³/3 + O(x⁵): linear near 0", sp.series(sp.tanh(x), x, 0, 5).removeO(), x - x ** 3 / 3)


def _saved(fn, *args):
    import torch

    seen, total = set(), [0]

    def pack(t):
        if t.data_ptr() not in seen:
            seen.add(t.data_ptr())
            total[0] += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn(*args)
    return total[0]


def experiment(p):
    import torch

    f64 = torch.float64
    torch.manual_seed(p.seed)
    g = torch.Generator().manual_seed(p.seed)
    d, da, nq, nk = 8, 32, 6, 10
    Wq = torch.nn.Linear(d, da, bias=False, dtype=f64).to(p.device)
    Wk = torch.nn.Linear(d, da, bias=False, dtype=f64).to(p.device)
    v = torch.nn.Linear(da, 1, bias=False, dtype=f64).to(p.device)
    with torch.no_grad():
        v.weight.copy_(torch.randn(1, da, generator=g, dtype=f64))   # a trained v is not small; unit entries

    def additive(q, k):
        return torch.softmax(v(torch.tanh(Wq(q)[:, None, :] + Wk(k)[None, :, :]))[..., 0], -1)

    q = torch.randn(nq, d, generator=g, dtype=f64).to(p.device)
    k = torch.randn(nk, d, generator=g, dtype=f64).to(p.device)
    with torch.no_grad():
        spread = {}
        for scale in (1.0, 1e-3):
            w = additive(scale * q, scale * k)
            spread[scale] = (w - w.mean(0, keepdim=True)).abs().max().item()
    # At unit scale how much the rows differ depends on the draw (≈ 0.15 typically, 0.006 at seed 36 where one key
    # dominates every row): the row takes the median over this draw and 8 more of W_q, W_k, v, q and k.
    def unit_scale_spread(gk):
        # W_q, W_k as nn.Linear initialises them (U(±1/√d)), v with unit entries as above.
        Wq_k, Wk_k = ((torch.rand(da, d, generator=gk, dtype=f64) * 2 - 1) / d**0.5 for _ in range(2))
        v_k = torch.randn(da, generator=gk, dtype=f64)
        q_k, k_k = torch.randn(nq, d, generator=gk, dtype=f64), torch.randn(nk, d, generator=gk, dtype=f64)
        w_k = torch.softmax(torch.tanh((q_k @ Wq_k.T)[:, None, :] + (k_k @ Wk_k.T)[None, :, :]) @ v_k, -1)
        return (w_k - w_k.mean(0, keepdim=True)).abs().max().item()

    more = torch.Generator().manual_seed(p.seed + 1)
    spreads = [spread[1.0]] + [unit_scale_spread(more) for _ in range(8)]
    p.greater("unit scale: max difference between queries' weight rows, median of 9 draws",
              sorted(spreads)[len(spreads) // 2], 1e-2, id="queries_differ")
    p.less("inputs ×1e-3 (tanh ≈ linear): max difference between queries' weight rows", spread[1e-3], 1e-5,
           id="linear_range_query_free")
    n = 64
    qs, ks, vs = (torch.randn(n, d, generator=g, dtype=torch.float32).to(p.device).requires_grad_(True)
                  for _ in range(3))
    for m in (Wq, Wk, v):
        m.float()
    add_bytes = _saved(lambda a, b, c: additive(a, b) @ c, qs, ks, vs)
    dot_bytes = _saved(lambda a, b, c: torch.softmax(a @ b.T / d ** 0.5, -1) @ c, qs, ks, vs)
    p.greater(f"saved-for-backward bytes, additive / dot-product (n = {n}, d_a = {da})", add_bytes / dot_bytes, da / 2,
              id="additive_memory_ratio")
    p.greater("additive: saved bytes ≥ the n × n × d_a float32 pre-activation", add_bytes, n * n * da * 4 - 1)

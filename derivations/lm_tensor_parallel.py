"""Tensor parallelism (Megatron-LM): split the first matrix by columns, the second by rows, all-reduce once.

Symbolic: for the MLP Z = GeLU(X·A)·B, splitting A = [A₁ A₂] by columns gives X·A = [X·A₁ X·A₂],
and GeLU acts element-wise, so each device computes Y_i = GeLU(X·A_i) without talking to the
other; splitting B = [B₁; B₂] by rows gives Y·B = Y₁·B₁ + Y₂·B₂ — one all-reduce (a sum) at the
end. Splitting A by rows instead would need the sum X₁A₁ + X₂A₂ before the GeLU, because
GeLU(a + b) ≠ GeLU(a) + GeLU(b). Attention is split the same way: heads by columns of W_Q, W_K, W_V,
and W_O by rows: one all-reduce per block in the forward pass (and one in the backward).
Numeric: shards of real torch.nn.Linear weights on t simulated devices, summed, against the
unsplit nn.Sequential MLP; heads split across devices against nn.MultiheadAttention; and what one rank's
MLP shard saves for the backward (saved_tensors_hooks): the hidden activations shrink by t, the block input
X does not (d + 8d/t values per token against 9d unsplit).
"""

TITLE = {
    "en": "Tensor parallelism: column split then row split gives the unsplit matmul",
    "zh": "张量并行：先按列切再按行切，结果与不切分的矩阵乘法相同",
}
CLAIMS = [
    {
        "en": "Megatron MLP: A split by columns, B by rows; each device computes GeLU(X·A_i)·B_i and one all-reduce "
              "(sum) gives exactly GeLU(X·A)·B.",
        "zh": "Megatron 的 MLP：A 按列切，B 按行切；每个设备算 GeLU(X·A_i)·B_i，一次 all-reduce（求和）就得到 GeLU(X·A)·B。",
    },
    {
        "en": "Attention splits by heads (columns of W_Q, W_K, W_V; rows of W_O) and needs one all-reduce too: "
              "2 all-reduces per transformer layer in the forward pass.",
        "zh": "注意力按头切分（W_Q、W_K、W_V 的列；W_O 的行），同样只需一次 all-reduce：每个 Transformer 层前向共 2 次。",
    },
]


def derive(p):
    import sympy as sp

    X = sp.Matrix(2, 2, sp.symbols("x1:5"))
    A1, A2 = sp.Matrix(2, 1, sp.symbols("a1:3")), sp.Matrix(2, 1, sp.symbols("a3:5"))
    B1, B2 = sp.Matrix(1, 2, sp.symbols("b1:3")), sp.Matrix(1, 2, sp.symbols("b3:5"))
    f = sp.Function("f")  # any element-wise non-linearity
    A, B = A1.row_join(A2), B1.col_join(B2)
    full = (X * A).applyfunc(f) * B
    split = (X * A1).applyfunc(f) * B1 + (X * A2).applyfunc(f) * B2
    p.identity("f(X·[A₁ A₂])·[B₁; B₂] = f(X·A₁)·B₁ + f(X·A₂)·B₂ for any element-wise f", full, split,
               id="column_then_row")
    a, b = sp.symbols("a b")
    gelu = sp.Lambda(sp.Symbol("z"), sp.Symbol("z") * (1 + sp.erf(sp.Symbol("z") / sp.sqrt(2))) / 2)
    gap = sp.simplify(gelu(a + b) - gelu(a) - gelu(b)).subs({a: 1, b: 1})
    p.step("a row split of A sums partial products before the non-linearity: GeLU(1 + 1) − 2·GeLU(1)", sp.N(gap, 6))
    p.identity("… and that is not zero: GeLU(2) − 2·GeLU(1) = erf(√2) − erf(√2/2)", gap,
               sp.erf(sp.sqrt(2)) - sp.erf(sp.sqrt(2) / 2))


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    f64 = torch.float64
    d, t, T = 16, 4, 5
    torch.manual_seed(p.seed)
    mlp = torch.nn.Sequential(torch.nn.Linear(d, 4 * d), torch.nn.GELU(), torch.nn.Linear(4 * d, d)).to(f64).to(p.device)
    x = torch.randn(T, d, generator=gen, dtype=f64).to(p.device)
    A, a_bias, B, b_bias = mlp[0].weight, mlp[0].bias, mlp[2].weight, mlp[2].bias  # nn.Linear stores W as out × in

    def tensor_parallel_mlp(x):
        """Each of t devices holds a column block of A (rows of A's out × in weight) and the matching row block of
        B; the partial outputs are summed (the all-reduce) and B's bias added once. (p.myth) split A by rows
        (the input features) and apply GeLU to each partial product before summing."""
        partial = []
        for i in range(t):
            if p.myth:
                xi, Ai = x.chunk(t, dim=1)[i], A.chunk(t, dim=1)[i]
                partial.append(torch.nn.functional.gelu(xi @ Ai.T + a_bias / t) @ B.T)
            else:
                rows = slice(i * 4 * d // t, (i + 1) * 4 * d // t)
                hidden = torch.nn.functional.gelu(x @ A[rows].T + a_bias[rows])  # no communication
                partial.append(hidden @ B[:, rows].T)
        return torch.stack(partial).sum(0) + b_bias  # one all-reduce

    with torch.no_grad():
        p.allclose("MLP, t = 4 devices: column-split A, row-split B, summed vs nn.Sequential", tensor_parallel_mlp(x),
                   mlp(x), rtol=1e-12, atol=1e-13, id="mlp_split_matches",
                   refutes="both MLP matrices can be split the same way with the non-linearity applied per shard")

        heads = 4
        mha = torch.nn.MultiheadAttention(d, heads, batch_first=True, dtype=f64).to(p.device)
        xb = x.unsqueeze(0)
        want = mha(xb, xb, xb, need_weights=False)[0]
        Wq, Wk, Wv = mha.in_proj_weight.chunk(3)
        bq, bk, bv = mha.in_proj_bias.chunk(3)
        hd, per = d // heads, heads // 2
        partial = []
        for dev in range(2):  # 2 devices, 2 heads each
            cols = slice(dev * per * hd, (dev + 1) * per * hd)

            def proj(W, b, cols=cols):
                return (xb @ W[cols].T + b[cols]).view(1, T, per, hd).transpose(1, 2)

            out = torch.nn.functional.scaled_dot_product_attention(proj(Wq, bq), proj(Wk, bk), proj(Wv, bv))
            partial.append(out.transpose(1, 2).reshape(1, T, per * hd) @ mha.out_proj.weight[:, cols].T)
        got = torch.stack(partial).sum(0) + mha.out_proj.bias
        p.allclose("attention, heads split over 2 devices, W_O by rows, summed vs nn.MultiheadAttention", got, want,
                   rtol=1e-12, atol=1e-13, id="attention_split_matches")

    # What one rank keeps for the backward: count the activation values autograd saves for a rank's MLP shard
    # (F.linear saves its input, GELU its input) with saved_tensors_hooks, weight shards left out. The hidden
    # activations shrink with t, but the block input X that the column-split matmul saves is whole on every rank.
    def saved_activation_values(shards):
        weights = {w.untyped_storage().data_ptr() for w in shards}
        seen, total = set(), 0

        def pack(tensor):
            nonlocal total
            key = (tensor.untyped_storage().data_ptr(), tuple(tensor.shape), tensor.stride())
            if key[0] not in weights and key not in seen:
                seen.add(key)
                total += tensor.numel()
            return tensor

        xin = x.detach().clone().requires_grad_()          # the layer below needs ∂L/∂X, so X is an input to train
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            hidden = torch.nn.functional.gelu(torch.nn.functional.linear(xin, shards[0], shards[1]))
            torch.nn.functional.linear(hidden, shards[2])
        return total / (T * d)                             # values per token, in units of d

    rows = slice(0, 4 * d // t)
    full_saved = saved_activation_values([w.detach().clone().requires_grad_() for w in (A, a_bias, B)])
    rank_saved = saved_activation_values([w.detach().clone().requires_grad_() for w in (A[rows], a_bias[rows],
                                                                                         B[:, rows])])
    p.equal("unsplit MLP block: activation values autograd saves per token (units of d: X, GELU's input, "
            "Linear2's input)", full_saved, 9.0, id="mlp_saved_unsplit")
    p.close(f"t = {t}: one rank's MLP shard saves per token (units of d) vs 1 + 8/t — the input X is saved whole",
            rank_saved, 1 + 8 / t, rtol=1e-12, id="mlp_saved_per_rank")
    p.greater(f"t = {t}: one rank's saved activations ÷ (unsplit / t): above 1, so not divided by t",
              rank_saved / (full_saved / t), 1.0, id="mlp_saved_over_ideal")

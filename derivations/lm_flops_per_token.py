"""FLOPs per token: ≈ 2N forward, ≈ 6N for a training step, counted by FlopCounterMode.

Symbolic: a matmul of an (m × k) input with a (k × n) weight costs 2·m·k·n FLOPs (one multiply
and one add per term), so per token every weight matrix costs 2 × its entries: forward
2·N_matmul. The backward pass needs two matmuls per forward matmul (∂L/∂input = g·Wᵀ and
∂L/∂W = xᵀ·g), hence 4N, and a training step ≈ 6N per token. Attention scores add
2·2·n_ctx·d per layer and token (QKᵀ and A·V), which the 2N rule leaves out.
Numeric: torch.utils.flop_counter.FlopCounterMode on a GPT-style model built from torch.nn.
What it counts: matmul-like aten ops (mm, addmm, bmm, baddbmm, convolution, and the
scaled-dot-product kernels it has formulas for) at 2 FLOPs per multiply-add; it ignores
element-wise ops, softmax, LayerNorm, GELU and embedding look-ups, and it counts nothing for
the CPU flash kernel of F.scaled_dot_product_attention (no formula registered in this torch),
so the attention here is written with explicit matmuls.
"""

TITLE = {
    "en": "FLOPs per token: 2N forward, 6N per training step (FlopCounterMode)",
    "zh": "每个 token 的 FLOPs：前向 2N，训练一步 6N（FlopCounterMode）",
}
CLAIMS = [
    {
        "en": "The forward pass costs 2 FLOPs per weight per token for the matmul weights, plus 4·n_ctx·d per layer "
              "for the attention scores; the backward pass costs exactly twice the forward matmuls.",
        "zh": "前向传播对矩阵乘法权重是每个 token 每个权重 2 FLOPs，另加每层 4·n_ctx·d 的注意力分数；"
              "反向传播的矩阵乘法恰为前向的两倍。",
    },
    {
        "en": "FlopCounterMode counts matmul-like ops only (2 per multiply-add); it ignores element-wise ops, "
              "softmax, normalisation and embedding look-ups, and counts 0 for the CPU kernel of "
              "F.scaled_dot_product_attention.",
        "zh": "FlopCounterMode 只统计类矩阵乘法的算子（每次乘加记 2）；忽略逐元素运算、softmax、归一化和 embedding 查表，"
              "对 F.scaled_dot_product_attention 在 CPU 上的内核记为 0。",
    },
]


def _forward_flops():
    import sympy as sp

    T, d, L, V, n = sp.symbols("T d L V n_ctx", positive=True, integer=True)

    def mm(m, k, out):
        return 2 * m * k * out  # one multiply and one add for each of the m·out·k terms

    # Per layer, T tokens: Q, K, V, O projections (d → d), FFN d → 4d → d, scores QKᵀ and A·V.
    layer = 4 * mm(T, d, d) + mm(T, d, 4 * d) + mm(T, 4 * d, d) + mm(T, d, n) + mm(T, n, d)
    head = mm(T, d, V)
    return (T, d, L, V, n), sp.expand(L * layer + head)


def derive(p):
    import sympy as sp

    (T, d, L, V, n), forward = _forward_flops()
    p.step("Forward FLOPs of T tokens (each sequence n_ctx long): projections, FFN, scores, head", forward)
    N = 12 * L * d**2 + V * d  # the matmul weights: 12d² a layer and the (tied) V × d head
    p.identity("forward / T = 2·N_matmul + 4·L·n_ctx·d, N_matmul = 12·L·d² + V·d", forward / T, 2 * N + 4 * L * n * d,
               id="forward_per_token")
    g, x, W = sp.symbols("m k n_out", positive=True)
    p.step("one matmul Y = X·W (m × k times k × n_out) costs 2·m·k·n_out; its backward needs ∂X = ∂Y·Wᵀ and "
           "∂W = Xᵀ·∂Y, each of the same size", 2 * g * x * W + 2 * x * g * W)
    p.step("so backward = 2 × forward for every matmul whose input and weight both need gradients (the experiment "
           "measures it with FlopCounterMode)", sp.Integer(2))
    p.identity("training step per token = forward + backward = 6·N_matmul + 12·L·n_ctx·d", 3 * forward / T,
               6 * N + 12 * L * n * d)
    p.identity("attention scores / the 2N of the layers (V = 0) = n_ctx/(6d): small only while n_ctx ≪ 6d",
               (4 * L * n * d) / (2 * N.subs(V, 0)), n / (6 * d))


def experiment(p):
    import sympy as sp
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    (T_s, d_s, L_s, V_s, n_s), forward = _forward_flops()
    predict = sp.lambdify((T_s, d_s, L_s, V_s, n_s), forward)
    V, n, d, L, heads, B = 97, 32, 64, 2, 4, 2
    gen = torch.Generator().manual_seed(p.seed)

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)
            self.qkv, self.proj = torch.nn.Linear(d, 3 * d), torch.nn.Linear(d, d)
            self.fc1, self.fc2 = torch.nn.Linear(d, 4 * d), torch.nn.Linear(4 * d, d)

        def forward(self, x):
            b, t, _ = x.shape
            q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
            scores = (q @ k.transpose(-1, -2)) / (d // heads) ** 0.5
            scores = scores.masked_fill(torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1), float("-inf"))
            x = x + self.proj((scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d))
            return x + self.fc2(torch.nn.functional.gelu(self.fc1(self.ln2(x))))

    class GPT(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = torch.nn.Embedding(V, d), torch.nn.Embedding(n, d)
            self.blocks = torch.nn.ModuleList([Block() for _ in range(L)])
            self.ln_f, self.head = torch.nn.LayerNorm(d), torch.nn.Linear(d, V, bias=False)
            self.head.weight = self.wte.weight

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln_f(x))

    model = GPT().double().to(p.device)
    if p.myth:  # the myth's model of backward: one matmul per forward matmul (no weight gradients)
        for q in model.parameters():
            q.requires_grad_(False)
        model.wpe.weight.requires_grad_(True)  # so the graph still reaches every layer's input
    idx = torch.randint(0, V, (B, n), generator=gen).to(p.device)
    with FlopCounterMode(display=False) as fwd:
        logits = model(idx)
    loss = torch.nn.functional.cross_entropy(logits.view(-1, V), idx.view(-1))
    with FlopCounterMode(display=False) as bwd:
        loss.backward()
    f, b = fwd.get_total_flops(), bwd.get_total_flops()
    tokens = B * n
    p.equal("FlopCounterMode forward FLOPs vs the derived count (V=97, n_ctx=32, d=64, L=2, 64 tokens)", f,
            int(predict(tokens, d, L, V, n)), id="forward_matches")
    p.close("backward FLOPs / forward FLOPs", b / f, 2.0, rtol=1e-12, id="backward_is_twice_forward",
            refutes="the backward pass costs about the same as the forward pass")
    N = 12 * L * d**2 + V * d
    p.close("training step FLOPs per token / (6·N_matmul): above 1 by the attention scores", (f + b) / tokens / (6 * N),
            1 + 12 * L * n * d / (6 * N), rtol=1e-12, id="step_over_6n")
    ignored = sum(q.numel() for q in model.parameters()) - N
    p.greater("parameters the FLOP rule leaves out (biases, LayerNorms, position table)", ignored, 0)

    x = torch.randn(1, 2, 16, 8, generator=gen, dtype=torch.float64).to(p.device)
    with FlopCounterMode(display=False) as sdpa:
        torch.nn.functional.scaled_dot_product_attention(x, x, x, is_causal=True)
    with FlopCounterMode(display=False) as manual:
        (x @ x.transpose(-1, -2)).softmax(-1) @ x
    p.equal("explicit attention matmuls: counted FLOPs = 2·(2·16·16·8)", manual.get_total_flops(), 2 * 2 * 2 * 16 * 16 * 8)
    if p.device == "cpu":
        p.equal("F.scaled_dot_product_attention on the CPU: FLOPs counted", sdpa.get_total_flops(), 0,
                id="sdpa_cpu_uncounted")

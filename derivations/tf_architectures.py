"""Encoder-only, decoder-only and encoder–decoder: who can see whom, and what each stack holds.

Symbolic: a bidirectional encoder lets each of n positions use all n (n² pairs); a causal decoder lets
position i use 1 … i: Σᵢ i = n(n+1)/2 pairs; an encoder–decoder adds cross-attention from every target
position to every source position. Parameters of torch's nn.Transformer: an encoder layer holds one
attention (4d² + 4d), an FFN (2df + f + d) and two LayerNorms (4d); a decoder layer two attentions and
three LayerNorms; plus the two final LayerNorms.
Numeric (float64): the dependency pattern ‖∂out_i/∂x_j‖ ≠ 0 read off autograd for nn.TransformerEncoder
without and with a causal mask, and for nn.Transformer's decoder output against source and target;
the derived parameter formula against sum(p.numel()) of nn.Transformer over several configurations.
"""

TITLE = {
    "en": "Encoder-only, decoder-only, encoder–decoder: attention patterns and parameters",
    "zh": "仅编码器、仅解码器、编码器–解码器：注意力模式与参数",
}
CLAIMS = [
    {
        "en": "Encoder-only (BERT): every output depends on every input. Decoder-only (GPT): output i depends on inputs ≤ i. "
              "Encoder–decoder (T5, the original Transformer): the decoder's output t sees the whole source and targets ≤ t.",
        "zh": "仅编码器（BERT）：每个输出依赖所有输入。仅解码器（GPT）：输出 i 依赖 ≤ i 的输入。编码器–解码器（T5、原始 Transformer）："
              "解码器输出 t 看到整个源序列和 ≤ t 的目标。",
    },
    {
        "en": "nn.Transformer has N_e(4d² + 4d + 2df + f + d + 4d) + N_d(8d² + 8d + 2df + f + d + 6d) + 4d parameters.",
        "zh": "nn.Transformer 的参数量为 N_e(4d² + 4d + 2df + f + d + 4d) + N_d(8d² + 8d + 2df + f + d + 6d) + 4d。",
    },
]


def _params():
    import sympy as sp

    d, f, Ne, Nd = sp.symbols("d f N_e N_d", positive=True, integer=True)
    attn, ffn, ln = 4 * d ** 2 + 4 * d, 2 * d * f + f + d, 2 * d
    total = Ne * (attn + ffn + 2 * ln) + Nd * (2 * attn + ffn + 3 * ln) + 2 * ln
    return (d, f, Ne, Nd), sp.expand(total)


def derive(p):
    import sympy as sp

    i, n = sp.symbols("i n", positive=True, integer=True)
    pairs = sp.summation(i, (i, 1, n))
    p.identity("causal pairs Σ_{i=1}^{n} i = n(n+1)/2", pairs, n * (n + 1) / 2, id="causal_pairs")
    (d, f, Ne, Nd), total = _params()
    p.step("nn.Transformer parameters", total)
    p.identity("f = 4d, N_e = N_d = N: N(12d² + 13d) + N(16d² + 19d) + 4d = 28Nd² + 32Nd + 4d",
               total.subs({f: 4 * d, Ne: Nd}), 28 * Nd * d ** 2 + 32 * Nd * d + 4 * d, id="transformer_4d")


def _pattern(fn, x):
    """(n_out, n_in) matrix of ‖∂out_i/∂x_j‖ from autograd."""
    import torch

    J = torch.autograd.functional.jacobian(fn, x)     # (n, d, n_in, d)
    return J.abs().sum((1, 3))


def experiment(p):
    import sympy as sp
    import torch

    f64 = torch.float64
    torch.manual_seed(p.seed)
    d, n, m = 8, 6, 5
    g = torch.Generator().manual_seed(p.seed)
    enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(d, 2, 16, dropout=0.0, batch_first=True, dtype=f64), 2,
                                      enable_nested_tensor=False).to(p.device).eval()
    x = torch.randn(n, d, generator=g, dtype=f64).to(p.device)
    full = _pattern(lambda t: enc(t[None])[0], x)
    p.equal(f"encoder-only: nonzero ∂out_i/∂x_j pairs (n = {n})", int((full > 0).sum()), n * n, id="encoder_full")
    mask = torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=f64, device=p.device)
    causal = _pattern(lambda t: enc(t[None], mask=mask, is_causal=True)[0], x)
    i_s, n_s = sp.symbols("i n", positive=True, integer=True)
    want = int(sp.summation(i_s, (i_s, 1, n_s)).subs(n_s, n))
    p.equal("decoder-only (causal): nonzero pairs = n(n+1)/2", int((causal > 0).sum()), want, id="decoder_causal")
    p.holds("decoder-only: every nonzero pair has j ≤ i", bool((causal.triu(1) == 0).all()), id="decoder_lower")
    tr = torch.nn.Transformer(d, 2, 1, 1, 16, dropout=0.0, batch_first=True, dtype=f64).to(p.device).eval()
    src = torch.randn(m, d, generator=g, dtype=f64).to(p.device)
    tgt_mask = torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=f64, device=p.device)
    on_src = _pattern(lambda s: tr(s[None], x[None], tgt_mask=tgt_mask, tgt_is_causal=True)[0], src)
    on_tgt = _pattern(lambda t: tr(src[None], t[None], tgt_mask=tgt_mask, tgt_is_causal=True)[0], x)
    p.equal(f"encoder–decoder: nonzero (target t, source j) pairs ({n}×{m})", int((on_src > 0).sum()), n * m,
            id="cross_full")
    p.equal("encoder–decoder: nonzero (target t, target j) pairs = n(n+1)/2", int((on_tgt > 0).sum()), want,
            id="cross_target_causal")
    (d_s, f_s, Ne_s, Nd_s), total = _params()
    formula = sp.lambdify((d_s, f_s, Ne_s, Nd_s), total)
    cases = []
    for dd, ff, ne, nd in ((16, 64, 1, 1), (32, 48, 2, 3), (64, 256, 6, 6), (512, 2048, 6, 6)):
        got = sum(q.numel() for q in torch.nn.Transformer(dd, 4, ne, nd, ff, batch_first=True, device="meta").parameters())
        cases.append((f"d={dd}, f={ff}, N_e={ne}, N_d={nd}", abs(got - formula(dd, ff, ne, nd))))
    p.sweep("|sum(p.numel()) of nn.Transformer − formula|", cases, "<=", 0, id="transformer_params")
    p.equal("nn.Transformer() defaults (d = 512, f = 2048, 6 + 6 layers): parameters",
            sum(q.numel() for q in torch.nn.Transformer(batch_first=True, device="meta").parameters()), int(formula(512, 2048, 6, 6)),
            id="base_params")

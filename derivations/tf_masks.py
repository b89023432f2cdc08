"""Padding and causal masks: −∞ against a large negative number, and a row with every key masked.

Symbolic: a logit sent to −∞ gets softmax weight exactly 0; a finite −c gets e^(s−c)/Z, which is 0
only after the exponential underflows. Adding the same constant to a whole row changes nothing:
softmax(s − c·1) = softmax(s). So a fully masked row is 0/0 with −∞ (NaN), and with a finite large
negative it is the UNMASKED softmax again (or uniform once s − c rounds to the same number).
Numeric: with a key-padding mask, F.scaled_dot_product_attention's outputs for real tokens do
not move when the padded keys and values are replaced; a causal mask makes position t blind to
every later token. −1e9 in float32 gives exactly the −∞ result for rows with an open key, but
becomes −∞ when cast to float16. A fully masked row: the hand softmax with −∞ is NaN; with
−1e4 it silently attends as if unmasked; with finfo.min it averages the values uniformly;
nn.MultiheadAttention returns NaN with its default need_weights=True but not with need_weights=False
in train mode (then it calls the fused kernel) — in eval mode under no_grad with 2 heads its inference
fast path returns NaN again; F.scaled_dot_product_attention in the installed torch on the CPU
returns zeros, gradients included (these checks run on the CPU whatever the device).
"""

TITLE = {
    "en": "Padding and causal masks: −∞ vs a large negative, and the fully masked row",
    "zh": "填充掩码与因果掩码：−∞ 与大负数，以及整行都被屏蔽的情况",
}
CLAIMS = [
    {
        "en": "A key-padding mask makes the outputs of real tokens independent of whatever sits in the padded "
              "positions; a causal mask makes position t independent of positions > t.",
        "zh": "key padding 掩码使真实 token 的输出与填充位置上的内容无关；因果掩码使位置 t 与 t 之后的位置无关。",
    },
    {
        "en": "softmax(s − c·1) = softmax(s): a large negative constant added to EVERY key of a row masks nothing. "
              "A row with every key masked is NaN with −∞ in a hand softmax and in nn.MultiheadAttention with "
              "need_weights=True (its default); "
              "F.scaled_dot_product_attention (installed torch, CPU) returns 0 for it.",
        "zh": "softmax(s − c·1) = softmax(s)：给一行所有 key 加同一个大负数等于没有屏蔽。整行被屏蔽时，手写 softmax 用 −∞ 和 "
              "nn.MultiheadAttention（need_weights=True，其默认值）都得到 NaN；F.scaled_dot_product_attention（所装 torch，CPU）对该行返回 0。",
    },
]


def derive(p):
    import sympy as sp

    s1, s2, s3, c, t = sp.symbols("s1 s2 s3 c t", real=True)
    z = sp.exp(s1) + sp.exp(s2) + sp.exp(s3 - t)
    w3 = sp.exp(s3 - t) / z
    p.step("weight of key 3 with −t added to its logit", w3)
    p.identity("lim_{t→∞} weight = 0: −∞ masks exactly", sp.limit(w3, t, sp.oo), 0, id="minus_inf_zero")
    row = [sp.exp(si - c) / sum(sp.exp(sj - c) for sj in (s1, s2, s3)) for si in (s1, s2, s3)]
    plain = [sp.exp(si) / sum(sp.exp(sj) for sj in (s1, s2, s3)) for si in (s1, s2, s3)]
    p.identity("softmax(s − c·1) = softmax(s): the same −c on every key of a row masks nothing",
               sp.Matrix(row), sp.Matrix(plain), id="row_shift_invariant")


def experiment(p):
    import torch
    import torch.nn.functional as F

    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    n, d, real = 6, 4, 4
    q, k, v = (torch.randn(1, 1, n, d, generator=g, dtype=f64).to(p.device) for _ in range(3))
    keep = torch.zeros(1, n, dtype=torch.bool, device=p.device)
    keep[:, :real] = True                                   # SDPA: True = may attend
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    k2, v2 = k.clone(), v.clone()
    k2[..., real:, :] = 100 * torch.randn(n - real, d, generator=g, dtype=f64).to(p.device)
    v2[..., real:, :] = 100 * torch.randn(n - real, d, generator=g, dtype=f64).to(p.device)
    out2 = F.scaled_dot_product_attention(q, k2, v2, attn_mask=keep)
    p.allclose("key padding: outputs with the padded K, V replaced by junk", out2, out, rtol=0, atol=0,
               id="padding_isolates")
    causal = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    k3, v3 = k.clone(), v.clone()
    k3[..., 3:, :] += 1.0
    v3[..., 3:, :] += 1.0
    causal2 = F.scaled_dot_product_attention(q, k3, v3, is_causal=True)
    p.allclose("causal: outputs at t = 0, 1, 2 after changing tokens 3 … 5", causal2[..., :3, :],
               causal[..., :3, :], rtol=0, atol=0, id="causal_blind_to_future")

    # −∞ vs a large negative, in float32, for rows that keep at least one key.
    s = torch.randn(n, n, generator=g).to(p.device)
    mask = torch.rand(n, n, generator=g).to(p.device) < 0.5
    mask[:, 0] = False                                    # every row keeps key 0
    inf_w = torch.softmax(s.masked_fill(mask, float("-inf")), -1)
    big_w = torch.softmax(s.masked_fill(mask, -1e9), -1)
    p.allclose("float32: softmax with −1e9 vs with −∞ (rows with an open key)", big_w, inf_w, rtol=0, atol=0,
               id="large_negative_equals_inf")
    p.holds("−1e9 cast to float16 is −∞ (float16's largest finite is 65504)",
            bool(torch.isinf(torch.tensor(-1e9, dtype=torch.float16))), "−inf", "−inf", id="fp16_overflow")

    # A row whose keys are all masked.
    s_row = torch.randn(1, n, generator=g, dtype=torch.float32).to(p.device)
    all_masked = torch.ones(1, n, dtype=torch.bool, device=p.device)
    hand_inf = torch.softmax(s_row.masked_fill(all_masked, float("-inf")), -1)
    p.holds("hand softmax, all −∞: every weight is NaN", bool(torch.isnan(hand_inf).all()), "NaN", "NaN",
            id="hand_inf_nan")
    hand_1e4 = torch.softmax(s_row - 1e4, -1)
    p.allclose("hand softmax, all keys −1e4: weights = softmax of the UNMASKED scores", hand_1e4,
               torch.softmax(s_row, -1), rtol=1e-3, atol=1e-6, id="minus_1e4_unmasked")
    hand_min = torch.softmax(s_row + torch.finfo(torch.float32).min, -1)
    p.allclose("hand softmax, all keys + finfo.min: uniform weights 1/n", hand_min,
               torch.full_like(hand_min, 1 / n), rtol=1e-6, id="finfo_min_uniform")

    # The fully masked row is backend-specific; the claim is about the CPU kernel, so it runs there on any device.
    q, k, v = q.cpu(), k.cpu(), v.cpu()
    none_open = torch.ones(n, n, dtype=torch.bool)
    none_open[2] = False                                  # query 2 may attend to nothing

    def sdpa(qq, kk, vv, m):
        """The real SDPA; the myth assumes it is the textbook softmax with −∞ (NaN on an empty row)."""
        if p.myth:
            scores = (qq @ kk.transpose(-1, -2) / d ** 0.5).masked_fill(~m, float("-inf"))
            return torch.softmax(scores, -1) @ vv
        return F.scaled_dot_product_attention(qq, kk, vv, attn_mask=m)

    verdicts = []
    for dtype in (torch.float64, torch.float32, torch.bfloat16, torch.float16):   # the CPU kernels differ by dtype
        qa = q.detach().to(dtype).clone().requires_grad_(True)
        o = sdpa(qa, k.to(dtype), v.to(dtype), none_open)
        o.float().sum().backward()
        verdicts.append("NaN" if bool(torch.isnan(o).any()) else
                        "0, finite" if bool(torch.isfinite(o).all() and (o[..., 2, :] == 0).all()
                                            and torch.isfinite(qa.grad).all()) else "other")
    worst = next((v_ for v_ in verdicts if v_ != "0, finite"), "0, finite")
    p.holds("F.scaled_dot_product_attention, fully masked query row (float64, float32, bfloat16, float16): "
            "output row = 0 and every output and gradient finite", worst == "0, finite", worst, "0, finite",
            id="sdpa_empty_row_zero", refutes="a fully masked row makes F.scaled_dot_product_attention return NaN")
    mha = torch.nn.MultiheadAttention(d, 1, batch_first=True, dtype=f64)
    x = torch.randn(2, n, d, generator=g, dtype=f64)
    pad = torch.zeros(2, n, dtype=torch.bool)
    pad[1] = True                                         # MHA: True = padding; sequence 1 is all padding
    with torch.no_grad():
        y, _ = mha(x, x, x, key_padding_mask=pad)                       # need_weights=True, the default
        y_fused, _ = mha(x, x, x, key_padding_mask=pad, need_weights=False)
    p.holds("nn.MultiheadAttention (default need_weights=True), a sequence whose keys are all padding: its "
            "outputs are NaN", bool(torch.isnan(y[1]).all() and torch.isfinite(y[0]).all()), "NaN", "NaN",
            id="mha_empty_row_nan")
    attended = y_fused[1] - mha.out_proj.bias                          # what came out of the attention kernel
    p.holds("nn.MultiheadAttention in train mode with need_weights=False (it calls "
            "F.scaled_dot_product_attention), the same all-padding sequence: finite, attention output 0 before "
            "out_proj's bias",
            bool(torch.isfinite(y_fused).all() and (attended.abs().max() < 1e-12)),
            "NaN" if bool(torch.isnan(y_fused).any()) else "0, finite", "0, finite", id="mha_no_weights_zero")
    fast = torch.nn.MultiheadAttention(d, 2, batch_first=True, dtype=f64).eval()
    with torch.no_grad():                                 # eval + no_grad + self-attention: the inference fast path
        y_fast, _ = fast(x, x, x, key_padding_mask=pad, need_weights=False)
    p.holds("nn.MultiheadAttention, 2 heads, eval mode under no_grad (its inference fast path), "
            "need_weights=False, the same all-padding sequence: NaN again",
            bool(torch.isnan(y_fast[1]).all() and torch.isfinite(y_fast[0]).all()),
            "NaN" if bool(torch.isnan(y_fast[1]).any()) else "finite", "NaN", id="mha_fastpath_nan")

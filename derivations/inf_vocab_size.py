"""Vocabulary size: embedding and softmax parameters and FLOPs, weight tying, the share of a small model.

Symbolic: the input embedding is a V × d table (a lookup: no multiply-adds), the output projection a
d → V matmul: V·d parameters (shared with the embedding when tied) and 2·V·d FLOPs per token; against
≈ 12·L·d² parameters and 24·L·d² FLOPs per token in the blocks, the vocabulary's share of parameters is
V·d / (12Ld² + V·d) when tied, and of per-token matmul FLOPs 2Vd / (24Ld² + 2Vd).
Numeric: nn.Embedding and nn.Linear on the meta device with GPT-2 small's sizes (V = 50257, d = 768,
L = 12): their numel, the tied count from parameters() (shared tensors counted once), FlopCounterMode's
FLOPs for the embedding lookup (0) and the output projection, against the lambdified formulas.
"""

TITLE = {
    "en": "Vocabulary size: embedding and softmax cost",
    "zh": "词表大小：嵌入与 softmax 的代价",
}
CLAIMS = [
    {
        "en": "The input embedding costs V·d parameters but no FLOPs (a lookup); the output projection costs V·d "
              "parameters (shared when tied) and 2·V·d FLOPs per token.",
        "zh": "输入嵌入有 V·d 个参数但没有 FLOPs（查表）；输出投影有 V·d 个参数（共享权重时与嵌入共用），每个 token 2·V·d FLOPs。",
    },
    {
        "en": "In GPT-2 small (V = 50257, d = 768, 12 layers) the tied embedding is about a third of the parameters.",
        "zh": "在 GPT-2 small（V = 50257、d = 768、12 层）中，共享的嵌入约占参数的三分之一。",
    },
]

GPT2 = {"V": 50257, "d": 768, "L": 12}


def shares():
    import sympy as sp

    V, d, L = sp.symbols("V d L", positive=True, integer=True)
    blocks = 12 * L * d**2  # 4d² attention + 8d² FFN per layer (biases and norms left out)
    params_share = V * d / (blocks + V * d)
    flops_share = 2 * V * d / (2 * blocks + 2 * V * d)
    return (V, d, L), params_share, flops_share


def derive(p):
    import sympy as sp

    (V, d, L), params_share, flops_share = shares()
    p.step("tied vocabulary share of parameters, V·d / (12Ld² + V·d)", params_share)
    # 2 FLOPs per matmul weight and token on both sides: the FLOP share is the parameter share by definition
    # (a displayed step, not a check); FlopCounterMode measures the head's FLOPs in the experiment.
    p.step("2 FLOPs per matmul weight and token, so the FLOP share per token equals the parameter share",
           sp.simplify(flops_share))
    gpt2 = params_share.subs({V: GPT2["V"], d: GPT2["d"], L: GPT2["L"]})
    p.identity("GPT-2 small: share = 50257·768 / (12·12·768² + 50257·768) = 50257/(50257 + 110592)",
               gpt2, sp.Rational(50257, 50257 + 110592), id="gpt2_share_exact")
    p.identity("d(share)/dV > 0: share = 1 − 12Ld/(12Ld + V), increasing in V", sp.simplify(sp.diff(params_share, V)),
               12 * L * d / (12 * L * d + V) ** 2, id="share_grows_with_v")


def experiment(p):
    import sympy as sp
    import torch
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    (V_s, d_s, L_s), params_share, _ = shares()
    V, d = GPT2["V"], GPT2["d"]
    emb = nn.Embedding(V, d, device="meta")
    head = nn.Linear(d, V, bias=False, device="meta")
    p.equal("nn.Embedding(50257, 768) numel", emb.weight.numel(), V * d, id="embedding_numel")

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.head = emb, nn.Linear(d, V, bias=False, device="meta")
            self.head.weight = self.emb.weight  # GPT-2's weight tying (Press & Wolf 2017)

    p.equal("tied embedding + head: numel over parameters() (shared tensor once)",
            sum(q.numel() for q in Tied().parameters()), V * d, id="tied_counted_once")
    tokens = torch.zeros(4, 10, dtype=torch.long, device="meta")
    with FlopCounterMode(display=False) as fc:
        h = emb(tokens)
    p.equal("FlopCounterMode: FLOPs of the embedding lookup (4 × 10 tokens)", fc.get_total_flops(), 0,
            id="embedding_no_flops")
    with FlopCounterMode(display=False) as fc:
        head(h)
    p.equal("FlopCounterMode: output projection FLOPs per token", fc.get_total_flops() // 40, 2 * V * d,
            id="head_flops_per_token")
    share = sp.lambdify((V_s, d_s, L_s), params_share)
    blocks = sum(q.numel() for layer in range(GPT2["L"]) for q in (
        nn.Linear(d, 3 * d, bias=False, device="meta").weight, nn.Linear(d, d, bias=False, device="meta").weight,
        nn.Linear(d, 4 * d, bias=False, device="meta").weight, nn.Linear(4 * d, d, bias=False, device="meta").weight))
    p.close("GPT-2 small: tied V·d ÷ (block matmul weights + V·d), counted from nn.Linear shapes",
            V * d / (blocks + V * d), share(V, d, GPT2["L"]), rtol=1e-12, id="gpt2_vocab_share")

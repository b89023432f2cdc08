"""Parameters of a transformer: 12·L·d² + V·d, derived from the shapes and read off real modules.

Symbolic: one nn.TransformerEncoderLayer with d_ff = 4d stores W_Q, W_K, W_V, W_O (4d² + 4d
with biases), the FFN (d·4d + 4d + 4d·d + d) and two LayerNorms (4d): 12d² + 13d. A GPT-style
model adds a token table V·d (shared with the output head when tied), a position table n·d
and a final LayerNorm. The FFN holds 2/3 of a layer's matrices. Numeric: the derived count
(lambdified) against sum(p.numel()) of real nn.TransformerEncoderLayer stacks over d, heads,
L, and of a GPT-style model built from torch.nn with a tied head, GPT-2 small's shape included.
"""

TITLE = {
    "en": "Parameter count of a transformer: 12·L·d² + V·d",
    "zh": "Transformer 的参数量：12·L·d² + V·d",
}
CLAIMS = [
    {
        "en": "One encoder layer with d_ff = 4d has 12d² + 13d parameters: 4d² + 4d in attention, 8d² + 5d in "
              "the FFN, 4d in two LayerNorms; the number of heads does not change it.",
        "zh": "d_ff = 4d 的一个编码层有 12d² + 13d 个参数：注意力 4d² + 4d，FFN 8d² + 5d，两个 LayerNorm 4d；"
              "头数不影响它。",
    },
    {
        "en": "A GPT-style model has L(12d² + 13d) + V·d + n_ctx·d + 2d parameters with a tied head; an untied "
              "head adds another V·d. GPT-2 small (L = 12, d = 768, V = 50257, n_ctx = 1024) has 124,439,808.",
        "zh": "绑定输出层的 GPT 式模型有 L(12d² + 13d) + V·d + n_ctx·d + 2d 个参数；不绑定时再加 V·d。"
              "GPT-2 small（L = 12，d = 768，V = 50257，n_ctx = 1024）有 124,439,808 个。",
    },
]


def _layer_count(d, ff):
    """One encoder layer from the shapes it stores: in_proj (3d × d, 3d), out_proj (d × d, d),
    linear1 (ff × d, ff), linear2 (d × ff, d), norm1 and norm2 (d, d each)."""
    shapes = [(3 * d, d), (3 * d, 1), (d, d), (d, 1), (ff, d), (ff, 1), (d, ff), (d, 1), (d, 1), (d, 1), (d, 1),
              (d, 1)]
    return sum(a * b for a, b in shapes)


def _gpt_count():
    import sympy as sp

    d, L, V, n = sp.symbols("d L V n_ctx", positive=True, integer=True)
    layer = _layer_count(d, 4 * d)
    total = L * layer + V * d + n * d + 2 * d  # tied head: the output matrix is the token table
    return (d, L, V, n), sp.expand(layer), sp.expand(total)


def derive(p):
    import sympy as sp

    (d, L, V, n), layer, total = _gpt_count()
    p.step("One layer, summed over the shapes of attention, FFN (d_ff = 4d) and two LayerNorms", layer)
    p.identity("per layer = 12d² + 13d", layer, 12 * d**2 + 13 * d, id="layer_closed_form")
    attn = 3 * d * d + 3 * d + d * d + d
    ffn = 4 * d * d + 4 * d + 4 * d * d + d
    p.identity("attention 4d² + 4d, FFN 8d² + 5d, LayerNorms 4d", attn + ffn + 4 * d - layer, 0)
    share = sp.limit((8 * d**2 + 5 * d) / layer, d, sp.oo)
    p.identity("the FFN's share of a layer → 2/3 as d grows (8d² of 12d²)", share, sp.Rational(2, 3))
    p.step("GPT-style, tied head: L(12d² + 13d) + V·d + n_ctx·d + 2d", total)
    left_out = sp.expand(total - 12 * L * d**2 - V * d)
    p.identity("what 12·L·d² + V·d leaves out is 13·L·d + n_ctx·d + 2d: linear in d", left_out,
               13 * L * d + n * d + 2 * d)
    p.identity("… so its share vanishes as d grows (fixed L, V, n_ctx)", sp.limit(left_out / total, d, sp.oo), 0)


def experiment(p):
    import itertools

    import sympy as sp
    import torch

    (d_s, L_s, V_s, n_s), layer, total = _gpt_count()
    per_layer = sp.lambdify(d_s, layer)
    gpt_formula = sp.lambdify((d_s, L_s, V_s, n_s), total)

    def numel(module):
        return sum(q.numel() for q in module.parameters())

    cases = []
    for d, heads, L in itertools.product((16, 48, 96), (1, 4), (1, 3)):
        stack = torch.nn.ModuleList([torch.nn.TransformerEncoderLayer(d, heads, 4 * d, device="meta")
                                     for _ in range(L)])
        cases.append((f"d={d}, heads={heads}, L={L}", abs(numel(stack) - L * per_layer(d))))
    p.sweep("|sum(p.numel()) − L·(12d² + 13d)| over nn.TransformerEncoderLayer stacks (d × heads × L)", cases,
            "<=", 0, id="encoder_stack_matches")

    class GPT(torch.nn.Module):
        """A GPT-style decoder from torch.nn: token and position tables, pre-LN blocks, tied head."""

        def __init__(self, V, n_ctx, d, L, heads, device):
            super().__init__()
            self.wte = torch.nn.Embedding(V, d, device=device)
            self.wpe = torch.nn.Embedding(n_ctx, d, device=device)
            self.blocks = torch.nn.ModuleList([
                torch.nn.TransformerEncoderLayer(d, heads, 4 * d, norm_first=True, batch_first=True, device=device)
                for _ in range(L)])
            self.ln_f = torch.nn.LayerNorm(d, device=device)
            self.head = torch.nn.Linear(d, V, bias=False, device=device)
            self.head.weight = self.wte.weight

    def count(model):
        """Parameters of the model; (p.myth) the count that adds the tied head's V·d a second time."""
        return sum(q.numel() for _, q in model.named_parameters(remove_duplicate=not p.myth))

    gpt2 = GPT(50257, 1024, 768, 12, 12, "meta")
    p.equal("GPT-2 small shape (L=12, d=768, V=50257, n_ctx=1024), tied head: parameters vs derived count",
            count(gpt2), int(gpt_formula(768, 12, 50257, 1024)), id="gpt2_small_count",
            refutes="a tied output head adds another V·d parameters")
    p.less("GPT-2 small: 12·L·d² / all parameters (the embedding is not negligible at this size)",
           12 * 12 * 768**2 / numel(gpt2), 0.9, id="gpt2_small_12ld2_share")
    p.greater("GPT-2 small: (12·L·d² + V·d) / all parameters", (12 * 12 * 768**2 + 50257 * 768) / numel(gpt2), 0.98,
              id="gpt2_small_rule_share")
    ffn = gpt2.blocks[0].linear1, gpt2.blocks[0].linear2
    p.close("GPT-2 small layer: FFN parameters / layer parameters", sum(numel(m) for m in ffn) / numel(gpt2.blocks[0]),
            2 / 3, rtol=1e-3, id="ffn_share")
    untied = GPT(50257, 1024, 768, 12, 12, "meta")
    untied.head = torch.nn.Linear(768, 50257, bias=False, device="meta")
    p.equal("untied head: parameters − tied count = V·d", numel(untied) - numel(gpt2), 50257 * 768,
            id="untied_adds_vd")
    small = GPT(97, 32, 64, 2, 4, p.device)
    p.equal("a small GPT built on the device (V=97, n_ctx=32, d=64, L=2)", numel(small), int(gpt_formula(64, 2, 97, 32)))

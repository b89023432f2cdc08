"""Teacher forcing with a causal mask: one parallel forward gives every next-token prediction; generation
needs one forward per new token.

Symbolic: log p(y) = Σₜ log p(yₜ | y_<t). With teacher forcing the prefixes are the ground truth, all
known in advance, so all T conditionals come from one pass over y_<T under a causal mask. Generating
without a cache re-runs the prefix for each new token: Σ_{t=1}^{T} F(t) with F(t) = 8td² + 4t²d FLOPs
(projections plus attention, per layer), against F(T) for the one training pass; the ratio is
(T + 1)/2 while the projections dominate and grows like T/3 once attention does.
Numeric (float64): a small decoder-only model (embedding, nn.TransformerEncoder with a causal mask,
LM head): the logits of one teacher-forced pass equal, position by position, the last logits of T
separate runs on the growing prefixes; without the mask, changing a future token changes earlier
logits (the future leaks); greedy generation calls the model once per token.
"""

TITLE = {
    "en": "Teacher forcing and the causal mask: parallel training, one-token-at-a-time generation",
    "zh": "教师强制与因果掩码：训练并行，生成一次一个 token",
}
CLAIMS = [
    {
        "en": "With a causal mask, one forward pass over the (shifted) target gives at every position the same logits the "
              "model would give that prefix alone: training is parallel over positions.",
        "zh": "有因果掩码时，对（右移后的）目标做一次前向传播，每个位置得到的 logits 与模型单独处理该前缀时完全相同：训练在位置上是并行的。",
    },
    {
        "en": "Generation is sequential because token t + 1 is an input that does not exist until token t is chosen.",
        "zh": "生成是串行的，因为第 t + 1 步的输入在第 t 个 token 选出之前并不存在。",
    },
]


def derive(p):
    import sympy as sp

    t, T, d = sp.symbols("t T d", positive=True, integer=True)
    F = 8 * t * d ** 2 + 4 * t ** 2 * d
    regen = sp.factor(sp.summation(F, (t, 1, T)))
    p.step("generation without a cache: Σ_{t=1}^{T} F(t)", regen)
    p.identity("Σ F(t) = 4d²T(T+1) + (2/3)dT(T+1)(2T+1)", regen,
               4 * d ** 2 * T * (T + 1) + sp.Rational(2, 3) * d * T * (T + 1) * (2 * T + 1), id="regen_cost")
    ratio = regen / F.subs(t, T)
    p.identity("d fixed, T → ∞: (Σ F(t))/F(T) ÷ T → 1/3, so re-running prefixes costs ~T/3 training passes",
               sp.limit(ratio / T, T, sp.oo), sp.Rational(1, 3), id="regen_ratio")
    p.identity("T fixed, d → ∞ (projections dominate): (Σ F(t))/F(T) → (T + 1)/2", sp.limit(ratio, d, sp.oo),
               (T + 1) / 2, id="regen_ratio_wide")


class TinyLM:
    """Token and learned position embeddings → nn.TransformerEncoder (causal mask) → linear head."""

    def __init__(self, vocab, d, layers, device, seed):
        import torch

        torch.manual_seed(seed)
        self.emb = torch.nn.Embedding(vocab, d, dtype=torch.float64).to(device)
        self.pos = torch.nn.Embedding(32, d, dtype=torch.float64).to(device)
        layer = torch.nn.TransformerEncoderLayer(d, 2, 4 * d, dropout=0.0, batch_first=True, dtype=torch.float64)
        self.body = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False).to(device).eval()
        self.head = torch.nn.Linear(d, vocab, dtype=torch.float64).to(device)
        self.device, self.calls = device, 0

    def __call__(self, tokens, causal=True):
        import torch

        self.calls += 1
        n = tokens.shape[1]
        x = self.emb(tokens) + self.pos(torch.arange(n, device=self.device))
        mask = torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=torch.float64, device=self.device)
        return self.head(self.body(x, mask=mask if causal else None, is_causal=causal))


def experiment(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    vocab, T = 11, 9
    lm = TinyLM(vocab, 16, 2, p.device, p.seed)
    y = torch.randint(vocab, (1, T), generator=g).to(p.device)
    with torch.no_grad():
        parallel = lm(y, causal=not p.myth)   # the myth: "parallel" means no mask, so it cannot match
        one_by_one = torch.stack([lm(y[:, :t + 1])[0, -1] for t in range(T)])
        p.allclose(f"one teacher-forced pass vs {T} runs on growing prefixes: logits", parallel[0], one_by_one,
                   rtol=1e-10, atol=1e-12, id="parallel_equals_incremental",
                   refutes="teacher forcing must run the decoder once per target token")
        y2 = y.clone()
        y2[0, -1] = (y[0, -1] + 1) % vocab
        p.allclose("causal: logits at positions < T−1 after changing the last token", lm(y2)[0, :-1], lm(y)[0, :-1],
                   rtol=0, atol=0, id="causal_no_leak")
        leak = (lm(y2, causal=False)[0, :-1] - lm(y, causal=False)[0, :-1]).abs().max()
        p.greater("no mask: the same change moves earlier logits by", leak, 1e-6, id="unmasked_leaks")
        lm.calls = 0
        seq = y[:, :1]
        for _ in range(T - 1):
            nxt = lm(seq)[:, -1].argmax(-1, keepdim=True)
            seq = torch.cat([seq, nxt], 1)
        p.equal(f"greedy generation of {T - 1} tokens: model calls", lm.calls, T - 1, id="generation_calls")
        # One pass on guessed future inputs (token 0) gets a prompt right only where greedy generation happens to
        # produce the guess itself (one seed in about ten for a single prompt): count over every one-token prompt.
        seqs = torch.arange(vocab, device=p.device).unsqueeze(1)
        for _ in range(T - 1):
            seqs = torch.cat([seqs, lm(seqs)[:, -1].argmax(-1, keepdim=True)], 1)
        guessed = torch.cat([seqs[:, :1], torch.zeros_like(seqs[:, 1:])], 1)
        one_pass = lm(guessed)[:, :-1].argmax(-1)
        p.greater(f"one pass on guessed future inputs, all {vocab} one-token prompts: of the {vocab}×{T - 1} greedy "
                  "tokens, how many it gets wrong", int((one_pass != seqs[:, 1:]).sum()), 0,
                  id="one_pass_generation_wrong")

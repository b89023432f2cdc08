"""Activation checkpointing: keep only each block's input, recompute the rest in the backward pass.

Symbolic: a block Linear(d, 4d) → GELU → Linear(4d, d) saves for backward its input (d numbers
a token), the GELU input (4d) and the second Linear's input (4d): 9d a token a block; L blocks
and the loss save (9L + 1)·d. Checkpointing every block keeps only the block inputs: (L + 1)·d,
at the price of one more forward through each block — the gradients are the same.
Numeric: torch.autograd.graph.saved_tensors_hooks counts the activation values autograd saves
(parameters excluded) with and without torch.utils.checkpoint, over depths; counting the block function's calls counts
the recomputations; the gradients are compared with dropout inside the blocks (checkpoint
restores the RNG state, so the recomputed dropout masks are the same).
"""

TITLE = {
    "en": "Activation checkpointing: saved activations vs recomputation, same gradients",
    "zh": "激活检查点：保存的激活与重计算的取舍，梯度不变",
}
CLAIMS = [
    {
        "en": "Without checkpointing an MLP block saves 9d activation values per token; checkpointing every block "
              "keeps d — the block input — and runs each block's forward twice.",
        "zh": "不用检查点时，一个 MLP 块每个 token 保存 9d 个激活值；每块都做检查点只保存块输入 d 个，但每块的前向要跑两次。",
    },
    {
        "en": "The gradients are unchanged (bit for bit here), dropout included, because checkpoint replays the RNG state.",
        "zh": "梯度不变（此处逐位相同），包括 dropout，因为 checkpoint 会重放随机数状态。",
    },
]


def derive(p):
    import sympy as sp

    d, L = sp.symbols("d L", positive=True, integer=True)
    block = d + 4 * d + 4 * d  # Linear1 input, GELU input, Linear2 input
    # what each op keeps, added up (a displayed step: saved_tensors_hooks counts it in the experiment)
    p.step("one block saves x (d), GELU's input (4d) and Linear2's input (4d) per token", block)
    plain, ckpt = L * block + d, L * d + d  # + the output the loss (h²) saves
    p.identity("saved / checkpointed = (9L + 1)/(L + 1) → 9 as L grows", sp.limit(plain / ckpt, L, sp.oo), 9,
               id="ratio_limit")
    p.step("extra compute: one more forward per block; backward ≈ 2 forwards, so a step goes from 3 to 4 forward units",
           sp.Rational(4, 3))


def experiment(p):
    import torch
    from torch.utils.checkpoint import checkpoint

    gen = torch.Generator().manual_seed(p.seed)
    d, T = 16, 8

    def blocks(L, dropout=0.0):
        torch.manual_seed(p.seed)
        return torch.nn.ModuleList([torch.nn.Sequential(torch.nn.Linear(d, 4 * d), torch.nn.GELU(),
                                                        torch.nn.Dropout(dropout), torch.nn.Linear(4 * d, d))
                                    for _ in range(L)]).double().to(p.device)

    def run(stack, x, recompute, preserve=True):
        """Saved activation values, block forward calls, and the loss; every block checkpointed if asked."""
        params = {q.data_ptr() for q in stack.parameters()}
        saved, calls = [], []

        def pack(t):
            if t.data_ptr() not in params:
                saved.append(t.numel())
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            h = x
            for b in stack:
                def block(inp, b=b):
                    calls.append(1)  # a function call, not a module hook: the recomputation stops early (after
                    return b(inp)    # the last tensor backward needs), so a hook on the block's end never fires
                h = checkpoint(block, h, use_reentrant=False, preserve_rng_state=preserve) if recompute else block(h)
            loss = h.pow(2).sum()
        loss.backward()
        return sum(saved), len(calls)

    cases = []
    for L in (1, 2, 4, 8):
        stack = blocks(L)
        x = torch.randn(T, d, generator=gen, dtype=torch.float64, device="cpu").to(p.device).requires_grad_()
        plain, calls_plain = run(stack, x, False)
        ckpt, calls_ckpt = run(stack, x, True)
        cases.append((f"L={L}", abs(plain - (9 * L + 1) * T * d) + abs(ckpt - (L + 1) * T * d)))
        if L == 8:
            p.equal("L = 8: block forward calls with checkpointing / without", calls_ckpt / calls_plain, 2,
                    id="forward_twice")
            p.close("L = 8: saved activation values without / with checkpointing", plain / ckpt, 73 / 9, rtol=1e-12,
                    id="saved_ratio_l8")
    p.sweep("|saved values − derived (9L + 1)·T·d| + |checkpointed − (L + 1)·T·d| over depths", cases, "<=", 0,
            id="saved_matches_derived")

    stack = blocks(4, dropout=0.3)
    x = torch.randn(T, d, generator=gen, dtype=torch.float64).to(p.device)
    grads = {}
    for recompute in (False, True):
        stack.zero_grad()
        torch.manual_seed(p.seed + 1)  # the same dropout masks in the first forward of both runs
        # (p.myth) recompute without restoring the RNG: the myth that recomputation draws the same masks anyway
        run(stack, x, recompute, preserve=not p.myth)
        grads[recompute] = torch.cat([q.grad.flatten() for q in stack.parameters()])
    p.allclose("gradients with dropout: checkpointed vs plain", grads[True], grads[False], rtol=0, atol=0,
               id="same_gradients", refutes="activation checkpointing changes (approximates) the gradients")

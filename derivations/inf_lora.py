"""LoRA on a real nn.Linear: r·(d_in + d_out) parameters, B = 0 leaves the model unchanged, merging is exact.

Symbolic: the adapter's parameters from the shapes A (r × d_in) and B (d_out × r); the fraction of a
d × d layer they are (2r/d); with B = 0 the adapted output W₀x + (α/r)·BAx is W₀x; merging
W = W₀ + (α/r)·BA gives the same output for every x (associativity); and at B = 0 the gradient of A is
zero, so only B moves in the first step.
Numeric (float64): a LoRA wrapper around a real nn.Linear, compared with the nn.Linear alone at
initialisation and with an nn.Linear holding the merged weight after training steps; the trainable
count read off requires_grad; autograd's first-step gradients.
Counterfactual (p.myth): both A and B drawn at random, as a reader who thinks the adapter starts
"somewhere random" would build it.
"""

TITLE = {
    "en": "LoRA: low-rank adapters on a frozen nn.Linear",
    "zh": "LoRA：冻结的 nn.Linear 上的低秩适配器",
}
CLAIMS = [
    {
        "en": "A rank-r adapter ΔW = BA on a d_in → d_out layer has r·(d_in + d_out) parameters: 2r/d of a d × d layer.",
        "zh": "d_in → d_out 层上的秩 r 适配器 ΔW = BA 有 r·(d_in + d_out) 个参数：是 d × d 层的 2r/d。",
    },
    {
        "en": "B starts at zero, so at initialisation the adapted layer computes exactly what the frozen layer does; "
              "the first gradient reaches B only (∂L/∂A = 0 while B = 0).",
        "zh": "B 初始化为零，所以初始化时加了适配器的层与冻结的层输出完全相同；第一步梯度只到达 B（B = 0 时 ∂L/∂A = 0）。",
    },
    {
        "en": "Merging W₀ + (α/r)·BA into one nn.Linear gives the same outputs as the adapter: no inference latency.",
        "zh": "把 W₀ + (α/r)·BA 合并进一个 nn.Linear，输出与适配器相同：推理没有额外延迟。",
    },
]


def _symbols():
    import sympy as sp

    return sp.symbols("d_in d_out r d alpha", positive=True, integer=True)


def adapter_params():
    """The adapter's parameter count, summed over the shapes of A and B (a sympy expression)."""
    import sympy as sp

    d_in, d_out, r, _, _ = _symbols()
    shapes = {"A": (r, d_in), "B": (d_out, r)}
    return sum(sp.Mul(*s) for s in shapes.values())


def derive(p):
    import sympy as sp

    d_in, d_out, r, d, alpha = _symbols()
    count = adapter_params()
    p.step("Σ over the shapes A (r × d_in) and B (d_out × r)", count)
    p.identity("adapter parameters = r·(d_in + d_out)", count, r * (d_in + d_out), id="lora_param_formula")
    frac = sp.simplify(count.subs({d_in: d, d_out: d}) / (d * d))
    p.identity("fraction of a d × d weight = 2r/d", frac, 2 * r / d, id="lora_fraction")

    # Small explicit matrices: 2 × 3 layer, rank 1 (the identities hold entry by entry).
    W = sp.Matrix(2, 3, sp.symbols("w0:6"))
    A = sp.Matrix(1, 3, sp.symbols("a0:3"))
    B = sp.Matrix(2, 1, sp.symbols("b0:2"))
    x = sp.Matrix(3, 1, sp.symbols("x0:3"))
    s = alpha / r
    adapted = W * x + s * B * (A * x)
    p.identity("B = 0 ⇒ W₀x + (α/r)·B(Ax) = W₀x", adapted.subs({b: 0 for b in B}), W * x, id="lora_zero_b_symbolic")
    p.identity("merged (W₀ + (α/r)·BA)x = W₀x + (α/r)·B(Ax)", (W + s * B * A) * x, adapted, id="lora_merge_symbolic")
    # L = ½‖y‖², y = W₀x + s·B(Ax): ∂L/∂A = s·(Bᵀy)xᵀ, zero when B = 0.
    y = adapted
    loss = sum(v**2 for v in y) / 2
    grad_A = sp.Matrix(1, 3, [sp.diff(loss, a) for a in A])
    p.identity("∂L/∂A at B = 0 is 0 (A gets no gradient in the first step)", grad_A.subs({b: 0 for b in B}),
               sp.zeros(1, 3), id="lora_grad_a_zero_symbolic")


def experiment(p):
    import sympy as sp
    import torch
    from torch import nn

    torch.manual_seed(p.seed)
    f64 = torch.float64
    d_in_s, d_out_s, r_s, _, _ = _symbols()
    count_of = sp.lambdify((d_in_s, d_out_s, r_s), adapter_params())

    class LoRALinear(nn.Module):
        """h = W₀x + b + (α/r)·B(Ax) with W₀, b frozen (Hu et al. 2021, eq. 3)."""

        def __init__(self, base: nn.Linear, r: int, alpha: float):
            super().__init__()
            self.base, self.scale = base, alpha / r
            base.requires_grad_(False)
            self.A = nn.Parameter(torch.randn(r, base.in_features, dtype=f64) / base.in_features**0.5)
            # The paper's B = 0; the myth draws it at random like A.
            B = torch.randn(base.out_features, r, dtype=f64) if p.myth else torch.zeros(base.out_features, r, dtype=f64)
            self.B = nn.Parameter(B)

        def forward(self, x):
            return self.base(x) + self.scale * (x @ self.A.T) @ self.B.T

        def merged(self) -> nn.Linear:
            out = nn.Linear(self.base.in_features, self.base.out_features, dtype=f64)
            with torch.no_grad():
                out.weight.copy_(self.base.weight + self.scale * self.B @ self.A)
                out.bias.copy_(self.base.bias)
            return out

    # Parameter counts over a sweep of shapes, from requires_grad.
    cases = []
    for d_in, d_out, r in [(64, 64, 4), (96, 32, 8), (128, 512, 16), (40, 300, 1)]:
        m = LoRALinear(nn.Linear(d_in, d_out, dtype=f64), r, 2 * r)
        trainable = sum(q.numel() for q in m.parameters() if q.requires_grad)
        cases.append((f"d_in={d_in}, d_out={d_out}, r={r}", abs(trainable - count_of(d_in, d_out, r))))
    p.sweep("|trainable numel − r·(d_in + d_out)| over shapes", cases, "<=", 0, id="lora_trainable_count")
    big = LoRALinear(nn.Linear(256, 256, dtype=f64), 8, 16)
    frac = sum(q.numel() for q in big.parameters() if q.requires_grad) / sum(q.numel() for q in big.parameters())
    p.close("trainable fraction of a 256 × 256 nn.Linear with r = 8 (bias included in the total)", frac,
            4096 / (4096 + 65536 + 256), rtol=1e-12, id="lora_fraction_256_r8")

    base = nn.Linear(48, 24, dtype=f64).to(p.device)
    lora = LoRALinear(base, 4, 8).to(p.device)
    x = torch.randn(16, 48, dtype=f64).to(p.device)  # drawn on the CPU generator: the same x on every device
    with torch.no_grad():
        gap0 = (lora(x) - base(x)).abs().max()
    p.less("max |LoRA(x) − nn.Linear(x)| at initialisation", gap0, 1e-300, id="lora_init_unchanged",
           refutes="LoRA changes the model at initialisation")

    loss = (lora(x) ** 2).sum() / 2
    loss.backward()
    p.less("‖∂L/∂A‖ at initialisation (B = 0)", lora.A.grad.norm(), 1e-300, id="lora_grad_a_zero",
           refutes="both LoRA factors get a gradient in the first step")
    p.greater("‖∂L/∂B‖ at initialisation", lora.B.grad.norm(), 1e-3, id="lora_grad_b_nonzero")
    p.holds("the frozen base weight has no gradient", base.weight.grad is None, base.weight.grad is None, True)

    opt = torch.optim.SGD([lora.A, lora.B], lr=0.05)
    w_before = base.weight.detach().clone()
    for _ in range(5):
        opt.zero_grad()
        ((lora(x) - 1.0) ** 2).mean().backward()
        opt.step()
    p.less("max |W₀ change| after 5 SGD steps on the adapter", (base.weight - w_before).abs().max(), 1e-300,
           id="lora_base_frozen")
    with torch.no_grad():
        moved = (lora(x) - base(x)).abs().max()
        merged = lora.merged().to(p.device)
        p.greater("after training, max |LoRA(x) − W₀x| (the adapter learned something)", moved, 1e-3,
                  id="lora_adapter_moved")
        p.allclose("merged nn.Linear(W₀ + (α/r)·BA) vs the adapter", merged(x), lora(x), rtol=1e-12, atol=1e-12,
                   id="lora_merge_exact")
        rank = torch.linalg.matrix_rank(merged.weight - base.weight).item()
    p.equal("rank of the merged update W − W₀", rank, 4, id="lora_update_rank")

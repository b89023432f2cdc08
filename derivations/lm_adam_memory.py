"""Bytes per parameter when training with Adam: 16 in fp32 and still 16 in mixed precision.

Symbolic: fp32 training keeps weights, gradients and Adam's two moments m and v, 4 bytes each:
16 bytes. Mixed precision (Micikevicius et al. 2018; the ZeRO paper's accounting) keeps fp16/bf16
weights and gradients (2 + 2) plus an fp32 master copy and fp32 m and v (K = 12): 16 again — it
saves activation memory and time, not optimizer memory. SGD with momentum needs 12, plain SGD 8.
Numeric: torch.optim.Adam after a real step; the bytes of every parameter, gradient and state
tensor, counted with element_size() — for an fp32 model and for a bf16 model with an fp32
master copy — divided by the number of parameters.
"""

TITLE = {
    "en": "Adam's memory: 16 bytes per parameter in fp32 and in mixed precision",
    "zh": "Adam 的显存：fp32 和混合精度下都是每参数 16 字节",
}
CLAIMS = [
    {
        "en": "Training with Adam in fp32 holds 16 bytes per parameter (weights, gradients, m, v).",
        "zh": "fp32 下用 Adam 训练，每个参数占 16 字节（权重、梯度、m、v）。",
    },
    {
        "en": "Mixed precision with an fp32 master copy also holds 16 bytes per parameter: 2 + 2 (half weights and "
              "gradients) + 4 + 4 + 4 (fp32 master, m, v). It does not halve the model-state memory.",
        "zh": "带 fp32 主权重的混合精度同样每参数 16 字节：2 + 2（半精度权重和梯度）+ 4 + 4 + 4（fp32 主权重、m、v）。"
              "它不会把模型状态的显存减半。",
    },
]


def derive(p):
    import sympy as sp

    # Bytes per parameter from the list of tensors each scheme keeps, with the element sizes left symbolic
    # (s16 for a 16-bit float, s32 for a 32-bit one): which tensors exist is the modelling choice, and the
    # experiment checks it against a real torch.optim.Adam step.
    s16, s32 = sp.symbols("s_16 s_32", positive=True)
    fp32 = {"weights": s32, "gradients": s32, "m": s32, "v": s32}
    mixed = {"half weights": s16, "half gradients": s16, "fp32 master": s32, "m": s32, "v": s32}
    gap = sp.expand(sum(mixed.values()) - sum(fp32.values()))
    p.step("fp32 Adam keeps " + ", ".join(fp32) + "; mixed precision keeps " + ", ".join(mixed) +
           ": mixed − fp32 bytes per parameter", gap)
    p.identity("mixed − fp32 = 0 exactly when a 32-bit float is twice a 16-bit one (solve for s₃₂)",
               sp.solve(gap, s32)[0], 2 * s16)
    p.identity("with s₁₆ = 2, s₃₂ = 4: mixed precision keeps 16 bytes per parameter (K = 12 of them fp32)",
               sum(mixed.values()).subs({s16: 2, s32: 4}), 16, id="mixed_sixteen")
    p.step("SGD with momentum in fp32 (weights, gradients, momentum): bytes per parameter", 3 * 4)
    p.step("a 7.5B-parameter model: model states in GB (10⁹ bytes)", sp.Float(16 * 7.5, 4))


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)

    def model(dtype):
        m = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.GELU(), torch.nn.Linear(256, 64))
        with torch.no_grad():
            for q in m.parameters():
                q.copy_(0.1 * torch.randn(q.shape, generator=gen))
        return m.to(device=p.device, dtype=dtype)

    def nbytes(tensors):
        return sum(t.numel() * t.element_size() for t in tensors)

    def state_tensors(opt):
        """Adam's per-parameter state (exp_avg, exp_avg_sq); the scalar 'step' counters are left out."""
        return [t for st in opt.state.values() for k, t in st.items() if k != "step"]

    x = torch.randn(32, 64, generator=gen).to(p.device)
    fp32 = model(torch.float32)
    n = sum(q.numel() for q in fp32.parameters())
    opt = torch.optim.Adam(fp32.parameters(), lr=1e-3)
    fp32(x).pow(2).mean().backward()
    opt.step()
    per_param_fp32 = (nbytes(fp32.parameters()) + nbytes(q.grad for q in fp32.parameters())
                      + nbytes(state_tensors(opt))) / n
    p.equal("fp32 Adam after one step: bytes of weights + grads + m + v, per parameter", per_param_fp32, 16,
            id="fp32_bytes")

    half = model(torch.bfloat16)
    if p.myth:  # the myth's model of mixed precision: everything in half precision, no master copy
        master = list(half.parameters())
    else:
        master = [q.detach().float().requires_grad_() for q in half.parameters()]
    opt = torch.optim.Adam(master, lr=1e-3)
    half(x.bfloat16()).float().pow(2).mean().backward()
    if not p.myth:
        for m, q in zip(master, half.parameters()):
            m.grad = q.grad.float()  # the fp32 copy of the gradient lives only for the step
    opt.step()
    if not p.myth:
        for m, q in zip(master, half.parameters()):
            m.grad = None
            q.data.copy_(m.data)  # master → half weights for the next forward
    persistent = nbytes(half.parameters()) + nbytes(q.grad for q in half.parameters()) + nbytes(state_tensors(opt))
    if not p.myth:
        persistent += nbytes(master)
    p.equal("bf16 weights and grads + fp32 master + fp32 m, v after a real step: bytes per parameter", persistent / n, 16,
            id="mixed_bytes")
    p.equal("mixed-precision bytes per parameter − fp32 bytes per parameter", persistent / n - per_param_fp32, 0,
            id="mixed_equals_fp32", refutes="mixed-precision training halves the memory of weights, gradients and Adam")

    def moment_dtypes(dtype):
        """The dtypes of Adam's m and v after one step on a parameter of this dtype."""
        q = torch.zeros(4, dtype=dtype, device=p.device, requires_grad=True)
        q.grad = torch.ones_like(q)
        o = torch.optim.Adam([q], lr=1e-3)
        o.step()
        return [str(o.state[q]["exp_avg"].dtype), str(o.state[q]["exp_avg_sq"].dtype)]

    p.equal("Adam's m and v dtypes for an fp32 parameter, then for a bf16 one (they follow the parameter)",
            moment_dtypes(torch.float32) + moment_dtypes(torch.bfloat16),
            ["torch.float32"] * 2 + ["torch.bfloat16"] * 2, id="moments_follow_param_dtype")

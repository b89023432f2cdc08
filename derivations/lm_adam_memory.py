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

    psi = sp.Symbol("Ψ", positive=True)
    fp32 = 4 * psi + 4 * psi + (4 + 4) * psi
    p.identity("fp32 Adam: weights 4Ψ + gradients 4Ψ + m 4Ψ + v 4Ψ = 16Ψ", fp32, 16 * psi)
    K = 4 + 4 + 4
    mixed = 2 * psi + 2 * psi + K * psi
    p.identity("mixed precision: 2Ψ + 2Ψ + KΨ with K = 12 (fp32 master, m, v) = 16Ψ", mixed, 16 * psi,
               id="mixed_sixteen")
    p.identity("mixed − fp32 = 0: the model states take the same memory", mixed - fp32, 0)
    p.identity("SGD with momentum in fp32: 4 + 4 + 4 = 12 bytes per parameter", (4 + 4 + 4) * psi, 12 * psi)
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
    p.equal("Adam's m and v take the dtype of the parameter they follow (fp32 master → fp32)",
            str(state_tensors(opt)[0].dtype), "torch.bfloat16" if p.myth else "torch.float32")

"""ZeRO stages 1/2/3: model-state memory per device, with the numbers of Rajbhandari et al. 2020.

Symbolic: mixed-precision Adam holds 2Ψ (half weights) + 2Ψ (half gradients) + KΨ (K = 12:
fp32 master, m, v) on every data-parallel device. Stage 1 (P_os) partitions the optimizer
states over N_d devices: 4Ψ + KΨ/N_d; stage 2 (P_os+g) the gradients too: 2Ψ + (2 + K)Ψ/N_d;
stage 3 (P_os+g+p) the weights too: (4 + K)Ψ/N_d — linear in 1/N_d.
Numeric: the formulas at the paper's example (Ψ = 7.5B, N_d = 64, K = 12) against its Figure 1
numbers 120, 31.4, 16.6 and 1.9 GB; then a real model's tensors (bf16 weights and grads, fp32
master, Adam m and v after a real step) sharded over N_d simulated ranks with torch.chunk, the
largest rank's bytes against the formula.
"""

TITLE = {
    "en": "ZeRO stages 1, 2, 3: memory per device",
    "zh": "ZeRO 第 1、2、3 阶段：每卡显存",
}
CLAIMS = [
    {
        "en": "Per device: baseline (4 + K)Ψ, stage 1 4Ψ + KΨ/N_d, stage 2 2Ψ + (2 + K)Ψ/N_d, stage 3 (4 + K)Ψ/N_d; "
              "Ψ = 7.5B, N_d = 64, K = 12 gives 120, 31.4, 16.6, 1.9 GB as in the paper.",
        "zh": "每卡：基线 (4 + K)Ψ，第 1 阶段 4Ψ + KΨ/N_d，第 2 阶段 2Ψ + (2 + K)Ψ/N_d，第 3 阶段 (4 + K)Ψ/N_d；"
              "Ψ = 7.5B、N_d = 64、K = 12 时为 120、31.4、16.6、1.9 GB，与论文一致。",
    },
]

PAPER = {"baseline": 120.0, "stage1": 31.4, "stage2": 16.6, "stage3": 1.9}  # ZeRO paper, Figure 1 (GB)


def _per_device():
    import sympy as sp

    psi, nd, K = sp.symbols("Ψ N_d K", positive=True)
    return (psi, nd, K), {
        "baseline": (2 + 2 + K) * psi,
        "stage1": 2 * psi + 2 * psi + K * psi / nd,
        "stage2": 2 * psi + (2 + K) * psi / nd,
        "stage3": (2 + 2 + K) * psi / nd,
    }


def derive(p):
    import sympy as sp

    (psi, nd, K), mem = _per_device()
    for name, expr in mem.items():
        p.step(f"{name}: bytes per device", expr)
    p.identity("stage 3 = baseline / N_d: everything partitioned", mem["stage3"], mem["baseline"] / nd, id="stage3_linear")
    p.identity("N_d → ∞: stage 1 → 4Ψ (half weights and gradients stay replicated)", sp.limit(mem["stage1"], nd, sp.oo),
               4 * psi)
    p.identity("N_d → ∞: stage 2 → 2Ψ (the half weights stay replicated)", sp.limit(mem["stage2"], nd, sp.oo), 2 * psi)
    for stage in ("stage1", "stage2", "stage3"):
        p.identity(f"N_d = 1: {stage} equals the baseline (nothing to partition)", mem[stage].subs(nd, 1), mem["baseline"])


def experiment(p):
    import sympy as sp
    import torch

    (psi, nd, K), mem = _per_device()
    gb = {name: float(expr.subs({psi: 7.5e9, nd: 64, K: 12})) / 1e9 for name, expr in mem.items()}
    def paper(name, id):
        p.close(f"Ψ = 7.5B, N_d = 64, K = 12: {name} GB vs the paper's {PAPER[name]}", gb[name], PAPER[name], rtol=0.02,
                id=id)

    paper("baseline", id="paper_baseline")
    paper("stage1", id="paper_stage1")
    paper("stage2", id="paper_stage2")
    paper("stage3", id="paper_stage3")
    p.close("stage 3, 1T parameters on 1024 devices: GB per device", 16 * 1e12 / 1024 / 1e9, 15.6, rtol=0.01,
            id="trillion_on_1024")

    gen = torch.Generator().manual_seed(p.seed)
    model = torch.nn.Sequential(torch.nn.Linear(40, 96), torch.nn.GELU(), torch.nn.Linear(96, 40)).to(p.device)
    half = [q.detach().to(torch.bfloat16) for q in model.parameters()]
    master = [q.detach().float().clone().requires_grad_() for q in model.parameters()]
    opt = torch.optim.Adam(master, lr=1e-3)
    for m in master:
        m.grad = torch.randn(m.shape, generator=gen).to(p.device)
    opt.step()
    n = sum(q.numel() for q in master)

    def flat(ts):
        return torch.cat([t.reshape(-1) for t in ts])

    states = {"w16": flat(half), "g16": flat(m.grad.to(torch.bfloat16) for m in master), "master": flat(master).detach(),
              "m": flat(opt.state[m]["exp_avg"] for m in master), "v": flat(opt.state[m]["exp_avg_sq"] for m in master)}
    partitioned = {"baseline": set(), "stage1": {"master", "m", "v"}, "stage2": {"master", "m", "v", "g16"},
                   "stage3": set(states)}
    formula = {name: sp.lambdify((psi, nd, K), expr) for name, expr in mem.items()}
    cases = []
    for ranks in (2, 4, 8):
        for stage, parts in partitioned.items():
            worst = max(sum((t.chunk(ranks)[r] if key in parts else t).numel() * t.element_size()
                            for key, t in states.items()) for r in range(ranks))
            cases.append((f"{stage}, N_d = {ranks}", abs(worst / formula[stage](n, ranks, 12) - 1)))
    p.sweep("|largest rank's bytes / formula − 1|, real Adam tensors sharded with torch.chunk", cases, "<=", 0.01,
            id="sharded_matches_formula")

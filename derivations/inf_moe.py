"""Mixture of experts: top-k routing, FLOPs vs parameters, and the Switch / GShard load-balancing loss.

Symbolic: an MoE layer with E expert FFNs (d → 4d → d) and a linear router has E·(8d² + 5d) + E·(d + 1)
parameters but runs only k experts per token: 2dE + k·16d² FLOPs (matmuls), so FLOPs per token grow
with k, parameters with E. The Switch Transformer's auxiliary loss α·E·Σᵢ fᵢ·Pᵢ: with the fractions f
equal to the mean probabilities P, minimising E·Σ Pᵢ² under Σ Pᵢ = 1 (a Lagrange multiplier) gives
Pᵢ = 1/E and loss α — balanced routing; all tokens on one expert gives α·E.
Numeric (float64): a sparse MoE built from nn.Linear experts (tokens gathered per expert) against a
dense reference that runs every expert and masks the gates; FlopCounterMode's FLOPs per token against
the derived count; the auxiliary loss of a balanced and a collapsed router; its autograd gradient
pushes the overloaded expert's logit down, and SGD on it alone lowers the largest load.
Counterfactual (p.myth): every token runs through all E experts (the dense model of the myth).
"""

TITLE = {
    "en": "Mixture of experts: top-k routing, FLOPs vs parameters, load balancing",
    "zh": "混合专家：top-k 路由、FLOPs 与参数量、负载均衡",
}
CLAIMS = [
    {
        "en": "With E experts and top-k routing, parameters grow with E but FLOPs per token with k: 8 experts, top-2 "
              "cost about 2 experts' FLOPs (plus a small router), not 8.",
        "zh": "E 个专家、top-k 路由时，参数量随 E 增长，而每个 token 的 FLOPs 随 k 增长：8 个专家、top-2 约等于 "
              "2 个专家的 FLOPs（外加很小的路由器），而不是 8 个。",
    },
    {
        "en": "The Switch load-balancing loss α·E·Σ fᵢPᵢ equals α under uniform routing (its minimum when f = P) and "
              "α·E when every token goes to one expert.",
        "zh": "Switch 负载均衡损失 α·E·Σ fᵢPᵢ 在均匀路由时等于 α（f = P 时的最小值），所有 token 都去同一个专家时等于 α·E。",
    },
]

D, E, K = 16, 8, 2


def counts():
    import sympy as sp

    d, e, k = sp.symbols("d E k", positive=True, integer=True)
    expert = (d * 4 * d + 4 * d) + (4 * d * d + d)  # two nn.Linear with bias
    router = d * e + e
    flops = 2 * d * e + k * (2 * d * 4 * d + 2 * 4 * d * d)  # router matmul + k experts' matmuls
    return (d, e, k), expert, router, flops


def derive(p):
    import sympy as sp

    (d, e, k), expert, router, flops = counts()
    p.identity("one expert FFN d → 4d → d: 8d² + 5d parameters", expert, 8 * d**2 + 5 * d)
    p.step("MoE parameters: E experts + router", sp.expand(e * expert + router))
    p.identity("FLOPs per token: 2dE + 16k·d²", flops, 2 * d * e + 16 * k * d**2, id="moe_flops_formula")
    p.identity("∂(FLOPs)/∂E = 2d: adding experts adds only router cost per token", sp.diff(flops, e), 2 * d)
    # Load balancing: minimise E·Σ Pᵢ² subject to Σ Pᵢ = 1 (the loss with f = P), for E = 4.
    P = sp.symbols("P0:4", positive=True)
    lam = sp.Symbol("lambda")
    lagr = 4 * sum(x**2 for x in P) - lam * (sum(P) - 1)
    sol = sp.solve([sp.diff(lagr, x) for x in P] + [sum(P) - 1], [*P, lam], dict=True)[0]
    p.identity("stationary point of E·Σ Pᵢ² on Σ Pᵢ = 1 (E = 4): Pᵢ = 1/E", sp.Matrix([sol[x] for x in P]),
               sp.Matrix([sp.Rational(1, 4)] * 4), id="balanced_minimiser")
    p.identity("its value: E·Σ (1/E)² = 1 (the loss is α)", (4 * sum(x**2 for x in P)).subs(sol), 1,
               id="balanced_loss_value")
    onehot = sp.Matrix([1, 0, 0, 0])
    aux = (4 * onehot.dot(onehot))                      # E·Σ fᵢPᵢ with f = P = the one-hot of expert 0
    p.identity("all tokens on one expert (f = P = one-hot): E·Σ fᵢPᵢ = E", aux, 4)


def experiment(p):
    import sympy as sp
    import torch
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    f64 = torch.float64
    torch.manual_seed(p.seed)
    (d_s, e_s, k_s), expert_f, router_f, flops_f = counts()
    flops_per_token = sp.lambdify((d_s, e_s, k_s), flops_f)

    experts = nn.ModuleList(nn.Sequential(nn.Linear(D, 4 * D, dtype=f64), nn.GELU(), nn.Linear(4 * D, D, dtype=f64))
                            for _ in range(E)).to(p.device)
    router = nn.Linear(D, E, dtype=f64).to(p.device)

    def moe(x, k=K):
        """Top-k routing: softmax over the router logits, keep the k largest, renormalise, run only those."""
        probs = router(x).softmax(-1)
        w, idx = probs.topk(E if p.myth else k, -1)
        w = w / w.sum(-1, keepdim=True)
        y = torch.zeros_like(x)
        for e in range(E):
            rows, slot = (idx == e).nonzero(as_tuple=True)
            if len(rows):
                y.index_add_(0, rows, w[rows, slot, None] * experts[e](x[rows]))
        return y

    def dense_reference(x, k=K):
        probs = router(x).softmax(-1)
        keep = torch.zeros_like(probs).scatter(-1, probs.topk(k, -1).indices, 1.0)
        gates = probs * keep / (probs * keep).sum(-1, keepdim=True)
        return sum(gates[:, e:e + 1] * experts[e](x) for e in range(E))

    T = 64
    cpu = torch.Generator().manual_seed(p.seed)  # draws on the CPU generator, then moved: same data on every device
    x = torch.randn(T, D, dtype=f64, generator=cpu).to(p.device)
    with torch.no_grad():
        p.allclose("sparse top-2 MoE vs dense reference (all experts, masked gates)", moe(x), dense_reference(x),
                   rtol=1e-12, atol=1e-12, id="moe_matches_dense_reference")
        with FlopCounterMode(display=False) as fc:
            moe(x)
        moe_flops = fc.get_total_flops() / T
        with FlopCounterMode(display=False) as fc:
            experts[0](x)
        one_expert = fc.get_total_flops() / T
    p.equal("FlopCounterMode: MoE FLOPs per token (E = 8, top-2, d = 16)", moe_flops,
            int(flops_per_token(D, E, K)), id="moe_flops_counted")
    p.less("MoE (8 experts, top-2) FLOPs per token ÷ one expert's FLOPs per token", moe_flops / one_expert, E,
           id="moe_flops_ratio", refutes="MoE with 8 experts costs 8× the FLOPs per token")
    n_params = sum(q.numel() for q in experts.parameters()) + sum(q.numel() for q in router.parameters())
    p.equal("MoE parameters (nn.Linear numel)", n_params, int((E * expert_f + router_f).subs({d_s: D, e_s: E})))
    active = K * sum(q.numel() for q in experts[0].parameters()) + sum(q.numel() for q in router.parameters())
    p.close("active parameters per token ÷ total (E = 8, top-2, d = 16)", active / n_params,
            float(((K * expert_f + router_f) / (E * expert_f + router_f)).subs({d_s: D, e_s: E})), rtol=1e-12,
            id="moe_active_fraction")

    def aux_loss(logits):
        """Switch Transformer eq. 4 with α = 1: E·Σᵢ fᵢ·Pᵢ, f from the top-1 choice, P the mean probability."""
        probs = logits.softmax(-1)
        f = torch.bincount(probs.argmax(-1), minlength=E).to(f64) / len(probs)
        return E * (f * probs.mean(0)).sum(), f

    tokens = torch.randn(1024, D, dtype=f64, generator=cpu).to(p.device)
    with torch.no_grad():
        balanced, _ = aux_loss(router(tokens))
        collapsed, _ = aux_loss(torch.zeros(len(tokens), E, dtype=f64, device=p.device).index_fill(
            1, torch.tensor([0], device=p.device), 50.0))
    # A fresh router is only roughly balanced: over 300 initialisations its aux loss ran 1.01–1.15 (median 1.06,
    # above 1.1 in about one in 17), so the row takes the median over this router and 8 more, initialised as
    # nn.Linear does (weight and bias U(±1/√d)), on the same tokens.
    fresh = [float(balanced)]
    other = torch.Generator().manual_seed(p.seed + 1)
    for _ in range(8):
        W = ((torch.rand(E, D, generator=other, dtype=f64) * 2 - 1) / D**0.5).to(p.device)
        b = ((torch.rand(E, generator=other, dtype=f64) * 2 - 1) / D**0.5).to(p.device)
        fresh.append(float(aux_loss(tokens @ W.T + b)[0]))
    p.close("aux loss of a freshly initialised router on Gaussian tokens (α = 1), median of 9 initialisations",
            sorted(fresh)[len(fresh) // 2], 1, rtol=0.1, id="aux_balanced")
    p.close("aux loss, every token on expert 0", collapsed, E, rtol=1e-6, id="aux_collapsed")
    # f is a hard top-1 count, so f = P is not enforced: 60% of the tokens on expert 0 with nearly uniform
    # probabilities, the rest confidently spread over the other experts, scores below perfect balance (α).
    near = torch.zeros(600, E, dtype=f64, device=p.device)
    near[:, 0] = 1e-3
    sure = torch.full((400, E), -50.0, dtype=f64, device=p.device)
    sure[torch.arange(400, device=p.device), 1 + torch.arange(400, device=p.device) % (E - 1)] = 50.0
    with torch.no_grad():
        lopsided, f_lop = aux_loss(torch.cat([near, sure]))
    p.less(f"aux loss with {float(f_lop[0]):.0%} of the tokens on expert 0 (near-uniform probabilities there), vs the "
           "balanced value α = 1", lopsided, 1.0, id="aux_imbalanced_below_alpha")

    skewed = nn.Linear(D, E, dtype=f64).to(p.device)
    with torch.no_grad():
        skewed.bias[0] += 2.0
    loss, f0 = aux_loss(skewed(tokens))
    loss.backward()
    p.greater("∂(aux)/∂(bias of the overloaded expert 0) (SGD lowers its logit)", skewed.bias.grad[0], 0,
              id="aux_grad_sign")
    opt = torch.optim.SGD(skewed.parameters(), lr=1.0)
    for _ in range(30):
        opt.zero_grad()
        aux_loss(skewed(tokens))[0].backward()
        opt.step()
    with torch.no_grad():
        _, f1 = aux_loss(skewed(tokens))
    p.less("largest expert load after 30 SGD steps on the aux loss ÷ before", f1.max() / f0.max(), 0.8,
           id="aux_balances_load")

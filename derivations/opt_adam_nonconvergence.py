"""Adam can fail on a convex problem (Reddi, Kale & Kumar 2018); AMSGrad's running max fixes it.

Symbolic: the online problem f_t(x) = C·x when t ≡ 1 (mod 3), −x otherwise, on x ∈ [−1, 1]
(C > 2): over each period the loss is (C − 2)x, minimised at x = −1. Take Adam with β₁ = 0 and
β₂ = 1/(1 + C²) (Reddi et al.'s Theorem 1). The second moment forgets the rare large gradient
C within a step or two, so the periodic steady state (solved exactly) gives a net displacement
per period −η(C/√v₁ − 1/√v₂ − 1/√v₃) > 0: Adam drifts to x = +1, the worst point. AMSGrad
divides by the running maximum v̂ = max v, the same for all three steps, so its net
displacement is −η(C − 2)/√v̂ < 0.
Numeric: torch.optim.Adam(betas=(0, 1/(1 + C²))) with η_t = η/√t and projection onto [−1, 1]
ends at x = +1; the same with amsgrad=True moves towards −1; average regret per step compared.
"""

TITLE = {
    "en": "Adam on a convex online problem: drifts to the worst point; AMSGrad does not",
    "zh": "Adam 在凸的在线问题上：漂向最差点；AMSGrad 不会",
}
CLAIMS = [
    {
        "en": "On Reddi et al.'s problem (C = 3, β₁ = 0, β₂ = 1/(1 + C²)) Adam's steady-state net step per period "
              "points away from the optimum x = −1, and torch.optim.Adam ends at x = +1.",
        "zh": "在 Reddi 等人的问题上（C = 3，β₁ = 0，β₂ = 1/(1 + C²)），Adam 每个周期的稳态净位移背离最优点 x = −1，"
              "torch.optim.Adam 最终停在 x = +1。",
    },
    {
        "en": "AMSGrad (amsgrad=True) divides by the running maximum of v, so the large gradient is never forgotten: "
              "the net step per period is −η(C − 2)/√v̂ < 0 and it moves to the optimum.",
        "zh": "AMSGrad（amsgrad=True）除以 v 的历史最大值，大梯度永远不会被遗忘：每周期净位移 −η(C − 2)/√v̂ < 0，"
              "走向最优点。",
    },
]


def _steady(C_value):
    """The periodic steady state of v (β₁ = 0, bias correction gone) and the net displacement per
    period, exactly, for Adam and for AMSGrad (ε = 0, η = 1)."""
    import sympy as sp

    C = sp.Integer(C_value)
    b2 = 1 / (1 + C**2)
    v1, v2, v3 = sp.symbols("v1:4", positive=True)
    sol = sp.solve([sp.Eq(v1, b2 * v3 + (1 - b2) * C**2), sp.Eq(v2, b2 * v1 + (1 - b2)),
                    sp.Eq(v3, b2 * v2 + (1 - b2))], [v1, v2, v3], dict=True)[0]
    adam = -(C / sp.sqrt(sol[v1]) - 1 / sp.sqrt(sol[v2]) - 1 / sp.sqrt(sol[v3]))
    vmax = max(sol.values(), key=lambda e: float(e))
    ams = -(C - 2) / sp.sqrt(vmax)
    return C, b2, sol, sp.nsimplify(adam), ams


def derive(p):
    import sympy as sp

    x = sp.Symbol("x")
    C = sp.Symbol("C", positive=True)
    period = sum((C if t % 3 == 1 else -1) * x for t in (1, 2, 3))  # f_t = Cx when t ≡ 1 (mod 3), −x otherwise
    p.identity("loss over one period: Σ_{t=1..3} f_t = (C − 2)x, minimised on [−1, 1] at x = −1 when C > 2",
               period, (C - 2) * x)
    C3, b2, sol, adam, ams = _steady(3)
    p.step("C = 3, β₂ = 1/(1 + C²) = 1/10: periodic steady state of v (after the large gradient, then twice −1)",
           sp.Matrix([sol[k] for k in sorted(sol, key=str)]))
    p.step("Adam's net displacement per period / η: −(C/√v₁ − 1/√v₂ − 1/√v₃) =", sp.N(adam, 6))
    p.identity("it is positive: Adam moves towards x = +1 (sign of the displacement)", sp.sign(adam), 1)
    p.step("AMSGrad's net displacement per period / η: −(C − 2)/√max v =", sp.N(ams, 6))
    p.identity("it is negative: AMSGrad moves towards the optimum", sp.sign(ams), -1)


def experiment(p):
    import torch

    C, T, lr = 3.0, 150 if p.quick else 3000, 0.5
    b2 = 1 / (1 + C * C)
    _, _, _, adam_exact, ams_exact = _steady(3)

    def displacement(amsgrad, periods=20):
        """Net move per period / η of the real optimizer, unprojected, in its periodic steady state
        (the loss is linear, so the gradients do not depend on x)."""
        x = torch.zeros(1, dtype=torch.float64, device=p.device, requires_grad=True)
        opt = torch.optim.Adam([x], lr=1e-3, betas=(0.0, b2), eps=0.0, amsgrad=amsgrad)
        marks = []
        for t in range(1, 3 * periods + 1):
            x.grad = torch.tensor([C if t % 3 == 1 else -1.0], dtype=torch.float64, device=p.device)
            opt.step()
            if t % 3 == 0:
                marks.append(float(x.detach()))
        return (marks[-1] - marks[-2]) / 1e-3

    p.close("torch Adam (β₁ = 0, β₂ = 1/10, ε = 0): net move per period / η in steady state vs the exact value",
            displacement(False), float(adam_exact), rtol=1e-6, id="adam_net_per_period")
    p.close("the same with amsgrad=True vs −(C − 2)/√max v", displacement(True), float(ams_exact), rtol=1e-6,
            id="amsgrad_net_per_period")

    def run(amsgrad, beta2=b2):
        x = torch.zeros(1, dtype=torch.float64, device=p.device, requires_grad=True)
        opt = torch.optim.Adam([x], lr=lr, betas=(0.0, beta2), eps=1e-12, amsgrad=amsgrad)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1 / (k + 1) ** 0.5)  # η_t = η/√t
        regret = 0.0
        for t in range(1, T + 1):
            coef = C if t % 3 == 1 else -1.0
            loss = coef * x.sum()
            regret += float(loss.detach()) - coef * -1.0  # against the best fixed point x* = −1
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            with torch.no_grad():
                x.clamp_(-1.0, 1.0)  # projection onto the feasible set
        return float(x.detach()), regret / T

    # The myth: Adam always converges on convex problems — modelled by an Adam whose second moment
    # never forgets (the running max of AMSGrad).
    x_adam, regret_adam = run(amsgrad=p.myth)
    x_ams, regret_ams = run(amsgrad=True)
    p.greater(f"C = 3, β₁ = 0, β₂ = 1/(1 + C²), η_t = {lr}/√t, {T} steps: final x of torch.optim.Adam "
              "(optimum −1)", x_adam, 0.9, id="adam_ends_at_worst",
              refutes="Adam always converges on convex problems")
    p.less("the same with amsgrad=True: final x", x_ams, -0.5, id="amsgrad_final_x")
    p.greater("average regret per step: Adam / AMSGrad", regret_adam / regret_ams, 2.0, id="regret_ratio")
    x_default, _ = run(amsgrad=False, beta2=0.999)
    p.less("the same problem with β₂ = 0.999 (β₁ = 0): final x of torch.optim.Adam", x_default, -0.5,
           id="default_beta2_converges")

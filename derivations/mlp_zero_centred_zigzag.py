"""Why zero-centred activations help: all-positive inputs force same-sign weight updates.

Symbolic: for a unit z = w·x + b feeding a loss ℓ(z), ∂L/∂wᵢ = ℓ′(z)·xᵢ. If every xᵢ > 0
(the outputs of a sigmoid or a ReLU layer) all components of one example's gradient share
the sign of ℓ′(z): the update lies in the all-positive or all-negative orthant, so a target
like w* = (1, −1) is reached by zig-zagging. Averaged over data, the squared loss of a
linear unit has Hessian E[xxᵀ] = vI + μ²·11ᵀ for inputs with mean μ and variance v per
coordinate: its eigenvalues are v + dμ² and v, so a non-zero mean makes the problem
ill-conditioned by κ = 1 + dμ²/v (LeCun et al., Efficient BackProp, 1998).

Numeric: per-example gradients from autograd against ℓ′(z)·x, the share of them that lie
in one orthant for sigmoid vs tanh inputs, the empirical Hessian against vI + μ²11ᵀ (v by
quadrature), and gradient-descent runs on positive vs centred inputs: steps to converge
and the zig-zag of the SGD path (plotted).
"""

TITLE = {
    "en": "Zero-centred activations: same-sign gradients and the zig-zag path",
    "zh": "以 0 为中心的激活：同号梯度与之字形路径",
}
CLAIMS = [
    {
        "en": "∂L/∂wᵢ = ℓ′(z)·xᵢ: with all inputs positive, one example's weight gradient has a single sign.",
        "zh": "∂L/∂wᵢ = ℓ′(z)·xᵢ：输入全为正时，单个样本的权重梯度各分量同号。",
    },
    {
        "en": "For inputs with per-coordinate mean μ and variance v, E[xxᵀ] has eigenvalues v + dμ² and v: "
              "condition number 1 + dμ²/v (≈ 12.5 for σ of standard-normal pre-activations, d = 2).",
        "zh": "输入每维均值 μ、方差 v 时，E[xxᵀ] 的特征值为 v + dμ² 与 v：条件数 1 + dμ²/v"
              "（标准正态预激活经 σ 后、d = 2 时约 12.5）。",
    },
    {
        "en": "Gradient descent needs several times more steps on sigmoid-positive inputs than on the same inputs centred "
              "when the target has a component across the mean direction (w* = (1, −1), (1, 0), …); a target along "
              "the mean, w* = (1, 1), needs fewer than twice as many (typically as many or fewer).",
        "zh": "同样的输入，若取 sigmoid 后的正值而不中心化，当目标在均值方向之外有分量时（w* = (1, −1)、(1, 0) 等），"
              "梯度下降所需步数要多好几倍；目标沿均值方向（w* = (1, 1)）时步数不到两倍（通常不多于中心化时）。",
    },
]


def derive(p):
    import sympy as sp

    x = sp.Matrix(sp.symbols("x1:4", positive=True))
    w = sp.Matrix(sp.symbols("w1:4", real=True))
    b = sp.symbols("b", real=True)
    ell = sp.Function("ell")
    z = (w.T * x)[0] + b
    grad = sp.Matrix([sp.diff(ell(z), wi) for wi in w])
    p.step("Gradient of ℓ(w·x + b) with respect to w, by the chain rule", grad)
    dz = sp.Symbol("ℓ′(z)")
    # Name the outer derivative ℓ′(z), whatever form (Derivative or Subs) sympy returned it in.
    named = grad.applyfunc(lambda e: e.replace(lambda a: isinstance(a, (sp.Subs, sp.Derivative)), lambda a: dz))
    p.identity("∂L/∂w = ℓ′(z)·x: every component carries the sign of ℓ′(z) when x > 0", named, dz * x)

    mu, v = sp.symbols("mu v", positive=True)
    d = 3
    H = v * sp.eye(d) + mu**2 * sp.ones(d, d)
    p.step("E[xxᵀ] = Cov[x] + E[x]E[x]ᵀ = vI + μ²·11ᵀ (independent coordinates, d = 3)", H)
    eig = H.eigenvals()
    p.step("Its eigenvalues (with multiplicities)", eig)
    p.identity("largest eigenvalue v + dμ² (eigenvector 1), the rest equal v",
               sp.Matrix(sorted(eig, key=sp.default_sort_key)),
               sp.Matrix(sorted([v, v + d * mu**2], key=sp.default_sort_key)))
    p.identity("H·1 = (v + dμ²)·1", H * sp.ones(d, 1), (v + d * mu**2) * sp.ones(d, 1))
    p.step("Condition number κ = (v + dμ²)/v = 1 + dμ²/v: the excess dμ²/v vanishes for centred inputs "
           "(μ = 0 gives κ = 1)")


def experiment(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    dev, f64 = p.device, torch.float64

    # (1) Per-example gradients from autograd: one weight row per example.
    n, d = 512, 8
    h = torch.randn(n, d, generator=g, dtype=f64).to(dev)
    target = torch.randn(n, generator=g, dtype=f64).to(dev)
    w0 = torch.randn(d, generator=g, dtype=f64).to(dev) * 0.3
    shares = {}
    for name, act in (("sigmoid", torch.sigmoid), ("tanh", torch.tanh)):
        x = act(h)
        rows = w0.expand(n, d).clone().requires_grad_()
        z = (rows * x).sum(1)
        loss = ((z - target) ** 2).sum()
        (per_example,) = torch.autograd.grad(loss, rows)
        if name == "sigmoid":
            p.allclose("autograd per-example ∂L/∂w vs ℓ′(z)·x with ℓ′ = 2(z − y)", per_example,
                       (2 * (z - target)).detach().unsqueeze(1) * x, rtol=1e-12, atol=1e-14)
        one_orthant = ((per_example > 0).all(1) | (per_example < 0).all(1)).double().mean()
        shares[name] = float(one_orthant)
    p.equal("share of per-example gradients inside one orthant, sigmoid inputs", shares["sigmoid"], 1.0)
    p.less("… the same with tanh inputs (chance level 2/2⁸ ≈ 0.008)", shares["tanh"], 0.05)

    # (2) The Hessian of the squared loss for d = 2 sigmoid inputs against vI + μ²11ᵀ.
    d, m = 2, 100_000
    xs = torch.sigmoid(torch.randn(m, d, generator=g, dtype=f64)).to(dev)
    H = xs.T @ xs / m
    grid = torch.linspace(-12, 12, 48001, dtype=f64, device=dev)
    density = torch.exp(-grid**2 / 2) / (2 * torch.pi) ** 0.5
    v = float(torch.trapezoid(torch.sigmoid(grid) ** 2 * density, grid)) - 0.25  # E[σ²] − (E[σ])², E[σ] = ½
    closed = v * torch.eye(d, dtype=f64, device=dev) + 0.25 * torch.ones(d, d, dtype=f64, device=dev)
    p.allclose("empirical E[xxᵀ] (10⁵ samples) vs vI + μ²11ᵀ with μ = ½, v by quadrature",
               H, closed, rtol=0, atol=3e-3)
    eigs = torch.linalg.eigvalsh(H)
    kappa = float(eigs[-1] / eigs[0])
    p.close("condition number of E[xxᵀ], sigmoid inputs, vs 1 + dμ²/v", kappa, 1 + d * 0.25 / v, rtol=0.05,
            id="sigmoid_condition_number")

    # (3) Full-batch GD with step 1/λmax from w = 0 to w* = (1, −1): positive vs centred inputs, run until the
    # error is 1% of where it started. (An absolute 10⁻³ was finer than the sample fixes the mean direction:
    # 10⁵ draws tilt the top eigenvector of E[xxᵀ] from (1, 1) by ~10⁻³, so for w* = (1, 1) the count measured
    # that tilt crawling down the slow direction — 0.5× to 13× depending on the draw — not the geometry.)
    def gd_steps(target):
        w_star = torch.tensor(target, dtype=f64, device=dev)
        steps = {}
        for name, inputs in (("positive", xs), ("centred", xs - 0.5)):
            Hn = inputs.T @ inputs / m
            lr = 1 / float(torch.linalg.eigvalsh(Hn)[-1])
            w, k = torch.zeros(d, dtype=f64, device=dev), 0
            while float((w - w_star).norm()) > 1e-2 * float(w_star.norm()) and k < 10_000:
                w = w - lr * Hn @ (w - w_star)  # gradient of ½·E[(x·w − x·w*)²]
                k += 1
            steps[name] = k
        return steps["positive"] / steps["centred"]

    p.greater("GD steps to ‖w − w*‖ < 1% of ‖w*‖: positive inputs ÷ centred inputs", gd_steps([1.0, -1.0]), 5,
              id="gd_steps_ratio")
    # The slow direction is the one across the mean (the small eigenvalue v): every target with a component
    # there is slow; a target along the mean, w* ∝ (1, 1), lies on the fast eigenvector and is not.
    p.sweep("GD steps, positive ÷ centred inputs, over targets with a component across the mean", [
            (f"w* = {t}", gd_steps(t)) for t in ([1.0, -1.0], [1.0, 0.0], [-1.0, 0.5], [2.0, 1.0])], ">", 5,
            id="gd_steps_ratio_sweep")
    p.less("GD steps, positive ÷ centred inputs, for w* = (1, 1) along the mean", gd_steps([1.0, 1.0]), 2,
           id="gd_steps_along_mean")

    # (4) SGD, one example per step: the path for positive inputs zig-zags.
    w_star = torch.tensor([1.0, -1.0], dtype=f64, device=dev)
    paths, same_sign = {}, {}
    for name, inputs in (("positive", xs[:300]), ("centred", xs[:300] - 0.5)):
        w, path, agree = torch.zeros(d, dtype=f64, device=dev), [], 0
        for xi in inputs:
            # The step from autograd on this example's loss ½(x·w − x·w*)², lr ½ (not typed as ℓ′(z)·x).
            wr = w.clone().requires_grad_()
            (grad,) = torch.autograd.grad(0.5 * (xi @ wr - xi @ w_star) ** 2, wr)
            step = -0.5 * grad
            agree += int(step[0] * step[1] > 0)
            w = w + step
            path.append(w.tolist())
        paths[name], same_sign[name] = path, agree / len(inputs)
    p.equal("share of SGD steps moving w1 and w2 the same way, positive inputs", same_sign["positive"], 1.0)
    p.less("… centred inputs", same_sign["centred"], 0.7, id="centred_same_sign_share")
    p.plot("SGD path from (0, 0) towards w* = (1, −1)",
           {name: ([q[0] for q in path], [q[1] for q in path]) for name, path in paths.items()},
           xlabel="w1", ylabel="w2")

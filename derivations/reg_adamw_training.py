"""Training with Adam + L2 vs AdamW: per-weight decay, final weights, test error.

Symbolic: under Adam + L2 the penalty λw enters the first moment, which (at a
constant λw) averages to m̂ = λw, and is divided by √v̂ + ε: the per-step decay
of weight i is ηλ/(√v̂ᵢ + ε), set by its own gradient history. AdamW shrinks
every weight by the same 1 − ηλ. For a first-layer weight fed by an input of
scale s, the gradient is s·(…), so √v̂ ∝ s and Adam + L2 decays it ∝ 1/s.
Numeric: a noisy teacher–student regression (a tanh MLP) whose 16 inputs come
on scales 0.1 … 10, as raw features often do. Adam, Adam + L2 and AdamW over a
grid of λ are trained side by side as one batched model (full scale: 32 inputs,
256 units, 3000 steps, 8 λ values, every figure averaged over 4 inits); the batched decay
rules are first checked against torch.optim.Adam(weight_decay) and
torch.optim.AdamW in float64, whose one-step decay factors are also measured.
"""

# float32 training is chaotic: another CPU's kernels move the quick figures by percents (the
# verdicts stay). The snapshot test allows this much; cards quote the recorded run.
SNAPSHOT_RTOL = 0.5

TITLE = {
    "en": "Training with Adam + L2 vs AdamW: per-weight decay, final weights, test error",
    "zh": "用 Adam + L2 与 AdamW 训练：逐权重的衰减、最终权重与测试误差",
}
CLAIMS = [
    {
        "en": "Measured on torch's optimizers: AdamW multiplies every weight by exactly 1 − ηλ per step; "
              "Adam(weight_decay=λ) shrinks weight i by (1 − β₁)/(1 − β₁ᵗ)·ηλ/(√v̂ᵢ + ε) on one step (median within "
              "5%), i.e. ηλ/(√v̂ᵢ + ε) per step once λw is averaged into m̂.",
        "zh": "在 torch 的优化器上实测：AdamW 每步把每个权重恰好乘以 1 − ηλ；Adam(weight_decay=λ) 单步使权重 i "
              "收缩 (1 − β₁)/(1 − β₁ᵗ)·ηλ/(√v̂ᵢ + ε)（中位数误差在 5% 内），λw 进入 m̂ 的平均后即每步 ηλ/(√v̂ᵢ + ε)。",
    },
    {
        "en": "After training, Adam + L2's per-step decay of first-layer weights falls roughly like 1/s with the "
              "scale s of their input (log-log slope −1 ± 0.4, about 100× over s = 0.1 … 10); AdamW's is the same "
              "for all.",
        "zh": "训练后，Adam + L2 对第一层权重的每步衰减大致随其输入尺度 s 按 1/s 下降（双对数斜率 −1 ± 0.4，"
              "s = 0.1 … 10 时相差约 100 倍）；AdamW 对所有权重都一样。",
    },
    {
        "en": "Relative to Adam without decay, Adam + L2 shrinks the weights of small-scale inputs far more than "
              "those of large-scale inputs (< 0.6× AdamW's small ÷ large ratio, which stays ≥ 0.9), and at the same "
              "λ it shrinks ‖W₁‖ much more than AdamW does.",
        "zh": "以不加衰减的 Adam 为基准，Adam + L2 对小尺度输入权重的收缩远大于对大尺度输入权重的收缩"
              "（小 ÷ 大 的保留比例不到 AdamW 的 0.6 倍，而 AdamW 的该比例 ≥ 0.9）；相同 λ 下它对 ‖W₁‖ 的收缩"
              "也远强于 AdamW。",
    },
    {
        "en": "On this task the best λ of AdamW on the grid reaches a lower test MSE than the best λ of Adam + L2 and "
              "than Adam without decay, and a smaller generalisation gap (test − train) than Adam.",
        "zh": "在这个任务上，AdamW 在网格中最好的 λ 得到的测试 MSE 低于 Adam + L2 最好的 λ，也低于不加衰减的 Adam；"
              "其泛化差距（测试 − 训练）小于 Adam。",
    },
]


def derive(p):
    import sympy as sp

    b1, lam, w, eta, vh, eps, s, c = sp.symbols("beta_1 lambda w eta vhat epsilon s c", positive=True)
    t, k = sp.symbols("t k", integer=True, positive=True)
    g, m_prev = sp.symbols("g m_prev", real=True)
    # One step of Adam + L2 from the moments it has: this step's penalty λw enters m with weight 1 − β₁.
    m_t = b1 * m_prev + (1 - b1) * (g + lam * w)
    step = -eta * m_t / (1 - b1**t) / (sp.sqrt(vh) + eps)
    p.step("Adam + L2, one step at fixed v̂: Δw = −η·(β₁m + (1 − β₁)(g + λw))/(1 − β₁ᵗ)/(√v̂ + ε)", step)
    one_step = sp.simplify(-lam * sp.diff(step, lam) / w)  # the fraction of w this step's penalty removes
    p.identity("the penalty's own share of this step removes the fraction (1 − β₁)/(1 − β₁ᵗ)·ηλ/(√v̂ + ε) of w",
               one_step, (1 - b1) / (1 - b1**t) * eta * lam / (sp.sqrt(vh) + eps))
    # Over many steps the penalty keeps arriving (w changes slowly: hold it fixed) and m averages it in.
    m_sum = sp.summation((1 - b1) * b1 ** (t - k) * lam * w, (k, 1, t))
    p.step("First moment after t steps of the constant input λw: Σₖ (1 − β₁)β₁^{t−k} λw", sp.simplify(m_sum))
    p.identity("bias-corrected, m̂ holds the whole penalty: m_t/(1 − β₁ᵗ) = λw",
               sp.simplify(m_sum / (1 - b1**t)), lam * w)
    rate = sp.diff(eta * (lam * w) / (sp.sqrt(vh) + eps), w)
    p.step("so per step Adam + L2 shrinks w by the fraction η·m̂_penalty/(√v̂ + ε)/w =", rate)
    adamw = (1 - eta * lam) * w - eta * g / (sp.sqrt(vh) + eps)  # m̂, v̂ built from ∇L alone
    p.identity("AdamW: ∂w_{t+1}/∂w_t at fixed moments = 1 − ηλ, the same for every weight",
               sp.diff(adamw, w), 1 - eta * lam)
    # First-layer weight fed by an input x = s·z: its gradient is s·z·δ, so √v̂ scales with s.
    rate_s = rate.subs({vh: (s * c) ** 2, eps: 0})  # c: the RMS of z·δ, the same for every input
    p.step("Input of scale s: g = s·zδ, so √v̂ = s·c and (ε → 0) the Adam + L2 decay rate is", rate_s)
    p.identity("log-log slope of that rate against s is −1", sp.simplify(s * sp.diff(sp.log(rate_s), s)), -1)


def _data(torch, gen, n, scales, teacher):
    z = torch.randn(n, scales.numel(), generator=gen, dtype=torch.float64)
    w1, w2, noise = teacher
    y = torch.tanh(z @ w1) @ w2 + noise * torch.randn(n, 1, generator=gen, dtype=torch.float64)
    return z * scales, y


def _mlp(torch, params, x):
    """A batch of tanh MLPs: params carry a leading config axis, x is shared or per config."""
    w1, b1, w2, b2 = params
    return torch.tanh(x @ w1 + b1) @ w2 + b2


def _train(torch, init, x, y, l2, decoupled, lr, steps, progress=None, fused=False):
    """Train C stacked MLPs with one torch Adam; config c gets L2 λ = l2[c] and AdamW λ = decoupled[c].

    The two decay rules are applied exactly as torch implements them (Adam: grad += λw before
    the moments; AdamW: w *= 1 − ηλ before the step), with a per-config λ.

    On CUDA (``fused``) one training step is captured as a CUDA graph and replayed: the nets are
    small, so an eager step costs ~35 kernel launches and their Python overhead, not arithmetic.
    The replayed kernels are the eager ones; if capture fails the eager loop runs instead.
    """
    shape = (-1,) + (1,) * (init[0].dim() - 1)
    l2, keep = l2.view(shape), (1 - lr * decoupled).view(shape)
    history = torch.zeros(steps, l2.numel(), device=x.device, dtype=x.dtype)
    steps_of = progress or (lambda r: r)

    def fresh(capturable):
        params = [t.clone().contiguous().requires_grad_(True) for t in init]
        options = {"fused": True, "capturable": capturable} if fused else {}
        return params, torch.optim.Adam(params, lr=lr, **options)

    def step(params, opt):
        per_config = ((_mlp(torch, params, x) - y) ** 2).mean((1, 2))
        per_config.sum().backward()  # the configs share nothing: each gets its own gradient
        with torch.no_grad():
            for q in params:  # one kernel each
                q.grad.addcmul_(l2, q)
                q.mul_(keep)
        opt.step()
        return per_config.detach()

    if fused and x.is_cuda:
        try:
            params, opt = fresh(capturable=True)
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):  # warm-up allocates the optimizer state and workspaces
                for _ in range(3):
                    opt.zero_grad(set_to_none=True)
                    step(params, opt)
            torch.cuda.current_stream().wait_stream(side)
            with torch.no_grad():  # …then back to the start, in the same memory the graph will use
                for q, start in zip(params, init):
                    q.copy_(start)
                for state in opt.state.values():
                    for value in state.values():
                        value.zero_()
            opt.zero_grad(set_to_none=True)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                static = step(params, opt)
            for i in steps_of(range(steps)):
                graph.replay()
                history[i].copy_(static)
            return params, opt, history
        except RuntimeError:
            torch.cuda.synchronize()  # capture is not available here: train eagerly below

    params, opt = fresh(capturable=False)
    for i in steps_of(range(steps)):
        opt.zero_grad(set_to_none=True)
        history[i] = step(params, opt)
    return params, opt, history


def experiment(p):
    import copy

    import torch

    dev, f64 = p.device, torch.float64
    gen = torch.Generator().manual_seed(p.seed)
    if p.quick:
        d, hidden, n_train, steps, inits, lams = 16, 64, 64, 600, 1, [1e-3, 1e-2, 1e-1, 1.0]
    else:  # more inputs, units, data and steps, a finer λ grid, and every figure averaged over 4 inits
        d, hidden, n_train, steps, inits = 32, 256, 256, 3000, 4
        lams = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0, 3.0]
    lr, lam_star, n_test = 1e-2, 0.01, 4000
    scales = torch.logspace(-1, 1, d, dtype=f64)
    teacher = (torch.randn(d, 32, generator=gen, dtype=f64) / d**0.5,
               2 * torch.randn(32, 1, generator=gen, dtype=f64) / 32**0.5, 0.5)
    x_train, y_train = _data(torch, gen, n_train, scales, teacher)
    x_test, y_test = _data(torch, gen, n_test, scales, teacher)
    init = [torch.randn(d, hidden, generator=gen, dtype=f64) / d**0.5, torch.zeros(1, hidden, dtype=f64),
            torch.randn(hidden, 1, generator=gen, dtype=f64) / hidden**0.5, torch.zeros(1, 1, dtype=f64)]

    # 1. The batched decay rules are torch's, and torch's decay factors per weight: float64 on the device, on
    # the first 64 hidden units (a net of quick size at either scale). The probe comes late enough (t = 301)
    # that one step's share of v̂, (1 − β₂)/(1 − β₂ᵗ) < 0.004, barely moves √v̂.
    beta1, check_steps = 0.9, 300
    x_train, y_train = x_train.to(dev), y_train.to(dev)
    both = torch.tensor([lam_star, 0.0], dtype=f64, device=dev)
    small = [init[0][:, :64].to(dev), init[1][:, :64].to(dev), init[2][:64].to(dev), init[3].to(dev)]
    stacked = [t.expand(2, *t.shape) for t in small]
    batched, _, _ = _train(torch, stacked, x_train, y_train, both, both.flip(0), lr, check_steps)
    for column, cls in ((0, torch.optim.Adam), (1, torch.optim.AdamW)):
        ref = [t.clone().requires_grad_(True) for t in small]
        opt = cls(ref, lr=lr, weight_decay=lam_star)
        for _ in range(check_steps):
            opt.zero_grad()
            ((_mlp(torch, ref, x_train) - y_train) ** 2).mean().backward()
            opt.step()
        p.allclose(f"batched rule vs torch.optim.{cls.__name__}(weight_decay={lam_star}), {check_steps} steps",
                   torch.cat([q[column].flatten() for q in batched]), torch.cat([q.flatten() for q in ref]),
                   # Batched and single matrix products round differently (1e-16), and Adam divides
                   # by √v̂, which is tiny for weights of small-scale inputs: 300 steps grow that to
                   # ~1e-9 with threaded BLAS. A different rule (L2 vs decoupled) differs by ~1e-3.
                   rtol=0, atol=1e-7)
        # One more step from this state with and without the decay: the decay's own effect on each weight.
        after, probes = {}, {}
        for wd in (lam_star, 0.0):
            probe = [q.detach().clone().requires_grad_(True) for q in ref]
            popt = cls(probe, lr=lr, weight_decay=wd)
            popt.load_state_dict(copy.deepcopy(opt.state_dict()))
            for group in popt.param_groups:
                group["weight_decay"] = wd
            ((_mlp(torch, probe, x_train) - y_train) ** 2).mean().backward()
            popt.step()
            after[wd], probes[wd] = probe[0].detach(), popt.state[probe[0]]
        shrink = (after[0.0] - after[lam_star]) / ref[0].detach()  # fraction of w removed by the decay
        if cls is torch.optim.AdamW:
            p.allclose(f"AdamW: one-step decay of every first-layer weight vs ηλ = {lr * lam_star:g}",
                       shrink, torch.full_like(shrink, lr * lam_star), rtol=1e-6, id="adamw_one_step_decay")
        else:
            t = check_steps + 1
            v_hat = probes[0.0]["exp_avg_sq"] / (1 - 0.999**t)  # the step's v̂ without the penalty's share
            predicted = (1 - beta1) / (1 - beta1**t) * lr * lam_star / (v_hat.sqrt() + 1e-8)
            # First order: the penalty also enters v̂, by a share (1 − β₂)/(1 − β₂ᵗ), which moves it a few %.
            p.close("Adam + L2: median over weights of one-step decay / ((1 − β₁)/(1 − β₁ᵗ)·ηλ/(√v̂ᵢ + ε)), ±5%",
                    (shrink / predicted).median(), 1.0, rtol=0.05, id="l2_one_step_decay")
            p.greater("Adam + L2: one-step decay, largest / smallest over first-layer weights",
                      shrink.abs().max() / shrink.abs().min(), 100.0, id="l2_one_step_decay_spread")

    # 2. The grid, trained side by side: Adam (λ = 0), then Adam + L2 and AdamW for each λ, from each init.
    dt = torch.float32
    configs = [("Adam", 0.0)] + [("Adam + L2", lam) for lam in lams] + [("AdamW", lam) for lam in lams]
    n_cfg = len(configs)
    starts = [init] + [[torch.randn(d, hidden, generator=gen, dtype=f64) / d**0.5, init[1],
                        torch.randn(hidden, 1, generator=gen, dtype=f64) / hidden**0.5, init[3]]
                       for _ in range(inits - 1)]
    l2 = torch.tensor([lam if kind == "Adam + L2" else 0.0 for kind, lam in configs] * inits, dtype=dt, device=dev)
    decoupled = torch.tensor([lam if kind == "AdamW" else 0.0 for kind, lam in configs] * inits,
                             dtype=dt, device=dev)
    stacked = [torch.stack([start[k] for start in starts for _ in configs]).to(dev, dt) for k in range(4)]
    xs, ys = x_train.to(dev, dt), y_train.to(dev, dt)
    params, opt, history = _train(
        torch, stacked, xs, ys, l2, decoupled, lr, steps, fused=dev == "cuda",
        progress=lambda r: p.progress(r, f"Adam / Adam + L2 / AdamW, {n_cfg} configs × {inits} inits"))
    with torch.no_grad():  # every per-net figure below: shape [inits, configs, …], averaged over the inits
        train = ((_mlp(torch, params, xs) - ys) ** 2).mean((1, 2)).view(inits, n_cfg).mean(0).cpu()
        test = ((_mlp(torch, params, x_test.to(dev, dt)) - y_test.to(dev, dt)) ** 2).mean((1, 2))
        test = test.view(inits, n_cfg).mean(0).cpu()
    index = {cfg: i for i, cfg in enumerate(configs)}
    l2_star, w_star = index[("Adam + L2", lam_star)], index[("AdamW", lam_star)]
    curve = history.view(steps, inits, n_cfg).mean(1)[:, [0, l2_star, w_star]]
    curve = curve.view(-1, 10, 3).mean(1).cpu()  # mean of every 10 steps
    xs_steps = [10 * (i + 1) for i in range(curve.shape[0])]
    p.plot(f"training MSE against step (λ = {lam_star}, mean of 10 steps)", {
        name: (xs_steps, curve[:, k].tolist())
        for k, name in enumerate(("Adam", f"Adam + L2, λ = {lam_star}", f"AdamW, λ = {lam_star}"))
    }, xlabel="step", ylabel="training MSE", logy=True)

    # Per-step decay of each first-layer weight at the end: ηλ/(√v̂ + ε) for Adam + L2, ηλ for AdamW.
    v_hat = opt.state[params[0]]["exp_avg_sq"].float().cpu().view(inits, n_cfg, d, hidden) / (1 - 0.999**steps)
    rate_l2 = lr * lam_star / (v_hat[:, l2_star].sqrt() + 1e-8)  # [inits, d inputs, hidden]
    rate_w = torch.full((d, hidden), lr * lam_star)  # as measured on torch.optim.AdamW above
    log_s = torch.log10(scales.float())
    per_input = rate_l2.log10().mean((0, 2))  # geometric mean over the inits and hidden units fed by input j
    slope = ((log_s - log_s.mean()) * (per_input - per_input.mean())).sum() / ((log_s - log_s.mean()) ** 2).sum()
    p.plot(f"per-step decay of first-layer weights vs the scale of their input (λ = {lam_star})", {
        "Adam + L2: ηλ/(√v̂ + ε)": (log_s.tolist(), (10 ** per_input).tolist()),
        "AdamW: ηλ": (log_s.tolist(), rate_w.mean(1).tolist()),
    }, xlabel="log10 input scale s", ylabel="decay per step", logy=True)
    # −1 if the RMS of z·δ were the same for every input; training makes it differ a little.
    p.close("Adam + L2: log-log slope of the per-step decay against the input scale (≈ −1, ±0.4)",
            slope, -1.0, atol=0.4, rtol=0, id="l2_decay_slope")

    # Final weights, relative to Adam without decay: first-layer rows of the 4 smallest- and 4 largest-scale inputs.
    rows = params[0].detach().float().norm(dim=2).view(inits, n_cfg, d).mean(0).cpu()  # [configs, d]

    def kept(i, part):  # fraction of Adam's row norm that config i keeps
        return (rows[i, part].mean() / rows[0, part].mean()).item()

    low, high = slice(0, 4), slice(d - 4, d)
    kept_l2 = (kept(l2_star, low), kept(l2_star, high))
    kept_w = (kept(w_star, low), kept(w_star, high))
    ratio_l2, ratio_w = kept_l2[0] / kept_l2[1], kept_w[0] / kept_w[1]
    p.greater(f"AdamW (λ = {lam_star}): kept norm, small-scale inputs {kept_w[0]:.3f} ÷ large-scale {kept_w[1]:.3f}",
              ratio_w, 0.9)
    p.less(f"Adam + L2 (λ = {lam_star}): kept norm, small-scale {kept_l2[0]:.3f} ÷ large-scale {kept_l2[1]:.3f}, "
           f"relative to AdamW's {ratio_w:.3f}", ratio_l2 / ratio_w, 0.6)
    norms = params[0].detach().float().flatten(1).norm(dim=1).view(inits, n_cfg).mean(0).cpu()
    p.less(f"final ‖W₁‖ / Adam's: AdamW (λ = {lam_star})", norms[w_star] / norms[0], 1.0)
    p.less(f"final ‖W₁‖ / Adam's: Adam + L2 (λ = {lam_star}) < AdamW's {norms[w_star] / norms[0]:.3f} "
           "(the same λ acts far harder)", norms[l2_star] / norms[0], norms[w_star] / norms[0])

    # Generalisation: test MSE over the grid, and the gap at each method's best λ.
    best = {}
    for kind in ("Adam + L2", "AdamW"):
        ids = [index[(kind, lam)] for lam in lams]
        best[kind] = min(ids, key=lambda i: test[i].item())
    log_lams = [float(torch.log10(torch.tensor(lam))) for lam in lams]
    p.plot("test MSE against λ (Adam without decay: flat line)", {
        "Adam + L2": (log_lams, [test[index[("Adam + L2", lam)]].item() for lam in lams]),
        "AdamW": (log_lams, [test[index[("AdamW", lam)]].item() for lam in lams]),
        "Adam, λ = 0": ([log_lams[0], log_lams[-1]], [test[0].item()] * 2),
    }, xlabel="log10 λ", ylabel="test MSE")
    bw, bl = best["AdamW"], best["Adam + L2"]
    p.less(f"best test MSE: AdamW (λ = {configs[bw][1]:g}) / Adam + L2 (λ = {configs[bl][1]:g})",
           test[bw] / test[bl], 0.95, id="best_adamw_vs_best_l2")
    p.less(f"test MSE: AdamW (λ = {configs[bw][1]:g}) / Adam without decay", test[bw] / test[0], 0.95,
           id="best_adamw_vs_adam")
    gap = {name: (test[i] - train[i]).item() for name, i in (("Adam", 0), ("AdamW", bw), ("Adam + L2", bl))}
    p.less(f"generalisation gap (test − train MSE): AdamW {gap['AdamW']:.3f} vs Adam {gap['Adam']:.3f} "
           f"(Adam + L2: {gap['Adam + L2']:.3f})", gap["AdamW"], gap["Adam"])

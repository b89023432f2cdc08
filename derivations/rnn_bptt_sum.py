"""Backpropagation through time: the gradient of a shared weight is a sum over time steps.

Symbolic: give a 3-step scalar RNN a separate copy w_t of its recurrent weight at every
step; the derivative of the loss with respect to the shared w equals the sum of the
derivatives with respect to the copies, and equals the backward recursion
δ_t = ∂ℓ_t/∂h_t + w·f′(a_{t+1})·δ_{t+1}, ∂L/∂w = ∑_t δ_t f′(a_t) h_{t−1}.
Numeric: that recursion, written by hand without autograd, reproduces autograd's
gradient of torch.nn.RNN's weight_hh_l0; cutting δ at chunk boundaries reproduces
truncated BPTT (hidden state detached every k steps), which differs from the full gradient.
"""

TITLE = {
    "en": "BPTT sums the gradient over time steps; truncated BPTT cuts the sum",
    "zh": "BPTT 把各时间步的梯度求和；截断 BPTT 截断这个求和",
}
CLAIMS = [
    {
        "en": "For a weight shared across steps, ∂L/∂W = ∑_t ∂L/∂W_t, where W_t is the copy used at step t.",
        "zh": "对所有时间步共享的权重，∂L/∂W = ∑_t ∂L/∂W_t，其中 W_t 是第 t 步使用的那份拷贝。",
    },
    {
        "en": "BPTT: δ_t = ∂ℓ_t/∂h_t + Wᵀ(f′(a_{t+1})⊙δ_{t+1}) and ∂L/∂W = ∑_t (f′(a_t)⊙δ_t) h_{t−1}ᵀ; this equals autograd on torch.nn.RNN.",
        "zh": "BPTT：δ_t = ∂ℓ_t/∂h_t + Wᵀ(f′(a_{t+1})⊙δ_{t+1})，∂L/∂W = ∑_t (f′(a_t)⊙δ_t) h_{t−1}ᵀ；与 torch.nn.RNN 的自动求导结果一致。",
    },
    {
        "en": "Truncated BPTT (detach h every k steps) equals the same sum with δ cut at chunk boundaries; it is a biased, cheaper gradient: every dependency that crosses a boundary is cut, even one of a single step.",
        "zh": "截断 BPTT（每 k 步 detach 一次 h）等于在块边界截断 δ 的同一求和；它是有偏但更便宜的梯度：跨越块边界的依赖都被截断，哪怕只隔一步。",
    },
]


def derive(p):
    import sympy as sp

    T = 3
    f = sp.Function("f")
    w, u, h0 = sp.symbols("w u h0")
    x = sp.symbols(f"x1:{T + 1}")
    c = sp.symbols(f"c1:{T + 1}")  # ℓ_t = c_t·h_t, a linear read-out loss per step
    ws = sp.symbols(f"w1:{T + 1}")

    def unroll(weights):
        hs, pre = [h0], []
        for t in range(T):
            pre.append(weights[t] * hs[-1] + u * x[t])
            hs.append(f(pre[-1]))
        return hs, pre

    hs_c, _ = unroll(ws)
    L_copies = sum(c[t] * hs_c[t + 1] for t in range(T))
    hs, pre = unroll([w] * T)
    L = sum(c[t] * hs[t + 1] for t in range(T))
    p.step("L = ∑_t c_t h_t with h_t = f(w h_{t−1} + u x_t), three steps", L)

    # Name f(a_t) → h_t and f′(a_t) → d_t so the results read as numbers per step.
    H, D = sp.symbols(f"h1:{T + 1}"), sp.symbols(f"d1:{T + 1}")

    def named(e, pre_acts, hs_list):
        e = e.xreplace({s: D[pre_acts.index(s.point[0])] for s in e.atoms(sp.Subs)})
        e = e.xreplace({dv: D[pre_acts.index(dv.expr.args[0])] for dv in e.atoms(sp.Derivative)})
        for t in reversed(range(T)):  # innermost first, so outer arguments match after renaming
            e = e.xreplace({hs_list[t + 1]: H[t]})
        return sp.expand(e)

    shared = sp.diff(L, w)
    per_copy = [sp.diff(L_copies, wt).subs({wk: w for wk in ws}) for wt in ws]
    p.identity("∂L/∂w = ∑_t ∂L/∂w_t (each copy's derivative, then set w_t = w)",
               named(shared, pre, hs), named(sum(per_copy), pre, hs))

    # The backward recursion, written out: δ_T = c_T; δ_t = c_t + w d_{t+1} δ_{t+1}.
    delta = [None] * T
    delta[T - 1] = c[T - 1]
    for t in reversed(range(T - 1)):
        delta[t] = c[t] + w * D[t + 1] * delta[t + 1]
    h_prev = [h0] + list(H[:-1])
    bptt = sum(delta[t] * D[t] * h_prev[t] for t in range(T))
    p.step("BPTT: ∑_t δ_t·f′(a_t)·h_{t−1}", bptt)
    p.identity("autodiff of the unrolled graph = the BPTT recursion", named(shared, pre, hs), sp.expand(bptt))


def _manual_bptt(W_ih, W_hh, b, xs, h0, ys, cut_every=None, per_step=False):
    """∂L/∂W_hh for L = ½∑_t‖h_t − y_t‖², by the recursion; δ is cut at chunk boundaries if asked.
    With `per_step`, the list of each step's contribution (f′(a_t)⊙δ_t) h_{t−1}ᵀ instead of their sum."""
    import torch

    T = xs.shape[0]
    hs, h = [h0], h0
    for t in range(T):
        h = torch.tanh(xs[t] @ W_ih.T + h @ W_hh.T + b)
        hs.append(h)
    grad, parts = torch.zeros_like(W_hh), []
    carry = torch.zeros_like(h0)  # Wᵀ(f′⊙δ) flowing in from step t+1
    for t in reversed(range(T)):
        if cut_every and (t + 1) % cut_every == 0:
            carry = torch.zeros_like(h0)  # truncated: nothing crosses the chunk boundary
        delta = (hs[t + 1] - ys[t]) + carry
        local = (1 - hs[t + 1] ** 2) * delta            # f′(a_t) ⊙ δ_t
        grad += local.T @ hs[t]                          # summed over the batch and the steps
        parts.append(local.T @ hs[t])
        carry = local @ W_hh                             # Wᵀ(f′⊙δ), row-vector form
    return parts[::-1] if per_step else grad


def experiment(p):
    import torch

    f64 = torch.float64
    gen = torch.Generator().manual_seed(p.seed)
    d, n, T, B, k = 3, 6, 24, 4, 6
    rnn = torch.nn.RNN(d, n, dtype=f64)
    with torch.no_grad():
        for prm in rnn.parameters():
            prm.copy_(0.5 * torch.randn(prm.shape, generator=gen, dtype=f64))
    rnn = rnn.to(p.device)
    xs = torch.randn(T, B, d, generator=gen, dtype=f64).to(p.device)
    ys = torch.randn(T, B, n, generator=gen, dtype=f64).to(p.device)
    h0 = torch.zeros(1, B, n, dtype=f64, device=p.device)
    with torch.no_grad():
        args = (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0 + rnn.bias_hh_l0)

    # Full BPTT: autograd through nn.RNN vs the hand recursion.
    out, _ = rnn(xs, h0)
    (full_auto,) = torch.autograd.grad(0.5 * ((out - ys) ** 2).sum(), rnn.weight_hh_l0)
    with torch.no_grad():
        full_hand = _manual_bptt(*args, xs, h0[0], ys)
    p.allclose("hand BPTT recursion vs autograd ∂L/∂W_hh of nn.RNN (T = 24)", full_hand, full_auto,
               rtol=1e-10, atol=1e-12, id="bptt_matches_autograd")

    # One backward pass, one optimizer step: W changes once, by −lr·∑_t (step t's contribution).
    lr = 0.05
    with torch.no_grad():
        W0 = rnn.weight_hh_l0.clone()
        summed = W0 - lr * sum(_manual_bptt(*args, xs, h0[0], ys, per_step=True))
    if p.myth:
        # The misconception: BPTT over T steps updates the weights T times, once per step's contribution.
        with torch.no_grad():
            W = W0.clone()
            for t in range(T):
                W -= lr * _manual_bptt(args[0], W, args[2], xs, h0[0], ys, per_step=True)[t]
        after = W
    else:
        model = torch.nn.RNN(d, n, dtype=f64).to(p.device)
        model.load_state_dict(rnn.state_dict())
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        out, _ = model(xs, h0)
        (0.5 * ((out - ys) ** 2).sum()).backward()
        opt.step()
        after = model.weight_hh_l0.detach()
    p.allclose("W_hh after one backward pass and one torch.optim.SGD step vs W − lr·∑_t (per-step contributions)",
               after, summed, rtol=1e-10, atol=1e-12, id="one_update_per_backward",
               refutes="BPTT over T steps updates the parameters T times")

    # Truncated BPTT: chunks of k steps, h detached between chunks, gradients accumulated.
    rnn.zero_grad()
    h = h0
    for start in range(0, T, k):
        out, h = rnn(xs[start:start + k], h.detach())
        (0.5 * ((out - ys[start:start + k]) ** 2).sum()).backward()
    trunc_auto = rnn.weight_hh_l0.grad.clone()
    with torch.no_grad():
        trunc_hand = _manual_bptt(*args, xs, h0[0], ys, cut_every=k)
    p.allclose(f"hand recursion with δ cut every {k} steps vs truncated BPTT by detach()", trunc_hand, trunc_auto,
               rtol=1e-10, atol=1e-12)
    rel = (trunc_auto - full_auto).norm() / full_auto.norm()
    p.greater("‖truncated − full‖ / ‖full‖ (truncation drops the long-range terms)", rel, 1e-3)

    # What is cut is whatever crosses a chunk boundary, not only dependencies longer than k: the output
    # just after a boundary (step k) gets no gradient from the input one step back (step k − 1).
    x_req = xs.detach().clone().requires_grad_()
    h, chunks = h0, []
    for start in range(0, T, k):
        out, h = rnn(x_req[start:start + k], h.detach())
        chunks.append(out)
    (g_trunc,) = torch.autograd.grad(torch.cat(chunks)[k].sum(), x_req)
    out_full, _ = rnn(x_req, h0)
    (g_full,) = torch.autograd.grad(out_full[k].sum(), x_req)
    p.equal(f"truncated BPTT: |∂(output at step {k}, first of a chunk)/∂x at step {k - 1}|, largest entry",
            g_trunc[k - 1].abs().max().item(), 0.0, id="tbptt_cuts_one_step_dependency")
    p.greater("full BPTT: the same one-step gradient, largest entry", g_full[k - 1].abs().max(), 1e-3,
              id="full_bptt_keeps_one_step_dependency")

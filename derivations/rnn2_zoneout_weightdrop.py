"""Zoneout and weight dropping (DropConnect on W_hh): two ways to regularise the recurrence.

Symbolic: zoneout h_t = d ⊙ h_{t−1} + (1 − d) ⊙ h̃_t with d ~ Bernoulli(z) per unit and step;
∂h_t/∂h_{t−1} = diag(d) + diag(1 − d)·∂h̃_t/∂h_{t−1}, so a zoned unit passes its state and its
gradient through unchanged (an identity row); E_d[h_t] = z·h_{t−1} + (1 − z)·h̃_t, the update
used at test time. Numeric: autograd's Jacobian rows of zoned units are identity rows; the
Monte Carlo mean of the training update matches the test-time update within standard errors;
over a 30-step contractive tanh RNN, zoneout keeps ‖∂h_T/∂h_0‖ many orders larger than the same
RNN without it. Weight dropping: the real nn.LSTM run with weight_hh = M ⊙ W_hh/(1 − p)
(torch.func.functional_call, the fused kernel unchanged) equals an LSTMCell loop that uses the
same masked matrix at every step. Counterfactual (p.myth): the zoned units are zeroed like
dropout instead of kept; the loop draws a new DropConnect mask at every step.
"""

TITLE = {
    "en": "Zoneout keeps units' previous values; weight dropping masks W_hh once per sequence",
    "zh": "Zoneout 保留单元的上一步取值；权重 dropout 对每条序列只给 W_hh 采样一次掩码",
}
CLAIMS = [
    {
        "en": "Zoneout: h_t = d ⊙ h_{t−1} + (1 − d) ⊙ h̃_t; zoned units copy their state and gradient (identity Jacobian row); at test time h_t = z·h_{t−1} + (1 − z)·h̃_t.",
        "zh": "Zoneout：h_t = d ⊙ h_{t−1} + (1 − d) ⊙ h̃_t；被 zone 的单元原样复制状态与梯度（雅可比该行为单位行）；测试时 h_t = z·h_{t−1} + (1 − z)·h̃_t。",
    },
    {
        "en": "Weight dropping (AWD-LSTM) masks W_hh once per forward pass and runs the unmodified LSTM kernel with the masked matrix.",
        "zh": "权重 dropout（AWD-LSTM）每次前向只对 W_hh 采样一次掩码，用被遮蔽的矩阵运行未经修改的 LSTM 内核。",
    },
]


def derive(p):
    import sympy as sp

    W = sp.Matrix(2, 2, sp.symbols("w11 w12 w21 w22"))
    h = sp.Matrix(sp.symbols("h1 h2"))
    u = sp.Matrix(sp.symbols("u1 u2"))
    d1, d2, z = sp.symbols("d1 d2 z")
    cand = (W * h + u).applyfunc(sp.tanh)
    D = sp.diag(d1, d2)
    h_new = D * h + (sp.eye(2) - D) * cand
    J = h_new.jacobian(h)
    p.identity("∂h_t/∂h_{t−1} = diag(d) + diag(1 − d)·∂h̃_t/∂h_{t−1}", J,
               D + (sp.eye(2) - D) * cand.jacobian(h))
    p.identity("unit 1 zoned (d₁ = 1): its Jacobian row is the identity row (1, 0)", J.row(0).subs(d1, 1),
               sp.Matrix([[1, 0]]), id="zoned_row_identity_sym")
    expected = sp.zeros(2, 1)
    for a, b, prob in [(1, 1, z * z), (1, 0, z * (1 - z)), (0, 1, (1 - z) * z), (0, 0, (1 - z) ** 2)]:
        expected += prob * h_new.subs({d1: a, d2: b})
    p.identity("E_d[h_t] over the four masks = z·h_{t−1} + (1 − z)·h̃_t (the test-time update)", expected,
               z * h + (1 - z) * cand, id="test_update_is_mean")


def experiment(p):
    import torch

    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    n, T, zrate = 16, 30, 0.5
    W = (0.6 * torch.linalg.qr(torch.randn(n, n, generator=g, dtype=f64))[0]).to(p.device)
    x = (0.3 * torch.randn(T, n, generator=g, dtype=f64)).to(p.device)

    def step(h, d, x_t):
        """Zoneout; or (p.myth) dropout's idea of it: the zoned units are zeroed, not kept."""
        kept = 0 * h if p.myth else d * h
        return kept + (1 - d) * torch.tanh(W @ h + x_t)

    def run(h0, masks):
        h = h0
        for t in range(T):
            h = step(h, masks[t], x[t])
        return h

    masks = (torch.rand(T, n, generator=g, dtype=f64) < zrate).to(f64).to(p.device)
    h0 = (0.5 * torch.randn(n, generator=g, dtype=f64)).to(p.device).requires_grad_()
    step_J = torch.autograd.functional.jacobian(lambda h: step(h, masks[0], x[0]), h0.detach())
    zoned = masks[0].bool()
    p.allclose("autograd ∂h_1/∂h_0: rows of zoned units vs identity rows", step_J[zoned],
               torch.eye(n, dtype=f64, device=p.device)[zoned], rtol=0, atol=1e-15, id="zoned_rows_identity",
               refutes="zoneout zeroes units like dropout")

    with torch.no_grad():
        h_prev = torch.randn(n, generator=g, dtype=f64).to(p.device)
        cand = torch.tanh(W @ h_prev + x[0])
        draws = (torch.rand(40000, n, generator=g, dtype=f64) < zrate).to(f64).to(p.device)
        samples = draws * h_prev + (1 - draws) * cand
        test = zrate * h_prev + (1 - zrate) * cand
        se = samples.std(0) / 40000 ** 0.5
    p.less("max over units |MC mean of training update − test update| / s.e. (40000 masks)",
           ((samples.mean(0) - test).abs() / se).max(), 4.5, id="test_update_mc")

    def grad_norm(ms):
        J = torch.autograd.functional.jacobian(lambda h: run(h, ms), h0.detach())
        return torch.linalg.matrix_norm(J, 2).item()

    plain = grad_norm(torch.zeros(T, n, dtype=f64, device=p.device))
    zone = [grad_norm((torch.rand(T, n, generator=g, dtype=f64) < zrate).to(f64).to(p.device)) for _ in range(4)]
    p.less("‖∂h_30/∂h_0‖ without zoneout (W = 0.6·Q)", plain, 1e-6, id="plain_norm_30")
    p.sweep("‖∂h_30/∂h_0‖ with zoneout z = 0.5, over 4 mask draws", [(f"draw {i}", v) for i, v in enumerate(zone)],
            ">", 1e3 * plain, id="zoneout_keeps_gradient", refutes="zoneout is dropout on the state (same gradient decay)")

    # Weight dropping: one DropConnect mask on W_hh for the whole sequence, the real LSTM kernel.
    from torch.func import functional_call

    lstm = torch.nn.LSTM(3, 5, dtype=f64).to(p.device)
    xs = torch.randn(20, 2, 3, generator=g, dtype=f64).to(p.device)
    drop = 0.5
    mask = (torch.rand(20, 5, generator=g) >= drop).to(f64).to(p.device)   # 4h × h
    masked = lstm.weight_hh_l0 * mask / (1 - drop)
    params = dict(lstm.named_parameters())
    with torch.no_grad():
        fused = functional_call(lstm, {**params, "weight_hh_l0": masked}, (xs,))[0]
        cell = torch.nn.LSTMCell(3, 5, dtype=f64).to(p.device)
        cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
        h = c = torch.zeros(2, 5, dtype=f64, device=p.device)
        outs = []
        for x_t in xs:
            m = ((torch.rand(20, 5, generator=g) >= drop).to(f64).to(p.device) if p.myth else mask)
            cell.weight_hh.copy_(lstm.weight_hh_l0 * m / (1 - drop))
            h, c = cell(x_t, (h, c))
            outs.append(h)
    p.allclose("nn.LSTM with a DropConnect-masked weight_hh vs an LSTMCell loop using that mask at every step",
               fused, torch.stack(outs), rtol=1e-12, atol=1e-14, id="weight_drop_one_mask",
               refutes="weight dropping resamples the W_hh mask at every time step")

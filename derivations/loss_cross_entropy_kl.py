"""Cross-entropy = entropy + KL: H(p, q) = H(p) + KL(p‖q).

Symbolic: write −Σ pᵢ log qᵢ = −Σ pᵢ log pᵢ − Σ pᵢ log(qᵢ/pᵢ) for K = 3 and check it by
expanding the logs. Since H(p) does not depend on the model q, minimising cross-entropy
over q is minimising KL(p‖q); for a one-hot p, H(p) = 0 and the two are equal.

Numeric: F.cross_entropy with probability targets against
Categorical(p).entropy() + kl_divergence(Categorical(p), Categorical(q)); one-hot targets;
and cross-entropy never below H(p), reaching it at q = p.
"""

TITLE = {
    "en": "H(p, q) = H(p) + KL(p‖q): cross-entropy, entropy and KL",
    "zh": "H(p, q) = H(p) + KL(p‖q)：交叉熵、熵与 KL",
}
CLAIMS = [
    {
        "en": "H(p, q) = H(p) + KL(p‖q); so argmin_q H(p, q) = argmin_q KL(p‖q), and the minimum, at q = p, is H(p).",
        "zh": "H(p, q) = H(p) + KL(p‖q)；因此 argmin_q H(p, q) = argmin_q KL(p‖q)，在 q = p 处取最小值 H(p)。",
    },
    {
        "en": "With one-hot targets H(p) = 0 and cross-entropy equals KL(p‖q).",
        "zh": "目标为 one-hot 时 H(p) = 0，交叉熵等于 KL(p‖q)。",
    },
]


def derive(p):
    import sympy as sp

    P = sp.symbols("p1:4", positive=True)
    Q = sp.symbols("q1:4", positive=True)
    H = -sum(pi * sp.log(pi) for pi in P)
    KL = sum(pi * sp.log(pi / qi) for pi, qi in zip(P, Q))
    CE = -sum(pi * sp.log(qi) for pi, qi in zip(P, Q))
    p.step("Cross-entropy H(p, q) = −Σ pᵢ log qᵢ", CE)
    p.step("Insert log qᵢ = log pᵢ + log(qᵢ/pᵢ)",
           -sum(pi * (sp.log(pi) + sp.log(qi / pi)) for pi, qi in zip(P, Q)))
    p.identity("H(p, q) = H(p) + KL(p‖q) (after expanding the logs)",
               sp.expand(sp.expand_log(CE, force=True)), sp.expand(sp.expand_log(H + KL, force=True)),
               shown=sp.Eq(sp.Symbol("H(p,q)"), sp.Symbol("H(p)") + sp.Symbol("KL(p‖q)")))
    p.identity("∂H(p, q)/∂qᵢ = ∂KL(p‖q)/∂qᵢ: H(p) is a constant for the model",
               sp.Matrix([sp.diff(CE, qi) for qi in Q]), sp.Matrix([sp.diff(KL, qi) for qi in Q]))
    onehot = {P[0]: 1, P[1]: 0, P[2]: 0}
    t = sp.symbols("t", positive=True)
    p.identity("lim t→0⁺ of −t·log t = 0, so 0·log 0 counts as 0", sp.limit(-t * sp.log(t), t, 0), 0)
    p.step("one-hot p = (1, 0, 0): H(p) = −1·log 1 − 0 − 0 = 0")
    p.identity("… so cross-entropy = KL(p‖q) = −log q₁", CE.subs(onehot), -sp.log(Q[0]))


def experiment(p):
    import torch
    import torch.nn.functional as F
    from torch.distributions import Categorical, kl_divergence

    g = torch.Generator().manual_seed(p.seed)
    f64, dev = torch.float64, p.device
    N, K = 256, 6
    target = torch.softmax(torch.randn(N, K, generator=g, dtype=f64) * 2, 1).to(dev)
    logits = (torch.randn(N, K, generator=g, dtype=f64) * 2).to(dev)
    ce = F.cross_entropy(logits, target, reduction="none")
    tp, tq = Categorical(probs=target), Categorical(logits=logits)
    if p.myth:  # a derivation read literally, with "=" where "+" belongs: H(p, q) = H(p)
        ce = tp.entropy()
    p.allclose("F.cross_entropy(z, p) vs Categorical(p).entropy() + kl_divergence(p, softmax(z))", ce,
               tp.entropy() + kl_divergence(tp, tq), rtol=1e-12, atol=1e-13, id="ce_is_entropy_plus_kl",
               refutes="H(p, q) = H(p)")
    p.greater("min over examples of H(p, q) − H(p) (= KL ≥ 0)", (ce - tp.entropy()).min(), 0.0)
    at_p = F.cross_entropy(target.log(), target, reduction="none")
    p.allclose("at q = p the cross-entropy equals H(p)", at_p, tp.entropy(), rtol=1e-12, atol=1e-13)

    labels = torch.randint(0, K, (N,), generator=g).to(dev)
    onehot = F.one_hot(labels, K).to(f64)
    p.allclose("one-hot targets: F.cross_entropy vs kl_divergence(one-hot, softmax(z))",
               F.cross_entropy(logits, labels, reduction="none"),
               kl_divergence(Categorical(probs=onehot), tq), rtol=1e-12, atol=1e-13)

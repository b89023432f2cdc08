"""Accuracy, precision, recall and F1 from a confusion matrix — and what prevalence does to them.

Symbolic: from the four counts TP, FP, FN, TN derive accuracy = π·recall + (1 − π)·specificity
(π = prevalence), F1 = 2TP/(2TP + FP + FN), and Bayes' rule for precision in terms of
recall, specificity and π. Numeric: the count formulas against the definitions computed
directly as conditional frequencies on labelled predictions; the always-negative
classifier on 1 % positives (99 % accuracy, recall 0); the same classifier on balanced
and on rare-positive data: recall unchanged, precision collapses as Bayes predicts.
Counterfactual (p.myth): "accuracy" read as the class-balanced accuracy.
"""

TITLE = {
    "en": "Accuracy, precision, recall (and F1) from the confusion matrix",
    "zh": "由混淆矩阵计算准确率、精确率、召回率（及 F1）",
}
CLAIMS = [
    {
        "en": "accuracy = (TP + TN)/N, precision = TP/(TP + FP) = P(y = 1 | ŷ = 1), "
              "recall = TP/(TP + FN) = P(ŷ = 1 | y = 1), F1 = 2TP/(2TP + FP + FN).",
        "zh": "准确率 = (TP + TN)/N，精确率 = TP/(TP + FP) = P(y = 1 | ŷ = 1)，"
              "召回率 = TP/(TP + FN) = P(ŷ = 1 | y = 1)，F1 = 2TP/(2TP + FP + FN)。",
    },
    {
        "en": "accuracy = π·recall + (1 − π)·specificity: with 1 % positives, predicting 'negative' "
              "always scores 99 % accuracy and 0 recall.",
        "zh": "准确率 = π·召回率 + (1 − π)·特异度：正例占 1% 时，永远预测“负”也有 99% 的准确率，召回率却为 0。",
    },
    {
        "en": "Recall and specificity do not depend on the prevalence π; precision does: "
              "precision = π·rec/(π·rec + (1 − π)(1 − spec)).",
        "zh": "召回率和特异度与正例比例 π 无关，精确率有关：精确率 = π·rec/(π·rec + (1 − π)(1 − spec))。",
    },
]


def derive(p):
    import sympy as sp

    TP, FP, FN, TN = sp.symbols("TP FP FN TN", positive=True)
    N = TP + FP + FN + TN
    acc, prec, rec, spec = (TP + TN) / N, TP / (TP + FP), TP / (TP + FN), TN / (TN + FP)
    prevalence = (TP + FN) / N
    p.step("Accuracy, precision, recall, specificity from the counts", sp.Matrix([[acc, prec, rec, spec]]))
    p.identity("accuracy = π·recall + (1 − π)·specificity, π = (TP + FN)/N",
               prevalence * rec + (1 - prevalence) * spec, acc,
               shown=sp.Eq(sp.Symbol("π·rec + (1 − π)·spec"), sp.Symbol("acc")))
    f1 = 2 * prec * rec / (prec + rec)
    p.step("F1 = harmonic mean of precision and recall", f1)
    p.identity("F1 = 2TP/(2TP + FP + FN)", sp.cancel(f1), 2 * TP / (2 * TP + FP + FN))
    pi, r, s = sp.symbols("pi rec spec", positive=True)
    bayes = pi * r / (pi * r + (1 - pi) * (1 - s))
    p.step("Bayes: P(y = 1 | ŷ = 1) from π, recall, specificity", bayes)
    p.identity("Bayes' form equals TP/(TP + FP) when π, rec, spec come from the same counts",
               bayes.xreplace({pi: prevalence, r: rec, s: spec}), prec,
               shown=sp.Eq(sp.Symbol("π·rec/(π·rec + (1 − π)(1 − spec))"), sp.Symbol("TP/(TP + FP)")))


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    n = 20000 if p.quick else 2_000_000

    def labelled(prevalence):
        y = (torch.rand(n, generator=gen) < prevalence).long()
        score = torch.randn(n, generator=gen) + 1.5 * y   # positives score higher on average
        return y.to(p.device), (score > 1.0).long().to(p.device)

    y, yhat = labelled(0.1)
    cm = torch.bincount(2 * y + yhat, minlength=4).double()   # [TN, FP, FN, TP]
    TN, FP, FN, TP = cm.tolist()
    pos, said_pos = y == 1, yhat == 1
    p.close("accuracy: (TP + TN)/N vs mean(ŷ == y)", (TP + TN) / n, (yhat == y).double().mean(), rtol=1e-12)
    p.close("precision: TP/(TP + FP) vs fraction of ŷ = 1 that are y = 1", TP / (TP + FP),
            y[said_pos].double().mean(), rtol=1e-12)
    p.close("recall: TP/(TP + FN) vs fraction of y = 1 found", TP / (TP + FN),
            yhat[pos].double().mean(), rtol=1e-12)
    prec, rec = TP / (TP + FP), TP / (TP + FN)
    p.close("F1: 2PR/(P + R) vs 2TP/(2TP + FP + FN)", 2 * prec * rec / (prec + rec),
            2 * TP / (2 * TP + FP + FN), rtol=1e-12)

    def accuracy(y, yhat):
        """Accuracy; p.myth: the belief that high accuracy means positives are found, modelled as the
        class-balanced accuracy (mean of recall and specificity), which that belief would need."""
        if p.myth:
            return 0.5 * (yhat[y == 1].double().mean() + (1 - yhat[y == 0]).double().mean())
        return (yhat == y).double().mean()

    y_rare, _ = labelled(0.01)
    lazy = torch.zeros_like(y_rare)
    p.greater("always 'negative' on 1 % positives: accuracy", accuracy(y_rare, lazy), 0.985,
              id="always_negative_accuracy", refutes="high accuracy on rare positives means they are found")
    p.equal("… its recall", int(lazy[y_rare == 1].sum()), 0, id="always_negative_recall")

    # Same classifier (same score model and threshold), prevalence 0.5 vs 0.02.
    rows = {}
    for prevalence in (0.5, 0.02):
        y, yhat = labelled(prevalence)
        rows[prevalence] = {
            "rec": yhat[y == 1].double().mean().item(), "spec": (1 - yhat[y == 0]).double().mean().item(),
            "prec": y[yhat == 1].double().mean().item(), "n_pos": int((y == 1).sum()),
            "n_said": int((yhat == 1).sum()), "pi": y.double().mean().item(),
        }
    a, b = rows[0.5], rows[0.02]
    se_rec = (a["rec"] * (1 - a["rec"]) / a["n_pos"] + b["rec"] * (1 - b["rec"]) / b["n_pos"]) ** 0.5
    p.close(f"recall at π = 0.5 vs π = 0.02 (±{se_rec:.2g}): unchanged", b["rec"], a["rec"],
            rtol=0, atol=4 * se_rec, id="recall_unchanged")
    p.greater("precision at π = 0.5", a["prec"], 0.5, id="precision_balanced")
    p.less("precision at π = 0.02 (it was high at π = 0.5)", b["prec"], 0.5 * a["prec"], id="precision_rare")
    # Predict it from the balanced run's recall and specificity and the new prevalence.
    bayes = b["pi"] * a["rec"] / (b["pi"] * a["rec"] + (1 - b["pi"]) * (1 - a["spec"]))
    se_prec = (b["prec"] * (1 - b["prec"]) / b["n_said"]) ** 0.5
    p.close(f"precision at π = 0.02 (±{se_prec:.2g}) vs Bayes from the π = 0.5 recall and specificity",
            b["prec"], bayes, rtol=0, atol=5 * se_prec, id="precision_bayes")

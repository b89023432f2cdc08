"""Random search beats grid search when only a few hyper-parameters matter (Bergstra & Bengio 2012).

Symbolic: an n-point grid in d dimensions tries only n^(1/d) values of each
hyper-parameter; the expected regret of a k-value grid on a quadratic valley is
1/(12k²); n random trials hit the best q-fraction of a range with probability
1 − (1 − q)ⁿ, so 59 trials reach the top 5 % with 95 % probability. Numeric (seeded,
averaged over repeats, with standard errors): with a budget of 25 trials and one
important hyper-parameter out of two, random search tries 25 distinct values against
the grid's 5 and ends with a much smaller regret; when both matter equally the grid
is not worse.
Counterfactual (p.myth): the "both matter" case run with one barely-mattering hyper-parameter,
the assumption behind "random search is always better".
"""

TITLE = {
    "en": "Random vs grid search for hyper-parameters",
    "zh": "超参数的随机搜索与网格搜索",
}
CLAIMS = [
    {
        "en": "A grid of n trials over d hyper-parameters tries only n^(1/d) distinct values of each; "
              "n random trials try n distinct values of every hyper-parameter.",
        "zh": "n 次试验的网格在 d 个超参数上每个只试了 n^(1/d) 个不同取值；n 次随机试验对每个超参数都试了 n 个不同取值。",
    },
    {
        "en": "When one hyper-parameter matters and the other barely does, random search with the same "
              "budget finds a much better value of the important one than a grid.",
        "zh": "当一个超参数重要、另一个几乎无关时，同样预算下随机搜索对重要超参数找到的取值远好于网格搜索。",
    },
    {
        "en": "n random trials land in the best q-fraction of a range with probability 1 − (1 − q)ⁿ: "
              "59 trials give ≥ 95 % for the top 5 %, whatever the dimension.",
        "zh": "n 次随机试验落入某范围最好 q 比例的概率为 1 − (1 − q)ⁿ：59 次试验即有 ≥ 95% 的概率进入前 5%，与维数无关。",
    },
    {
        "en": "Random search is not always better: when all hyper-parameters matter equally (an isotropic "
              "quadratic, d = 1, 2, 3 tried), a grid does as well or better.",
        "zh": "随机搜索并非总是更好：当所有超参数同样重要时（各向同性的二次函数，试过 d = 1、2、3），网格搜索同样好甚至更好。",
    },
]


def derive(p):
    import sympy as sp

    n, d = sp.symbols("n d", positive=True)
    p.step("A full grid with k values per axis: n = k^d trials, so each axis gets k =", n ** (1 / d))
    p.step("25 trials over 2 hyper-parameters: values per axis", (n ** (1 / d)).subs({n: 25, d: 2}))

    # Regret of the best grid point on the valley (x − a)², a uniform, k centred grid values.
    k, t = sp.symbols("k t", positive=True)
    regret = sp.Integral(t**2 * 2 * k, (t, 0, 1 / (2 * k)))
    p.step("Distance to the nearest of k centred grid values is uniform on [0, 1/(2k)] "
           "(density 2k); E[dist²] =", regret)
    p.identity("E regret of a k-value grid = 1/(12k²)", regret.doit(), 1 / (12 * k**2))

    q = sp.Symbol("q", positive=True)
    miss = (1 - q) ** n
    p.step("Each random trial misses the best q-fraction with prob. 1 − q; all n miss with", miss)
    target = sp.Rational(19, 20)
    p.step("Ask for 95 % to hit the top 5 %: 1 − 0.95ⁿ = 0.95, i.e. take logs of 0.95ⁿ = 0.05",
           sp.Eq(n * sp.log(1 - sp.Rational(1, 20)), sp.log(1 - target)))
    (n95,), = sp.linsolve([n * sp.log(sp.Rational(19, 20)) - sp.log(sp.Rational(1, 20))], [n])
    p.step("Solve for n", sp.Eq(n, n95))
    p.identity("so ⌈n⌉ = 59 trials suffice (n ≈ 58.4)", sp.ceiling(n95), 59,
               shown=sp.Eq(sp.ceiling(n95, evaluate=False), 59, evaluate=False))


def _search(rng, budget, repeats, eps, method):
    """Best loss found on (x − a)² + eps·(y − b)² with optima (a, b) uniform on [0, 1]²."""
    import numpy as np

    a, b = rng.random((2, repeats, 1))
    if method == "grid":
        k = round(budget**0.5)
        axis = (np.arange(k) + 0.5) / k
        x, y = (v.ravel()[None, :] for v in np.meshgrid(axis, axis))
        x, y = np.broadcast_to(x, (repeats, budget)), np.broadcast_to(y, (repeats, budget))
    else:
        x, y = rng.random((2, repeats, budget))
    loss = (x - a) ** 2 + eps * (y - b) ** 2
    best = loss.min(axis=1)
    ordered = np.sort(x, axis=1)
    distinct = float(np.mean(1 + (np.diff(ordered, axis=1) != 0).sum(axis=1)))
    return best, distinct


def experiment(p):
    import numpy as np

    rng = np.random.default_rng(p.seed)
    R = 2000 if p.quick else 20000
    eps = 0.001                                   # y barely matters
    grid, grid_distinct = _search(rng, 25, R, eps, "grid")
    rand, rand_distinct = _search(rng, 25, R, eps, "random")
    p.equal("distinct values of the important hyper-parameter tried by a 25-trial grid (mean over repeats)",
            float(grid_distinct), 5.0, id="grid_distinct")
    p.equal("… by 25 random trials", float(rand_distinct), 25.0, id="random_distinct")
    se_grid = grid.std(ddof=1) / R**0.5
    p.close(f"grid: mean regret (±{se_grid:.2g}) vs (1 + ε)/(12k²), k = 5",
            grid.mean(), (1 + eps) / (12 * 25), rtol=0, atol=float(4 * se_grid), id="grid_regret")
    ratio = grid.mean() / rand.mean()
    se_ratio = ratio * np.hypot(se_grid / grid.mean(), rand.std(ddof=1) / R**0.5 / rand.mean())
    p.greater(f"one important hyper-parameter: grid regret / random regret (±{se_ratio:.2g}) "
              "> 2 + 4 s.e.", ratio, 2.0 + 4 * se_ratio, id="regret_ratio")

    # p.myth: the belief that random search always wins assumes some hyper-parameter never matters;
    # run the "both matter" case under that assumption.
    iso_eps = eps if p.myth else 1.0
    iso_grid, _ = _search(rng, 25, R, iso_eps, "grid")
    iso_rand, _ = _search(rng, 25, R, iso_eps, "random")
    diff = iso_rand.mean() - iso_grid.mean()
    se_diff = np.hypot(iso_rand.std(ddof=1), iso_grid.std(ddof=1)) / R**0.5
    p.greater(f"both equally important: random regret − grid regret (±{se_diff:.2g}) > −4 s.e. "
              "(the grid is not worse)", diff, -4 * se_diff, id="isotropic_grid_not_worse",
              refutes="random search is always better than grid search")

    hits = (rng.random((R, 59)) > 0.95).any(axis=1)
    se_hit = (hits.mean() * (1 - hits.mean()) / R) ** 0.5
    p.close(f"P(one of 59 random trials in the top 5 %) (Monte Carlo ±{se_hit:.2g}) vs 1 − 0.95⁵⁹",
            hits.mean(), 1 - 0.95**59, rtol=0, atol=float(4 * se_hit), id="hit_59")

    budgets = [4, 9, 16, 25, 36, 49]
    curves = {"grid": [], "random": []}
    for n in budgets:
        for method in curves:
            best, _ = _search(rng, n, R // 4, eps, method)
            curves[method].append(float(best.mean()))
    p.plot("Mean regret vs budget, one important hyper-parameter of two",
           {m: (budgets, v) for m, v in curves.items()}, xlabel="trials", ylabel="regret", logy=True)

    # "All matter equally, low dimension": d = 1, 2, 3 hyper-parameters on Σᵢ (xᵢ − aᵢ)², a centred grid of
    # k per axis against kᵈ uniform random trials (its own generator: the rows above keep their draws).
    sweep_rng = np.random.default_rng(p.seed + 1)
    cases = []
    for dim in (1, 2, 3):
        for k in (3, 5):
            a = sweep_rng.random((R, 1, dim))
            axis = (np.arange(k) + 0.5) / k
            pts = np.stack(np.meshgrid(*[axis] * dim, indexing="ij"), -1).reshape(1, -1, dim)
            grid_best = ((pts - a) ** 2).sum(-1).min(1).mean()
            rand_best = ((sweep_rng.random((R, k**dim, dim)) - a) ** 2).sum(-1).min(1).mean()
            cases.append((f"d = {dim}, {k**dim} trials", grid_best / rand_best))
    p.sweep("all equally important: grid / random mean best loss over d = 1, 2, 3 × 3 or 5 values per axis",
            cases, "<", 1.0, id="isotropic_grid_sweep")

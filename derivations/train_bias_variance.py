"""Bias–variance decomposition: expected test MSE = bias² + variance + noise, by Monte Carlo.

Symbolic: write the prediction as f̂ = m + e (E e = 0, E e² = v) and the test label as
y = f + ε (E ε = 0, E ε² = σ², ε independent of the training set); expand (y − f̂)² and
take expectations monomial by monomial. Numeric: polynomial fits of degree 0…9 to
noisy sin(2πx) at 20 fixed inputs, from thousands of independent noise draws; the test MSE measured
on fresh noisy labels equals bias² + variance + σ² within Monte Carlo error; bias² falls
and variance rises with the degree.
"""

TITLE = {
    "en": "Bias–variance decomposition of the expected squared error",
    "zh": "期望平方误差的偏差–方差分解",
}
CLAIMS = [
    {
        "en": "E[(y − f̂(x))²] = (f(x) − E f̂(x))² + Var f̂(x) + σ²: bias², variance (over training "
              "sets) and irreducible noise.",
        "zh": "E[(y − f̂(x))²] = (f(x) − E f̂(x))² + Var f̂(x) + σ²：偏差²、（对训练集的）方差与不可约噪声。",
    },
    {
        "en": "For polynomial fits, raising the degree lowers bias² and raises variance; the test error "
              "is smallest in between.",
        "zh": "多项式拟合中，提高次数使偏差²下降、方差上升；测试误差在中间某处最小。",
    },
]


def derive(p):
    import sympy as sp

    f, m, e, eps = sp.symbols("f m e epsilon", real=True)
    v, sigma = sp.symbols("v sigma", positive=True)
    loss = sp.expand((f + eps - (m + e)) ** 2)
    p.step("y − f̂ = (f + ε) − (m + e); expand the square", loss)
    # Expectation, monomial by monomial: E e = E ε = 0, E e² = v, E ε² = σ², E[eε] = E e·E ε = 0.
    moments = {(0, 0): 1, (1, 0): 0, (0, 1): 0, (2, 0): v, (0, 2): sigma**2, (1, 1): 0}
    poly = sp.Poly(loss, e, eps)
    expected = sum(coeff * moments[powers] for powers, coeff in poly.terms())
    p.step("Take E term by term (E e = E ε = E[eε] = 0, E e² = v, E ε² = σ²)", expected)
    p.identity("E[(y − f̂)²] = (f − m)² + v + σ²  (bias² + variance + noise)",
               expected, (f - m) ** 2 + v + sigma**2)


def experiment(p):
    import numpy as np

    rng = np.random.default_rng(p.seed)
    R = 2000 if p.quick else 100000       # independent training sets
    n, sigma = 20, 0.3
    # Fixed inputs, fresh noise per training set (the classic setting: E over training sets = over
    # label noise); test inputs lie between the training inputs.
    x_train = np.linspace(0.0, 1.0, n)
    x_test = (x_train[:-1] + x_train[1:]) / 2
    f_test = np.sin(2 * np.pi * x_test)
    degrees = list(range(10))
    Y = np.sin(2 * np.pi * x_train) + sigma * rng.normal(size=(R, n))        # R training sets
    y_new = f_test + sigma * rng.normal(size=(R, x_test.size))             # fresh test labels
    rows = {}
    for deg in degrees:
        # Legendre basis on [−1, 1] keeps degree 9 well conditioned; one least-squares solve for all R.
        V = np.polynomial.legendre.legvander(2 * x_train - 1, deg)
        Q, Rm = np.linalg.qr(V)                                            # least squares via QR
        coef = np.linalg.solve(Rm, Q.T @ Y.T)                              # (deg+1) × R
        pred = (np.polynomial.legendre.legvander(2 * x_test - 1, deg) @ coef).T   # R × 19
        bias2 = np.mean((pred.mean(axis=0) - f_test) ** 2)
        var = np.mean(pred.var(axis=0, ddof=1))
        per_set = ((y_new - pred) ** 2).mean(axis=1)
        rows[deg] = (bias2, var, per_set.mean(), per_set.std(ddof=1) / R**0.5)
    for deg in (1, 3, 9):
        bias2, var, mse, se = rows[deg]
        p.close(f"degree {deg}: test MSE on fresh labels (±{se:.2g}) vs bias² + variance + σ²",
                mse, bias2 + var + sigma**2, rtol=0, atol=float(4 * se))
    p.greater("bias²: degree 1 vs degree 3 (falls with degree)", rows[1][0], 10 * rows[3][0], id="bias_falls")
    p.greater("variance: degree 9 vs degree 3 (rises with degree)", rows[9][1], 2 * rows[3][1], id="variance_rises")
    best = min(degrees, key=lambda d: rows[d][2])
    p.holds("the degree with the lowest test MSE is in between", 1 < best < 9, best, "2…8", id="best_degree")
    p.plot("Bias², variance and test MSE against polynomial degree (20 points, σ = 0.3)", {
        "bias²": (degrees, [rows[d][0] for d in degrees]),
        "variance": (degrees, [rows[d][1] for d in degrees]),
        "test MSE − σ²": (degrees, [rows[d][2] - sigma**2 for d in degrees]),
    }, xlabel="degree", ylabel="error", logy=True)

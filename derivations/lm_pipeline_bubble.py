"""Pipeline parallelism: GPipe's bubble fraction (p − 1)/(m + p − 1), derived and simulated.

Symbolic: p stages, m micro-batches, each stage spends t_f per micro-batch forward and t_b
backward. The last micro-batch's forward leaves the last stage after (m + p − 1)·t_f and the
backward wave takes (m + p − 1)·t_b, so a step lasts (m + p − 1)(t_f + t_b) while each stage
works m(t_f + t_b): the idle share is (p − 1)/(m + p − 1), independent of t_f and t_b, and → 0
only as m ≫ p. Numeric: an event-driven simulation of the GPipe schedule (every op starts when
its stage is free and its input has arrived) and of 1F1B (PipeDream-Flush) over p × m × t_b/t_f:
measured idle fraction against the lambdified formula; 1F1B has the same bubble but keeps at most
p − s micro-batches' activations on stage s instead of m.
"""

TITLE = {
    "en": "Pipeline bubble (p − 1)/(m + p − 1): derived and checked on a simulated GPipe schedule",
    "zh": "流水线气泡 (p − 1)/(m + p − 1)：推导并在模拟的 GPipe 调度上验证",
}
CLAIMS = [
    {
        "en": "GPipe with p stages and m micro-batches idles a fraction (p − 1)/(m + p − 1) of each step, whatever "
              "t_f and t_b are; more micro-batches shrink the bubble.",
        "zh": "p 个阶段、m 个 micro-batch 的 GPipe，每步空闲比例为 (p − 1)/(m + p − 1)，与 t_f、t_b 无关；"
              "micro-batch 越多气泡越小。",
    },
    {
        "en": "1F1B has the same bubble but stage s holds at most p − s micro-batches of activations instead of m.",
        "zh": "1F1B 的气泡相同，但第 s 个阶段最多保存 p − s 个 micro-batch 的激活，而不是 m 个。",
    },
]


def simulate(p_stages, m, t_f, t_b, schedule):
    """Run the ops of every stage in its order; an op starts when its stage is free and its input is ready.
    Returns the idle fraction over all stages and the most micro-batches in flight on each stage."""
    order = []
    for s in range(p_stages):
        if schedule == "gpipe":
            ops = [("F", j) for j in range(m)] + [("B", j) for j in range(m)]
        else:  # 1F1B: p − s − 1 warm-up forwards, then one forward / one backward, then the remaining backwards
            warm = min(p_stages - s - 1, m)
            ops = [("F", j) for j in range(warm)]
            f, b = warm, 0
            while b < m:
                if f < m:
                    ops.append(("F", f))
                    f += 1
                ops.append(("B", b))
                b += 1
        order.append(ops)
    done = {}
    free = [0.0] * p_stages
    pos = [0] * p_stages
    progress = True
    while progress:
        progress = False
        for s in range(p_stages):
            while pos[s] < len(order[s]):
                kind, j = order[s][pos[s]]
                if kind == "F":
                    dep = done.get(("F", s - 1, j)) if s > 0 else 0.0
                else:
                    dep = done.get(("B", s + 1, j)) if s < p_stages - 1 else done.get(("F", s, j))
                if dep is None:
                    break
                start = max(free[s], dep)
                free[s] = done[(kind, s, j)] = start + (t_f if kind == "F" else t_b)
                pos[s] += 1
                progress = True
    makespan = max(free)
    busy = m * (t_f + t_b)
    in_flight = []
    for s in range(p_stages):
        live = peak = 0
        for kind, _ in order[s]:
            live += 1 if kind == "F" else -1
            peak = max(peak, live)
        in_flight.append(peak)
    return (makespan - busy) / makespan, in_flight


def derive(p):
    import sympy as sp

    P, m, tf, tb = sp.symbols("p m t_f t_b", positive=True)
    step = (m + P - 1) * tf + (m + P - 1) * tb
    p.step("step time: the forward wave (m + p − 1)·t_f, then the backward wave (m + p − 1)·t_b", step)
    bubble = sp.simplify((step - m * (tf + tb)) / step)
    p.identity("idle fraction = (p − 1)/(m + p − 1), free of t_f and t_b", bubble, (P - 1) / (m + P - 1),
               id="bubble_formula")
    p.identity("m → ∞: the bubble vanishes", sp.limit(bubble, m, sp.oo), 0)
    p.identity("m = 4(p − 1) keeps it at 1/5 for any p", bubble.subs(m, 4 * (P - 1)), sp.Rational(1, 5))


def experiment(p):
    import sympy as sp

    P, m_s = sp.symbols("p m", positive=True)
    formula = sp.lambdify((P, m_s), (P - 1) / (m_s + P - 1))
    cases, cases_1f1b = [], []
    for stages in (2, 4, 8):
        for m in (1, 4, 8, 32):
            for t_b in (1.0, 2.0):
                bubble, _ = simulate(stages, m, 1.0, t_b, "gpipe")
                cases.append((f"p={stages}, m={m}, t_b/t_f={t_b:g}", abs(bubble - formula(stages, m))))
                bubble_1f1b, flight = simulate(stages, m, 1.0, t_b, "1f1b")
                cases_1f1b.append((f"p={stages}, m={m}, t_b/t_f={t_b:g}",
                                   abs(bubble_1f1b - formula(stages, m))
                                   + max(0, max(f - min(stages - s, m) for s, f in enumerate(flight)))))
    p.sweep("GPipe simulation: |idle fraction − (p − 1)/(m + p − 1)| over p × m × t_b/t_f", cases, "<=", 1e-12,
            id="gpipe_matches_formula")
    p.sweep("1F1B simulation: |idle − formula| + excess of in-flight micro-batches over min(p − s, m)", cases_1f1b,
            "<=", 1e-12, id="one_f_one_b")

    def bubble_of(stages, m):
        """The simulated GPipe bubble; (p.myth) the myth's model that the bubble is (p − 1)/p whatever m is."""
        return (stages - 1) / stages if p.myth else simulate(stages, m, 1.0, 2.0, "gpipe")[0]

    p.less("p = 4: bubble with m = 32 micro-batches / with m = 1", bubble_of(4, 32) / bubble_of(4, 1), 1.0,
           id="more_microbatches_smaller_bubble", refutes="the pipeline bubble does not depend on the micro-batch count")
    p.close("p = 4, m = 1 (no micro-batching): idle fraction", simulate(4, 1, 1.0, 2.0, "gpipe")[0], 0.75, rtol=1e-12, id="bubble_p4_m1")
    p.close("p = 4, m = 32: idle fraction", simulate(4, 32, 1.0, 2.0, "gpipe")[0], 3 / 35, rtol=1e-12,
            id="bubble_p4_m32")
    _, flight = simulate(4, 32, 1.0, 2.0, "gpipe")
    _, flight_1f1b = simulate(4, 32, 1.0, 2.0, "1f1b")
    p.equal("p = 4, m = 32: micro-batches in flight on stage 0, GPipe vs 1F1B", (flight[0], flight_1f1b[0]), (32, 4),
            id="in_flight_stage0")
    p.equal("p = 4, m = 32: most micro-batches held on stage 0, GPipe", flight[0], 32, id="in_flight_stage0_gpipe")
    p.equal("p = 4, m = 32: most micro-batches held on stage 0, 1F1B (p − s = 4)", flight_1f1b[0], 4,
            id="in_flight_stage0_1f1b")

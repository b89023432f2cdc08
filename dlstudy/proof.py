"""The notebook a derivation writes into: symbolic steps, evidence rows and plots.

A derivation module receives one :class:`Proof` in ``derive(p)`` (the sympy
part) and again in ``experiment(p)`` (the numeric part). Each check it makes
becomes an evidence row; the verdict is *pass* only when every row holds.
Nothing heavy is imported here: sympy, numpy and torch are imported by the
methods that need them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from dlstudy.evidence import Evidence, Plot, Step

T = TypeVar("T")
ROW_ID = re.compile(r"[a-z][a-z0-9_]*\Z")


def slug(text: str) -> str:
    """An id made from a row's text, for a row the derivation gives none. It starts with '_':
    it changes with the text, so no card may name it (see ``dlstudy check``)."""
    words = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return "_" + (words[:48].rstrip("_") or "row")


def _number(x: Any) -> float | int | str:
    """A plain Python number (or text) from a float, numpy scalar, tensor or sympy number."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, (int, float, str)):
        return x
    if hasattr(x, "item") and getattr(x, "numel", lambda: 1)() == 1:
        return _number(x.item())
    try:
        return float(x)
    except (TypeError, ValueError):
        return str(x)


def _as_float(x: Any) -> float:
    value = _number(x)
    if isinstance(value, str):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


class Proof:
    """Collects what a derivation shows. ``device`` and ``scale`` say how to run it.

    Attributes:
        device: ``cpu``, ``cuda`` or ``mps`` — where tensors of the experiment go.
        scale: ``quick`` (seconds on a laptop CPU) or ``full`` (paper-sized, for a GPU).
        seed: the seed every random generator of the experiment starts from.
        interactive: set by the runner when the derivation runs in the foreground of a
            terminal; only then does :meth:`progress` draw a bar.
        myth: set by the tests' counterfactual run. A derivation whose rows refute a
            misconception (``refutes=``) or decide a claim card swaps in the misconception's own
            implementation (the wrong formula, the wrong convention) when it is set, and each
            such row must then decide the other way: a row that passes either way has no teeth.

    Every recording method takes ``id=`` (the row's stable name, unique in the derivation:
    cards refer to rows by it) and ``refutes=`` (the misconception the row refutes, if any).
    """

    def __init__(self, device: str = "cpu", scale: str = "quick", seed: int = 0) -> None:
        self.device = device
        self.scale = scale
        self.seed = seed
        self.steps: list[Step] = []
        self.evidence: list[Evidence] = []
        self.plots: list[Plot] = []
        self.interactive = False
        self.myth = False
        self._ids: set[str] = set()

    @property
    def quick(self) -> bool:
        return self.scale == "quick"

    def progress(self, items: Iterable[T], description: str, total: int | None = None) -> Iterable[T]:
        """Yield ``items``; in an interactive run, with a transient progress bar on stderr."""
        if not self.interactive:
            return items
        from rich.console import Console
        from rich.progress import track

        return track(items, description=description, total=total, transient=True,
                     console=Console(stderr=True))

    def _record(self, row: Evidence, id: str | None, refutes: str | None) -> None:
        if refutes and id is None:
            raise ValueError(f"row {row.quantity!r} refutes a misconception: give it an id= too")
        if id is None:
            base = slug(row.quantity)
            id, n = base, 2
            while id in self._ids:
                id, n = f"{base}_{n}", n + 1
        elif not ROW_ID.match(id):
            raise ValueError(f"evidence id {id!r}: use lowercase letters, digits and '_'")
        elif id in self._ids:
            raise ValueError(f"evidence id {id!r} is recorded twice; ids are unique in a derivation")
        self._ids.add(id)
        self.evidence.append(Evidence(row.quantity, row.measured, row.expected, row.relation,
                                      row.passed, id, refutes or ""))

    def row(self, id: str) -> Evidence:
        """The row recorded under ``id`` (to reuse a measurement in a later check)."""
        for row in self.evidence:
            if row.id == id:
                return row
        raise KeyError(f"no evidence row {id!r} recorded yet")

    # -- the symbolic part ---------------------------------------------------------------

    def step(self, text: str, expr: Any = None) -> None:
        """Record one step of the derivation, with the expression it produced."""
        math_text = line = ""
        if expr is not None:
            import sympy

            math_text = sympy.pretty(expr, use_unicode=True, wrap_line=False)
            line = _one_line(expr)
        self.steps.append(Step(text, math_text, line))

    def identity(self, text: str, lhs: Any, rhs: Any, shown: Any = None, *,
                 id: str | None = None, refutes: str | None = None) -> bool:
        """Check ``lhs == rhs`` exactly: ``simplify(lhs − rhs)`` must be zero (element-wise).

        ``shown`` is what to print for the step (say the compact, unexpanded equation);
        by default ``lhs = rhs`` is printed when it fits on a terminal.
        """
        import sympy

        difference = sympy.simplify(sympy.sympify(lhs) - sympy.sympify(rhs))
        if isinstance(difference, sympy.MatrixBase):
            difference = difference.applyfunc(sympy.simplify)
            passed = bool(difference.is_zero_matrix)
        else:
            passed = bool(difference == 0)
        residue = "0" if passed else sympy.sstr(difference)[:200]
        if shown is None:
            try:
                shown = sympy.Eq(lhs, rhs, evaluate=False)
            except (TypeError, ValueError):
                shown = None
        math_text = "" if shown is None else sympy.pretty(shown, use_unicode=True, wrap_line=False)
        if max((len(line) for line in math_text.splitlines()), default=0) > 160:
            math_text = ""  # too wide for a terminal; the evidence row still records the check
        line = "" if shown is None else _one_line(shown)
        self.steps.append(Step(f"{text}  {'✓' if passed else '✗'}", math_text, line))
        self._record(Evidence(f"(sympy) {text}", residue, "0", "simplify(lhs − rhs) =", passed),
                     id, refutes)
        return passed

    # -- the numeric part ----------------------------------------------------------------

    def close(self, quantity: str, measured: Any, expected: Any,
              rtol: float = 1e-9, atol: float = 0.0, *,
              id: str | None = None, refutes: str | None = None) -> bool:
        """``|measured − expected| ≤ atol + rtol·|expected|``."""
        m, e = _as_float(measured), _as_float(expected)
        passed = bool(math.isfinite(m) and abs(m - e) <= float(atol) + float(rtol) * abs(e))
        rtol, atol = float(rtol), float(atol)
        relation = f"≈ (rtol {rtol:g}, atol {atol:g})" if atol else f"≈ (rtol {rtol:g})"
        self._record(Evidence(quantity, m, e, relation, passed), id, refutes)
        return passed

    def allclose(self, quantity: str, actual: Any, desired: Any,
                 rtol: float = 1e-9, atol: float = 0.0, *,
                 id: str | None = None, refutes: str | None = None) -> bool:
        """Arrays or tensors equal element-wise within ``atol + rtol·|desired|``.

        The row shows the largest absolute difference found.
        """
        import numpy as np

        a = _to_numpy(actual)
        d = _to_numpy(desired)
        if a.shape != d.shape:
            self._record(Evidence(f"{quantity} (max |Δ|)", f"shape {a.shape}", f"shape {d.shape}",
                                  "=", False), id, refutes)
            return False
        diff = float(np.max(np.abs(a - d))) if a.size else 0.0
        passed = bool(np.all(np.abs(a - d) <= atol + rtol * np.abs(d))) and bool(np.isfinite(a).all())
        self._record(Evidence(f"{quantity} (max |Δ|)", diff, 0.0,
                              f"≤ {atol:g} + {rtol:g}·|expected|", passed), id, refutes)
        return passed

    def less(self, quantity: str, measured: Any, bound: Any, *,
             id: str | None = None, refutes: str | None = None) -> bool:
        m, b = _as_float(measured), _as_float(bound)
        passed = bool(m < b)
        self._record(Evidence(quantity, m, b, "<", passed), id, refutes)
        return passed

    def greater(self, quantity: str, measured: Any, bound: Any, *,
                id: str | None = None, refutes: str | None = None) -> bool:
        m, b = _as_float(measured), _as_float(bound)
        passed = bool(m > b)
        self._record(Evidence(quantity, m, b, ">", passed), id, refutes)
        return passed

    def sweep(self, quantity: str, cases: Iterable[tuple[str, Any]], relation: str, bound: Any, *,
              id: str | None = None, refutes: str | None = None) -> bool:
        """A general statement checked over many cases (seeds × configurations): one row that
        reports the worst case. ``cases`` yields ``(label, value)``; ``relation`` is ``<``,
        ``<=``, ``>`` or ``>=`` against ``bound``. The row's measured value is the worst value,
        and its text names that case and how many were tried."""
        if relation not in ("<", "<=", ">", ">="):
            raise ValueError(f"sweep relation must be <, <=, > or >=, not {relation!r}")
        b = _as_float(bound)
        seen = [(label, _as_float(value)) for label, value in cases]
        if not seen:
            raise ValueError(f"sweep {quantity!r} has no cases")
        upper = relation.startswith("<")
        nan = [c for c in seen if not math.isfinite(c[1])]
        label, worst = nan[0] if nan else (max if upper else min)(seen, key=lambda c: c[1])
        ok = {"<": worst < b, "<=": worst <= b, ">": worst > b, ">=": worst >= b}[relation]
        passed = bool(ok and not nan)
        text = f"{quantity} — worst of {len(seen)}: {label}"
        self._record(Evidence(text, worst, b, relation, passed), id, refutes)
        return passed

    def equal(self, quantity: str, measured: Any, expected: Any, *,
              id: str | None = None, refutes: str | None = None) -> bool:
        """Exact equality, for counts, shapes and other discrete answers."""
        m = measured if isinstance(measured, (tuple, list)) else _number(measured)
        e = expected if isinstance(expected, (tuple, list)) else _number(expected)
        passed = bool(m == e)
        self._record(Evidence(quantity, _show(m), _show(e), "=", passed), id, refutes)
        return passed

    def holds(self, quantity: str, condition: bool, measured: Any = "", expected: Any = "", *,
              id: str | None = None, refutes: str | None = None) -> bool:
        """A condition that is not a simple comparison; say what was seen in ``measured``."""
        passed = bool(condition)
        self._record(Evidence(quantity, _show(measured) if measured != "" else str(passed),
                              _show(expected) if expected != "" else "True", "holds", passed),
                     id, refutes)
        return passed

    def plot(self, title: str, series: dict[str, tuple[Sequence[float], Sequence[float]]],
             xlabel: str = "", ylabel: str = "", logy: bool = False) -> None:
        """A picture of the result: shown in the terminal, written to PNG with ``--plot``."""
        clean = {name: ([float(x) for x in xs], [float(_as_float(y)) for y in ys])
                 for name, (xs, ys) in series.items()}
        self.plots.append(Plot(title, xlabel, ylabel, clean, logy))


def _show(x: Any) -> float | int | str:
    if isinstance(x, (tuple, list)):
        return "×".join(str(_number(v)) for v in x) if x else "()"
    return _number(x)


def _to_numpy(x: Any) -> Any:
    import numpy as np

    if hasattr(x, "detach"):
        x = x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=float)


def _one_line(expr: Any) -> str:
    """``expr`` on one line (``lhs = rhs`` for an equation), for a terminal too narrow for its
    pretty form; empty when even that is too long to be worth reading (five lines of 80)."""
    import sympy

    if isinstance(expr, sympy.Equality):
        text = f"{sympy.sstr(expr.lhs)} = {sympy.sstr(expr.rhs)}"
    else:
        text = sympy.sstr(expr)
    text = text.replace(",\n", ", ").replace("\n", "")  # a Matrix prints one row a line
    return text if len(text) <= 400 else ""

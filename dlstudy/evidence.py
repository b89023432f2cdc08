"""Plain values a proof produces: steps, evidence rows, plots and the result.

Everything here serialises to JSON (``to_dict``/``from_dict``) so results can
be cached, printed with ``--json`` and sent back from worker processes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["pass", "fail", "error"]
Number = float | int | str


@dataclass(frozen=True)
class Step:
    """One line of a symbolic derivation: what was done, and the expression it gave.

    Attributes:
        text: what was done, in words.
        math: the expression, pretty-printed on as many lines as it needs (fractions, powers).
        line: the same expression on one line, shown when ``math`` is wider than the terminal.
    """

    text: str
    math: str = ""
    line: str = ""


@dataclass(frozen=True)
class Evidence:
    """One measured quantity against what the claim says it should be.

    Attributes:
        quantity: what was measured, in words.
        measured: the value found (a number, or text for shapes and symbols).
        expected: what the claim predicts.
        relation: how the two are compared, e.g. ``≈ (rtol 1e-10)`` or ``<``.
        passed: whether the relation holds.
        id: the row's stable name within its derivation (``[a-z][a-z0-9_]*``). Cards name a
            row by it: a claim's deciding row, a number quoted as ``{{derivation.row}}``. Rows
            given no id get one made from the quantity text, which is not stable.
        refutes: the misconception this row refutes, when it does. The tests run the
            derivation again with ``p.myth`` set (the misconception's own implementation swapped
            in) and require the row to decide the other way.
    """

    quantity: str
    measured: Number
    expected: Number
    relation: str
    passed: bool
    id: str = ""
    refutes: str = ""


@dataclass(frozen=True)
class Plot:
    """Curves worth looking at: series name → (x values, y values)."""

    title: str
    xlabel: str
    ylabel: str
    series: dict[str, tuple[list[float], list[float]]]
    logy: bool = False

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Plot:
        series = {k: (list(v[0]), list(v[1])) for k, v in d["series"].items()}
        return cls(d["title"], d["xlabel"], d["ylabel"], series, bool(d.get("logy", False)))


@dataclass
class Result:
    """What ``dlstudy prove`` reports for one derivation."""

    id: str
    title: str
    verdict: Verdict
    device: str
    scale: str
    seconds: float
    steps: list[Step] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    plots: list[Plot] = field(default_factory=list)
    error: str | None = None
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("cached")
        if self.error is None:
            d.pop("error")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        return cls(
            id=d["id"],
            title=d["title"],
            verdict=d["verdict"],
            device=d["device"],
            scale=d["scale"],
            seconds=float(d["seconds"]),
            steps=[Step(**s) for s in d.get("steps", [])],
            evidence=[Evidence(**e) for e in d.get("evidence", [])],  # old results: no id
            plots=[Plot.from_dict(p) for p in d.get("plots", [])],
            error=d.get("error"),
        )

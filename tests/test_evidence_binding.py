"""Cards say what their evidence shows: snapshots are current, and every deciding row has teeth.

- Each derivation's quick-scale snapshot (``derivations/_evidence/quick/ID.json``), which
  cards quote as ``{{derivation.row}}``, matches a fresh CPU run: same rows, same verdicts,
  same values (to 1e-6 relative) and the same rendered text for every number a card quotes.
- Each row that decides a claim card or refutes a misconception (``refutes=``) decides the
  other way when the derivation runs against the misconception (``p.myth``): a row that
  passes either way has no teeth.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from dlstudy import bind, paths
from dlstudy.derivation import discover
from dlstudy.library import load_library
from tests.studykit import quick_run

CATALOGUE, _ = discover([paths.bundled_derivations()])
LIBRARY = load_library()


def _snapshot(derivation_id: str, scale: str = "quick") -> dict[str, Any] | None:
    path = bind.snapshot_path(CATALOGUE[derivation_id].path, scale)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _fresh(derivation_id: str, myth: bool = False) -> dict[str, Any]:
    return quick_run(derivation_id, myth)


def _quoted() -> dict[str, list[bind.Ref]]:
    """Derivation id → the placeholders cards quote from its quick snapshot."""
    out: dict[str, list[bind.Ref]] = {}
    for card in LIBRARY.cards.values():
        for text in (card.title, card.question, card.answer, card.correction):
            for lang in ("en", "zh"):
                for ref in bind.refs(text.raw(lang)) if text else []:
                    if isinstance(ref, bind.Ref) and ref.scale == "quick":
                        out.setdefault(ref.derivation, []).append(ref)
    return out


QUOTED = _quoted()


def _deciding() -> dict[str, set[str]]:
    """Derivation id → ids of rows that decide a claim card or refute a misconception."""
    out: dict[str, set[str]] = {}
    for card in LIBRARY.cards.values():
        if card.claim is not None:
            out.setdefault(card.claim.derivation, set()).add(card.claim.row)
    for derivation_id in CATALOGUE:
        snap = _snapshot(derivation_id)
        for row_id, row in (snap or {}).get("rows", {}).items():
            if row.get("refutes"):
                out.setdefault(derivation_id, set()).add(row_id)
    return out


DECIDING = _deciding()


def _same(a: Any, b: Any, rtol: float = 1e-6) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-300) or a == b
    return a == b


def _snapshot_rtol(derivation_id: str) -> dict[str, float]:
    """How closely a fresh quick run must reproduce each row of the snapshot: 1e-6, or the
    module's own ``SNAPSHOT_RTOL`` — a number for every row (float32 training is chaotic, so
    another CPU's kernels, AVX2 vs plain, move its figures by percents while every verdict stays
    the same), or a dict for the rows named (a float32 or iterative figure whose last digits
    depend on the CPU's kernels). Rows not named: 1e-6 (key ``""``)."""
    import ast

    tree = ast.parse(CATALOGUE[derivation_id].path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == \
                ["SNAPSHOT_RTOL"]:
            value = ast.literal_eval(node.value)
            if isinstance(value, dict):
                return {"": 1e-6, **{str(k): float(v) for k, v in value.items()}}
            return {"": float(value)}
    return {"": 1e-6}


def _upper_bound(row: dict[str, Any]) -> float | None:
    """The bound a row's measured value must stay under: the ``<``/``<=`` bound, or ``atol + rtol``
    of an element-wise comparison (whose measured value is the largest absolute difference);
    None for other rows."""
    relation, expected = str(row["relation"]), row["expected"]
    if relation in ("<", "<=") and isinstance(expected, (int, float)):
        return float(expected)
    found = re.fullmatch(r"≤ (\S+) \+ (\S+)·\|expected\|", relation)
    return float(found[1]) + float(found[2]) if found else None


def _rounding_residue(row: dict[str, Any], value: Any) -> bool:
    """A value of an "agree to rounding" row: under an upper bound of 1e-9 or less, or at least
    100 times under its row's bound. Its digits are the CPU's rounding — another machine's kernels
    (plain, AVX2, AVX-512, ARM) add in another order — so two such values say the same thing."""
    bound = _upper_bound(row)
    if bound is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    return abs(value) <= 0.01 * bound or (bound <= 1e-9 and abs(value) <= bound)


@pytest.mark.parametrize("derivation_id", sorted(CATALOGUE))
def test_snapshot_is_current(derivation_id: str) -> None:
    fresh = _fresh(derivation_id)
    rows = {e["id"]: e for e in fresh["evidence"] if not str(e["id"]).startswith("_")}
    snap = _snapshot(derivation_id)
    record = f"dlstudy prove {derivation_id} --device cpu --record"
    if snap is None:
        assert not rows, f"{derivation_id} has rows with ids but no snapshot: run `{record}`"
        return
    assert set(snap["rows"]) == set(rows), f"rows changed: run `{record}`"
    tolerances = _snapshot_rtol(derivation_id)
    loose = set()  # rows whose figures this machine need not repeat to the digit
    for row_id, old in snap["rows"].items():
        new = rows[row_id]
        rtol = tolerances.get(row_id, tolerances[""])
        assert old["passed"] == new["passed"], f"{row_id}: verdict changed; run `{record}`"
        if _rounding_residue(old, old["measured"]) and _rounding_residue(new, new["measured"]):
            if not _same(old["measured"], new["measured"]):
                loose.add(row_id)
        else:
            assert _same(old["measured"], new["measured"], rtol), \
                f"{row_id}: measured {new['measured']!r}, snapshot {old['measured']!r}; run `{record}`"
        assert _same(old["expected"], new["expected"], rtol), f"{row_id}: expected changed"
        if rtol > 1e-6:
            loose.add(row_id)
    for ref in QUOTED.get(derivation_id, []):
        if ref.row in loose:
            continue  # the card quotes the recorded run, which this machine need not repeat
        new_value = rows[ref.row][ref.field]
        assert bind.show(new_value, ref.format) == bind.show(snap["rows"][ref.row][ref.field],
                                                             ref.format), ref.text


@pytest.mark.parametrize("derivation_id", sorted(DECIDING))
def test_deciding_rows_have_teeth(derivation_id: str) -> None:
    """Against the misconception, each deciding row must decide the other way."""
    normal = {e["id"]: e for e in _fresh(derivation_id)["evidence"]}
    myth = _fresh(derivation_id, myth=True)
    assert myth["verdict"] != "error", f"the counterfactual run failed: {myth.get('error')}"
    flipped = {e["id"]: e for e in myth["evidence"]}
    for row_id in sorted(DECIDING[derivation_id]):
        assert row_id in normal, f"no row {row_id!r} in {derivation_id}"
        assert row_id in flipped, \
            f"{derivation_id}.{row_id}: missing from the p.myth run (run it against the myth)"
        assert flipped[row_id]["passed"] != normal[row_id]["passed"], (
            f"{derivation_id}.{row_id} decides the same way against the misconception "
            f"(measured {flipped[row_id]['measured']!r}): swap the myth in when p.myth is set")


def test_card_placeholders_render_without_heavy_imports() -> None:
    """Rendering a quoted number reads JSON only (the start-up budget)."""
    import subprocess
    import sys

    code = ("import sys; from dlstudy.library import load_library; lib = load_library(); "
            "[t.get(l) for c in lib.cards.values() for t in (c.question, c.answer, c.correction) "
            "if t for l in ('en', 'zh')]; "
            "print(sorted(m for m in ('torch', 'sympy', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "[]"


# -- a number that states a bound holds as printed ------------------------------------------------

_UPPER = r"at most|no more than|stays below|below|under|less than|≤|至多|最多|不超过|低于|小于"
_LOWER = r"at least|no less than|more than|above|exceeds|≥|至少|不少于|超过|高于|大于"
_BOUND_BEFORE = re.compile(rf"(?:(?P<upper>{_UPPER})|(?P<lower>{_LOWER}))[^.;:{{}}()（）。；：0-9]{{0,25}}$",
                           re.IGNORECASE)
_ABOUT = re.compile(r"about|roughly|around|≈|~|约|大约|左右")


def _wrong_side_bounds(text: str, value_of: Any) -> list[str]:
    """Placeholders right after "at most"/"at least" (and the like) whose printed, rounded value is
    on the wrong side of the recorded one: "at least 6·10³" for 5,967 is false as printed."""
    found = []
    for m in bind.PLACEHOLDER.finditer(text):
        bound = _BOUND_BEFORE.search(text[max(0, m.start() - 60):m.start()])
        if bound is not None and _ABOUT.search(bound.group(0)):
            bound = None  # "exceeds about 9.7": an approximation, not a bound
        ref = bind.parse(m.group(1))
        value = value_of(ref)
        if bound is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if ref.format[-1:] in ("↑", "↓"):
            continue  # the author chose the direction ("overflows above t" needs t rounded up)
        number = bind.printed_number(value, ref.format)
        if number is None:
            continue
        shown = bind.show(value, ref.format)
        if (bound["upper"] and number < value) or (bound["lower"] and number > value):
            found.append(f"…{text[max(0, m.start() - 30):m.start()]}{m.group(0)} prints {shown} for "
                         f"{value:.6g} (end the format with {'↑' if bound['upper'] else '↓'})")
    return found


def test_a_bound_holds_as_printed() -> None:
    def value_of(ref: bind.Ref) -> Any:
        snap = _snapshot(ref.derivation) if ref.scale == "quick" else json.loads(
            bind.snapshot_path(CATALOGUE[ref.derivation].path, "full").read_text(encoding="utf-8"))
        row = (snap or {}).get("rows", {}).get(ref.row)
        return None if row is None else row[ref.field]

    wrong = [f"{card.id} [{lang}] {problem}" for card in LIBRARY.cards.values()
             for text in (card.title, card.question, card.answer, card.correction) if text
             for lang in ("en", "zh") for problem in _wrong_side_bounds(text.raw(lang), value_of)]
    assert not wrong, "\n".join(wrong)


def test_the_bound_check_has_teeth() -> None:
    values = {"x.big": 5966.93, "x.small": 0.760527}

    def value_of(ref: bind.Ref) -> Any:
        return values[f"{ref.derivation}.{ref.row}"]

    assert _wrong_side_bounds("grows at least {{x.big|.2g}} times", value_of)
    assert not _wrong_side_bounds("grows at least {{x.big|.2g↓}} times", value_of)
    assert _wrong_side_bounds("最多相差 {{x.small|.2f}}", value_of)
    assert not _wrong_side_bounds("最多相差 {{x.small|.2f↑}}", value_of)
    assert not _wrong_side_bounds("every entry below 1 (largest {{x.small|.2f}})", value_of)
    assert not _wrong_side_bounds("σ_w 超过约 {{x.big|.2g}}", value_of)

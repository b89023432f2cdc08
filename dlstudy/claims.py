"""Claim cards: a true-or-false statement whose verdict is one evidence row of a derivation.

The YAML never says whether a claim is true. The card names a derivation and one of its
evidence rows (the exact quantity text, or a prefix only that row has) and whether the
statement *asserts* what the row checks or *denies* it (a misconception the row refutes):

    statement is true  ⇔  row passed  XOR  statement == "denies"

so if an experiment ever changed its outcome, the verdict would follow it.

:func:`mentions` is the cheap check ``dlstudy check`` makes without running anything: the
row's text must be one the derivation's source can produce. :func:`verdict` reads the
verdict off a result; :class:`PendingVerdict` gets that result — from the proof cache, or by
running the derivation in-process — in a background thread while the user thinks.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dlstudy.card import ClaimSpec

if TYPE_CHECKING:
    from dlstudy.derivation import DerivationInfo
    from dlstudy.evidence import Evidence, Result

DEVICE, SCALE = "cpu", "quick"  # claims are decided by the quick CPU run: seconds, deterministic
SYMPY_PREFIX = "(sympy) "  # Proof.identity prepends it to the row's text
ALLCLOSE_SUFFIX = " (max |Δ|)"  # Proof.allclose appends it
_HOLE = "\x00"  # stands for a {placeholder} of an f-string


@dataclass(frozen=True)
class Verdict:
    """Whether a claim's statement is true, and the evidence that decides it.

    Attributes:
        truth: True or False; None when it could not be decided (see ``problem``).
        row: the evidence row that decides it.
        result: the derivation's result (all its rows, for display).
        problem: why there is no verdict (the derivation failed to run, the row is missing…).
    """

    truth: bool | None
    row: Evidence | None = None
    result: Result | None = None
    problem: str | None = None


def find_row(evidence: Sequence[Evidence], text: str) -> Evidence:
    """The row whose quantity is ``text``, or the only one that starts with it.

    Raises ``LookupError`` saying what is wrong (no row, or several) otherwise.
    """
    exact = [e for e in evidence if e.quantity == text]
    if len(exact) == 1:
        return exact[0]
    starting = [e for e in evidence if e.quantity.startswith(text)]
    if len(exact) > 1 or len(starting) > 1:
        names = "; ".join(repr(e.quantity) for e in (exact or starting)[:4])
        raise LookupError(f"{len(exact) or len(starting)} evidence rows match {text!r} ({names}); "
                          "give more of the text")
    if not starting:
        raise LookupError(f"no evidence row is {text!r} or starts with it")
    return starting[0]


def verdict(spec: ClaimSpec, result: Result) -> Verdict:
    """The verdict ``result`` gives the claim ``spec``."""
    if result.verdict == "error":
        last = (result.error or "no error message").strip().splitlines()[-1]
        return Verdict(None, None, result, f"the derivation `{result.id}` did not run: {last}")
    try:
        row = find_row(result.evidence, spec.evidence)
    except LookupError as exc:
        return Verdict(None, None, result, f"derivation `{result.id}`: {exc}")
    return Verdict(row.passed != (spec.statement == "denies"), row, result)


def decide(spec: ClaimSpec, info: DerivationInfo, proofs: Path | None = None) -> Verdict:
    """The claim's verdict: from the proof cache in ``proofs`` if a result is there, else by
    running the derivation here (and caching the result). Imports torch only in that case."""
    from dlstudy.evidence import Result
    from dlstudy.runner import ProofCache, run_one

    cache = ProofCache(proofs) if proofs is not None else None
    result = cache.get(info, DEVICE, SCALE) if cache is not None else None
    if result is None:
        result = Result.from_dict(run_one(info.id, str(info.path), info.title.en, DEVICE, SCALE))
        if cache is not None:
            try:
                cache.put(info, result)
            except OSError:
                pass  # a cache that cannot be written only costs time
    return verdict(spec, result)


class PendingVerdict:
    """A claim's verdict being worked out in a background thread (see :func:`decide`)."""

    def __init__(self, spec: ClaimSpec, info: DerivationInfo | None, proofs: Path | None) -> None:
        self.spec = spec
        self._verdict: Verdict | None = None
        if info is None:
            self._verdict = Verdict(None, problem=f"no derivation named `{spec.derivation}`")
            self._thread: threading.Thread | None = None
            return
        self._thread = threading.Thread(target=self._run, args=(info, proofs), daemon=True,
                                        name=f"claim {info.id}")
        self._thread.start()

    def _run(self, info: DerivationInfo, proofs: Path | None) -> None:
        try:
            self._verdict = decide(self.spec, info, proofs)
        except Exception as exc:  # reported as "no verdict", never a crashed session
            self._verdict = Verdict(None, problem=f"could not run `{info.id}`: {exc}")

    def done(self) -> bool:
        return self._thread is None or not self._thread.is_alive()

    def result(self, timeout: float | None = None) -> Verdict:
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return Verdict(None, problem="the experiment is still running")
        assert self._verdict is not None
        return self._verdict


# --- the cheap check: could the derivation's source produce this row? ----------------------

def _bare(text: str) -> str:
    if text.startswith(SYMPY_PREFIX):
        text = text[len(SYMPY_PREFIX):]
    if text.endswith(ALLCLOSE_SUFFIX):
        text = text[: -len(ALLCLOSE_SUFFIX)]
    return text


def templates(source: str) -> list[str]:
    """Every string literal of ``source``; an f-string's placeholders become holes."""
    found: list[str] = []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                inner.add(id(value))
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append(value.value)
                else:
                    parts.append(_HOLE)
            found.append("".join(parts))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inner:
            found.append(node.value)
    return [t for t in found if len(t.replace(_HOLE, "")) >= 6]


def _prefix_of(text: str, template: str) -> bool:
    """Whether ``text`` is the beginning of something ``template`` renders to (a hole is any text),
    with at least a few of its characters matched by the template's own words — a template
    that is mostly placeholders (``f"{name}: {value}"``) does not vouch for any text."""

    def closure(states: dict[int, int]) -> dict[int, int]:
        out, todo = dict(states), list(states)
        while todo:
            j = todo.pop()
            if j < len(template) and template[j] == _HOLE and out.get(j + 1, -1) < out[j]:
                out[j + 1] = out[j]
                todo.append(j + 1)
        return out

    states = closure({0: 0})  # position in the template → literal characters matched so far
    for ch in text:
        moved: dict[int, int] = {}
        for j, matched in states.items():
            if j < len(template):
                if template[j] == _HOLE:
                    moved[j] = max(moved.get(j, 0), matched)
                elif template[j] == ch:
                    moved[j + 1] = max(moved.get(j + 1, 0), matched + 1)
        if not moved:
            return False
        states = closure(moved)
    return max(states.values()) >= min(8, len(text))


def mentions(source: str, text: str) -> bool:
    """Whether the derivation ``source`` has a string that can produce the evidence row ``text``
    (or a row starting with it), without running anything."""
    bare = _bare(text)
    return any(_prefix_of(bare, template) for template in templates(source))

"""Claim cards: a true-or-false statement whose verdict is one evidence row of a derivation.

The YAML never says whether a claim is true. The card names a derivation and the id of one of
its evidence rows (``id="..."`` in the derivation) and whether the statement *asserts* what
the row checks or *denies* it (a misconception the row refutes):

    statement is true  ⇔  row passed  XOR  statement == "denies"

so if an experiment ever changed its outcome, the verdict would follow it.

:func:`row_ids` is the cheap check ``dlstudy check`` makes without running anything: the
row's id must be written in the derivation's source. :func:`verdict` reads the
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


def find_row(evidence: Sequence[Evidence], row_id: str) -> Evidence:
    """The row recorded under ``row_id``; ``LookupError`` saying what is wrong otherwise."""
    for row in evidence:
        if row.id == row_id:
            return row
    raise LookupError(f"no evidence row has the id `{row_id}`")


def verdict(spec: ClaimSpec, result: Result) -> Verdict:
    """The verdict ``result`` gives the claim ``spec``."""
    if result.verdict == "error":
        last = (result.error or "no error message").strip().splitlines()[-1]
        return Verdict(None, None, result, f"the derivation `{result.id}` did not run: {last}")
    try:
        row = find_row(result.evidence, spec.row)
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


# --- the cheap check: the row ids a derivation's source gives --------------------------------

def row_ids(source: str) -> dict[str, int]:
    """Each literal ``id="..."`` passed to a call in ``source``, with the line of its first use.

    Only literal ids count: a card can name a row only by an id that is written out."""
    found: dict[str, int] = {}
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "id" and isinstance(kw.value, ast.Constant) \
                        and isinstance(kw.value.value, str):
                    found.setdefault(kw.value.value, node.lineno)
    return found

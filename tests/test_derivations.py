"""Every bundled derivation holds on the CPU at quick scale — the claims on the cards are true."""

from __future__ import annotations

import pytest

from dlstudy import paths
from dlstudy.derivation import discover
from tests.studykit import quick_run

CATALOGUE, PROBLEMS = discover([paths.bundled_derivations()])


def test_catalogue_reads_cleanly() -> None:
    assert PROBLEMS == []
    assert CATALOGUE


@pytest.mark.parametrize("derivation_id", sorted(CATALOGUE))
def test_derivation_holds(derivation_id: str) -> None:
    result = quick_run(derivation_id)
    failed = [e for e in result["evidence"] if not e["passed"]]  # type: ignore[union-attr]
    assert result["verdict"] == "pass", result.get("error") or failed
    assert any(str(e["quantity"]).startswith("(sympy)") for e in result["evidence"]), \
        "the symbolic part must assert at least one identity"  # type: ignore[union-attr]
    assert any(not str(e["quantity"]).startswith("(sympy)") for e in result["evidence"]), \
        "the numeric part must record at least one measurement"  # type: ignore[union-attr]

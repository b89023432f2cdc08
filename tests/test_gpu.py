"""On a CUDA GPU: every derivation holds at quick scale on the device (skipped without one).

`dlstudy prove --device cuda` runs the same modules as the CPU suite; these tests catch what only
a GPU shows — a tensor left on the host, float64 where the device needs care, a device generator
used with a host tensor.
"""

from __future__ import annotations

import pytest

from dlstudy import paths
from dlstudy.derivation import discover
from dlstudy.runner import run_one

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]

CATALOGUE, _ = discover([paths.bundled_derivations()])


@pytest.mark.parametrize("derivation_id", sorted(CATALOGUE))
def test_derivation_holds_on_cuda(derivation_id: str) -> None:
    info = CATALOGUE[derivation_id]
    result = run_one(info.id, str(info.path), info.title.en, "cuda", "quick")
    failed = [e["quantity"] for e in result["evidence"] if not e["passed"]]  # type: ignore[union-attr]
    assert result["device"] == "cuda"
    assert result["verdict"] == "pass", result.get("error") or failed


def test_the_device_resolves_to_cuda() -> None:
    from dlstudy.device import resolve

    assert resolve("auto") == "cuda" and resolve("cuda") == "cuda"

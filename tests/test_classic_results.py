"""The classic training results hold at quick scale on the CPU, whatever the seed.

Each of these derivations trains small networks and compares final losses with a
threshold; a verdict that held for seed 0 only would be luck. Five seeds each.
"""

from __future__ import annotations

from typing import Any, cast

import pytest

from dlstudy import paths
from dlstudy.derivation import discover
from dlstudy.runner import run_one

CATALOGUE, _ = discover([paths.bundled_derivations()])

CLASSIC_RESULTS = [
    "rnn_adding_problem",  # Hochreiter & Schmidhuber: tanh RNN at chance, LSTM and GRU solve it
    "residual_degradation",  # He et al.: deeper plain net trains worse, residual does not
    "reg_adamw_training",  # Loshchilov & Hutter: Adam + L2 decays per weight, AdamW uniformly
    "norm_small_batch_training",  # BN degrades at small batches, LN does not
]
SEEDS = range(5)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("derivation_id", CLASSIC_RESULTS)
def test_classic_result_holds_for_every_seed(derivation_id: str, seed: int) -> None:
    info = CATALOGUE[derivation_id]
    result = run_one(info.id, str(info.path), info.title.en, "cpu", "quick", seed=seed)
    evidence = cast(list[dict[str, Any]], result["evidence"])
    failed = [(e["quantity"], e["measured"], e["relation"], e["expected"]) for e in evidence if not e["passed"]]
    assert result["verdict"] == "pass", result.get("error") or failed
    assert result["plots"], "a training experiment shows its loss curves"

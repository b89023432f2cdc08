"""The benchmark scripts still run (on tiny sizes): they are how the budgets get measured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_review_scale_benchmark_runs_on_a_small_database() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "review_scale.py"),
                          "--cards", "40", "--reviews", "400", "--runs", "1"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "review start to first card" in out.stdout and "stats" in out.stdout

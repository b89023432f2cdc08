"""The benchmark scripts still run (on tiny sizes): they are how the budgets get measured."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_review_scale_benchmark_runs_on_a_small_database() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "review_scale.py"),
                          "--cards", "40", "--reviews", "400", "--runs", "1"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "review start to first card" in out.stdout and "stats" in out.stdout


def test_plan_benchmark_runs_on_a_small_deck() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "plan.py"),
                          "--cards", "40", "--days", "10", "--runs", "1"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "plan (40 cards" in out.stdout and "budget 2 s" in out.stdout
    assert "make_plan alone" in out.stdout


def _bare_python() -> Path:
    """The interpreter this environment was made from, without its packages (like a system
    ``python3``); the test is skipped where that one can run dlstudy anyway."""
    bare = Path(sys.base_prefix) / "bin" / "python3"
    if not bare.exists():
        pytest.skip("no base interpreter next to this environment")
    if subprocess.run([str(bare), "-s", "-E", "-c", "import typer"], capture_output=True).returncode == 0:
        pytest.skip("the base interpreter has dlstudy's packages")
    return bare


def test_a_benchmark_run_by_the_wrong_python_says_which_to_use(tmp_path: Path) -> None:
    bare = _bare_python()
    shutil.copytree(ROOT / "benchmarks", tmp_path / "benchmarks")  # no .venv next to it
    for script in ("prove_all.py", "first_card.py", "review_scale.py", "gpu.py", "plan.py"):
        out = subprocess.run([str(bare), "-s", "-E", str(tmp_path / "benchmarks" / script), "--help"],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr
        assert "cannot import typer" in out.stderr and ".venv/bin/python" in out.stderr


def test_a_benchmark_run_by_the_wrong_python_restarts_in_the_project_venv(tmp_path: Path) -> None:
    bare = _bare_python()
    shutil.copytree(ROOT / "benchmarks", tmp_path / "benchmarks")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    if not (tmp_path / ".venv" / "bin" / "python").exists():
        pytest.skip("this environment is not a venv")
    out = subprocess.run([str(bare), "-s", "-E", str(tmp_path / "benchmarks" / "prove_all.py"), "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "running with" in out.stderr and "usage: prove_all.py" in out.stdout

"""`list`, `show` and `check` never import torch, sympy or numpy: the quiz path stays fast."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
from typer.testing import CliRunner
from dlstudy.cli import app
result = CliRunner().invoke(app, {args!r})
assert result.exit_code == 0, result.output
print(" ".join(m for m in ("torch", "sympy", "numpy") if m in sys.modules))
"""


@pytest.mark.parametrize("args", [["list"], ["show", "mlp-why-nonlinearity"], ["check"], ["--help"],
                                  ["list", "--kind", "code"], ["show", "code-gru-cell"],
                                  ["search", "lstm", "gate"], ["search", "梯度"], ["stats"], ["optimize"]])
def test_command_does_not_import_heavy_libraries(args: list[str]) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=args)],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"`dlstudy {' '.join(args)}` imported {out.stdout.strip()}"

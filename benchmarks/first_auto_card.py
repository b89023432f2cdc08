"""Time from starting `dlstudy quiz --kind exercise|claim` to the first such card on screen, and
to its graded result when the answer is typed at once.

Budget (issue "auto-graded cards"): the first exercise or claim card on screen within 3 s cold;
recall cards never pay for it (benchmarks/first_card.py). The task appears before torch is
imported (the numbers are drawn first); the answer — torch import, the real module, or for a
claim the derivation's evidence — is computed in a background thread while the user thinks.
Typing the answer at once therefore measures the worst case: nobody is that fast.

Each run is a fresh process (cold interpreter) on a fresh data dir; the library cache is warm
(the very first run builds it). A claim's verdict is timed with an empty proof cache (the
derivation runs in-process) and with a warm one.

    python benchmarks/first_auto_card.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import typing

from _interpreter import HEAVY, LIGHT, require  # benchmarks/ is sys.path[0] when run as a script

require(LIGHT + HEAVY)

PANEL_END = "╰".encode()


def stderr_of(proc: subprocess.Popen[bytes], errors: typing.IO[bytes]) -> str:
    """Why a dlstudy process stopped: its exit status and the end of its stderr."""
    code = proc.wait()
    errors.seek(0)
    text = errors.read().decode(errors="replace").strip()[-3000:]
    return f"\n(exit status {code})" + (f"\n{text}" if text else " and nothing on stderr")


def run(args: list[str], answer: str, done: bytes, env: dict[str, str]) -> tuple[float, float]:
    """Milliseconds until the first card's panel is fully printed, and until ``done`` appears
    after ``answer`` was typed the moment the panel showed."""
    errors = tempfile.TemporaryFile()  # noqa: SIM115 -- dlstudy's stderr, to explain an early stop
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "dlstudy", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=errors, env=env)
    assert proc.stdout is not None and proc.stdin is not None
    seen, shown = b"", 0.0
    while done not in seen:
        chunk = proc.stdout.read1(65536)
        if not chunk:
            raise SystemExit(f"dlstudy {' '.join(args)} stopped early:\n{seen.decode()}"
                             f"{stderr_of(proc, errors)}")
        seen += chunk
        if not shown and PANEL_END in seen:
            shown = (time.perf_counter() - started) * 1000
            proc.stdin.write(answer.encode() + b"\n")
            proc.stdin.flush()
    graded = (time.perf_counter() - started) * 1000
    proc.stdin.write(b"q\n")
    proc.stdin.close()
    proc.wait()
    return shown, graded


def measure(label: str, args: list[str], answer: str, done: bytes, env: dict[str, str],
            runs: int, before: object = None) -> None:
    shown, graded = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            if callable(before):
                before()
            s, g = run(args, answer, done, dict(env, DLSTUDY_HOME=home))
        shown.append(s)
        graded.append(g)
    print(f"{label:<34} on screen: median {statistics.median(shown):5.0f} ms (max {max(shown):5.0f})"
          f" · graded: median {statistics.median(graded):5.0f} ms (max {max(graded):5.0f})"
          f" · {runs} cold runs · budget 3000 ms on screen")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    ns = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, DLSTUDY_CACHE=cache, DLSTUDY_LANG="en")
        env.pop("DLSTUDY_DECKS", None)
        with tempfile.TemporaryDirectory() as home:  # builds the library cache
            run(["quiz", "-n", "1"], "q", b"Session over", dict(env, DLSTUDY_HOME=home))
        exercise = ["quiz", "--topic", "rnn", "--kind", "exercise", "-n", "1", "--seed", "1"]
        claim = ["quiz", "--topic", "rnn", "--kind", "claim", "-n", "1"]
        measure("exercise (nn.LSTM parameter count)", exercise, "0", b"expected", env, ns.runs)
        proofs = os.path.join(cache, "proofs")
        measure("claim, empty proof cache", claim, "t", b"the statement is", env, ns.runs,
                before=lambda: shutil.rmtree(proofs, ignore_errors=True))
        measure("claim, proof cached", claim, "t", b"the statement is", env, ns.runs)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    print(f"(python -c 'import torch' alone: {(time.perf_counter() - started) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()

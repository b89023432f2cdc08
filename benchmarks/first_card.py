"""Time from starting `dlstudy quiz` / `dlstudy review` to the first question panel on screen.

Budget (DESIGN.md): ≤ 250 ms cold, and neither torch, sympy nor numpy imported.
Each run is a fresh process (cold interpreter) on an existing data dir; the very first
run, which creates the database and the library cache, is reported on its own.

    python benchmarks/first_card.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import typing

from _interpreter import LIGHT, require  # benchmarks/ is sys.path[0] when run as a script

require(LIGHT)

PANEL_END = "╰".encode()


def stderr_of(proc: subprocess.Popen[bytes], errors: typing.IO[bytes]) -> str:
    """Why a dlstudy process stopped: its exit status and the end of its stderr."""
    code = proc.wait()
    errors.seek(0)
    text = errors.read().decode(errors="replace").strip()[-3000:]
    return f"\n(exit status {code})" + (f"\n{text}" if text else " and nothing on stderr")


def first_card_ms(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall milliseconds until the first question panel is fully printed (then the session is
    quit), and the CPU milliseconds of the whole process (steadier on a busy machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    errors = tempfile.TemporaryFile()  # noqa: SIM115 -- dlstudy's stderr, to explain an early stop
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "dlstudy", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=errors, env=env)
    assert proc.stdout is not None and proc.stdin is not None
    seen = b""
    while PANEL_END not in seen:
        chunk = proc.stdout.read1(65536)
        if not chunk:
            raise SystemExit(f"dlstudy {' '.join(args)} showed no card:\n{seen.decode()}"
                             f"{stderr_of(proc, errors)}")
        seen += chunk
    elapsed = (time.perf_counter() - started) * 1000
    proc.stdin.write(b"q\n")
    proc.stdin.close()
    proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return elapsed, cpu


def heavy_modules(args: list[str], env: dict[str, str]) -> list[str]:
    """Heavy modules loaded by a whole scripted session (reveal, grade, quit)."""
    probe = ("import runpy, sys\n"
             "try:\n"
             f"    sys.argv = ['dlstudy', *{args!r}]\n"
             "    runpy.run_module('dlstudy', run_name='__main__')\n"
             "except SystemExit:\n"
             "    pass\n"
             "heavy = [m for m in ('torch', 'sympy', 'numpy') if m in sys.modules]\n"
             "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", probe], input="\n3\nq\n", capture_output=True,
                         text=True, env=env)
    line = next((ln for ln in out.stderr.splitlines() if ln.startswith("HEAVY=")), "HEAVY=?")
    return [m for m in line[6:].split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    ns = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, DLSTUDY_HOME=home, DLSTUDY_LANG="en")
        env.pop("DLSTUDY_DECKS", None)
        first, _ = first_card_ms(["quiz"], env)
        base = statistics.median(_python_ms() for _ in range(ns.runs))
        print(f"python -c pass (interpreter start alone): median {base:6.0f} ms")
        print(f"first run (creates database and library cache): {first:6.0f} ms")
        for command in (["quiz"], ["review", "--new", "1000"]):
            runs = [first_card_ms(command, env) for _ in range(ns.runs)]
            times = sorted(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(f"dlstudy {' '.join(command):<18} first card: median {statistics.median(times):6.0f} ms"
                  f"  (min {times[0]:.0f}, max {times[-1]:.0f}; CPU {cpu:.0f} ms; {ns.runs} cold runs;"
                  " budget 250 ms)")
        heavy = heavy_modules(["quiz"], env)
        print("heavy modules imported by a quiz session:", ", ".join(heavy) or "none")


def _python_ms() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()

"""Time `dlstudy prove --all --scale quick` cold (empty cache) and cached.

Budget (DESIGN.md): ≤ 60 s cold and ≤ 3 s cached on 2 CPU cores.

    python benchmarks/prove_all.py [--jobs N] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from _interpreter import HEAVY, LIGHT, require  # benchmarks/ is sys.path[0] when run as a script

require(LIGHT + HEAVY)


def run(home: str, jobs: int | None, device: str) -> tuple[float, list[dict[str, object]]]:
    cmd = [sys.executable, "-m", "dlstudy", "prove", "--all", "--scale", "quick",
           "--device", device, "--json"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    env = dict(os.environ, DLSTUDY_HOME=home)
    started = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if out.returncode not in (0, 1):
        sys.exit(f"prove failed ({out.returncode}):\n{out.stderr}")
    try:
        return seconds, json.loads(out.stdout)
    except ValueError:
        sys.exit(f"prove printed no JSON (exit status {out.returncode}):\n{out.stdout[-2000:]}\n"
                 f"{out.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=None, help="default: the number of cores")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        cold, results = run(home, args.jobs, args.device)
        cached, again = run(home, args.jobs, args.device)
    passed = sum(r["verdict"] == "pass" for r in results)
    slowest = sorted(results, key=lambda r: -float(r["seconds"]))[:5]  # type: ignore[arg-type]
    print(f"derivations: {len(results)} ({passed} pass) on {os.cpu_count()} cores, device {args.device}")
    print(f"prove --all --scale quick, cold:   {cold:6.2f} s   (budget 60 s)")
    print(f"prove --all --scale quick, cached: {cached:6.2f} s   (budget 3 s)")
    print("slowest:", ", ".join(f"{r['id']} {float(r['seconds']):.2f}s" for r in slowest))  # type: ignore[arg-type]
    if [r["verdict"] for r in again] != [r["verdict"] for r in results]:
        print("warning: cached verdicts differ from the cold run")


if __name__ == "__main__":
    main()

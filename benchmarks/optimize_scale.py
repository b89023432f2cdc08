"""`dlstudy optimize` on a large review log: wall time and peak memory.

The FSRS engine (fsrs-rs-python, as Anki) trains on one item per review prefix of every card,
so its input grows with the square of reviews per card. This script writes decks and a log of
the given size (the same generator as ``review_scale.py``: plausible states, not replayed), runs
``dlstudy optimize`` in a child process and prints its wall time, CPU time and peak resident
memory (the child's ``ru_maxrss``).

    python benchmarks/optimize_scale.py [--cards 10000] [--reviews 1000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _interpreter import LIGHT, require  # benchmarks/ is sys.path[0] when run as a script

require(LIGHT)

from review_scale import write_decks, write_log  # noqa: E402 -- after require()


def run_optimize(env: dict[str, str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, peak RSS (MiB) of one ``dlstudy optimize``, and its output."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "dlstudy", "optimize"], env=env,
                                 stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        log.seek(0)
        out = log.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"optimize failed (exit status {os.waitstatus_to_exitcode(status)}):\n{out[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    ns = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home, decks = Path(tmp) / "home", Path(tmp) / "decks"
        ids = write_decks(decks, ns.cards)
        took = write_log(home, ids, ns.reviews)
        print(f"generated {len(ids):,} cards and {ns.reviews:,} reviews "
              f"({ns.reviews // len(ids)} per card) in {took:.1f} s")
        env = dict(os.environ, DLSTUDY_HOME=str(home), DLSTUDY_DECKS=str(decks), DLSTUDY_LANG="en")
        wall, cpu, peak, out = run_optimize(env)
        print(out.rstrip())
        print(f"optimize: {wall:.1f} s wall, {cpu:.1f} s CPU, peak resident memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main()

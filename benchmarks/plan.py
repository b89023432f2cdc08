"""`dlstudy plan` for 500 cards over 60 days.

Budget (issue 15): ≤ 2 s. The script writes 500 cards (20 topics) and a review history for
half of them (the other half are new), then times the whole command — process start,
loading the decks, the simulations that choose the target, the printed forecast — and, in
this process, the planning alone (``dlstudy.plan.make_plan``).

    python benchmarks/plan.py [--cards 500] [--days 60] [--minutes 60] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from _interpreter import LIGHT, require  # benchmarks/ is sys.path[0] when run as a script

require(LIGHT)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from review_scale import timed, write_decks, write_log  # noqa: E402 -- after require()

from dlstudy.plan import PlanCard, make_plan  # noqa: E402
from dlstudy.scheduler import SchedulerConfig, utcnow  # noqa: E402
from dlstudy.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    ns = parser.parse_args()
    until = date.today() + timedelta(days=ns.days)
    with tempfile.TemporaryDirectory() as tmp:
        home, decks = Path(tmp) / "home", Path(tmp) / "decks"
        ids = write_decks(decks, ns.cards)
        studied = ids[: len(ids) // 2]
        write_log(home, studied, len(studied) * 8)
        env = dict(os.environ, DLSTUDY_HOME=str(home), DLSTUDY_DECKS=str(decks), DLSTUDY_LANG="en")
        command = [sys.executable, "-m", "dlstudy", "plan", "--until", until.isoformat(),
                   "--minutes-per-day", str(ns.minutes), "--tag", "bench"]
        timed(command, env)  # the first run writes the library cache
        runs = [timed(command, env) for _ in range(ns.runs)]
        wall = statistics.median(w for w, _, _ in runs)
        cpu = statistics.median(c for _, c, _ in runs)
        print(f"plan ({len(ids)} cards, {len(studied)} with a history, {ns.days} days, "
              f"{ns.minutes} min a day): median {wall:.2f} s wall, {cpu:.2f} s CPU "
              f"({ns.runs} runs; budget 2 s)")
        with Store.open(home) as store:
            states = store.states()
        cards = [PlanCard(cid, cid[:8], 1 + i % 3, "recall", states.get(cid))
                 for i, cid in enumerate(ids)]
        started = time.perf_counter()
        made = make_plan(cards, SchedulerConfig(), utcnow(), until, ns.minutes)
        took = time.perf_counter() - started
        print(f"make_plan alone: {took:.2f} s; target {made.target:.0%}, predicted recall on "
              f"the date {made.forecast.mean():.1%}, covered: {made.covered} "
              f"(needs {made.needed_minutes} min a day)")


if __name__ == "__main__":
    main()

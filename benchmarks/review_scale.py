"""`review` start and `stats` with 10,000 cards and 1,000,000 logged reviews.

Budget (issue): `review` start (process start to the first card on screen) ≤ 500 ms,
`stats` ≤ 2 s. The script writes the decks (20 topics × 500 cards) and a database of that
size itself — states plausible, not replayed: the log is written in one transaction with
``executemany``, and every card's cached state names its last review, as the store keeps it.

    python benchmarks/review_scale.py [--cards 10000] [--reviews 1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _interpreter import LIGHT, require  # benchmarks/ is sys.path[0] when run as a script

require(LIGHT)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from first_card import first_card_ms  # noqa: E402 -- after require()

from dlstudy.scheduler import SchedulerConfig, to_us, utcnow  # noqa: E402
from dlstudy.store import Store  # noqa: E402

DAY_US = 86_400_000_000
# Named columns: the log gains columns through migrations (schema v2 added three).
INSERT_REVIEW = ("INSERT INTO reviews (id, card, rating, at, duration_ms, version, predicted, mode, "
                 "state_before, interval_before, elapsed_days, review_no, lapses_before) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
TOPICS = 20


def write_decks(folder: Path, cards: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    ids: list[str] = []
    per = cards // TOPICS
    for t in range(TOPICS):
        lines = [f"topic: bench-{t:02d}", f"title: {{en: Bench topic {t}, zh: 基准 {t}}}", "cards:"]
        for i in range(per):
            cid = f"bench-{t:02d}-{i:05d}"
            ids.append(cid)
            lines += [f"  - id: {cid}",
                      f"    title: {{en: Card {i} of topic {t}, zh: 卡片 {i}}}",
                      "    tags: [bench]",
                      f"    question: {{en: 'What is {i} + {t}?', zh: '{i} + {t} 等于几？'}}",
                      f"    answer: {{en: 'It is {i + t}: addition commutes.', zh: '等于 {i + t}。'}}"]
        (folder / f"bench-{t:02d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


def write_log(home: Path, ids: list[str], reviews: int, seed: int = 0) -> float:
    """Fill the database: ``reviews`` log entries spread over two years, and the card states."""
    started = time.perf_counter()
    rng = random.Random(seed)
    now = to_us(utcnow())
    with Store.open(home) as store:
        version = store.scheduler(SchedulerConfig()).version
        per_card = reviews // len(ids)

        def fill(conn: object) -> None:
            conn.executemany("INSERT INTO cards (number, id) VALUES (?, ?)",  # type: ignore[attr-defined]
                             ((n + 1, cid) for n, cid in enumerate(ids)))
            rows = []
            states = []
            rid = 0
            for n in range(1, len(ids) + 1):
                at = now - 730 * DAY_US + rng.randrange(30 * DAY_US)
                first = at
                gap = None
                lapses = 0
                for k in range(per_card):
                    rid += 1
                    rating = rng.choices((1, 2, 3, 4), (10, 10, 70, 10))[0]
                    days = None if gap is None else gap // DAY_US
                    predicted = None if not days else rng.uniform(0.6, 0.99)
                    rows.append((rid, n, rating, at, rng.randrange(2000, 30000), version,
                                 predicted, "review", 0 if k == 0 else 2,
                                 None if gap is None else gap / DAY_US, days, k + 1, lapses))
                    lapses += rating == 1 and bool(days)
                    gap = rng.randrange(DAY_US // 2, 14 * DAY_US)
                    at += gap
                due = now + rng.randrange(-20 * DAY_US, 120 * DAY_US)
                states.append((n, 2, None, rng.uniform(1, 200), rng.uniform(1, 10), due, at, first, rid))
                if len(rows) >= 200_000:
                    conn.executemany(INSERT_REVIEW, rows)  # type: ignore[attr-defined]
                    rows.clear()
            conn.executemany(INSERT_REVIEW, rows)  # type: ignore[attr-defined]
            conn.executemany("INSERT INTO card_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", states)  # type: ignore[attr-defined]

        store.write(fill)  # type: ignore[arg-type]
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert store.cache_ok()
    return time.perf_counter() - started


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd[2:])} failed (exit status {out.returncode}):\n{out.stderr[-3000:]}")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    ns = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home, decks = Path(tmp) / "home", Path(tmp) / "decks"
        ids = write_decks(decks, ns.cards)
        took = write_log(home, ids, ns.reviews)
        size = (home / "reviews.sqlite3").stat().st_size / 2**20
        print(f"generated {len(ids):,} cards and {ns.reviews:,} reviews in {took:.1f} s "
              f"(database {size:.0f} MiB)")
        env = dict(os.environ, DLSTUDY_HOME=str(home), DLSTUDY_DECKS=str(decks), DLSTUDY_LANG="en")
        wall, cpu = first_card_ms(["review"], env)
        print(f"review start, first run (parses the 10k-card decks, writes the library cache): "
              f"{wall:.0f} ms wall, {cpu:.0f} ms CPU")
        runs = [first_card_ms(["review"], env) for _ in range(ns.runs)]
        print(f"review start to first card: median {statistics.median(w for w, _ in runs):.0f} ms wall, "
              f"{statistics.median(c for _, c in runs):.0f} ms CPU ({ns.runs} runs; budget 500 ms)")
        stats = [timed([sys.executable, "-m", "dlstudy", "stats"], env) for _ in range(max(1, ns.runs // 2))]
        print(f"stats: median {statistics.median(w for w, _, _ in stats):.2f} s wall, "
              f"{statistics.median(c for _, c, _ in stats):.2f} s CPU (budget 2 s)")
        wall, cpu, text = timed([sys.executable, "-m", "dlstudy", "stats", "--json"], env)
        data = json.loads(text)
        print(f"stats --json: {wall:.2f} s wall, {cpu:.2f} s CPU; {data['reviews']:,} reviews, "
              f"retention {data['retention']:.3f}, log loss {data['fit']['log_loss']:.3f}")


if __name__ == "__main__":
    main()

"""Two sessions at once on one data dir: both finish, and no grade is lost."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

from tests.studykit import PYTHON, TOPIC, drill_deck, log, states, subprocess_env

ACK = re.compile(r"graded (drill-\d+) (Again|Hard|Good|Easy)")
RATING = {"Again": 1, "Hard": 2, "Good": 3, "Easy": 4}
CARDS = 30


def test_two_sessions_at_once_lose_no_write(tmp_path: Path) -> None:
    home, decks = tmp_path / "home", tmp_path / "decks"
    drill_deck(decks, n=CARDS)
    env = subprocess_env(home, decks)
    subprocess.run([PYTHON, "-m", "dlstudy", "quiz", "--topic", TOPIC], input=b"q\n", env=env,
                   check=True, capture_output=True)  # creates the database and the library cache
    procs = [subprocess.Popen([PYTHON, "-m", "dlstudy", "quiz", "--topic", TOPIC], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    for proc in procs:  # both are showing their first card: now they grade at the same time
        assert proc.stdout is not None
        seen = b""
        while "╰".encode() not in seen:
            chunk = proc.stdout.read1(65536)
            assert chunk, seen.decode()
            seen += chunk
    script = "".join(f"\n{'34'[i % 2]}\n" for i in range(CARDS)).encode()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(script)
        proc.stdin.close()
    outputs = []
    for proc in procs:
        assert proc.stdout is not None and proc.stderr is not None
        outputs.append((proc.stdout.read(), proc.stderr.read()))
        proc.wait(timeout=120)
    for proc, (_, errors) in zip(procs, outputs):
        assert proc.returncode == 0, errors.decode()
        assert b"Traceback" not in errors
    acked = Counter((card, RATING[name]) for out, _ in outputs
                    for card, name in ACK.findall(out.decode()))
    assert sum(acked.values()) == 2 * CARDS
    assert Counter(log(home)) == acked  # every grade of both sessions, none lost or doubled
    with sqlite3.connect(home / "reviews.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    from dlstudy.store import Store

    with Store.open(home) as store:
        assert store.cache_ok()
        live = states(home)
        store.rebuild()
        assert states(home) == live

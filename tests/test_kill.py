"""A session killed at any moment loses no acknowledged grade and leaves a sound database.

A real process runs a scripted quiz and is SIGKILLed at a random moment, many times over
on one data dir. After each kill, every grade it acknowledged ("graded <card> <rating>")
is in the log, in order, and at most one more (committed, killed before it could say so).
At the end the database passes ``PRAGMA integrity_check`` and replaying the log gives the
cached states. Most runs fork from this process (cheap on two slow cores); two are full
``python -m dlstudy`` subprocesses.
"""

from __future__ import annotations

import io
import os
import random
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.studykit import PYTHON, TOPIC, drill_deck, log, states, subprocess_env

ACK = re.compile(r"graded (drill-\d+) (Again|Hard|Good|Easy)")
RATING = {"Again": 1, "Hard": 2, "Good": 3, "Easy": 4}
CARDS = 12


def script(rng: random.Random) -> bytes:
    return "".join(f"\n{rng.choice('12334')}\n" for _ in range(CARDS)).encode()


def forked_session(env: dict[str, str], commands: bytes, kill_after: float | None) -> str:
    """Run ``dlstudy quiz`` in a forked child fed ``commands``; SIGKILL it after ``kill_after`` s."""
    # Imported before the fork, so the child starts at once.
    import dlstudy.cli
    import dlstudy.terminal  # noqa: F401

    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.dup2(stdin_r, 0)
            os.dup2(stdout_w, 1)
            for fd in (stdin_r, stdin_w, stdout_r, stdout_w):
                os.close(fd)
            sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
            sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
            os.environ.update(env)
            sys.argv = ["dlstudy", "quiz", "--topic", TOPIC]
            from dlstudy.cli import main

            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        except BaseException:
            code = 3
        os._exit(code)
    os.close(stdin_r)
    os.close(stdout_w)
    os.write(stdin_w, commands)
    os.close(stdin_w)
    out = b""
    deadline = None if kill_after is None else time.monotonic() + kill_after
    while True:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([stdout_r], [], [], timeout)
        if not ready:  # the moment has come
            os.kill(pid, signal.SIGKILL)
            break
        chunk = os.read(stdout_r, 65536)
        if not chunk:
            break
        out += chunk
    while chunk := os.read(stdout_r, 65536):  # what it wrote before it died
        out += chunk
    os.close(stdout_r)
    os.waitpid(pid, 0)
    return out.decode("utf-8", "replace")


def check_after_kill(home: Path, before: int, out: str) -> int:
    acked = [(card, RATING[name]) for card, name in ACK.findall(out)]
    entries = log(home)[before:]
    assert entries[:len(acked)] == acked, "an acknowledged grade is missing from the log"
    assert len(entries) - len(acked) in (0, 1), "grades were committed without being acknowledged"
    return before + len(entries)


def check_database(home: Path) -> None:
    with sqlite3.connect(home / "reviews.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    from dlstudy.store import Store

    with Store.open(home) as store:
        assert store.cache_ok()
        live = states(home)
        store.rebuild()
        assert states(home) == live


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_killed_session_keeps_every_acknowledged_grade(tmp_path: Path) -> None:
    home, decks = tmp_path / "home", tmp_path / "decks"
    drill_deck(decks, n=CARDS)
    env = subprocess_env(home, decks)
    env["DLSTUDY_CACHE"] = str(tmp_path / "cache")
    rng = random.Random(int(os.environ.get("DLSTUDY_KILL_SEED", "20261122")))
    forked_session(env, script(rng), kill_after=None)  # warms the library cache
    started = time.monotonic()
    whole = forked_session(env, script(rng), kill_after=None)  # how long a whole run takes
    span = time.monotonic() - started
    assert len(ACK.findall(whole)) >= CARDS
    count = len(log(home))
    kills = 0
    for _ in range(22):
        out = forked_session(env, script(rng), kill_after=rng.uniform(0, 0.8 * span))
        count = check_after_kill(home, count, out)
        kills += "Session over" not in out
    assert kills >= 8  # many runs really were cut short (timing on a busy machine varies)
    assert count > CARDS
    check_database(home)


def test_killed_dlstudy_process_keeps_every_acknowledged_grade(tmp_path: Path) -> None:
    """The same with a whole ``python -m dlstudy`` process, killed right after an acknowledgement
    or a few milliseconds later (mid-commit, mid-render)."""
    home, decks = tmp_path / "home", tmp_path / "decks"
    drill_deck(decks, n=CARDS)
    env = subprocess_env(home, decks)
    rng = random.Random(5)
    count = 0
    for wait_acks in (2, 5):
        proc = subprocess.Popen([PYTHON, "-m", "dlstudy", "quiz", "--topic", TOPIC], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(script(rng))
        proc.stdin.close()
        out = b""
        while len(ACK.findall(out.decode("utf-8", "replace"))) < wait_acks:
            chunk = proc.stdout.read1(65536)
            assert chunk, out.decode()
            out += chunk
        time.sleep(rng.uniform(0, 0.02))
        proc.send_signal(signal.SIGKILL)
        out += proc.stdout.read()
        proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        count = check_after_kill(home, count, out.decode("utf-8", "replace"))
    check_database(home)

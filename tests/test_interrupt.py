"""Ctrl-C during a parallel `prove --all`: out within moments, exit 130, what finished cached."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.studykit import ROOT


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_two_ctrl_c_stop_a_parallel_prove_all_at_once_and_keep_what_finished(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = dict(os.environ, DLSTUDY_HOME=str(home), DLSTUDY_LANG="en",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("DLSTUDY_CACHE", None)
    env.pop("DLSTUDY_DECKS", None)
    proofs = home / "cache" / "proofs"
    proc = subprocess.Popen([sys.executable, "-m", "dlstudy", "prove", "--all", "-j", "2",
                             "--device", "cpu", "--scale", "quick", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 180
        while not (proofs.is_dir() and any(proofs.glob("*.json"))):  # let one result finish
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no result within 180 s"
            time.sleep(0.05)
        workers = _children(proc.pid)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        time.sleep(0.1)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=10)
        seconds = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    text = stderr.decode()
    assert proc.returncode == 130, text
    assert seconds < 2, f"took {seconds:.1f} s to stop"
    assert "Traceback" not in text, text
    assert "interrupted" in text, text
    cached = sorted(proofs.glob("*.json"))
    if "finished and cached" in text:  # the first Ctrl-C was handled: its count is the cache's
        done = int(text.split("interrupted: ")[1].split(" of ")[0])
        assert len(cached) - 1 <= done <= len(cached), (text, cached)
    assert cached and not list(proofs.glob("*.tmp"))
    time.sleep(0.5)
    assert [w for w in workers if _alive(w)] == [], "worker processes outlived the command"

"""One interactive session in a real pseudo-terminal: single keys, no Enter after a grade."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.studykit import PYTHON, TOPIC, drill_deck, log, subprocess_env

pexpect = pytest.importorskip("pexpect")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_interactive_session_in_a_terminal(tmp_path: Path) -> None:
    home, decks = tmp_path / "home", tmp_path / "decks"
    drill_deck(decks, n=2)
    env = subprocess_env(home, decks)
    env["TERM"] = "xterm-256color"
    child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--topic", TOPIC], env=env,
                          encoding="utf-8", timeout=60, dimensions=(40, 100))
    try:
        child.expect("What is 1 \\+ 1\\?")
        child.expect("Enter")
        child.send("3")  # a grade before the answer is refused
        child.expect("see the answer first")
        child.send("\r")
        child.expect("It is 2\\.")
        child.send("3")  # one key, no Enter
        child.expect("graded drill-01 Good")
        child.expect("What is 2 \\+ 2\\?")
        child.send("u")
        child.expect("undid Good for drill-01")
        child.expect("What is 1 \\+ 1\\?")
        child.send(" ")  # space shows the answer too
        child.expect("It is 2\\.")
        child.send("4")
        child.expect("graded drill-01 Easy")
        child.send("q")
        child.expect("Session over")
        child.expect("1 card, 1 grade")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert log(home) == [("drill-01", 4)]


def test_ctrl_c_ends_the_session_and_keeps_the_grades(tmp_path: Path) -> None:
    home, decks = tmp_path / "home", tmp_path / "decks"
    drill_deck(decks, n=2)
    child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--topic", TOPIC],
                          env=subprocess_env(home, decks), encoding="utf-8", timeout=60)
    try:
        child.expect("What is 1 \\+ 1\\?")
        child.send("\r")
        child.expect("It is 2\\.")
        child.send("2")
        child.expect("graded drill-01 Hard")
        child.expect("What is 2 \\+ 2\\?")
        child.sendintr()
        child.expect("Session over")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert log(home) == [("drill-01", 2)]

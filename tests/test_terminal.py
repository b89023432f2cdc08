"""One interactive session in a real pseudo-terminal: single keys, no Enter after a grade."""

from __future__ import annotations

import os
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

def claim_quiz(tmp_path: Path, proof: str | None = None,
               timeout: int = 60) -> tuple[Path, pexpect.spawn, str]:
    """A one-card claim quiz in a terminal, on the test deck (its derivation ``proof`` if given):
    the data folder, the session, and which claim card it showed."""
    from tests.test_auto_cards import PROOF, write_deck

    home, folder = tmp_path / "home", tmp_path / "decks"
    write_deck(folder, proof=PROOF if proof is None else proof)
    child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--topic", "auto", "--kind", "claim",
                                   "-n", "1"], env=subprocess_env(home, folder),
                          encoding="utf-8", timeout=timeout, dimensions=(40, 120))
    child.expect("(auto-claim-true|auto-claim-false) · auto")
    return home, child, child.match.group(1)


def close_terminal(child: pexpect.spawn, wait: bool = False) -> None:
    """Close the terminal window: the pty's master side, once. Closing ``child.child_fd`` by hand
    left pexpect's own file object open on that number, and it closed the number again when
    collected — by then, often another test's pipe (EBADF in a later spawn). ``wait``: the
    session must then end within 30 s (it is killed, and the test fails, if not)."""
    import time

    child.ptyproc.fileobj.close()
    child.ptyproc.fd = -1
    child.ptyproc.closed = True
    child.child_fd = -1
    child.closed = True
    if not wait:
        return
    for _ in range(300):
        if os.waitpid(child.pid, os.WNOHANG)[0]:
            return
        time.sleep(0.1)
    os.kill(child.pid, 9)
    pytest.fail("the session did not end when its terminal was closed")


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
    assert child.exitstatus == 130  # 128 + SIGINT, as a shell expects, after saving as always
    assert log(home) == [("drill-01", 2)]



@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_ctrl_c_at_the_automatic_grade_records_it_as_q_does(tmp_path: Path) -> None:
    """The answer was typed and graded on screen; Ctrl-C before Enter must not lose it (q and
    Ctrl-D already recorded it)."""
    from tests.test_auto_cards import write_deck

    home, folder = tmp_path / "home", tmp_path / "decks"
    write_deck(folder)
    child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--topic", "auto", "--kind", "claim",
                                   "-n", "1"], env=subprocess_env(home, folder),
                          encoding="utf-8", timeout=120, dimensions=(40, 120))
    try:
        child.expect("True or false\\?")
        child.expect("(auto-claim-true|auto-claim-false) · auto")
        card = child.match.group(1)
        child.send("t\r")
        child.expect("automatic grade")
        child.expect("accept")
        child.sendintr()
        child.expect("Session over")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    assert log(home) == [(card, 3 if card == "auto-claim-true" else 1)]



@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_a_closed_terminal_at_the_automatic_grade_records_it(tmp_path: Path) -> None:
    """Closing the terminal window (the pty's hang-up: SIGHUP, then reads fail) once the answer
    is graded on screen keeps that grade and ends the process; SIGHUP used to kill it first."""


    home, child, card = claim_quiz(tmp_path, timeout=120)
    child.send("t\r")
    child.expect("accept")
    close_terminal(child, wait=True)
    assert log(home) == [(card, 3 if card == "auto-claim-true" else 1)]


def type_slowly(child: object, text: str) -> None:
    """One character at a time, at a (fast) human pace."""
    import time

    for ch in text:
        child.send(ch)  # type: ignore[attr-defined]
        time.sleep(0.05)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_claim_answers_typed_as_words_never_undo_or_skip(tmp_path: Path) -> None:
    """Every documented answer word, typed letter by letter, answers the claim and nothing
    else: the "u" of "true" is no undo, the "s" of "yes"/"false" no skip, "maybe" no answer;
    keys typed ahead of the result are dropped, not taken as a grade or an undo."""
    import io

    from tests.test_auto_cards import write_deck

    home, folder = tmp_path / "home", tmp_path / "decks"
    write_deck(folder)
    env = subprocess_env(home, folder)
    env.update(DLSTUDY_EASY_WITHIN="600", DLSTUDY_HARD_AFTER="900")  # slow machine: still Easy

    def session(answers: dict[str, str]) -> str:
        """Answers each claim card with what ``answers`` types for it (FSRS fuzzes the due
        times, so the order of studied cards is not fixed)."""
        seen = io.StringIO()
        child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--topic", "auto", "--kind", "claim"],
                              env=env, encoding="utf-8", timeout=120, dimensions=(40, 120))
        child.logfile_read = seen
        try:
            for _ in answers:
                child.expect("True or false\\?")
                child.expect("(auto-claim-true|auto-claim-false) · auto")
                card = child.match.group(1)
                typed = answers[card]
                if typed.startswith("maybe"):
                    type_slowly(child, "maybe\r")
                    child.expect("cannot read 'maybe'")
                    typed = typed[len("maybe"):]
                if typed.endswith("!"):  # typed ahead in one burst: "false⏎3u"
                    child.send(typed[:-1])
                else:
                    type_slowly(child, typed)
                child.expect(f"the statement is {'TRUE' if card == 'auto-claim-true' else 'FALSE'}")
                child.expect("accept")
                child.send("\r")
                child.expect(f"graded {card} Easy")
            child.expect("No more cards")
            child.send("q")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert child.exitstatus == 0, seen.getvalue()
        return seen.getvalue()

    first = session({"auto-claim-true": "maybetrue\r", "auto-claim-false": "false\r3u!"})
    second = session({"auto-claim-true": "yes\r", "auto-claim-false": "no\r"})
    for out in (first, second):
        assert "undid" not in out and "skipped" not in out and "unknown key" not in out
    assert sorted(log(home)) == sorted([("auto-claim-true", 4), ("auto-claim-false", 4)] * 2)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_p_pages_the_proof_then_shows_the_card_again(tmp_path: Path) -> None:
    import io

    from tests.test_auto_cards import write_deck

    home, folder = tmp_path / "home", tmp_path / "decks"
    write_deck(folder)
    env = subprocess_env(home, folder)
    env["PAGER"] = "sed s/^/PAGED:/"  # a pager that marks what went through it
    seen = io.StringIO()
    child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--topic", "auto", "--kind", "recall"],
                          env=env, encoding="utf-8", timeout=120, dimensions=(40, 120))
    child.logfile_read = seen
    try:
        child.expect("What is 1 \\+ 1\\?")
        child.send("\r")
        child.expect("It is 2\\.")
        child.expect("quit")
        child.send("p")
        child.expect("PAGED:.*one plus one is two")
        child.expect("What is 1 \\+ 1\\?")  # the card again, after the pager
        child.expect("It is 2\\.")
        child.expect("quit")
        child.send("3")
        child.expect("graded auto-recall Good")
        child.expect("No more cards")
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    import re

    out = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.getvalue())
    after = out[out.rindex("PAGED:"):]
    assert after.count("p prove") == 1, after  # one prompt after the proof
    assert log(home) == [("auto-recall", 3)]


@pytest.mark.parametrize("delay", [0.1, 0.2, 0.35])
def test_ctrl_c_while_starting_exits_130_without_a_traceback(tmp_path: Path, delay: float) -> None:
    import time

    home, decks = tmp_path / "home", tmp_path / "decks"
    drill_deck(decks, n=2)
    child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--topic", TOPIC],
                          env=subprocess_env(home, decks), encoding="utf-8", timeout=60)
    try:
        time.sleep(delay)  # still importing typer and rich, or just past it
        child.sendintr()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    out = child.before or ""
    assert "Traceback" not in out
    if "init_import_site" in out:  # so early that Python itself had not started: not ours
        pytest.skip("the interrupt came before the interpreter ran any dlstudy code")
    assert child.exitstatus == 130, (child.exitstatus, child.signalstatus, out)


SLOW_PROOF = '''
"""Arithmetic, decided slowly."""
TITLE = {"en": "Small sums", "zh": "小的求和"}
CLAIMS = [{"en": "1 + 1 = 2", "zh": "1 + 1 = 2"}]


def derive(p):
    pass


def experiment(p):
    import time
    time.sleep(60)
    p.close("one plus one is two", 1 + 1, 2, id="sum_is_two")
'''


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
@pytest.mark.parametrize("recorded", [True, False])
def test_ctrl_c_while_the_claims_experiment_runs_never_drops_the_answer_silently(
        tmp_path: Path, recorded: bool) -> None:
    """The user typed t, the experiment deciding the claim was still running (a cold proof
    cache), Ctrl-C: the answer vanished without a word. It is now graded by the derivation's
    recorded quick run when there is one, else the session says it is not graded."""
    import json

    from tests.test_auto_cards import write_deck

    home, folder = tmp_path / "home", tmp_path / "decks"
    write_deck(folder, proof=SLOW_PROOF)
    if recorded:
        snapshot = folder / "derivations" / "_evidence" / "quick" / "auto_proof.json"
        snapshot.parent.mkdir(parents=True)
        snapshot.write_text(json.dumps({"id": "auto_proof", "rows": {"sum_is_two": {
            "quantity": "one plus one is two", "measured": 2, "expected": 2, "relation": "≈",
            "passed": True}}}), encoding="utf-8")
    child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--topic", "auto", "--kind", "claim",
                                   "-n", "1"], env=subprocess_env(home, folder),
                          encoding="utf-8", timeout=60, dimensions=(40, 120))
    try:
        child.expect("(auto-claim-true|auto-claim-false) · auto")
        card = child.match.group(1)
        child.expect("quit")
        child.send("t\r")
        child.expect("running the experiment")
        child.sendintr()
        child.expect("recorded run of auto_proof" if recorded else
                     f"your answer to {card} is not graded")
        child.expect("Session over")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    assert log(home) == ([(card, 3 if card == "auto-claim-true" else 1)] if recorded else [])


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_ctrl_c_while_the_users_code_runs_keeps_the_code_written_in_the_editor(
        tmp_path: Path) -> None:
    """Code written in $EDITOR lives in a temporary folder; Ctrl-C while it ran deleted it with
    the folder — the user's function gone, without a word. It is now kept in drafts/."""
    import os
    import stat

    home = tmp_path / "home"
    editor = tmp_path / "editor.sh"
    body = "import time\n\n\ndef dropout(x, dout, p, u, train):\n    time.sleep(60)  # mine\n"
    editor.write_text(f"#!/bin/sh\ncat > \"$1\" <<'EOF'\n{body}EOF\n", encoding="utf-8")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    env = subprocess_env(home, tmp_path / "no-decks")
    env.pop("DLSTUDY_DECKS")
    env.update(EDITOR=str(editor), DLSTUDY_CODE_SECONDS="120", VISUAL="")
    child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--tag", "dropout", "--kind", "code",
                                   "-n", "1"], env=env, encoding="utf-8", timeout=60,
                          dimensions=(40, 120))
    try:
        child.expect("give")
        child.send("\r")
        child.expect("running your code")
        child.sendintr()
        child.expect("your code is kept in")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    kept = list((home / "drafts").glob("code-dropout-*.py"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == body
    assert os.path.exists(home / "reviews.sqlite3")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_a_closed_terminal_while_the_claims_experiment_runs_still_records_the_answer(
        tmp_path: Path) -> None:
    """The answer was typed, the experiment was still running, the terminal window was closed:
    flushing and printing to the dead terminal raised (termios.error: EIO) and the answer was
    lost. Output now goes nowhere after SIGHUP, and the answer is graded as at end of input."""


    home, child, card = claim_quiz(tmp_path, proof=SLOW_PROOF.replace("time.sleep(60)", "time.sleep(3)"))
    child.expect("quit")
    child.send("t\r")
    child.expect("running the experiment")
    close_terminal(child, wait=True)
    assert log(home) == [(card, 3 if card == "auto-claim-true" else 1)]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_ctrl_c_in_the_editor_is_the_editors_not_the_sessions(tmp_path: Path) -> None:
    """Under an editor that leaves Ctrl-C a signal (`code --wait`, a script), Ctrl-C ended the
    whole session and deleted the draft with its temporary folder. Now only the editor gets
    it: the session reads what was saved and grades it."""
    import stat

    home = tmp_path / "home"
    editor = tmp_path / "editor.sh"
    body = ("def dropout(x, dout, p, u, train):\n    if not train:\n"
            "        return x.copy(), dout.copy()\n    mask = (u >= p) / (1 - p)\n"
            "    return x * mask, dout * mask\n")
    editor.write_text(f"#!/bin/sh\ncat > \"$1\" <<'EOF'\n{body}EOF\necho saved\nsleep 60\n",
                      encoding="utf-8")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    env = subprocess_env(home, tmp_path / "no-decks")
    env.pop("DLSTUDY_DECKS")
    env.update(EDITOR=str(editor), VISUAL="")
    child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--tag", "dropout", "--kind", "code",
                                   "-n", "1"], env=env, encoding="utf-8", timeout=90,
                          dimensions=(40, 120))
    try:
        child.expect("give")
        child.send("\r")
        child.expect("saved")
        child.sendintr()  # to the editor, which stops
        child.expect("automatic grade")
        child.send("\r")
        child.expect("graded code-dropout Good")
        child.send("q")
        child.expect("Session over")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert log(home) == [("code-dropout", 3)]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_ctrl_c_while_proving_at_the_automatic_grade_keeps_the_answer(tmp_path: Path) -> None:
    """`p` at the automatic grade, then Ctrl-C while the proof runs: the answer graded on the
    screen was lost (only Ctrl-C at the prompt itself recorded it)."""
    import io

    from tests.test_auto_cards import write_deck

    home, folder = tmp_path / "home", tmp_path / "decks"
    write_deck(folder, proof=SLOW_PROOF)
    child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--topic", "auto", "--kind",
                                   "exercise", "-n", "1"], env=subprocess_env(home, folder),
                          encoding="utf-8", timeout=60, dimensions=(40, 120))
    seen = io.StringIO()
    child.logfile_read = seen
    try:
        child.expect("quit")
        child.send("12\r")
        child.expect("accept")
        child.send("p")
        child.expect("proving")
        child.sendintr()
        child.expect("Session over")
        child.expect(pexpect.EOF)
    except pexpect.TIMEOUT:
        pytest.fail(f"no end after Ctrl-C while proving:\n{seen.getvalue()[-3000:]}")
    finally:
        child.close()
    assert child.exitstatus == 130
    assert log(home) == [("auto-exercise", 1)]

"""Exercise and claim cards: scripted sessions mixing them with recall cards, how they are graded
and recorded, `check` of their fields, and every bundled claim decided by its experiment."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dlstudy import exercises
from dlstudy.check import check_library
from dlstudy.claims import find_row, row_ids, verdict
from dlstudy.evidence import Evidence, Result
from dlstudy.library import load_library
from dlstudy.session import auto_rating
from dlstudy.store import MIGRATIONS, SCHEMA_VERSION, Store
from tests.studykit import PYTHON, invoke, log, shared_cache, subprocess_env

TOPIC = "auto"
GENERATOR = "rnn_lstm_params"

DECK = """
topic: auto
title: {en: Auto-graded, zh: 自动评分}
cards:
  - id: auto-recall
    title: {en: A recall card, zh: 回忆卡}
    question: {en: 'What is 1 + 1?', zh: '1 + 1 等于几？'}
    answer: {en: 'It is 2.', zh: '等于 2。'}
    derivations: [auto_proof]
  - id: auto-exercise
    kind: exercise
    title: {en: LSTM parameters, zh: LSTM 参数量}
    question: {en: 'Count the parameters.', zh: '数一数参数。'}
    answer: {en: 'Four gate blocks.', zh: '四个门块。'}
    derivations: [auto_proof]
    exercise: {generator: rnn_lstm_params}
  - id: auto-claim-true
    kind: claim
    title: {en: Sums, zh: 求和}
    question: {en: 'One plus one is two.', zh: '一加一等于二。'}
    answer: {en: 'Arithmetic.', zh: '算术。'}
    derivations: [auto_proof]
    claim: {derivation: auto_proof, row: sum_is_two, statement: asserts}
  - id: auto-claim-false
    kind: claim
    title: {en: A misconception, zh: 一个误解}
    question: {en: 'One plus one is three.', zh: '一加一等于三。'}
    answer: {en: 'Count again.', zh: '再数一遍。'}
    derivations: [auto_proof]
    claim: {derivation: auto_proof, row: sum_is_two, statement: denies}
"""

PROOF = '''
"""Arithmetic a claim card can be decided by."""
TITLE = {"en": "Small sums", "zh": "小的求和"}
CLAIMS = [{"en": "1 + 1 = 2", "zh": "1 + 1 = 2"}]


def derive(p):
    pass


def experiment(p):
    p.close("one plus one is two", 1 + 1, 2, id="sum_is_two")
    p.greater("two is more than three", 2, 3)
'''


def write_deck(folder: Path, deck: str = DECK, proof: str = PROOF) -> Path:
    (folder / "questions").mkdir(parents=True, exist_ok=True)
    (folder / "derivations").mkdir(parents=True, exist_ok=True)
    path = folder / "questions" / "auto.yaml"
    path.write_text(textwrap.dedent(deck).lstrip(), encoding="utf-8")
    (folder / "derivations" / "auto_proof.py").write_text(textwrap.dedent(proof).lstrip(),
                                                          encoding="utf-8")
    return path


@pytest.fixture
def decks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared_cache(tmp_path_factory, monkeypatch)
    folder = tmp_path / "decks"
    write_deck(folder)
    monkeypatch.setenv("DLSTUDY_DECKS", str(folder))
    return folder


def quiz(script: str, *extra: str) -> str:
    result = invoke(["quiz", "--topic", TOPIC, *extra], script)
    assert result.exit_code == 0, result.output
    return result.output


def drawn(session_seed: int, nth: int = 0) -> exercises.Exercise:
    """The exercise a session started with ``--seed session_seed`` draws the ``nth`` time."""
    seeds = random.Random(session_seed)
    for _ in range(nth):
        seeds.randrange(2**31)
    return exercises.draw(GENERATOR, seeds.randrange(2**31))


def reviews(home: Path) -> list[tuple[str, int, int | None, str | None, int | None]]:
    with Store.open(home) as store:
        return [(r.card, r.rating, r.auto_rating, r.answer, r.seed) for r in store.reviews()]


# --- scripted sessions ---------------------------------------------------------------------

def test_piped_session_mixes_recall_exercise_and_claim_cards(decks: Path, isolated_home: Path) -> None:
    answer = drawn(5).expected
    out = quiz(f"\n3\n{answer}\n\nt\n\nf\n\n", "--seed", "5")
    assert "What is 1 + 1?" in out and "It is 2." in out
    assert drawn(5).prompt.en.split("(")[0] in out  # the drawn numbers are on screen
    assert "✓ right" in out and "Worked solution" in out
    assert "the statement is TRUE" in out and "the statement is FALSE" in out
    assert "Evidence · auto_proof" in out and "one plus one is two" in out
    rows = reviews(isolated_home)
    assert [r[:4] for r in rows] == [
        ("auto-recall", 3, None, None),
        ("auto-exercise", 3, 3, str(answer)),  # right (however fast): Good
        ("auto-claim-true", 3, 3, "true"),
        ("auto-claim-false", 3, 3, "false"),
    ]
    assert rows[1][4] is not None and exercises.draw(GENERATOR, rows[1][4]).expected == answer
    assert "Session over: 4 cards, 4 grades" in out


def test_a_wrong_answer_is_graded_again_and_the_grade_can_be_overridden(
        decks: Path, isolated_home: Path) -> None:
    wrong = drawn(1).expected + 1  # type: ignore[operator]
    out = quiz(f"{wrong}\n2\n", "--kind", "exercise", "--seed", "1")
    assert "✗ wrong" in out and f"expected {drawn(1).shown()}" in out
    assert "automatic grade: Again" in out
    assert "graded auto-exercise Hard (changed from Again)" in out
    (row,) = reviews(isolated_home)
    assert row[1:4] == (2, 1, str(wrong))
    with Store.open(isolated_home) as store:
        (review,) = store.reviews()
        assert review.overridden and review.duration_ms is not None


def test_an_unreadable_answer_is_not_graded_and_is_asked_again(decks: Path, isolated_home: Path) -> None:
    right = drawn(2).expected
    out = quiz(f"a lot\n{right:_}\n\n", "--kind", "exercise", "--seed", "2")
    assert "cannot read 'a lot' as an answer" in out and "not graded: try again" in out
    assert "152_064" in out or "Type a whole number" in out  # the formats are named
    assert reviews(isolated_home)[0][1:3] == (3, 3)


def test_an_empty_line_shows_the_solution_and_counts_as_again(decks: Path, isolated_home: Path) -> None:
    out = quiz("\n\n", "--kind", "exercise", "--seed", "3")
    assert "no answer" in out and drawn(3).shown() in out
    assert reviews(isolated_home)[0][1:4] == (1, 1, None)


def test_a_claim_takes_yes_no_and_chinese_and_refuses_anything_else(
        decks: Path, isolated_home: Path) -> None:
    out = quiz("maybe\n\n对\n\n否\n\n", "--kind", "claim")
    assert "cannot read 'maybe'" in out and "answer t (true) or f (false)" in out
    assert [r[:4] for r in reviews(isolated_home)] == [("auto-claim-true", 3, 3, "true"),
                                                        ("auto-claim-false", 3, 3, "false")]


def test_quitting_after_the_result_records_the_automatic_grade(decks: Path, isolated_home: Path) -> None:
    quiz("n\nq\n", "--kind", "claim")
    assert reviews(isolated_home) == [("auto-claim-true", 1, 1, "false", None)]


def test_the_thresholds_come_from_the_settings(
        decks: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLSTUDY_EASY_WITHIN", "600")
    quiz("t\n\n", "--kind", "claim", "-n", "1")
    monkeypatch.setenv("DLSTUDY_EASY_WITHIN", "0")
    monkeypatch.setenv("DLSTUDY_HARD_AFTER", "0.000001")
    quiz("f\n\n", "--kind", "claim", "-n", "1")
    (isolated_home / "settings.toml").write_text("easy_within = 30\nhard_after = 10\n", encoding="utf-8")
    monkeypatch.delenv("DLSTUDY_EASY_WITHIN")
    monkeypatch.delenv("DLSTUDY_HARD_AFTER")
    bad = invoke(["quiz", "--topic", TOPIC], "")
    assert bad.exit_code == 2
    assert "easy_within (30 s) must not exceed hard_after (10 s)" in " ".join(bad.output.split())
    assert [r[1] for r in reviews(isolated_home)] == [4, 2]  # Easy (within 600 s), Hard (after 1 µs)


def test_a_fast_right_answer_is_good_by_default_not_easy() -> None:
    # Easy would graduate a new card straight to FSRS's Easy stability (~8 days).
    from dlstudy.settings import Settings

    settings = Settings()
    for seconds in (0.0, 1.0, 9.0, 61.0, 600.0):
        assert auto_rating(True, seconds, settings.easy_within, settings.hard_after) == 3
    assert auto_rating(False, 1.0, settings.easy_within, settings.hard_after) == 1


def test_auto_rating_rule() -> None:
    assert auto_rating(False, 1, 10, 60) == 1
    assert auto_rating(True, 3, 10, 60) == 4
    assert auto_rating(True, 10, 10, 60) == 4
    assert auto_rating(True, 30, 10, 60) == 3
    assert auto_rating(True, 61, 10, 60) == 2


def test_skip_and_undo_work_on_auto_graded_cards(decks: Path, isolated_home: Path) -> None:
    # recall: Good; exercise: skipped; claim: true, accepted; next claim: u takes that grade back
    # and asks the claim again, where "4" is no answer to a true-or-false question.
    out = quiz("\n3\ns\nt\n\nu\n4\n", "--seed", "9")
    assert "skipped auto-exercise" in out and "undid Good for auto-claim-true" in out
    assert "cannot read '4'" in out
    assert log(isolated_home) == [("auto-recall", 3)]


def test_same_seed_same_numbers(decks: Path, isolated_home: Path) -> None:
    first = quiz("q\n", "--kind", "exercise", "--seed", "11")
    again = quiz("q\n", "--kind", "exercise", "--seed", "11")
    other = quiz("q\n", "--kind", "exercise", "--seed", "12")
    prompt = drawn(11).prompt.en.split(" have?")[0]
    assert prompt in first.replace("\n│ ", " ") or prompt.split("(")[1][:6] in first
    assert first == again and first != other


def test_show_replays_an_exercise_draw(decks: Path) -> None:
    result = invoke(["show", "auto-exercise", "--seed", "42"])
    assert result.exit_code == 0, result.output
    exercise = exercises.draw(GENERATOR, 42)
    assert exercise.shown() in result.output and "Worked solution" in result.output
    assert invoke(["show", "auto-recall", "--seed", "1"]).exit_code == 2


def test_kind_filters_and_is_checked(decks: Path, isolated_home: Path) -> None:
    listed = invoke(["list", "--topic", TOPIC, "--kind", "claim", "--json"])
    assert listed.exit_code == 0
    assert '"auto-claim-true"' in listed.output and '"auto-recall"' not in listed.output
    bad = invoke(["list", "--kind", "quiz"])
    assert bad.exit_code == 2 and "--kind must be one of recall, exercise, claim" in bad.output
    assert invoke(["quiz", "--kind", "bogus"], "").exit_code == 2
    out = quiz("\n3\n", "--kind", "recall")
    assert "auto-recall" in out and "auto-exercise" not in out
    review = invoke(["review", "--topic", TOPIC, "--kind", "claim"], "t\n\nf\n\n")
    assert review.exit_code == 0 and "Review · 0 due · 2 new" in review.output


def test_recall_only_session_imports_nothing_heavy_even_with_exercises_in_the_deck(
        decks: Path, isolated_home: Path) -> None:
    probe = ("import runpy, sys\n"
             "sys.argv = ['dlstudy', 'quiz', '--topic', 'auto', '-n', '1']\n"
             "try:\n    runpy.run_module('dlstudy', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('HEAVY=' + ','.join(m for m in ('torch', 'sympy', 'numpy') if m in sys.modules),"
             " file=sys.stderr)\n")
    out = subprocess.run([PYTHON, "-c", probe], input="\n3\nq\n", capture_output=True, text=True,
                         env=subprocess_env(isolated_home, decks), timeout=120)
    assert "graded auto-recall Good" in out.stdout
    assert "HEAVY=\n" in out.stderr, out.stderr


# --- the store --------------------------------------------------------------------------------

def test_schema_2_adds_the_auto_grading_columns_and_keeps_old_logs(tmp_path: Path) -> None:
    from dlstudy.scheduler import SchedulerConfig
    from dlstudy.store import _statements

    with sqlite3.connect(tmp_path / "reviews.sqlite3") as conn:  # a database of schema 1
        for statement in _statements(MIGRATIONS[0]):
            conn.execute(statement)
        conn.execute("INSERT INTO cards (id) VALUES ('old-card')")
        conn.execute("INSERT INTO schedulers VALUES (1, ?, 0, 'default')", (SchedulerConfig().key(),))
        conn.execute("INSERT INTO reviews (card, rating, at, version, mode) VALUES (1, 3, 1, 1, 'quiz')")
        conn.execute("PRAGMA user_version = 1")
    assert SCHEMA_VERSION >= 2  # 3: the `cram` table of `quiz --no-schedule`; 4: code outcomes
    with Store.open(tmp_path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        (review,) = store.reviews()
        assert (review.card, review.rating, review.seed, review.auto_rating, review.answer) == \
            ("old-card", 3, None, None, None)
        assert store.state("old-card") is not None  # the cache was rebuilt from the old log
        graded, _ = store.grade("new-card", 2, store.scheduler(SchedulerConfig()), 1500, "quiz",
                                seed=7, auto_rating=4, answer="42")
        assert graded.overridden and list(store.reviews("new-card")) == [graded]


# --- check ------------------------------------------------------------------------------------

BROKEN = {
    "unknown generator": ("    exercise: {generator: rnn_lstm_params}",
                          "    exercise: {generator: rnn_lstm_param}",
                          "unknown exercise generator `rnn_lstm_param` — did you mean `rnn_lstm_params`?",
                          "exercise: {generator: rnn_lstm_param}"),
    "unknown claim derivation": ('    claim: {derivation: auto_proof, row: sum_is_two, statement: asserts}',
                                 '    claim: {derivation: auto_prof, row: sum_is_two, statement: asserts}',
                                 "claim derivation `auto_prof` does not exist — did you mean `auto_proof`?",
                                 "derivation: auto_prof"),
    "row id not in the source": ('row: sum_is_two, statement: denies',
                                 'row: sum_is_2, statement: denies',
                                 "records no row with id `sum_is_2`",
                                 "sum_is_2"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_check_reports_broken_auto_graded_fields_with_their_line(tmp_path: Path, case: str) -> None:
    old, new, message, on_line = BROKEN[case]
    assert old in DECK
    path = write_deck(tmp_path / "user", DECK.replace(old, new))
    library = load_library([tmp_path / "user"])
    problems = [p for p in check_library(library, only=[path]) if p.path == path]
    assert len(problems) == 1, problems
    line = path.read_text(encoding="utf-8").splitlines()[problems[0].line - 1]
    assert message in problems[0].message and on_line in line
    assert str(problems[0]).startswith(f"{path.name}:") or ":" in str(problems[0])


def test_check_wants_the_claim_derivation_linked_and_the_fields_matching_the_kind(tmp_path: Path) -> None:
    unlinked = DECK.replace("    derivations: [auto_proof]\n    claim: {derivation: auto_proof, "
                            "row: sum_is_two, statement: asserts",
                            "    derivations: [rnn_param_counts]\n    claim: {derivation: auto_proof, "
                            "row: sum_is_two, statement: asserts")
    path = write_deck(tmp_path / "a", unlinked)
    problems = check_library(load_library([tmp_path / "a"]), only=[path])
    assert any("must also be listed in the card's `derivations:`" in p.message for p in problems)

    no_claim = DECK.replace('    claim: {derivation: auto_proof, row: sum_is_two, statement: asserts}\n', "")
    path = write_deck(tmp_path / "b", no_claim)
    problems = check_library(load_library([tmp_path / "b"]), only=[path])
    assert len(problems) == 1 and "a card of kind `claim` needs `claim:" in problems[0].message
    assert path.read_text(encoding="utf-8").splitlines()[problems[0].line - 1].strip() == \
        "- id: auto-claim-true"

    wrong_kind = DECK.replace("    kind: exercise\n", "")
    path = write_deck(tmp_path / "c", wrong_kind)
    problems = check_library(load_library([tmp_path / "c"]), only=[path])
    assert any("`exercise:` is only for cards of `kind: exercise`" in p.message for p in problems)

    bad_statement = DECK.replace("statement: denies", "statement: refutes")
    path = write_deck(tmp_path / "d", bad_statement)
    problems = check_library(load_library([tmp_path / "d"]), only=[path])
    assert any("`statement` is one of: asserts, denies" in p.message for p in problems)

    # a misspelt kind listed recall, exercise, claim — not code, a kind the schema accepts
    bad_kind = DECK.replace("    kind: exercise\n", "    kind: exercize\n")
    path = write_deck(tmp_path / "e", bad_kind)
    problems = check_library(load_library([tmp_path / "e"]), only=[path])
    assert any("`kind` is one of: recall, exercise, claim, code" in p.message for p in problems)


def test_check_command_prints_the_line_and_exits_1(tmp_path: Path) -> None:
    old, new, message, _ = BROKEN["unknown generator"]
    path = write_deck(tmp_path / "user", DECK.replace(old, new))
    result = invoke(["check", str(tmp_path / "user")])
    assert result.exit_code == 1
    assert f"auto.yaml:{DECK.replace(old, new).lstrip().splitlines().index(new) + 1}:" in result.output
    assert message in result.output and path.exists()


def test_the_cheap_source_check() -> None:
    source = 'p.close("one plus one is two", 2, 2, id="sum")\np.equal(f"{n}: field", a, b)\n' \
             'p.identity("a equals b", x, y, id="ab")\nrow_id = "nope"\np.less("x", 1, 2, id=row_id)\n'
    assert row_ids(source) == {"sum": 1, "ab": 3}  # only literal ids count
    assert row_ids("def broken(:") == {}


def test_the_verdict_follows_the_row() -> None:
    from dlstudy.card import ClaimSpec

    rows = [Evidence("alpha row", 1, 1, "=", True, "alpha"), Evidence("alphabet", 2, 1, "=", False, "beta")]
    result = Result("d", "D", "fail", "cpu", "quick", 0.1, evidence=rows)
    assert verdict(ClaimSpec("d", "alpha", "asserts"), result).truth is True
    assert verdict(ClaimSpec("d", "alpha", "denies"), result).truth is False
    assert verdict(ClaimSpec("d", "beta", "denies"), result).truth is True  # a failing row
    missing = verdict(ClaimSpec("d", "gamma", "asserts"), result)
    assert missing.truth is None and "no evidence row has the id `gamma`" in (missing.problem or "")
    with pytest.raises(LookupError):
        find_row(rows, "gamma")
    errored = Result("d", "D", "error", "cpu", "quick", 0.1, error="Traceback…\nValueError: boom")
    assert "boom" in (verdict(ClaimSpec("d", "alpha", "asserts"), errored).problem or "")


def test_why_a_claim_has_no_verdict_is_said_in_chinese() -> None:
    # a zh session printed "无法判定： the derivation `d` did not run: …" (English, and a space
    # after the full-width colon)
    from dlstudy.card import ClaimSpec
    from dlstudy.claims import PendingVerdict

    rows = [Evidence("alpha row", 1, 1, "=", True, "alpha")]
    result = Result("d", "D", "pass", "cpu", "quick", 0.1, evidence=rows)
    spec = ClaimSpec("d", "gamma", "asserts")
    assert verdict(spec, result).explain("zh") == "推导 `d` 没有 id 为 `gamma` 的证据行"
    assert verdict(spec, result).explain("en") == "derivation `d`: no evidence row has the id `gamma`"
    errored = Result("d", "D", "error", "cpu", "quick", 0.1, error="Traceback…\nValueError: boom")
    assert verdict(spec, errored).explain("zh") == "推导 `d` 没有运行成功：ValueError: boom"
    stopped = Result("d", "D", "error", "cpu", "quick", 3.0, error="stopped after 3 s (--timeout)")
    assert verdict(spec, stopped).explain("zh") == "推导 `d` 没有运行成功：运行 3 秒后被停止（--timeout）"
    assert PendingVerdict(spec, None, None).result().explain("zh") == "没有名为 `d` 的推导"


# --- the bundled content ----------------------------------------------------------------------

def test_bundled_decks_have_the_auto_graded_cards_the_issue_asks_for() -> None:
    cards = list(load_library(derivations=False).cards.values())
    claims = [c for c in cards if c.kind == "claim"]
    misconceptions = [c for c in claims if "misconception" in c.tags]
    assert len(claims) >= 25 and len(misconceptions) * 2 >= len(claims)
    used = {c.exercise.generator for c in cards if c.exercise is not None}
    assert used == set(exercises.names()) and len(used) >= 15
    prefixes = {c.id.split("-")[0] for c in cards if c.kind != "recall"}
    assert {"rnn", "norm", "residual", "reg"} <= prefixes


def test_every_bundled_claim_names_a_row_its_experiment_produces_and_gets_a_verdict() -> None:
    """Runs each claim's derivation (quick, CPU) and decides every claim from the real rows."""
    from dlstudy.runner import prove

    library = load_library()
    claims = [c for c in library.cards.values() if c.claim is not None]
    infos = {c.claim.derivation: library.derivations[c.claim.derivation] for c in claims if c.claim}
    results = {r.id: r for r in prove(list(infos.values()), "cpu", "quick", jobs=min(2, os.cpu_count() or 1))}
    undecided = []
    for card in claims:
        assert card.claim is not None
        decided = verdict(card.claim, results[card.claim.derivation])
        if decided.truth is None:
            undecided.append(f"{card.id}: {decided.problem}")
        elif "misconception" in card.tags:
            assert decided.truth is False, f"{card.id}: a misconception the experiment does not refute"
    assert not undecided, "\n".join(undecided)


# --- a real terminal ---------------------------------------------------------------------------

pexpect = pytest.importorskip("pexpect")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_exercise_and_claim_in_a_terminal(tmp_path: Path) -> None:
    home, folder = tmp_path / "home", tmp_path / "decks"
    write_deck(folder)
    answer = drawn(21).expected
    child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--topic", TOPIC, "--kind", "exercise",
                                   "--seed", "21"], env=subprocess_env(home, folder),
                          encoding="utf-8", timeout=90, dimensions=(40, 120))
    try:
        child.expect("have\\?")
        child.send(f"{answer}\r")  # typed and echoed as a line
        child.expect("right")
        child.expect("accept")
        child.send("\r")
        child.expect("graded auto-exercise Good")
        child.expect("No more cards")
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert log(home) == [("auto-exercise", 3)]
    child = pexpect.spawn(PYTHON, ["-m", "dlstudy", "quiz", "--topic", TOPIC, "--kind", "claim"],
                          env=subprocess_env(home, folder), encoding="utf-8", timeout=90,
                          dimensions=(40, 120))
    try:
        child.expect("True or false\\?")
        child.send("true\r")  # a whole line: none of its letters acts as a key
        child.expect("the statement is TRUE")
        child.expect("accept")
        child.send("\r")
        child.expect("graded auto-claim-true Good")
        child.expect("One plus one is three")
        child.send("q\r")  # on a claim, commands are lines too
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert log(home) == [("auto-exercise", 3), ("auto-claim-true", 3)]


# --- a claim's derivation runs in a child process, under prove's time limit --------------------

LOOPING = '''
"""A derivation that never ends."""
TITLE = {"en": "Forever", "zh": "永远"}
CLAIMS = [{"en": "it ends", "zh": "会结束"}]


def derive(p):
    pass


def experiment(p):
    while True:
        pass
    p.close("one plus one is two", 2, 2)
'''


def test_a_claim_derivation_that_loops_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    import time

    from dlstudy.claims import PendingVerdict

    write_deck(tmp_path / "user", proof=LOOPING)
    library = load_library([tmp_path / "user"])
    card = library.cards["auto-claim-true"]
    assert card.claim is not None
    started = time.monotonic()
    pending = PendingVerdict(card.claim, library.derivations["auto_proof"], tmp_path / "proofs",
                             timeout=1)
    verdict_ = pending.result()
    assert verdict_.truth is None and "stopped after 1 s" in (verdict_.problem or "")
    assert time.monotonic() - started < 90  # torch's import, then one second
    assert pending._child is not None and pending._child.poll() is not None  # no process left


def test_leaving_a_claim_card_kills_its_derivation(tmp_path: Path) -> None:
    import time

    from dlstudy.claims import PendingVerdict

    write_deck(tmp_path / "user", proof=LOOPING)
    library = load_library([tmp_path / "user"])
    card = library.cards["auto-claim-true"]
    assert card.claim is not None
    pending = PendingVerdict(card.claim, library.derivations["auto_proof"], None, timeout=600)
    deadline = time.monotonic() + 30
    while pending._child is None and time.monotonic() < deadline:
        time.sleep(0.05)
    child = pending._child
    assert child is not None and child.poll() is None
    pending.cancel()
    assert child.wait(5) != 0  # killed at once, not after 600 s
    assert pending.result(10).truth is None


def test_a_cached_claim_is_decided_without_a_child_process_or_torch(
        decks: Path, isolated_home: Path) -> None:
    quiz("t\n\n", "--kind", "claim", "-n", "1")  # runs the derivation once and caches it
    probe = ("import runpy, sys, subprocess\n"
             "started = []\n"
             "real = subprocess.Popen.__init__\n"
             "def spy(self, *a, **k):\n    started.append(a)\n    real(self, *a, **k)\n"
             "subprocess.Popen.__init__ = spy\n"
             "sys.argv = ['dlstudy', 'quiz', '--topic', 'auto', '--kind', 'claim', '-n', '1']\n"
             "try:\n    runpy.run_module('dlstudy', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('HEAVY=' + ','.join(m for m in ('torch', 'sympy', 'numpy') if m in sys.modules),"
             " file=sys.stderr)\n"
             "print('CHILDREN=%d' % len(started), file=sys.stderr)\n")
    out = subprocess.run([PYTHON, "-c", probe], input="t\n\n", capture_output=True, text=True,
                         env=subprocess_env(isolated_home, decks), timeout=120)
    assert "the statement is" in out.stdout and "cached" in out.stdout, out.stdout
    assert "HEAVY=\n" in out.stderr and "CHILDREN=0" in out.stderr, out.stderr


@pytest.mark.parametrize("typed, why", [
    ("10**400", "a number too large to be an answer"),
    ("(10**100)**1000", "a number too large to be an answer"),
    ("(-8)**(1/3)", "it is not a real number"), ("(-1)**0.5", "it is not a real number"),
    ("sqrt((-1)**0.5)", "it is not a real number"), ("maybe", "unknown name 'maybe'"),
])
def test_hostile_exercise_answers_get_a_retry_in_a_session(
        decks: Path, isolated_home: Path, typed: str, why: str) -> None:
    right = drawn(2).expected
    out = " ".join(quiz(f"{typed}\n{right}\n\n", "--kind", "exercise", "--seed", "2").split())
    assert f"cannot read {typed!r} as an answer ({why})" in out and "not graded: try again" in out
    assert reviews(isolated_home)[0][1:4] == (3, 3, str(right))


def test_full_width_exercise_answer_and_chinese_messages(decks: Path, isolated_home: Path) -> None:
    right = drawn(2).expected
    wide = f"{right:,}".translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))
    out = quiz(f"１０**４００\n{wide}\n\n", "--kind", "exercise", "--seed", "2", "--lang", "zh")
    flat = " ".join(out.split())
    assert "无法读取答案 '１０**４００'（数值太大，不可能是答案）" in flat and "（未评分：请重试）" in flat
    assert "cannot read" not in out and "too large" not in out
    assert reviews(isolated_home)[0][1:3] == (3, 3)


def test_p_on_a_self_graded_card_prints_one_prompt(
        tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    shared_cache(tmp_path_factory, monkeypatch)
    folder = tmp_path / "decks"
    assert 'row: sum_is_two, statement: denies' in DECK
    write_deck(folder, DECK.replace('row: sum_is_two, statement: denies',
                                    'row: no_such_row, statement: denies'))
    monkeypatch.setenv("DLSTUDY_DECKS", str(folder))

    def fake_prove(infos, device, scale, lang, jobs=1, cache=None, **options):  # type: ignore[no-untyped-def]
        return [Result(i.id, "Small sums", "pass", "cpu", scale, 0.01,
                       evidence=[Evidence("PROOF ROW", 2, 2, "=", True)]) for i in infos]

    monkeypatch.setattr("dlstudy.runner.prove", fake_prove)
    result = invoke(["quiz", "--topic", TOPIC, "--kind", "claim"], "t\n\nf\np\n3\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "no verdict" in out
    after = out[out.index("PROOF ROW"):]
    assert after.count("grade yourself") == 1 and "s skip" not in after, after  # no recall prompt
    assert [r[:3] for r in reviews(isolated_home)][-1] == ("auto-claim-false", 3, None)


def test_a_claim_left_at_once_says_so_and_leaves_no_process(tmp_path: Path) -> None:
    from dlstudy.claims import LEFT, PendingVerdict

    write_deck(tmp_path / "user", proof=LOOPING)
    library = load_library([tmp_path / "user"])
    card = library.cards["auto-claim-true"]
    assert card.claim is not None
    pending = PendingVerdict(card.claim, library.derivations["auto_proof"], None, timeout=600)
    pending.cancel()  # before or just after the child starts: either way it is stopped
    verdict_ = pending.result(30)
    assert verdict_.truth is None and verdict_.problem == LEFT
    assert pending._child is None or pending._child.wait(5) != 0

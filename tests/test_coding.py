"""Coding cards: each task's reference passes its own grader, each planted mistake is caught and
named, the user's code runs only in a limited child process, and a session logs it all."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from dlstudy import coding
from dlstudy.coding import report, sandbox
from dlstudy.coding.grade import cases_for, grade, load
from tests.studykit import invoke

TASKS = coding.names()
LIMITS = sandbox.Limits(seconds=2, memory_mb=256)


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """The cases are tiny: extra torch threads only spin (as in the sandbox child)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_the_catalogue_covers_the_syllabus() -> None:
    assert len(TASKS) >= 15
    for flagship in ("softmax_ce", "mlp_two_layer", "dropout", "batchnorm_forward",
                     "batchnorm_backward", "layernorm_backward", "lstm_cell", "gru_cell",
                     "sgd_momentum", "adam_step", "adamw_step", "conv2d_forward", "maxpool_backward",
                     "attention_sdpa", "log_softmax", "clip_grad_norm"):
        assert flagship in TASKS


@pytest.mark.parametrize("name", TASKS)
def test_reference_solution_passes_its_grader_for_100_seeds(name: str) -> None:
    task = coding.get(name)
    function = load(task.solution, task.function)
    for seed in range(100):
        outcome = grade(task, function, cases_for(task, seed), diagnose_mistakes=False)
        assert outcome["passed"], (seed, outcome["failure"])
        assert len(outcome["cases"]) >= 2


@pytest.mark.parametrize("name", TASKS)
def test_planted_mistakes_fail_with_a_message_naming_the_mistake(name: str) -> None:
    task = coding.get(name)
    assert len(task.mistakes) >= 2
    for mistake in task.mistakes:
        function = load(mistake.code, task.function)
        for seed in range(20):
            outcome = grade(task, function, cases_for(task, seed))
            assert not outcome["passed"], (mistake.id, seed)
            failure = outcome["failure"]
            assert failure["case"] and failure["kind"] in ("wrong", "shape", "nan"), failure
            assert failure["mistake"] and failure["mistake"]["id"] == mistake.id, (mistake.id, seed)
            text = "\n".join(report.describe(outcome, "en"))
            assert mistake.en in text and failure["output"] in text
            assert mistake.zh in "\n".join(report.describe(outcome, "zh"))


def test_a_failure_says_which_case_where_and_by_how_much() -> None:
    task = coding.get("softmax_ce")
    from dlstudy.coding.losses import NO_MEAN, UNSTABLE

    wrong = grade(task, load(NO_MEAN, task.function), cases_for(task, 3))
    lines = report.describe(wrong, "en")
    assert lines[1].startswith("case 1 of 4, random logits")
    assert "`dlogits`: max |error|" in lines[2] and " at [" in lines[2]
    nan = grade(task, load(UNSTABLE, task.function), cases_for(task, 3))
    assert nan["failure"]["kind"] == "nan" and "large logits" in nan["failure"]["case"]["en"]
    assert "第 3 个用例" in report.describe(nan, "zh")[1]


def test_a_wrong_shape_is_reported_as_one() -> None:
    task = coding.get("conv2d_forward")
    from dlstudy.coding.cnn import CONV_NO_PLUS_ONE

    outcome = grade(task, load(CONV_NO_PLUS_ONE, task.function), cases_for(task, 0))
    assert outcome["failure"]["kind"] == "shape"
    assert "has shape (" in report.describe(outcome)[2]


def test_inputs_are_copies_and_parameters_may_be_renamed() -> None:
    task = coding.get("log_softmax")
    code = ("import numpy as np\n"
            "def log_softmax(values, dim=-1):\n"
            "    values -= values.max(axis=dim, keepdims=True)\n"  # writes into its argument
            "    return values - np.log(np.exp(values).sum(axis=dim, keepdims=True))\n")
    for seed in range(5):
        assert grade(task, load(code, task.function), cases_for(task, seed))["passed"]


# --- the sandbox ----------------------------------------------------------------------------

def _sandboxed(code: str, task: str = "softmax_ce") -> dict[str, object]:
    return sandbox.run(task, code, 11, LIMITS, filename="/home/me/mine.py")


def test_the_sandbox_grades_the_reference_in_a_child_process() -> None:
    outcome = sandbox.run("gru_cell", coding.get("gru_cell").solution, 4, LIMITS)
    assert outcome["passed"] and outcome["total"] == 3


def test_an_endless_loop_is_stopped_at_the_time_limit() -> None:
    outcome = _sandboxed("def softmax_cross_entropy(logits, labels):\n    while True:\n        pass\n")
    assert outcome["failure"]["kind"] == "timeout"  # type: ignore[index]
    assert "time limit (2 s)" in "\n".join(report.describe(outcome))


def test_a_sleeping_attempt_is_stopped_too() -> None:
    outcome = _sandboxed("import time\ntime.sleep(1000)\n")
    assert outcome["failure"]["kind"] == "timeout"  # type: ignore[index]


def test_a_huge_allocation_ends_with_a_memory_message() -> None:
    for code in ("import numpy as np\ndef softmax_cross_entropy(logits, labels):\n"
                 "    return np.ones((10**6, 10**5)), 0\n",
                 "def softmax_cross_entropy(logits, labels):\n    x = []\n"
                 "    while True:\n        x.append(bytearray(10**7))\n"):
        outcome = _sandboxed(code)
        assert outcome["failure"]["kind"] == "memory", outcome  # type: ignore[index]
        assert "more memory than the limit (256 MB" in "\n".join(report.describe(outcome))


def test_a_crash_of_the_child_is_reported() -> None:
    outcome = _sandboxed("import os\ndef softmax_cross_entropy(logits, labels):\n    os._exit(3)\n")
    assert outcome["failure"]["kind"] == "crash" and "exit status 3" in report.describe(outcome)[1]  # type: ignore[index]
    outcome = _sandboxed("import ctypes\ndef softmax_cross_entropy(logits, labels):\n"
                         "    return ctypes.string_at(0)\n")
    assert "SIGSEGV" in report.describe(outcome)[1]


def test_an_exception_shows_the_users_own_traceback() -> None:
    outcome = _sandboxed("import numpy as np\n\ndef softmax_cross_entropy(logits, labels):\n"
                         "    return np.log(logits) @ labels.T.T.T[None]\n")
    failure = outcome["failure"]
    assert failure["kind"] == "error"  # type: ignore[index]
    assert 'File "/home/me/mine.py", line 4, in softmax_cross_entropy' in failure["traceback"]  # type: ignore[index]
    assert "np.log(logits)" in failure["traceback"]  # type: ignore[index]
    syntax = _sandboxed("def softmax_cross_entropy(logits, labels:\n    pass\n")
    assert "SyntaxError" in syntax["failure"]["traceback"]  # type: ignore[index]
    missing = _sandboxed("def softmax(logits):\n    pass\n")
    assert missing["failure"]["kind"] == "missing"  # type: ignore[index]


def test_the_child_imports_nothing_of_dlstudy_but_the_task() -> None:
    probe = ("import sys\ndef softmax_cross_entropy(logits, labels):\n"
             "    heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
             "('sympy', 'rich', 'typer', 'msgspec', 'yaml', 'fsrs', 'matplotlib')"
             " or m in ('dlstudy.card', 'dlstudy.store', 'dlstudy.cli', 'dlstudy.terminal'))\n"
             "    raise RuntimeError('LOADED=' + ','.join(heavy) + '.')\n")
    assert "LOADED=." in _sandboxed(probe)["failure"]["traceback"]  # type: ignore[index]


# --- sessions, the log, show --seed -----------------------------------------------------------

def _file(folder: Path, name: str, code: str) -> Path:
    path = folder / name
    path.write_text(code, encoding="utf-8")
    return path


def _log(home: Path) -> list[tuple[str, int, int | None, int | None, str | None, str | None]]:
    with sqlite3.connect(home / "reviews.sqlite3") as conn:
        return conn.execute("SELECT c.id, r.rating, r.auto_rating, r.seed, r.answer, r.outcome "
                            "FROM reviews r JOIN cards c ON c.number = r.card ORDER BY r.id").fetchall()


def test_a_round_is_graded_logged_and_replayed(tmp_path: Path, isolated_home: Path) -> None:
    solution = coding.get("softmax_ce").solution
    path = _file(tmp_path, "mine.py", solution)
    result = invoke(["quiz", "--kind", "code", "-n", "1", "--seed", "1"], f"{path}\n\n")
    assert result.exit_code == 0, result.output
    assert "all 4 cases pass" in result.output and "a reference solution" in result.output
    ((card, rating, auto, seed, answer, outcome),) = _log(isolated_home)
    assert (card, rating, auto) == ("code-softmax-cross-entropy", 3, 3)  # right: Good (speed off by default)
    assert answer == solution and json.loads(outcome or "")["passed"] is True
    shown = invoke(["show", card, "--seed", str(seed)])
    assert shown.exit_code == 0, shown.output
    assert f"the cases seed {seed} draws" in shown.output and "attempt logged" in shown.output
    assert "random logits, N=" in shown.output


def test_a_crash_a_loop_or_a_huge_allocation_loses_nothing_already_graded(
        tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLSTUDY_CODE_SECONDS", "2")
    monkeypatch.setenv("DLSTUDY_CODE_MEMORY_MB", "256")
    right = _file(tmp_path, "right.py", coding.get("softmax_ce").solution)
    loop = _file(tmp_path, "loop.py", "def log_softmax(x, axis=-1):\n    while True:\n        pass\n")
    hog = _file(tmp_path, "hog.py", "import numpy as np\ndef mlp_forward_backward(*a):\n"
                                    "    return np.ones((10**6, 10**6))\n")
    crash = _file(tmp_path, "crash.py", "import os\nos._exit(9)\n")
    script = f"{right}\n\n{loop}\n\n{hog}\n\n{crash}\n3\n"
    result = invoke(["quiz", "--kind", "code", "-n", "4", "--seed", "2"], script)
    assert result.exit_code == 0, result.output
    assert "ran past the time limit (2 s)" in result.output
    assert "more memory than the limit (256 MB" in result.output
    assert "the process running your code died (exit status 9)" in result.output
    logged = _log(isolated_home)
    assert [(c, r) for c, r, *_ in logged] == [
        ("code-softmax-cross-entropy", 3), ("code-log-softmax", 1), ("code-mlp-two-layer", 1),
        ("code-dropout", 3)]  # the last: the user overrode Again with Good
    kinds = [json.loads(o or "{}")["failure"]["kind"] for *_, o in logged[1:]]
    assert kinds == ["timeout", "memory", "crash"]
    assert logged[3][2] == 1  # dlstudy's own grade is kept beside the override


def test_piped_input_without_a_path_asks_for_one(tmp_path: Path) -> None:
    result = invoke(["quiz", "--kind", "code", "-n", "1"], "\n/no/such/file.py\ng\n\n")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "type the path of the file" in flat
    assert "cannot read /no/such/file.py" in flat
    assert "given up" in flat and "graded code-softmax-cross-entropy Again" in flat


def test_list_and_quiz_select_code_cards() -> None:
    listed = invoke(["list", "--kind", "code", "--format", "tsv"])
    assert listed.exit_code == 0
    rows = [line.split("\t") for line in listed.output.strip().splitlines()]
    assert len(rows) >= 15 and all(r[1] == "coding" and r[2] == "code" for r in rows)


def test_limits_from_the_environment_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLSTUDY_CODE_SECONDS", "ten")
    with pytest.raises(ValueError, match="DLSTUDY_CODE_SECONDS"):
        sandbox.Limits.from_env()
    monkeypatch.setenv("DLSTUDY_CODE_SECONDS", "3")
    assert sandbox.Limits.from_env() == sandbox.Limits(3.0, sandbox.MEMORY_MB)


# --- the schema, check -----------------------------------------------------------------------

def test_schema_3_adds_the_outcome_column_and_keeps_old_logs(tmp_path: Path) -> None:
    from dlstudy.scheduler import SchedulerConfig
    from dlstudy.store import MIGRATIONS, SCHEMA_VERSION, Store, _statements

    with sqlite3.connect(tmp_path / "reviews.sqlite3") as conn:  # a database of schema 2
        for migration in MIGRATIONS[:2]:
            for statement in _statements(migration):
                conn.execute(statement)
        conn.execute("INSERT INTO cards (id) VALUES ('old-card')")
        conn.execute("INSERT INTO schedulers VALUES (1, ?, 0, 'default')", (SchedulerConfig().key(),))
        conn.execute("INSERT INTO reviews (card, rating, at, version, mode, seed, auto_rating, "
                     "answer) VALUES (1, 3, 1, 1, 'quiz', 5, 3, '42')")
        conn.execute("PRAGMA user_version = 2")
    with Store.open(tmp_path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        (old,) = store.reviews()
        assert (old.card, old.rating, old.seed, old.answer, old.outcome) == ("old-card", 3, 5, "42", None)
        graded, _ = store.grade("code-x", 1, store.scheduler(SchedulerConfig()), 9000, "quiz",
                                seed=7, auto_rating=1, answer="def f(): ...", outcome='{"passed": false}')
        assert list(store.reviews("code-x")) == [graded] and graded.outcome == '{"passed": false}'


def test_a_code_card_needs_its_spec_and_a_known_task(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import msgspec

    from dlstudy.card import Card

    base = {"id": "c", "title": {"en": "t", "zh": "t"}, "question": {"en": "q", "zh": "q"},
            "answer": {"en": "a", "zh": "a"}}
    with pytest.raises(msgspec.ValidationError, match=r"needs `code: \{task: NAME\}`"):
        msgspec.convert({**base, "kind": "code"}, Card)
    with pytest.raises(msgspec.ValidationError, match="only for cards of `kind: code`"):
        msgspec.convert({**base, "code": {"task": "softmax_ce"}}, Card)
    deck = tmp_path / "questions" / "mine.yaml"
    deck.parent.mkdir()
    deck.write_text("topic: mine\ntitle: {en: Mine, zh: 我的}\ncards:\n"
                    "  - id: mine-code\n    kind: code\n    title: {en: T, zh: T}\n"
                    "    question: {en: Q, zh: Q}\n    answer: {en: A, zh: A}\n"
                    "    derivations: [loss_softmax_ce_grad]\n"
                    "    code: {task: softmax_cee}\n", encoding="utf-8")
    monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path))
    checked = invoke(["check"])
    assert checked.exit_code == 1
    flat = " ".join(checked.output.split())
    assert "mine.yaml:10: card `mine-code` names unknown coding task `softmax_cee` — did you mean " \
           "`softmax_ce`?" in flat


def test_the_session_process_never_imports_numpy_or_torch(tmp_path: Path) -> None:
    """The user's code, the reference and the grading all run in the child: the session stays light."""
    import subprocess
    import sys

    path = _file(tmp_path, "mine.py", coding.get("softmax_ce").solution)
    probe = ("import sys\nfrom typer.testing import CliRunner\nfrom dlstudy.cli import app\n"
             f"result = CliRunner().invoke(app, ['quiz', '--kind', 'code', '-n', '1'], input={f'{path}' + chr(10) * 2!r})\n"
             "assert result.exit_code == 0, result.output\nassert 'all 4 cases pass' in result.output\n"
             "print('HEAVY=' + ' '.join(m for m in ('torch', 'numpy', 'sympy') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "HEAVY=\n" in out.stdout, out.stdout + out.stderr


class _TypedKeys:
    """Keys on a pretend terminal: lines and keys from a list (no termios)."""

    def __init__(self, lines: list[str]) -> None:
        from dlstudy.terminal import Keys

        self.tty = True
        self.lines = lines
        self._saved = None
        self.edit = Keys.edit.__get__(self)  # the real editor launcher

    def __enter__(self) -> _TypedKeys:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def line(self) -> str | None:
        return self.lines.pop(0) if self.lines else None

    def read(self) -> str | None:
        line = self.line()
        return None if line is None else (line or "enter")

    def discard(self) -> None:
        pass


def _editor_session(tmp_path: Path, home: Path, editor_body: str, lines: list[str],
                    monkeypatch: pytest.MonkeyPatch) -> str:
    import io
    import sys

    import msgspec
    from rich.console import Console

    from dlstudy.card import Card
    from dlstudy.scheduler import SchedulerConfig
    from dlstudy.session import Session
    from dlstudy.store import Store
    from dlstudy.terminal import Study

    script = _file(tmp_path, "editor.py", editor_body)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    card = msgspec.convert({"id": "code-ce", "kind": "code", "topic": "coding",
                            "title": {"en": "t", "zh": "t"}, "question": {"en": "q", "zh": "q"},
                            "answer": {"en": "a", "zh": "a"}, "code": {"task": "softmax_ce"}}, Card)
    out = io.StringIO()
    with Store.open(home) as store:
        session = Session(store, store.scheduler(SchedulerConfig()), [card], "quiz")
        study = Study(session, {}, "en", Console(file=out, width=100), _TypedKeys(lines),  # type: ignore[arg-type]
                      code_limits=LIMITS)
        study.run()
    return out.getvalue()


def test_enter_opens_the_editor_on_the_stub_and_grades_what_was_saved(
        tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    solution = coding.get("softmax_ce").solution
    editor = ("import sys\npath = sys.argv[1]\ntext = open(path).read()\n"
              "assert 'def softmax_cross_entropy(logits, labels):' in text, text\n"
              f"open(path, 'w').write({solution!r})\n")
    shown = _editor_session(tmp_path, isolated_home, editor, ["", ""], monkeypatch)
    assert "all 4 cases pass" in shown
    ((card, rating, auto, _, answer, outcome),) = _log(isolated_home)
    assert (card, rating, auto, answer) == ("code-ce", 3, 3, solution)  # right: Good
    assert json.loads(outcome or "")["passed"] is True


def test_an_unchanged_stub_is_not_graded_and_g_gives_up(
        tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = _editor_session(tmp_path, isolated_home, "pass\n", ["", "g", ""], monkeypatch)
    assert "the stub is unchanged" in shown and "given up" in shown
    ((_, rating, _, _, answer, outcome),) = _log(isolated_home)
    assert rating == 1 and answer is None and json.loads(outcome or "")["failure"]["kind"] == "gave_up"


def test_every_task_has_a_card_and_every_code_card_links_a_derivation() -> None:
    from dlstudy.library import load_library

    library = load_library()
    cards = [c for c in library.cards.values() if c.kind == "code"]
    assert len(cards) >= 15 and {c.topic for c in cards} == {"coding"}
    assert sorted(c.code.task for c in cards if c.code) == TASKS
    for card in cards:
        assert card.derivations and all(d in library.derivations for d in card.derivations)
    deck = next(d for d in library.decks if d.topic == "coding")
    assert (deck.title.en, deck.title.zh) == ("Write it yourself", "动手实现")


def test_ctrl_c_while_the_code_runs_ends_the_session_and_its_child(tmp_path: Path,
                                                                    isolated_home: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.studykit import ROOT

    right = _file(tmp_path, "right.py", coding.get("softmax_ce").solution)
    loop = _file(tmp_path, "loop.py", "def log_softmax(x, axis=-1):\n    while True:\n        pass\n")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, DLSTUDY_HOME=str(isolated_home), TMPDIR=str(scratch),
               DLSTUDY_CODE_SECONDS="120", PYTHONPATH=str(ROOT))
    session = subprocess.Popen([sys.executable, "-m", "dlstudy", "quiz", "--kind", "code", "-n", "2"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=env, text=True)
    assert session.stdin is not None
    session.stdin.write(f"{right}\n\n{loop}\n")
    session.stdin.flush()

    def children() -> list[str]:
        """The sandbox children of this test (their files are in its own TMPDIR)."""
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if b"dlstudy.coding.sandbox" in cmdline and str(scratch).encode() in cmdline:
                found.append(pid)
        return found

    def graded() -> int:
        try:
            return len(_log(isolated_home))
        except sqlite3.Error:  # not made yet
            return 0

    deadline = time.monotonic() + 120
    while not (graded() == 1 and children()):
        assert time.monotonic() < deadline and session.poll() is None
        time.sleep(0.2)
    time.sleep(1.0)  # the loop is running in the child
    session.send_signal(signal.SIGINT)
    out, _ = session.communicate(timeout=30)
    assert session.returncode == 130, out
    assert [(c, r) for c, r, *_ in _log(isolated_home)] == [("code-softmax-cross-entropy", 3)]
    assert children() == []  # review: under `python -m dlstudy` Ctrl-C was an os._exit that left it


@pytest.mark.parametrize("own_session", [False, True])
def test_processes_the_users_code_starts_do_not_outlive_the_attempt(tmp_path: Path,
                                                                     own_session: bool) -> None:
    """Even one that left the process group (setsid) — review: it used to outlive the attempt."""
    import os
    import time

    marker = tmp_path / "alive"
    spin = _file(tmp_path, "spin.py", "import pathlib, sys, time\nwhile True:\n"
                                      "    pathlib.Path(sys.argv[1]).touch()\n    time.sleep(0.1)\n")
    code = ("import os, subprocess, sys, time\n"
            "def softmax_cross_entropy(logits, labels):\n"
            f"    subprocess.Popen([sys.executable, {str(spin)!r}, {str(marker)!r}], "
            f"start_new_session={own_session})\n"
            f"    while not os.path.exists({str(marker)!r}):\n"
            "        time.sleep(0.05)\n"
            "    return 0.0, logits\n")
    outcome = _sandboxed(code)
    assert not outcome["passed"] and outcome["failure"]["kind"] == "wrong", outcome  # type: ignore[index]
    assert marker.exists()  # the grandchild ran
    os.unlink(marker)
    time.sleep(1.0)
    assert not marker.exists(), "a process started by the user's code is still running"


@pytest.mark.parametrize("name", TASKS)
def test_the_stub_reads_in_chinese_with_the_same_code(name: str) -> None:
    import ast

    task = coding.get(name)
    zh = task.stub_in("zh")
    assert zh != task.stub and task.stub_in("en") == task.stub
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)

    def signature(source: str) -> str:
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                node.body = [ast.Pass()]
        return ast.dump(tree)

    assert signature(zh) == signature(task.stub)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_stubs_and_solutions_are_laid_out_to_the_panel_width(lang: str) -> None:
    from rich.cells import cell_len

    for name in TASKS:
        task = coding.get(name)
        for source in (task.stub_in(lang), task.solution):
            laid_out = report.fit(source, 76)
            long = [line for line in laid_out.splitlines()
                    if cell_len(line) > 76 and not line.startswith("def ")]
            assert not long, (name, long)
            kept = [line.strip() for line in source.splitlines() if "#" not in line and '"""' not in line]
            assert all(line in laid_out for line in kept if cell_len(line) <= 70)


# --- wrong solutions beyond the planted ones (review) ------------------------------------------

@pytest.mark.parametrize(("name", "old", "new"), [
    # an output width computed from the height: a square input hides it
    ("conv2d_forward", "ow = (wd + 2 * padding - kw) // stride + 1",
     "ow = (h + 2 * padding - kw) // stride + 1"),
    ("maxpool_backward", "for j in range(ow):", "for j in range(oh):"),
])
def test_a_width_taken_from_the_height_fails_for_every_seed(name: str, old: str, new: str) -> None:
    task = coding.get(name)
    assert old in task.solution
    wrong = load(task.solution.replace(old, new), task.function)
    for seed in range(100):
        cases = cases_for(task, seed)
        assert any(c.args["x"].shape[2] != c.args["x"].shape[3] for c in cases), seed
        assert not grade(task, wrong, cases, diagnose_mistakes=False)["passed"], seed


def test_the_gru_update_convention_is_attributed_as_the_rnn_deck_does() -> None:
    """Cho et al. (2014, eq. 7) put z on the old state, as PyTorch does; the swapped form is
    Chung et al.'s (review: the mistake's text named Cho et al. for it)."""
    swapped = next(m for m in coding.get("gru_cell").mistakes if m.id == "swapped_update")
    for text in (swapped.en, swapped.zh):
        assert "Chung" in text and "Cho" in text.split("PyTorch")[1]


def test_a_stub_that_says_do_not_modify_the_inputs_is_held_to_it() -> None:
    """Review: a solution writing into `param` or `running_mean` passed although the stub forbids it."""
    from dlstudy.coding.grade import modified

    assert {n for n in TASKS if coding.get(n).keeps_inputs} == \
        {"batchnorm_forward", "sgd_momentum", "adam_step", "adamw_step"}
    sgd = coding.get("sgd_momentum")
    in_place = ("def sgd_step(param, grad, buf, lr, momentum, weight_decay):\n"
                "    grad += weight_decay * param\n"
                "    if buf is None:\n        buf = grad.copy()\n"
                "    else:\n        buf *= momentum\n        buf += grad\n"
                "    param -= lr * buf\n    return param, buf\n")
    outcome = grade(sgd, load(in_place, sgd.function), cases_for(sgd, 0))
    assert not outcome["passed"] and outcome["failure"]["kind"] == "modified"
    assert "wrote into its argument `param`" in "\n".join(report.describe(outcome))
    assert "原地修改了参数 `param`" in "\n".join(report.describe(outcome, "zh"))
    bn = coding.get("batchnorm_forward")
    code = bn.solution.replace("    new_mean = (1 - momentum) * running_mean + momentum * mean",
                               "    running_mean *= 1 - momentum\n"
                               "    running_mean += momentum * mean\n    new_mean = running_mean")
    outcome = grade(bn, load(code, bn.function), cases_for(bn, 1))
    assert outcome["failure"]["kind"] == "modified" and outcome["failure"]["output"] == "running_mean"
    assert modified({"a": [1], "g": None}, {"a": [1], "g": None}) is None


@pytest.mark.parametrize("wrong_d", ["v.shape[-1]", "k.shape[1]", "q.shape[1]"])
def test_attention_scaled_by_another_dimension_fails_for_every_seed(wrong_d: str) -> None:
    """Review: with d equal to dv, Lk or Lq by chance, scaling by √dv / √Lk / √Lq passed
    (13, 40 and 160 seeds of 1000)."""
    task = coding.get("attention_sdpa")
    wrong = load(task.solution.replace("d = q.shape[-1]", f"d = {wrong_d}"), task.function)
    for seed in range(300):
        assert not grade(task, wrong, cases_for(task, seed), diagnose_mistakes=False)["passed"], seed


def test_conv2d_with_kh_and_kw_mixed_up_fails() -> None:
    """Review: every kernel was square, so a solution swapping KH and KW passed 100/100 seeds."""
    task = coding.get("conv2d_forward")
    code = task.solution.replace("top:top + kh, left:left + kw", "top:top + kw, left:left + kh") \
        .replace("(h + 2 * padding - kh)", "(h + 2 * padding - kw)") \
        .replace("(wd + 2 * padding - kw)", "(wd + 2 * padding - kh)")
    assert code != task.solution
    wrong = load(code, task.function)
    for seed in range(50):
        assert not grade(task, wrong, cases_for(task, seed), diagnose_mistakes=False)["passed"], seed


def test_printing_in_a_loop_is_stopped_with_a_message_saying_so() -> None:
    """Review: the output limit held, but the message was a bare OSError (File too large)."""
    outcome = _sandboxed("def softmax_cross_entropy(logits, labels):\n"
                         "    while True:\n        print('x' * 10000)\n")
    assert outcome["failure"]["kind"] == "flood", outcome  # type: ignore[index]
    assert "printed more than the limit (16 MB)" in "\n".join(report.describe(outcome))
    assert "输出超过了限制（16 MB）" in "\n".join(report.describe(outcome, "zh"))
    at_import = _sandboxed("print('x' * (20 * 2**20))\n")
    assert at_import["failure"]["kind"] == "flood", at_import  # type: ignore[index]


def test_rnn_cells_sliced_by_d_instead_of_h_fail_for_every_seed() -> None:
    """Review: D and H were drawn independently, so slicing the gates by D passed 49/200 seeds."""
    lstm = ("import numpy as np\n"
            "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
            "    H = x.shape[1]\n"  # D, not H
            "    s = lambda a: 1 / (1 + np.exp(-a))\n"
            "    g = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh\n"
            "    i, f, o = s(g[:, :H]), s(g[:, H:2 * H]), s(g[:, 3 * H:4 * H])\n"
            "    c2 = f * c + i * np.tanh(g[:, 2 * H:3 * H])\n"
            "    return o * np.tanh(c2), c2\n")
    gru = coding.get("gru_cell").solution.replace(
        "n = np.tanh(i_n + r * h_n)",
        "H = x.shape[1]\n    n = np.tanh(i_n + r * (h @ W_hh[2 * H:].T + b_hh[2 * H:]))")
    for name, code in (("lstm_cell", lstm), ("gru_cell", gru)):
        task = coding.get(name)
        wrong = load(code, task.function)
        for seed in range(100):
            assert not grade(task, wrong, cases_for(task, seed), diagnose_mistakes=False)["passed"], \
                (name, seed)


@pytest.mark.parametrize(("name", "mistake"), [
    ("log_softmax", "global_max"), ("softmax_ce", "global_max"), ("softmax_ce", "log_of_probs"),
])
def test_a_softmax_stable_only_for_rows_close_together_fails_for_every_seed(
        name: str, mistake: str) -> None:
    """Review 3: the shift by one max for the whole array passed log_softmax 200/200 seeds (and
    softmax_ce 14/200); the log of the probabilities passed softmax_ce 2/200."""
    task = coding.get(name)
    wrong = load(next(m for m in task.mistakes if m.id == mistake).code, task.function)
    for seed in range(100):
        assert not grade(task, wrong, cases_for(task, seed), diagnose_mistakes=False)["passed"], seed


@pytest.mark.parametrize(("name", "mistake"), [
    ("mlp_two_layer", "unstable"), ("mlp_two_layer", "log_of_probs"), ("attention_sdpa", "masked_max"),
])
def test_a_softmax_that_overflows_or_underflows_on_large_scores_fails_for_every_seed(
        name: str, mistake: str) -> None:
    """Review 3: the MLP's scores were small, so an unshifted softmax passed 200/200 seeds (and
    the reference itself took log p, which is log 0 for a label far below the max); attention
    with the max taken over the masked keys too passed 21/200."""
    task = coding.get(name)
    wrong = load(next(m for m in task.mistakes if m.id == mistake).code, task.function)
    for seed in range(100):
        assert not grade(task, wrong, cases_for(task, seed), diagnose_mistakes=False)["passed"], seed


def test_a_float32_result_is_told_so_and_close_values_show_where_they_differ() -> None:
    """Review 3: a float32 answer failed with "expected -11.3787, got -11.3787" and no word of
    the precision."""
    task = coding.get("softmax_ce")
    code = task.solution.replace("    n = logits.shape[0]\n",
                                 "    n = logits.shape[0]\n    logits = logits.astype(np.float32)\n")
    outcome = grade(task, load(code, task.function), cases_for(task, 3))
    assert not outcome["passed"] and outcome["failure"]["dtype"] == "float32"
    assert "your `dlogits` is float32: the inputs are float64" in "\n".join(report.describe(outcome))
    assert "你的 `dlogits` 是 float32" in "\n".join(report.describe(outcome, "zh"))
    conv = coding.get("conv2d_forward")
    code = conv.solution.replace("out = np.empty((n, f, oh, ow))",
                                 "out = np.empty((n, f, oh, ow), dtype=np.float32)")
    outcome = grade(conv, load(code, conv.function), cases_for(conv, 3))
    line = report.describe(outcome)[2]
    expected, got = line.split("expected ")[1].split("; tolerance")[0].split(", got ")
    assert expected != got and len(expected) > 10, line
    assert "dtype" not in outcome["failure"]  # float32 + float64 bias: the result is float64


def test_dropout_scaled_by_one_over_p_fails_for_every_seed() -> None:
    """Review 3: p was 0.5 in every training case for a third of the seeds, where 1/p equals
    1/(1 − p): scaling the survivors by 1/p passed 72/200 seeds."""
    task = coding.get("dropout")
    wrong = load(next(m for m in task.mistakes if m.id == "scale_by_p").code, task.function)
    for seed in range(200):
        assert not grade(task, wrong, cases_for(task, seed), diagnose_mistakes=False)["passed"], seed


def test_log_softmax_ignoring_its_axis_argument_fails_for_every_seed() -> None:
    """Review 3: every case was along axis 1 (the last of a matrix, the middle of a 3-D array):
    `axis = 1` hard-coded passed 200/200 seeds."""
    task = coding.get("log_softmax")
    wrong = load(next(m for m in task.mistakes if m.id == "axis_one").code, task.function)
    for seed in range(100):
        assert not grade(task, wrong, cases_for(task, seed), diagnose_mistakes=False)["passed"], seed


@pytest.mark.parametrize("name", ["batchnorm_forward", "batchnorm_backward", "layernorm_backward"])
def test_a_norm_that_ignores_its_eps_argument_fails_for_every_seed(name: str) -> None:
    """Review 3: no case passed eps, so eps = 1e-5 written in place of the argument passed
    200/200 seeds."""
    task = coding.get(name)
    code = task.solution.replace("np.sqrt(var + eps)", "np.sqrt(var + 1e-5)")
    assert code != task.solution
    wrong = load(code, task.function)
    for seed in range(100):
        assert not grade(task, wrong, cases_for(task, seed), diagnose_mistakes=False)["passed"], seed


@pytest.mark.parametrize(("name", "line"), [
    ("sgd_momentum", "momentum = 0.9"), ("sgd_momentum", "lr = 0.1"),
    ("sgd_momentum", "weight_decay = 1e-2"), ("adam_step", "beta1 = 0.9"),
    ("adam_step", "beta2 = 0.999"), ("adam_step", "eps = 1e-8"), ("adamw_step", "beta2 = 0.999"),
])
def test_an_optimizer_that_ignores_a_hyperparameter_fails_for_every_seed(name: str, line: str) -> None:
    """Review 3: each case drew its hyperparameters independently, so a solution with PyTorch's
    default written in place of the argument passed when every case drew that value (beta2 =
    0.999: 29/200 seeds; momentum = 0.9: 23/200)."""
    task = coding.get(name)
    head = task.solution.split("):\n", 1)
    wrong = load(f"{head[0]}):\n    {line}\n{head[1]}", task.function)
    for seed in range(100):
        assert not grade(task, wrong, cases_for(task, seed), diagnose_mistakes=False)["passed"], seed


def test_a_scalar_output_is_not_given_a_position() -> None:
    """Review 3: a NaN loss read "`loss` is inf at [] where the reference is finite"."""
    task = coding.get("softmax_ce")
    wrong = load(next(m for m in task.mistakes if m.id == "log_of_probs").code, task.function)
    outcome = grade(task, wrong, cases_for(task, 7))
    assert outcome["failure"]["output"] == "loss" and outcome["failure"]["where"] == []
    assert "`loss` is inf where the reference is finite" in report.describe(outcome)[2]
    assert "`loss` 为 inf，" in report.describe(outcome, "zh")[2]


def test_an_attempt_graded_on_other_cases_says_so_when_replayed() -> None:
    """Review 3 changed the cases of 11 tasks: `show CARD --seed N` would show today's cases
    beside an attempt graded on the old ones ("case 3 of 3" under four cases)."""
    from types import SimpleNamespace

    from rich.console import Console

    assert coding.get("softmax_ce").cases_version == 2 and coding.get("lstm_cell").cases_version == 1
    outcome = sandbox.run("softmax_ce", coding.get("softmax_ce").solution, 0, LIMITS)
    assert outcome["passed"] and outcome["cases_version"] == 2
    review = SimpleNamespace(at=0, rating=3, answer="def f(): pass")

    def shown(outcome: dict[str, object], lang: str = "en") -> str:
        import io

        console = Console(width=100, record=True, file=io.StringIO())
        console.print(report.attempt_view(review, outcome, lang, 2))
        return console.export_text()

    assert "earlier version of this card's cases" not in shown(outcome)
    old = {k: v for k, v in outcome.items() if k != "cases_version"}  # logged before versions
    assert "graded on an earlier version of this card's cases" in shown(old)
    assert "早先版本的用例" in shown(old, "zh")
